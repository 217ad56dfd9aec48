/**
 * Read options and response metadata shared by every read endpoint ([blocking],
 * [consistency] in the HTTP API reference).
 */

export interface QueryOptions {
  /** The `X-Consul-Index` of an earlier answer: the agent holds the request until it moves past. */
  index?: number;
  /** How long the agent may hold a blocking query (default 5 min server-side, max 10 min). */
  waitMs?: number;
  /** Any server may answer, even without a leader (`?stale`). */
  stale?: boolean;
  /** The leader confirms leadership with a quorum first (`?consistent`). */
  consistent?: boolean;
  /** Datacenter to ask; defaults to the client's, then the agent's. */
  dc?: string;
  signal?: AbortSignal;
}

export interface WriteOptions {
  dc?: string;
  signal?: AbortSignal;
}

export interface QueryMeta {
  /** `X-Consul-Index`: the Raft index of what the query read (0 when the endpoint sends none). */
  lastIndex: number;
  /** `X-Consul-KnownLeader`. */
  knownLeader: boolean;
  /** `X-Consul-LastContact`: milliseconds since the answering server heard from the leader. */
  lastContactMs: number;
}

export interface QueryResult<T> {
  value: T;
  meta: QueryMeta;
}

/** Query-string pairs; a flag parameter (`stale`, `recurse`) has the value `''`. */
export type QueryParameters = [name: string, value: string][];

export function queryParameters(options: QueryOptions): QueryParameters {
  const parameters: QueryParameters = [];
  if (options.index !== undefined && options.index > 0) parameters.push(['index', String(options.index)]);
  if (options.waitMs !== undefined) parameters.push(['wait', `${Math.max(0, Math.round(options.waitMs))}ms`]);
  if (options.stale) parameters.push(['stale', '']);
  if (options.consistent) parameters.push(['consistent', '']);
  if (options.dc) parameters.push(['dc', options.dc]);
  return parameters;
}

export function writeParameters(options: WriteOptions): QueryParameters {
  return options.dc ? [['dc', options.dc]] : [];
}

export function parseQueryMeta(headers: Headers): QueryMeta {
  return {
    lastIndex: parseUnsigned(headers.get('X-Consul-Index')),
    knownLeader: headers.get('X-Consul-KnownLeader') === 'true',
    lastContactMs: parseUnsigned(headers.get('X-Consul-LastContact')),
  };
}

function parseUnsigned(text: string | null): number {
  if (text === null || !/^\d+$/.test(text)) return 0;
  return Number(text);
}
