import { LocalAgentError, LocalAgentErrorCode } from '../../client/local-agent.ts';
import { aggregatedStatus } from '../../discovery/filters.ts';
import { jitteredWaitMs, waitForChange } from '../../server/blocking-query.ts';
import type { CheckInput, ServiceInput } from '../../state/catalog.ts';
import { filterParam, keepMatching } from '../catalog-filters.ts';
import type { HttpContext } from '../context.ts';
import {
  decodeCheckDefinition,
  decodeServiceDefinition,
  isScriptCheck,
  SCRIPT_CHECKS_DISABLED_REMOTE,
} from '../definitions.ts';
import { badRequest, HttpError, notFound } from '../errors.ts';
import { Fields } from '../fields.ts';
import {
  AGENT_SERVICE_FILTER_SCHEMA,
  agentServiceFilterView,
  HEALTH_CHECK_FILTER_SCHEMA,
} from '../filter-schemas.ts';
import { type ApiRequest, parseBoolText, pathName, queryOptions } from '../request.ts';
import { type ApiResponse, empty, json, rawJson } from '../response.ts';
import { type Handler, type RouteDefinition, route } from '../route.ts';
import { agentChecksJson, agentServiceObject, agentServicesJson } from '../serialize-catalog.ts';

/**
 * `/v1/agent/*` (Consul's `agent/agent_endpoint.go`): the agent itself, gossip membership, and
 * the local services and checks, which every write changes locally and in the catalog before it
 * answers. Agent-local reads carry no `X-Consul-Index`: they are not catalog reads.
 *
 * GET is accepted besides PUT on join, force-leave, service deregister and check
 * deregister/pass/warn/fail: older clients (python-consul 0.7.1, which Patroni uses) send GET
 * there and Consul 0.x allowed it. Every other write keeps Consul's 405.
 */
export function agentRoutes(_context: HttpContext): RouteDefinition[] {
  return [
    route('/v1/agent/self', { GET: self }),
    route('/v1/agent/members', { GET: members }),
    route('/v1/agent/services', { GET: services }),
    route('/v1/agent/service/register', { PUT: registerService }),
    route('/v1/agent/service/deregister/*', { GET: deregisterService, PUT: deregisterService }),
    route('/v1/agent/service/maintenance/*', { PUT: serviceMaintenance }),
    route('/v1/agent/service/*', { GET: service }),
    route('/v1/agent/health/service/id/*', { GET: serviceHealthById }),
    route('/v1/agent/health/service/name/*', { GET: serviceHealthByName }),
    route('/v1/agent/checks', { GET: checks }),
    route('/v1/agent/check/register', { PUT: registerCheck }),
    route('/v1/agent/check/deregister/*', { GET: deregisterCheck, PUT: deregisterCheck }),
    route('/v1/agent/check/pass/*', { GET: markCheck('passing'), PUT: markCheck('passing') }),
    route('/v1/agent/check/warn/*', { GET: markCheck('warning'), PUT: markCheck('warning') }),
    route('/v1/agent/check/fail/*', { GET: markCheck('critical'), PUT: markCheck('critical') }),
    route('/v1/agent/check/update/*', { PUT: updateCheck }),
    route('/v1/agent/maintenance', { PUT: nodeMaintenance }),
    route('/v1/agent/join/*', { GET: join, PUT: join }),
    route('/v1/agent/leave', { PUT: leave }),
    route('/v1/agent/force-leave/*', { GET: forceLeave, PUT: forceLeave }),
    route('/v1/agent/reload', { PUT: reload }),
  ];
}

// --- the agent and membership ----------------------------------------------------------------

function self(_request: ApiRequest, context: HttpContext) {
  return json(context.agent.self());
}

/** `?wan` (any non-empty value) lists the WAN pool, whose member names are `<node>.<dc>`. */
function members(request: ApiRequest, context: HttpContext) {
  const wan = (request.query.get('wan') ?? '') !== '';
  const segment = request.query.get('segment') ?? '';
  if (wan && segment !== '' && segment !== '_all') throw badRequest('Cannot provide a segment with wan=true');
  return json(context.agent.members(wan));
}

