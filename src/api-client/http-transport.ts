/**
 * One HTTP exchange with an agent: URL building, the token header, the default datacenter, and
 * the translation of failures into `ApiError` / `ConnectionError`. Endpoint classes sit on top.
 */

import { ApiError, describeFetchFailure } from './errors.ts';
import { parseQueryMeta, type QueryMeta, type QueryParameters, type QueryResult } from './query.ts';

export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

export interface ClientConfig {
  /** `127.0.0.1:8500`, `http://127.0.0.1:8500` or `https://…`; default `127.0.0.1:8500`. */
  address?: string;
  /** Sent as `X-Consul-Token`. */
  token?: string;
  /** Added as `?dc=` to every request that names no datacenter itself. */
  datacenter?: string;
  /** Replaces the global `fetch` (tests, proxies). */
  fetch?: FetchFunction;
}

export const DEFAULT_ADDRESS = '127.0.0.1:8500';

export interface HttpRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Already escaped, starting with `/v1/`. */
  path: string;
  query?: QueryParameters;
  /** Raw bytes or text are sent as they are; anything else as JSON. */
  body?: Uint8Array | string | object;
  signal?: AbortSignal | undefined;
  /** Statuses besides 2xx that are answers, not errors (a KV miss is a 404). */
  acceptStatuses?: readonly number[];
}

export class HttpTransport {
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #datacenter: string | undefined;
  readonly #fetch: FetchFunction;

  constructor(config: ClientConfig = {}) {
    this.baseUrl = normalizeAddress(config.address ?? DEFAULT_ADDRESS);
    this.#token = config.token || undefined;
    this.#datacenter = config.datacenter || undefined;
    this.#fetch = config.fetch ?? ((url, init) => fetch(url, init));
  }

  async send(request: HttpRequest): Promise<Response> {
    const url = new URL(`${this.baseUrl}${request.path}`);
    const query = [...(request.query ?? [])];
    if (this.#datacenter && !query.some(([name]) => name === 'dc')) query.push(['dc', this.#datacenter]);
    url.search = encodeQuery(query);
    const headers: Record<string, string> = {};
    if (this.#token) headers['X-Consul-Token'] = this.#token;
    let body: RequestInit['body'];
    if (typeof request.body === 'string') {
      body = request.body;
    } else if (request.body instanceof Uint8Array) {
      // The DOM's BodyInit wants an ArrayBuffer-backed view; a client never builds a shared one.
      body = request.body as Uint8Array<ArrayBuffer>;
    } else if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['Content-Type'] = 'application/json';
    }
    let response: Response;
    try {
      response = await this.#fetch(url.toString(), {
        method: request.method,
        headers,
        body,
        signal: request.signal ?? null,
      });
    } catch (error) {
      throw describeFetchFailure(error, url);
    }
    if (response.ok || request.acceptStatuses?.includes(response.status)) return response;
    throw new ApiError(response.status, (await response.text()).trim());
  }

  async json<T>(request: HttpRequest): Promise<T> {
    return (await this.send(request)).json() as Promise<T>;
  }

  /** A read that reports its metadata; `onNotFound` turns a 404 into a value. */
  async query<T>(request: HttpRequest, onNotFound?: () => T): Promise<QueryResult<T>> {
    const acceptStatuses = onNotFound ? [404] : [];
    const response = await this.send({ ...request, acceptStatuses });
    const meta: QueryMeta = parseQueryMeta(response.headers);
    if (response.status === 404 && onNotFound) {
      await response.body?.cancel();
      return { value: onNotFound(), meta };
    }
    return { value: (await response.json()) as T, meta };
  }

  /** A write that answers `true` or `false` (KV put/delete, session destroy). */
  async boolean(request: HttpRequest): Promise<boolean> {
    const text = (await (await this.send(request)).text()).trim();
    return text === 'true';
  }

  /** A write whose answer carries nothing (agent endpoints answer an empty 200). */
  async discard(request: HttpRequest): Promise<void> {
    await (await this.send(request)).body?.cancel();
  }
}

/** Accepts Consul's address forms: `host:port` (http assumed) or a full http(s) URL. */
export function normalizeAddress(address: string): string {
  const trimmed = address.trim().replace(/\/+$/, '');
  if (/^https?:\/\//i.test(trimmed)) return trimmed;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    throw new Error(`Unsupported address scheme in ${JSON.stringify(address)}: expected http:// or https://`);
  }
  return `http://${trimmed}`;
}

/** Escapes each segment of a key or id but keeps its slashes, as Go's `url.URL` does. */
export function escapePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function encodeQuery(query: QueryParameters): string {
  return query
    .map(([name, value]) =>
      value === '' ? encodeURIComponent(name) : `${encodeURIComponent(name)}=${encodeURIComponent(value)}`,
    )
    .join('&');
}
