import { KvOp } from '../../fsm/commands.ts';
import type { HttpContext } from '../context.ts';
import { badRequest, HttpError } from '../errors.ts';
import { read } from '../read.ts';
import { type ApiRequest, checkDatacenter, flag, queryOptions, uintParam } from '../request.ts';
import { type ApiResponse, rawJson } from '../response.ts';
import { type RouteDefinition, route } from '../route.ts';
import { kvEntriesJson, kvEntryJson } from '../serialize-kv.ts';

/** KV writes answer a bare JSON boolean. */
function answer(value: boolean): ApiResponse {
  return rawJson(value ? 'true' : 'false');
}

/** Consul's KV miss: 404, empty body, and every read header (python-consul reads the index). */
function notFound(headers: Record<string, string>): ApiResponse {
  return { status: 404, headers, body: '' };
}

/** Go's `url.QueryEscape`: unreserved bytes stay, space becomes `+`, the rest is %-escaped. */
function goQueryEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll('%20', '+');
}

/** Go's `url.Values.Encode()`: keys sorted, each value escaped, joined by `&`. */
function goEncodeQuery(query: URLSearchParams): string {
  const keys = [...new Set(query.keys())].sort();
  return keys
    .flatMap((key) => query.getAll(key).map((value) => `${goQueryEscape(key)}=${goQueryEscape(value)}`))
    .join('&');
}

/**
 * Consul's `conflictingFlags`: at most one of `names` may be present (by presence, as always).
 * The 400 body echoes the whole query the way Go re-encodes it, newline included.
 */
function rejectConflictingFlags(request: ApiRequest, names: readonly string[]): void {
  if (names.filter((name) => flag(request, name)).length > 1)
    throw badRequest(`Conflicting flags: ${goEncodeQuery(request.query)}\n`);
}

/** Writes take the same query checks as reads (`dc`, `index`, `wait`, consistency) before acting. */
function checkWriteQuery(request: ApiRequest, context: HttpContext): void {
  checkDatacenter(request, context.config.datacenter);
  queryOptions(request, context.config);
}

/** `?separator=`, or the historic `?seperator=` (the correct spelling wins when both are sent). */
function separatorParam(request: ApiRequest): string {
  return request.query.get('separator') ?? request.query.get('seperator') ?? '';
}

// --- GET ---------------------------------------------------------------------------------------

async function getKeys(request: ApiRequest, context: HttpContext, prefix: string): Promise<ApiResponse> {
  const separator = separatorParam(request);
  const result = await read(context, request, (store) => store.kv.keys(prefix, separator));
  // No 404 for the root: an empty store lists as `[]`.
  if (result.value.length === 0 && prefix !== '') return notFound(result.headers);
  return rawJson(JSON.stringify(result.value), result.headers);
}

async function getTree(request: ApiRequest, context: HttpContext, prefix: string): Promise<ApiResponse> {
  const result = await read(context, request, (store) => store.kv.list(prefix));
  if (result.value.length === 0) return notFound(result.headers);
  return rawJson(kvEntriesJson(result.value), result.headers);
}

async function getKey(request: ApiRequest, context: HttpContext, key: string): Promise<ApiResponse> {
  const result = await read(context, request, (store) => store.kv.get(key));
  const entry = result.value;
  if (entry === undefined) return notFound(result.headers);
  if (flag(request, 'raw')) {
    // The value as stored, never sniffed or run by a browser (Consul's XSS guard).
    const bytes = entry.Value ?? new Uint8Array(0);
    return {
      status: 200,
      headers: {
        ...result.headers,
        'content-type': 'text/plain',
        'x-content-type-options': 'nosniff',
        'content-security-policy': 'sandbox',
      },
      body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    };
  }
  return rawJson(`[${kvEntryJson(entry)}]`, result.headers);
}

async function kvGet(request: ApiRequest, context: HttpContext): Promise<ApiResponse> {
  const key = request.rest;
  if (flag(request, 'keys')) return getKeys(request, context, key);
  if (flag(request, 'recurse')) return getTree(request, context, key);
  if (key === '') throw badRequest('Missing key name');
  return getKey(request, context, key);
}

// --- PUT ---------------------------------------------------------------------------------------

/** The session named by `?acquire=`/`?release=`; Consul's state store refuses an empty one. */
function sessionParam(request: ApiRequest, name: string): string {
  const session = request.query.get(name) ?? '';
  if (session === '') throw new HttpError(500, 'missing session');
  return session;
}

async function kvPut(request: ApiRequest, context: HttpContext): Promise<ApiResponse> {
  const key = request.rest;
  if (key === '') throw badRequest('Missing key name');
  rejectConflictingFlags(request, ['cas', 'acquire', 'release']);
  checkWriteQuery(request, context);
  const flags = uintParam(request, 'flags', 'Invalid flags') ?? 0;
  const cas = uintParam(request, 'cas', 'Invalid CAS index');
  const body = request.body;
  // An empty body is nil, not empty bytes: the entry reads back as `"Value": null`.
  const value = body === undefined || body.length === 0 ? null : body;
  const entry = { Key: key, Flags: flags, Value: value };

  if (cas !== undefined) return answer(await context.server.kv(KvOp.cas, entry, cas));
  if (flag(request, 'acquire')) {
    const session = sessionParam(request, 'acquire');
    return answer(await context.server.kv(KvOp.lock, { ...entry, Session: session }));
  }
  if (flag(request, 'release')) {
    const session = sessionParam(request, 'release');
    return answer(await context.server.kv(KvOp.unlock, { ...entry, Session: session }));
  }
  // A plain set answers `true` whatever happened, as Consul's does.
  await context.server.kv(KvOp.set, entry);
  return answer(true);
}

// --- DELETE ------------------------------------------------------------------------------------

async function kvDelete(request: ApiRequest, context: HttpContext): Promise<ApiResponse> {
  const key = request.rest;
  rejectConflictingFlags(request, ['recurse', 'cas']);
  const recurse = flag(request, 'recurse');
  if (!recurse && key === '') throw badRequest('Missing key name');
  checkWriteQuery(request, context);
  const cas = uintParam(request, 'cas', 'Invalid CAS index');
  const entry = { Key: key, Flags: 0, Value: null };
  if (cas !== undefined) return answer(await context.server.kv(KvOp.deleteCas, entry, cas));
  await context.server.kv(recurse ? KvOp.deleteTree : KvOp.delete, entry);
  return answer(true);
}

/**
 * `/v1/kv/<key>`: GET (one key, `?recurse`, `?keys[&separator]`, `?raw`), PUT (set, `?flags`,
 * `?cas`, `?acquire`, `?release`) and DELETE (`?recurse`, `?cas`), after Consul's
 * `agent/kvs_endpoint.go`. Bodies beyond `kv_max_value_size` are refused with 413 before the
 * handler runs, so nothing is written.
 */
export function kvRoutes(context: HttpContext): RouteDefinition[] {
  return [route('/v1/kv/*', { GET: kvGet, PUT: kvPut, DELETE: kvDelete }, context.config.kvMaxValueBytes)];
}