async function join(request: ApiRequest, context: HttpContext) {
  const wan = (request.query.get('wan') ?? '') !== '';
  await context.agent.join(request.rest, wan);
  return empty();
}

async function forceLeave(request: ApiRequest, context: HttpContext) {
  await context.agent.forceLeave(request.rest, {
    prune: request.query.has('prune'),
    wan: request.query.has('wan'),
  });
  return empty();
}

/** Graceful leave; the agent shuts down after answering. */
async function leave(_request: ApiRequest, context: HttpContext) {
  await context.agent.leave();
  return empty();
}

async function reload(_request: ApiRequest, context: HttpContext) {
  await context.agent.reload();
  return empty();
}

/** `PUT /v1/agent/maintenance?enable=&reason=`: the critical `_node_maintenance` check. */
async function nodeMaintenance(request: ApiRequest, context: HttpContext) {
  const enable = enableParam(request);
  if (enable) await context.local.enableNodeMaintenance(request.query.get('reason') ?? '');
  else await context.local.disableNodeMaintenance();
  return empty();
}

// --- services --------------------------------------------------------------------------------

/**
 * Local services by ID, `?filter=` judging each as the `api.AgentService` it is shown as. The
 * `consul` service a server shows in the catalog is the leader's entry, not a local one, so it
 * is not listed (Consul ≥ 1.0).
 */
function services(request: ApiRequest, context: HttpContext) {
  const filter = filterParam(request, AGENT_SERVICE_FILTER_SCHEMA);
  const { datacenter } = context.config;
  const shown = keepMatching(context.local.services(), filter, (service) =>
    agentServiceFilterView(service, datacenter),
  );
  return rawJson(agentServicesJson(shown, datacenter));
}

/**
 * `GET /v1/agent/service/<id>[?hash=&wait=]`: one local service with its `ContentHash`. Given the
 * hash of what the client holds, the answer waits until the service changes or `wait` passes
 * (hash-based blocking: local state has no Raft index).
 */
async function service(request: ApiRequest, context: HttpContext) {
  const id = request.rest;
  const hash = request.query.get('hash') ?? '';
  const { waitMs } = queryOptions(request, context.config);
  const deadline = context.clock.nowMs() + jitteredWaitMs(waitMs, () => context.random.next());
  for (;;) {
    const current = context.local.service(id);
    if (current === undefined) throw notFound(`unknown service ID: ${id}`);
    const currentHash = contentHash(JSON.stringify(agentServiceObject(current, context.config.datacenter)));
    const remainingMs = deadline - context.clock.nowMs();
    if (hash === '' || hash !== currentHash || remainingMs <= 0 || request.signal.aborted) {
      const body = agentServiceObject(current, context.config.datacenter, currentHash);
      return rawJson(JSON.stringify(body), { 'x-consul-contenthash': currentHash });
    }
    await waitForChange([{ subscribe: (listener) => context.local.onChange(listener) }], remainingMs, {
      clock: context.clock,
      signal: request.signal,
    });
  }
}

/** `PUT /v1/agent/service/register[?replace-existing-checks]`: empty 200 once in the catalog. */
async function registerService(request: ApiRequest, context: HttpContext) {
  const { service: definition, checks } = decodeServiceDefinition(
    Fields.fromBody(request.body),
    context.config.nodeName,
  );
  refuseScriptChecks(context, checks);
  const replace = request.query.getAll('replace-existing-checks');
  const replaceExistingChecks = replace.length > 0 && (replace[0] === '' || replace[0] === 'true');
  await fromLocal(() => context.local.registerService(definition, checks, { replaceExistingChecks }));
  return empty();
}

/** The ID is the rest of the path: it may hold `/` (Patroni's `demo/pg1`) and escapes. */
async function deregisterService(request: ApiRequest, context: HttpContext) {
  await fromLocal(() => context.local.deregisterService(request.rest));
  return empty();
}

/** `PUT /v1/agent/service/maintenance/<id>?enable=&reason=`. */
async function serviceMaintenance(request: ApiRequest, context: HttpContext) {
  const id = request.rest;
  if (id === '') throw badRequest('Missing service ID');
  const enable = enableParam(request);
  const reason = request.query.get('reason') ?? '';
  await fromLocal(() =>
    enable ? context.local.enableServiceMaintenance(id, reason) : context.local.disableServiceMaintenance(id),
  );
  return empty();
}

