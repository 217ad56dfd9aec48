/**
 * A tiny real HTTP server that answers like a Consul agent, for the client's and the CLI's
 * tests. Named `*.test.ts` so it may use `node:http` and stays out of dist/; it holds no tests.
 *
 * Routes are `'METHOD /path'` → handler, where METHOD may be `*` and a path ending in `*` matches
 * by prefix; an unmatched request gets the mux's 404. `kvStore()` is a small stateful KV
 * (indexes, cas, flags, recurse, keys) for round-trip tests.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeBase64 } from '../../lib/base64.ts';

export interface FakeRequest {
  method: string;
  /** Decoded path, e.g. `/v1/kv/a b`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Uint8Array;
}

export interface FakeResponse {
  status?: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings and bytes as they are. */
  body?: unknown;
}

export type FakeHandler = (request: FakeRequest) => FakeResponse | Promise<FakeResponse>;

export interface FakeAgent {
  /** `127.0.0.1:<port>`, Consul's bare address form. */
  address: string;
  /** Every request received, in order. */
  requests: FakeRequest[];
  close(): Promise<void>;
}

export async function startFakeAgent(routes: Record<string, FakeHandler>): Promise<FakeAgent> {
  const requests: FakeRequest[] = [];
  const server = createServer(async (incoming, outgoing) => {
    const request = await readRequest(incoming);
    requests.push(request);
    const handler = findRoute(routes, request) ?? (() => ({ status: 404, body: '404 page not found\n' }));
    writeResponse(outgoing, await handler(request));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function findRoute(routes: Record<string, FakeHandler>, request: FakeRequest): FakeHandler | undefined {
  for (const [route, handler] of Object.entries(routes)) {
    const [method = '', path = ''] = route.split(' ');
    const methodMatches = method === '*' || method === request.method;
    const pathMatches = path.endsWith('*')
      ? request.path.startsWith(path.slice(0, -1))
      : path === request.path;
    if (methodMatches && pathMatches) return handler;
  }
  return undefined;
}

/** An address nothing listens on: a port taken and then released. */
export async function unusedAddress(): Promise<string> {
  const agent = await startFakeAgent({});
  await agent.close();
  return agent.address;
}

async function readRequest(incoming: IncomingMessage): Promise<FakeRequest> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Uint8Array);
  const url = new URL(incoming.url ?? '/', 'http://fake');
  return {
    method: incoming.method ?? 'GET',
    path: decodeURIComponent(url.pathname),
    query: url.searchParams,
    headers: incoming.headers,
    body: new Uint8Array(Buffer.concat(chunks)),
  };
}

function writeResponse(outgoing: ServerResponse, response: FakeResponse): void {
  const { status = 200, headers = {}, body } = response;
  const isRaw = typeof body === 'string' || body instanceof Uint8Array;
  const payload = body === undefined ? '' : isRaw ? body : JSON.stringify(body);
  outgoing.writeHead(status, {
    'Content-Type': isRaw ? 'text/plain; charset=utf-8' : 'application/json',
    ...headers,
  });
  outgoing.end(payload);
}

interface StoredEntry {
  Key: string;
  Flags: number;
  Value: Uint8Array | null;
  LockIndex: number;
  Session: string;
  CreateIndex: number;
  ModifyIndex: number;
}

/** A KV store behind `/v1/kv/*` with Consul's index, cas, flags, recurse and keys semantics. */
export function kvStore(initial: Record<string, string> = {}) {
  const entries = new Map<string, StoredEntry>();
  let index = 1;
  for (const [key, value] of Object.entries(initial)) write(key, new TextEncoder().encode(value), 0);

  function write(key: string, value: Uint8Array | null, flags: number): void {
    const existing = entries.get(key);
    index++;
    entries.set(key, {
      Key: key,
      Flags: flags,
      Value: value,
      LockIndex: existing?.LockIndex ?? 0,
      Session: existing?.Session ?? '',
      CreateIndex: existing?.CreateIndex ?? index,
      ModifyIndex: index,
    });
  }

  function toJson(entry: StoredEntry) {
    const { Session, Value, ...rest } = entry;
    return { ...rest, Value: Value === null ? null : encodeBase64(Value), ...(Session ? { Session } : {}) };
  }

  const handler: FakeHandler = (request) => {
    const key = request.path.slice('/v1/kv/'.length);
    const headers = {
      'X-Consul-Index': String(index),
      'X-Consul-KnownLeader': 'true',
      'X-Consul-LastContact': '0',
    };
    if (request.method === 'GET') {
      const under = [...entries.values()].filter((entry) => entry.Key.startsWith(key)).sort(byKey);
      if (request.query.has('keys')) {
        const separator = request.query.get('separator') ?? '';
        const names = under.map((entry) => {
          const cut = separator ? entry.Key.indexOf(separator, key.length) : -1;
          return cut === -1 ? entry.Key : entry.Key.slice(0, cut + separator.length);
        });
        return { headers, body: [...new Set(names)] };
      }
      const found = request.query.has('recurse') ? under : under.filter((entry) => entry.Key === key);
      if (found.length === 0) return { status: 404, headers };
      return {
        headers: { ...headers, 'X-Consul-Index': String(found[0]!.ModifyIndex) },
        body: found.map(toJson),
      };
    }
    if (request.method === 'PUT') {
      const cas = request.query.get('cas');
      const existing = entries.get(key);
      if (
        cas !== null &&
        (Number(cas) === 0 ? existing !== undefined : existing?.ModifyIndex !== Number(cas))
      ) {
        return { body: 'false' };
      }
      const flags = Number(request.query.get('flags') ?? 0);
      write(key, request.body.length === 0 ? null : request.body, flags);
      return { body: 'true' };
    }
    if (request.method === 'DELETE') {
      const cas = request.query.get('cas');
      if (cas !== null) {
        const existing = entries.get(key);
        if (existing && existing.ModifyIndex !== Number(cas)) return { body: 'false' };
      }
      for (const stored of [...entries.keys()]) {
        if (request.query.has('recurse') ? stored.startsWith(key) : stored === key) entries.delete(stored);
      }
      index++;
      return { body: 'true' };
    }
    return { status: 405, body: `method ${request.method} not allowed` };
  };

  return {
    /** Mount as `'* /v1/kv/*': store.handler`. */
    handler,
    entries,
    valueOf: (key: string) => {
      const value = entries.get(key)?.Value;
      return value ? new TextDecoder().decode(value) : value;
    },
  };
}

function byKey(a: StoredEntry, b: StoredEntry): number {
  return a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0;
}
