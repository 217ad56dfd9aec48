/** `/v1/session/*`: sessions, the lease behind KV locks. */

import type { Session } from '../model/records.ts';
import { escapePath, type HttpTransport } from './http-transport.ts';
import {
  type QueryOptions,
  type QueryResult,
  queryParameters,
  type WriteOptions,
  writeParameters,
} from './query.ts';
import type { SessionRequest } from './types.ts';

export class SessionEndpoint {
  constructor(private readonly http: HttpTransport) {}

  /** Returns the new session's id. */
  async create(request: SessionRequest = {}, options: WriteOptions = {}): Promise<string> {
    const query = writeParameters(options);
    const answer = await this.http.json<{ ID: string }>({
      method: 'PUT',
      path: '/v1/session/create',
      query,
      body: request,
      signal: options.signal,
    });
    return answer.ID;
  }

  /** Idempotent: destroying an unknown session also answers `true`. */
  destroy(id: string, options: WriteOptions = {}): Promise<boolean> {
    const query = writeParameters(options);
    const path = `/v1/session/destroy/${escapePath(id)}`;
    return this.http.boolean({ method: 'PUT', path, query, signal: options.signal });
  }

  /** The renewed session, or null when it no longer exists (the agent answers 404). */
  async renew(id: string, options: WriteOptions = {}): Promise<Session | null> {
    const query = writeParameters(options);
    const path = `/v1/session/renew/${escapePath(id)}`;
    const response = await this.http.send({
      method: 'PUT',
      path,
      query,
      signal: options.signal,
      acceptStatuses: [404],
    });
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    const sessions = (await response.json()) as Session[];
    return sessions[0] ?? null;
  }

  /** The session, or null when there is none with that id. */
  async info(id: string, options: QueryOptions = {}): Promise<QueryResult<Session | null>> {
    const path = `/v1/session/info/${escapePath(id)}`;
    const { value, meta } = await this.http.query<Session[] | null>({
      method: 'GET',
      path,
      query: queryParameters(options),
      signal: options.signal,
    });
    return { value: value?.[0] ?? null, meta };
  }

  list(options: QueryOptions = {}): Promise<QueryResult<Session[]>> {
    return this.http.query({
      method: 'GET',
      path: '/v1/session/list',
      query: queryParameters(options),
      signal: options.signal,
    });
  }

  node(node: string, options: QueryOptions = {}): Promise<QueryResult<Session[]>> {
    const path = `/v1/session/node/${escapePath(node)}`;
    return this.http.query({ method: 'GET', path, query: queryParameters(options), signal: options.signal });
  }
}