// --- local service health --------------------------------------------------------------------

/**
 * `GET /v1/agent/health/service/id/<id>`: one local service with its checks and the node's,
 * their aggregated status as the code (200 passing, 429 warning, 503 critical or maintenance)
 * and in `X-Consul-Reason`; `?format=text` (or `Accept: text/plain`) answers the status word.
 * An unknown ID is a 404 whose JSON body still says `critical`, as Consul's is.
 */
function serviceHealthById(request: ApiRequest, context: HttpContext): ApiResponse {
  const id = pathName(request, 'Missing serviceID');
  const service = context.local.service(id);
  if (service === undefined) {
    const reason = `ServiceId ${id} not found`;
    if (wantsText(request)) return plainStatus(404, reason, reason);
    return json(
      { AggregatedStatus: 'critical', Service: null, Checks: null },
      {
        status: 404,
        headers: { 'x-consul-reason': reason },
      },
    );
  }
  const health = localServiceHealth(service, context);
  if (wantsText(request)) return plainStatus(health.code, health.status, health.status);
  return json(health.info, { status: health.code, headers: { 'x-consul-reason': health.status } });
}

/**
 * `GET /v1/agent/health/service/name/<name>`: every local instance of the service, answered with
 * the worst code among them (the first instance with it gives the status word); 404 and an
 * empty list when the agent has none.
 */
function serviceHealthByName(request: ApiRequest, context: HttpContext): ApiResponse {
  const name = pathName(request, 'Missing service Name');
  let code = 404;
  let status = `ServiceName ${name} Not Found`;
  const infos: Record<string, unknown>[] = [];
  for (const service of context.local.services()) {
    if (service.Service !== name) continue;
    const health = localServiceHealth(service, context);
    infos.push(health.info);
    if (code === 404 || health.code > code) {
      code = health.code;
      status = health.status;
    }
  }
  if (wantsText(request)) return plainStatus(code, status, status);
  return json(infos, { status: code, headers: { 'x-consul-reason': status } });
}

/**
 * A service's checks and the node's (`ChecksForService(id, true)`), shown as Consul's agent
 * builds them here: an `api.HealthCheck` with only the identity, status and output filled, so
 * `Type` is empty and `Definition` the zero one.
 */
function localServiceHealth(
  service: ServiceInput,
  context: HttpContext,
): { code: number; status: string; info: Record<string, unknown> } {
  const checks = context.local
    .checks()
    .filter((check) => check.ServiceID === service.ID || check.ServiceID === '');
  const status = aggregatedStatus(checks);
  const code = status === 'passing' ? 200 : status === 'warning' ? 429 : 503;
  const info = {
    AggregatedStatus: status,
    Service: agentServiceObject(service, context.config.datacenter),
    Checks: checks.map((check) => ({
      Node: check.Node,
      CheckID: check.CheckID,
      Name: check.Name,
      Status: check.Status,
      Notes: check.Notes,
      Output: check.Output,
      ServiceID: check.ServiceID,
      ServiceName: check.ServiceName,
      ServiceTags: check.ServiceTags,
      Type: '',
      ExposedPort: 0,
      Definition: ZERO_API_CHECK_DEFINITION,
      CreateIndex: 0,
      ModifyIndex: 0,
    })),
  };
  return { code, status, info };
}

/** `api.HealthCheckDefinition{}` as its `MarshalJSON` writes it. */
const ZERO_API_CHECK_DEFINITION = Object.freeze({
  Interval: '0s',
  Timeout: '0s',
  DeregisterCriticalServiceAfter: '0s',
  HTTP: '',
  Header: null,
  Method: '',
  Body: '',
  TLSServerName: '',
  TLSSkipVerify: false,
  TCP: '',
  TCPUseTLS: false,
  UDP: '',
  GRPC: '',
  OSService: '',
  GRPCUseTLS: false,
});

