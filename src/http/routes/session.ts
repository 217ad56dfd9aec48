import { formatGoDuration, parseGoDuration, SECOND } from '../../lib/duration.ts';
import {
  SERF_HEALTH_CHECK_ID,
  type ServiceCheckRef,
  type Session,
  SessionBehavior,
} from '../../model/records.ts';
import { NoLeaderError } from '../../server/consensus.ts';
import type { HttpContext } from '../context.ts';
import { badRequest, HttpError } from '../errors.ts';
import { Fields, lockDelayNumber } from '../fields.ts';
import { read } from '../read.ts';
import { type ApiRequest, checkDatacenter, pathName, queryOptions } from '../request.ts';
import { type ApiResponse, rawJson } from '../response.ts';
import { type RouteDefinition, route } from '../route.ts';
import { sessionsJson } from '../serialize-kv.ts';

type SessionInput = Omit<Session, 'ID' | 'CreateIndex' | 'ModifyIndex'>;

/** Go's `time.Duration` is an int64 of nanoseconds; longer text does not parse. */
const MAX_DURATION_NS = 2 ** 63 - 1;
const DEFAULT_LOCK_DELAY_NS = 15 * SECOND;

function goDuration(text: string): number | undefined {
  const ns = parseGoDuration(text);
  return ns === undefined || Math.abs(ns) > MAX_DURATION_NS ? undefined : ns;
}

const decodeFailed = (message: string) => badRequest(`Request decode failed: ${message}`);

// --- parse -------------------------------------------------------------------------------------

/**
 * `LockDelay` as `structs.Session.UnmarshalJSON` reads it: duration text or a number of
 * nanoseconds, and anything below 1000 ns taken as seconds (clients send `15` meaning 15 s).
 */
function lockDelayField(fields: Fields): number {
  const value = fields.get('LockDelay');
  if (value === undefined || value === null) return DEFAULT_LOCK_DELAY_NS;
  let ns: number | undefined;
  if (typeof value === 'string') {
    ns = goDuration(value);
    if (ns === undefined) throw decodeFailed(`time: invalid duration ${JSON.stringify(value)}`);
  } else if (typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_DURATION_NS) {
    ns = Math.trunc(value);
  } else {
    throw decodeFailed(`LockDelay: expected a duration like "15s" or a number, got ${JSON.stringify(value)}`);
  }
  return lockDelayNumber(ns);
}

/** A string list field, `undefined` when absent and `null` when sent as null (Go's nil slice). */
function optionalList(fields: Fields, name: string): string[] | null | undefined {
  const value = fields.get(name);
  if (value === undefined) return undefined;
  if (value === null) return null;
  return fields.stringList(name);
}

/**
 * The checks a session is tied to, after Consul's `fixupEmptySessionChecks`. Both `NodeChecks`
 * and the deprecated `Checks` default to `["serfHealth"]`; an empty `Checks` (Patroni sends
 * `"checks": []`) empties `NodeChecks` too; a default `Checks` defers to `NodeChecks`; an empty
 * `NodeChecks` drops a custom `Checks`. Consul links a session to both lists, so they are merged
 * into `NodeChecks` here.
 */
function nodeChecksField(fields: Fields): string[] {
  let legacy = optionalList(fields, 'Checks');
  let nodeChecks = optionalList(fields, 'NodeChecks');
  if (legacy === undefined) legacy = [SERF_HEALTH_CHECK_ID];
  if (nodeChecks === undefined) nodeChecks = [SERF_HEALTH_CHECK_ID];
  if (legacy === null || legacy.length === 0) return [];
  if (legacy.length === 1 && legacy[0] === SERF_HEALTH_CHECK_ID) return [...(nodeChecks ?? [])];
  if (nodeChecks === null || nodeChecks.length === 0) return [];
  return [...new Set([...nodeChecks, ...legacy])];
}

function serviceChecksField(fields: Fields): ServiceCheckRef[] | null {
  if (fields.get('ServiceChecks') === undefined || fields.get('ServiceChecks') === null) return null;
  return fields.objectList('ServiceChecks').map((check) => ({
    ID: check.string('ID'),
    Namespace: check.string('Namespace'),
  }));
}

