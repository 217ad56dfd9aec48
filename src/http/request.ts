import { MILLISECOND, parseGoDuration } from '../lib/duration.ts';
import { badRequest, HttpError } from './errors.ts';

/** A request as handlers see it: already routed, body as bytes, query with presence semantics. */
export interface ApiRequest {
  method: string;
  /** The decoded remainder of the path for wildcard routes (`/v1/kv/<rest>`), else ''. */
  rest: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array | undefined;
  /** Aborted when the client disconnects. */
  signal: AbortSignal;
  remoteAddress: string;
}

/** Consul reads flags by presence: `?recurse`, `?recurse=`, `?recurse=1` are all true. */
export function flag(request: ApiRequest, name: string): boolean {
  return request.query.has(name);
}

/** The path remainder naming what the endpoint acts on (`/v1/session/info/<id>`); 400 `missing` when empty. */
export function pathName(request: ApiRequest, missing: string): string {
  if (request.rest === '') throw badRequest(missing);
  return request.rest;
}

/** A uint64 query parameter (`?cas=`, `?flags=`); invalid → 400 with `message`. */
export function uintParam(request: ApiRequest, name: string, message: string): number | undefined {
  const text = request.query.get(name);
  if (text === null) return undefined;
  if (!/^\d+$/.test(text)) throw badRequest(message);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw badRequest(message);
  return value;
}

/** A boolean query value the way Go's strconv.ParseBool reads it; undefined when absent. */
export function parseBoolText(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

export const Consistency = { default: 'default', consistent: 'consistent', stale: 'stale' } as const;
export type Consistency = (typeof Consistency)[keyof typeof Consistency];

export interface QueryOptions {
  minIndex: number;
  waitMs: number;
  consistency: Consistency;
}

export interface QueryLimits {
  defaultQueryTimeMs: number;
  maxQueryTimeMs: number;
}

/** Consul's `parseWait` + `parseConsistency`. */
export function queryOptions(request: ApiRequest, limits: QueryLimits): QueryOptions {
  let minIndex = 0;
  const indexText = request.query.get('index');
  if (indexText !== null && indexText !== '') {
    if (!/^\d+$/.test(indexText) || !Number.isSafeInteger(Number(indexText)))
      throw badRequest('Invalid index');
    minIndex = Number(indexText);
  }
  let waitMs = limits.defaultQueryTimeMs;
  const waitText = request.query.get('wait');
  if (waitText !== null && waitText !== '') {
    const ns = parseGoDuration(waitText);
    if (ns === undefined || ns < 0) throw badRequest('Invalid wait time');
    if (ns > 0) waitMs = ns / MILLISECOND;
  }
  waitMs = Math.min(waitMs, limits.maxQueryTimeMs);

  let stale = flag(request, 'stale');
  const consistent = flag(request, 'consistent');
  const maxStale = request.query.get('max_stale');
  if (maxStale !== null && maxStale !== '') {
    const ns = parseGoDuration(maxStale);
    if (ns === undefined) throw badRequest(`Invalid max_stale value "${maxStale}"`);
    if (ns > 0) stale = true;
  }
  if (stale && consistent) throw badRequest('Cannot specify ?stale with ?consistent, conflicting semantics.');
  const consistency = stale ? Consistency.stale : consistent ? Consistency.consistent : Consistency.default;
  return { minIndex, waitMs, consistency };
}

/** `?dc=` other than ours: Consul answers 500 `No path to datacenter` (no WAN federation yet). */
export function checkDatacenter(request: ApiRequest, datacenter: string): void {
  const dc = request.query.get('dc');
  if (dc !== null && dc !== '' && dc !== datacenter) throw new HttpError(500, 'No path to datacenter');
}