/** Consul's `returnTextPlain`: an `Accept: text/plain…` header, else `?format=text`. */
function wantsText(request: ApiRequest): boolean {
  const accept = request.headers.accept;
  if ((Array.isArray(accept) ? (accept[0] ?? '') : (accept ?? '')).startsWith('text/plain')) return true;
  return request.query.get('format') === 'text';
}

function plainStatus(status: number, body: string, reason: string): ApiResponse {
  return { status, headers: { 'content-type': 'text/plain', 'x-consul-reason': reason }, body };
}

// --- checks ----------------------------------------------------------------------------------

/**
 * Local checks by ID. Consul checks a filter's selectors only once there is a check to judge;
 * here they are checked up front, so an unknown selector is refused even with no checks.
 */
function checks(request: ApiRequest, context: HttpContext) {
  const filter = filterParam(request, HEALTH_CHECK_FILTER_SCHEMA);
  return rawJson(agentChecksJson(keepMatching(context.local.checks(), filter)));
}

/** `PUT /v1/agent/check/register`; a `ServiceID` must name a local service (404, as Consul ≥ 1.11). */
async function registerCheck(request: ApiRequest, context: HttpContext) {
  const check = decodeCheckDefinition(Fields.fromBody(request.body), context.config.nodeName);
  // Before the script refusal, as Consul orders them; the local agent checks again for its
  // other callers (config files, reload).
  if (check.ServiceID !== '' && context.local.service(check.ServiceID) === undefined) {
    throw notFound(`ServiceID ${JSON.stringify(check.ServiceID)} does not exist`);
  }
  refuseScriptChecks(context, [check]);
  await fromLocal(() => context.local.registerCheck(check));
  return empty();
}

async function deregisterCheck(request: ApiRequest, context: HttpContext) {
  await fromLocal(() => context.local.deregisterCheck(request.rest));
  return empty();
}

/** `/v1/agent/check/{pass,warn,fail}/<id>[?note=]`: the note becomes the output. */
function markCheck(status: 'passing' | 'warning' | 'critical'): Handler {
  return async (request, context) => {
    const note = request.query.get('note') ?? '';
    await fromLocal(() => context.local.updateCheck(request.rest, status, note));
    return empty();
  };
}

/** `PUT /v1/agent/check/update/<id>` with `{"Status","Output"}`. */
async function updateCheck(request: ApiRequest, context: HttpContext) {
  const fields = Fields.fromBody(request.body);
  const status = fields.string('Status');
  const output = fields.string('Output');
  if (status !== 'passing' && status !== 'warning' && status !== 'critical') {
    throw badRequest(`Invalid check status: '${status}'`);
  }
  await fromLocal(() => context.local.updateCheck(request.rest, status, output));
  return empty();
}

// --- helpers ---------------------------------------------------------------------------------

/** `?enable=` read as Go's `strconv.ParseBool`; required. */
function enableParam(request: ApiRequest): boolean {
  if (!request.query.has('enable')) throw badRequest('Missing value for enable');
  const raw = request.query.get('enable') ?? '';
  const enable = parseBoolText(raw);
  if (enable === undefined) throw badRequest(`Invalid value for enable: ${JSON.stringify(raw)}`);
  return enable;
}

/** Script checks over HTTP need `enable_script_checks`; Consul's refusal is a plain 500. */
function refuseScriptChecks(context: HttpContext, checks: CheckInput[]): void {
  if (!context.config.enableScriptChecks && checks.some(isScriptCheck)) {
    throw new HttpError(500, SCRIPT_CHECKS_DISABLED_REMOTE);
  }
}

/** Runs a local-agent operation, answering its refusals with Consul's status codes. */
async function fromLocal(operation: () => Promise<void>): Promise<void> {
  try {
    await operation();
  } catch (error) {
    if (!(error instanceof LocalAgentError)) throw error;
    const missing =
      error.code === LocalAgentErrorCode.unknownService || error.code === LocalAgentErrorCode.unknownCheck;
    throw new HttpError(missing ? 404 : 500, error.message);
  }
}

/** FNV-1a (64-bit) of the service's JSON, in hex: opaque to clients, stable for equal content. */
function contentHash(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16);
}