/** The create request with the HTTP endpoint's defaults (Consul's `SessionCreate`). */
function parseCreate(request: ApiRequest, context: HttpContext): SessionInput {
  // The body is optional: empty, blank or `null` leaves every default in place.
  const fields = Fields.fromBody(request.body, { allowEmpty: true });
  return {
    Name: fields.string('Name'),
    Node: fields.string('Node', context.config.nodeName),
    LockDelay: lockDelayField(fields),
    Behavior: fields.string('Behavior') as SessionBehavior,
    TTL: fields.string('TTL'),
    NodeChecks: nodeChecksField(fields),
    ServiceChecks: serviceChecksField(fields),
  };
}

// --- decide --------------------------------------------------------------------------------------

/**
 * The server's checks before proposing (Consul's `Session.Apply`). Its errors are RPC errors, so
 * they answer 500 with Consul's text (Patroni matches `Invalid Session TTL`).
 */
function validateCreate(session: SessionInput, context: HttpContext): SessionInput {
  if (session.Node === '') throw new HttpError(500, 'Must provide Node');
  const behavior = (session.Behavior as string) === '' ? SessionBehavior.release : session.Behavior;
  if (behavior !== SessionBehavior.release && behavior !== SessionBehavior.delete) {
    throw new HttpError(500, `Invalid Behavior setting '${behavior}'`);
  }
  if (session.TTL !== '') {
    const ttlNs = goDuration(session.TTL);
    if (ttlNs === undefined) {
      throw new HttpError(
        500,
        `Session TTL '${session.TTL}' invalid: time: invalid duration ${JSON.stringify(session.TTL)}`,
      );
    }
    const { sessionTtlMinNs: min, sessionTtlMaxNs: max } = context.config;
    if (ttlNs !== 0 && (ttlNs < min || ttlNs > max)) {
      throw new HttpError(
        500,
        `Invalid Session TTL '${ttlNs}', must be between [${formatGoDuration(min)}=${formatGoDuration(max)}]`,
      );
    }
  }
  return { ...session, Behavior: behavior };
}

// --- handlers ------------------------------------------------------------------------------------

async function createSession(request: ApiRequest, context: HttpContext): Promise<ApiResponse> {
  const requested = parseCreate(request, context);
  checkDatacenter(request, context.config.datacenter);
  const session = await context.server.createSession(validateCreate(requested, context));
  return rawJson(JSON.stringify({ ID: session.ID }));
}

async function destroySession(request: ApiRequest, context: HttpContext): Promise<ApiResponse> {
  const id = pathName(request, 'Missing session');
  checkDatacenter(request, context.config.datacenter);
  // Idempotent: an unknown id changes nothing and still answers true.
  await context.server.destroySession(id);
  return rawJson('true');
}

async function renewSession(request: ApiRequest, context: HttpContext): Promise<ApiResponse> {
  checkDatacenter(request, context.config.datacenter);
  queryOptions(request, context.config);
  const id = pathName(request, 'Missing session');
  // Only the leader keeps session timers.
  if (context.server.consensus.status().leaderAddress === '') throw new NoLeaderError();
  const session = context.server.renewSession(id);
  if (session === undefined) throw new HttpError(404, `Session id '${id}' not found`);
  return rawJson(sessionsJson([session]));
}

async function sessionInfo(request: ApiRequest, context: HttpContext): Promise<ApiResponse> {
  const id = pathName(request, 'Missing session');
  const result = await read(context, request, (store) => store.sessions.get(id));
  return rawJson(sessionsJson(result.value === undefined ? [] : [result.value]), result.headers);
}

async function nodeSessions(request: ApiRequest, context: HttpContext): Promise<ApiResponse> {
  const node = pathName(request, 'Missing node name');
  const result = await read(context, request, (store) => store.sessions.forNode(node));
  return rawJson(sessionsJson(result.value), result.headers);
}

async function listSessions(request: ApiRequest, context: HttpContext): Promise<ApiResponse> {
  const result = await read(context, request, (store) => store.sessions.list());
  return rawJson(sessionsJson(result.value), result.headers);
}

/**
 * `/v1/session/*`, after Consul's `agent/session_endpoint.go`: create, destroy and renew are PUT
 * (405 otherwise); info, node and list are blocking GETs answering arrays, `[]` when empty.
 */
export function sessionRoutes(_context: HttpContext): RouteDefinition[] {
  return [
    route('/v1/session/create', { PUT: createSession }),
    route('/v1/session/destroy/*', { PUT: destroySession }),
    route('/v1/session/renew/*', { PUT: renewSession }),
    route('/v1/session/info/*', { GET: sessionInfo }),
    route('/v1/session/node/*', { GET: nodeSessions }),
    route('/v1/session/list', { GET: listSessions }),
  ];
}
