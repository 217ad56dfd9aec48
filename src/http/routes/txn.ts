import { TXN_KV_VERBS, type TxnKvOperation } from '../../fsm/commands.ts';
import type { TxnError, TxnOutcome } from '../../fsm/fsm.ts';
import { applyTxnRead, TXN_READ_VERBS } from '../../fsm/txn-read.ts';
import { Base64Error, decodeBase64 } from '../../lib/base64.ts';
import type { KvEntry } from '../../model/records.ts';
import type { StateStore } from '../../state/store.ts';
import type { HttpContext } from '../context.ts';
import { badRequest, HttpError } from '../errors.ts';
import { bodyText, Fields } from '../fields.ts';
import { readOnce } from '../read.ts';
import { type ApiRequest, checkDatacenter } from '../request.ts';
import { type ApiResponse, rawJson } from '../response.ts';
import { type RouteDefinition, route } from '../route.ts';
import { kvEntryJson } from '../serialize-kv.ts';

/** Verbs that change the store (Consul's `isWrite`); a transaction without one takes the read path. */
const WRITE_VERBS: ReadonlySet<string> = new Set(
  [...TXN_KV_VERBS].filter((verb) => !TXN_READ_VERBS.has(verb)),
);

/** A KV op as decoded from the body; `Verb` is not yet known to be one Cairn applies. */
interface DecodedKvOp extends Omit<TxnKvOperation, 'Verb'> {
  Verb: string;
}

type DecodedOp = { kind: 'KV'; op: DecodedKvOp } | { kind: 'Node' | 'Service' | 'Check' } | { kind: 'none' };

// --- parse -------------------------------------------------------------------------------------

const PARSE_FAILED = 'Failed to parse body: ';

/** Fields reports `Request decode failed: …`; the txn endpoint words the same failure its own way. */
function asParseError(error: unknown): unknown {
  const fieldsPrefix = 'Request decode failed: ';
  if (error instanceof HttpError && error.message.startsWith(fieldsPrefix)) {
    return badRequest(PARSE_FAILED + error.message.slice(fieldsPrefix.length));
  }
  return error;
}

/** The body: a JSON array of ops (`null` decodes as none, as Go's decoder does). */
function parseBody(body: Uint8Array | undefined): unknown[] {
  const text = bodyText(body);
  if (text.trim() === '') throw badRequest(`${PARSE_FAILED}EOF`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw badRequest(PARSE_FAILED + (error as Error).message);
  }
  if (parsed === null) return [];
  if (!Array.isArray(parsed)) throw badRequest(`${PARSE_FAILED}expected a JSON array of operations`);
  return parsed;
}

function decodeValue(fields: Fields, index: number): Uint8Array | null {
  const value = fields.get('Value');
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    throw badRequest(`${PARSE_FAILED}[${index}].KV.Value: expected a base64 string, got ${typeof value}`);
  }
  try {
    return decodeBase64(value);
  } catch (error) {
    if (error instanceof Base64Error) throw badRequest(PARSE_FAILED + error.message);
    throw error;
  }
}

/** One op, decoded the way Go decodes `api.TxnOp`: keys in any case, the first kind present wins. */
function decodeOp(raw: unknown, index: number): DecodedOp {
  const op = Fields.of(raw, `[${index}]`);
  const kv = op.object('KV');
  if (kv !== undefined) {
    return {
      kind: 'KV',
      op: {
        Verb: kv.string('Verb'),
        Key: kv.string('Key'),
        Value: decodeValue(kv, index),
        Flags: kv.integer('Flags'),
        Index: kv.integer('Index'),
        Session: kv.string('Session'),
      },
    };
  }
  for (const kind of ['Node', 'Service', 'Check'] as const) if (op.has(kind)) return { kind };
  return { kind: 'none' };
}

/**
 * Consul's `convertOps`: decode everything (400), then the op count (413), then each op (KV
 * values within `kv_max_value_size`, else 413). Catalog ops are valid Consul but not served here
 * yet: 400 rather than silently dropping part of an atomic transaction.
 */
