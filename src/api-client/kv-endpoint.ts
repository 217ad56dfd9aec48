/** `/v1/kv/*`. Values travel base64 in JSON and are decoded to bytes here. */

import { decodeBase64 } from '../lib/base64.ts';
import type { KvEntry } from '../model/records.ts';
import { escapePath, type HttpTransport } from './http-transport.ts';
import {
  type QueryOptions,
  type QueryParameters,
  type QueryResult,
  queryParameters,
  type WriteOptions,
  writeParameters,
} from './query.ts';

/** A KV entry as the API sends it: `Value` base64 or null, `Session` omitted when unlocked. */
export interface KvEntryJson {
  LockIndex: number;
  Key: string;
  Flags: number;
  Value: string | null;
  Session?: string;
  CreateIndex: number;
  ModifyIndex: number;
}

export interface KvPutOptions extends WriteOptions {
  flags?: number;
  /** Check-and-set: `0` creates only; otherwise the key's current ModifyIndex. */
  cas?: number;
  /** Session id taking the lock. */
  acquire?: string;
  /** Session id giving the lock up. */
  release?: string;
}

export interface KvDeleteOptions extends WriteOptions {
  recurse?: boolean;
  /** Deletes only if the key's ModifyIndex still equals this. */
  cas?: number;
}

export class KvEndpoint {
  constructor(private readonly http: HttpTransport) {}

  /** One key; `value` is null when it does not exist. */
  async get(key: string, options: QueryOptions = {}): Promise<QueryResult<KvEntry | null>> {
    const request = {
      method: 'GET',
      path: kvPath(key),
      query: queryParameters(options),
      signal: options.signal,
    } as const;
    const { value, meta } = await this.http.query<KvEntryJson[] | null>(request, () => null);
    return { value: value?.[0] ? decodeKvEntry(value[0]) : null, meta };
  }

  /** Every key under the prefix, sorted by key; `[]` when there are none. */
  async list(prefix: string, options: QueryOptions = {}): Promise<QueryResult<KvEntry[]>> {
    const query: QueryParameters = [['recurse', ''], ...queryParameters(options)];
    const request = { method: 'GET', path: kvPath(prefix), query, signal: options.signal } as const;
    const { value, meta } = await this.http.query<KvEntryJson[]>(request, () => []);
    return { value: value.map(decodeKvEntry), meta };
  }

  /** Key names under the prefix; with a separator, cut after the first one past the prefix. */
  keys(prefix: string, separator?: string, options: QueryOptions = {}): Promise<QueryResult<string[]>> {
    const query: QueryParameters = [['keys', '']];
    if (separator) query.push(['separator', separator]);
    query.push(...queryParameters(options));
    return this.http.query<string[]>(
      { method: 'GET', path: kvPath(prefix), query, signal: options.signal },
      () => [],
    );
  }

  /** Writes the value; `false` when a cas, acquire or release condition did not hold. */
  put(key: string, value: Uint8Array | string, options: KvPutOptions = {}): Promise<boolean> {
    const query = writeParameters(options);
    if (options.flags !== undefined && options.flags !== 0) query.push(['flags', String(options.flags)]);
    if (options.cas !== undefined) query.push(['cas', String(options.cas)]);
    if (options.acquire) query.push(['acquire', options.acquire]);
    if (options.release) query.push(['release', options.release]);
    const body = typeof value === 'string' ? new TextEncoder().encode(value) : value;
    return this.http.boolean({ method: 'PUT', path: kvPath(key), query, body, signal: options.signal });
  }

  /** Deletes the key (or prefix with `recurse`); `false` only when a cas condition did not hold. */
  delete(key: string, options: KvDeleteOptions = {}): Promise<boolean> {
    const query = writeParameters(options);
    if (options.recurse) query.push(['recurse', '']);
    if (options.cas !== undefined) query.push(['cas', String(options.cas)]);
    return this.http.boolean({ method: 'DELETE', path: kvPath(key), query, signal: options.signal });
  }
}

export function decodeKvEntry(entry: KvEntryJson): KvEntry {
  return {
    LockIndex: entry.LockIndex,
    Key: entry.Key,
    Flags: entry.Flags,
    Value: entry.Value === null || entry.Value === undefined ? null : decodeBase64(entry.Value),
    Session: entry.Session ?? '',
    CreateIndex: entry.CreateIndex,
    ModifyIndex: entry.ModifyIndex,
  };
}

function kvPath(key: string): string {
  return `/v1/kv/${escapePath(key)}`;
}