function parseOps(request: ApiRequest, context: HttpContext): DecodedKvOp[] {
  let decoded: DecodedOp[];
  try {
    decoded = parseBody(request.body).map(decodeOp);
  } catch (error) {
    throw asParseError(error);
  }
  const maxOps = context.config.txnMaxOps;
  if (decoded.length > maxOps) {
    throw new HttpError(413, `Transaction contains too many operations (${decoded.length} > ${maxOps})`);
  }
  const maxValueBytes = context.config.kvMaxValueBytes;
  return decoded.map((entry, index) => {
    if (entry.kind === 'none')
      throw badRequest(`${PARSE_FAILED}operation ${index} has none of KV, Node, Service or Check`);
    if (entry.kind !== 'KV')
      throw badRequest(`${entry.kind} operations in transactions are not supported yet (operation ${index})`);
    const size = entry.op.Value?.length ?? 0;
    if (size > maxValueBytes) {
      throw new HttpError(
        413,
        `Value for key ${JSON.stringify(entry.op.Key)} is too large (${size} > ${maxValueBytes} bytes)`,
      );
    }
    return entry.op;
  });
}

// --- decide --------------------------------------------------------------------------------------

const unknownVerb = (op: DecodedKvOp) => `unknown KV verb ${JSON.stringify(op.Verb)}`;

/**
 * A transaction of read-only ops (Consul's `Txn.Read`), evaluated against the store without
 * proposing anything. Like a write transaction it answers all results or all errors.
 */
export function readTransaction(store: StateStore, ops: readonly DecodedKvOp[]): TxnOutcome {
  const results: KvEntry[] = [];
  const errors: TxnError[] = [];
  ops.forEach((op, opIndex) => {
    const what = TXN_READ_VERBS.has(op.Verb)
      ? applyTxnRead(store.kv, op as TxnKvOperation, results)
      : unknownVerb(op);
    if (what !== undefined) errors.push({ OpIndex: opIndex, What: what });
  });
  return errors.length > 0 ? { results: [], errors } : { results, errors };
}

// --- serialise -------------------------------------------------------------------------------------

/** 200 `{"Results":[{"KV":…}],"Errors":null}`, or 409 `{"Results":null,"Errors":[…]}`. */
function outcomeResponse(outcome: TxnOutcome, headers: Record<string, string> = {}): ApiResponse {
  if (outcome.errors.length > 0) {
    const errors = outcome.errors.map((error) => ({ OpIndex: error.OpIndex, What: error.What }));
    return rawJson(`{"Results":null,"Errors":${JSON.stringify(errors)}}`, headers, 409);
  }
  const results = outcome.results.map((entry) => `{"KV":${kvEntryJson(entry)}}`).join(',');
  return rawJson(`{"Results":[${results}],"Errors":null}`, headers);
}

async function txnPut(request: ApiRequest, context: HttpContext): Promise<ApiResponse> {
  const ops = parseOps(request, context);
  if (!ops.some((op) => WRITE_VERBS.has(op.Verb))) {
    // Read-only: honours ?stale/?consistent and sets the meta headers, but never blocks and
    // carries no X-Consul-Index (Consul's fast path to `Txn.Read`).
    const { value, headers } = await readOnce(context, request, (store) => readTransaction(store, ops));
    return outcomeResponse(value, headers);
  }
  checkDatacenter(request, context.config.datacenter);
  // The FSM applies only the verbs it knows; an unknown one fails the transaction here, with
  // the state store's wording, before anything is proposed.
  const unknown = ops.flatMap((op, opIndex) =>
    TXN_KV_VERBS.has(op.Verb) ? [] : [{ OpIndex: opIndex, What: unknownVerb(op) }],
  );
  if (unknown.length > 0) return outcomeResponse({ results: [], errors: unknown });
  return outcomeResponse(await context.server.txn(ops as TxnKvOperation[]));
}

/**
 * `PUT /v1/txn`: an atomic list of KV operations, after Consul's `agent/txn_endpoint.go`. Values
 * travel base64; results carry values only for `get`, `get-or-empty` and `get-tree`; any failing
 * op rolls the whole transaction back and answers 409 with every error.
 */
export function txnRoutes(context: HttpContext): RouteDefinition[] {
  const bodyLimitBytes = Math.max(context.config.txnMaxRequestBytes, context.config.kvMaxValueBytes);
  return [route('/v1/txn', { PUT: txnPut }, bodyLimitBytes)];
}
