/**
 * JSON for the catalog, health and agent endpoints, field for field as Consul's structs marshal:
 * `structs.Node`, `NodeService`, `ServiceNode` (the flat catalog shape), `CheckServiceNode`,
 * `HealthCheck` (with `HealthCheckDefinition`'s Go-duration strings) and `api.AgentService`.
 * Lists and maps a client iterates are `[]`/`{}`, never null.
 *
 * Stored records are immutable (a change replaces the record), so each record's JSON is built
 * once and kept in a WeakMap keyed by the record itself: `/v1/health/service/<name>` with a
 * thousand instances joins cached strings instead of re-serialising every node, service and
 * check on every read.
 */
import { formatGoDuration } from '../lib/duration.ts';
import type { CatalogNode, CheckDefinition, HealthCheck, NodeService } from '../model/records.ts';
import type { CheckInput, CheckServiceNode, ServiceInput } from '../state/catalog.ts';

/** Consul's zero `ConnectProxyConfig`: its struct-typed fields marshal as `{}` even when unset. */
const EMPTY_PROXY = '{"MeshGateway":{},"Expose":{}}';

// --- nodes -----------------------------------------------------------------------------------

const nodeCache = new WeakMap<CatalogNode, string>();

/** `structs.Node`. */
export function nodeJson(node: CatalogNode): string {
  let json = nodeCache.get(node);
  if (json === undefined) {
    json = JSON.stringify({
      ID: node.ID,
      Node: node.Node,
      Address: node.Address,
      Datacenter: node.Datacenter,
      TaggedAddresses: node.TaggedAddresses,
      Meta: node.Meta,
      CreateIndex: node.CreateIndex,
      ModifyIndex: node.ModifyIndex,
    });
    nodeCache.set(node, json);
  }
  return json;
}

export function nodesJson(nodes: readonly CatalogNode[]): string {
  return listJson(nodes, nodeJson);
}

// --- services --------------------------------------------------------------------------------

const serviceCache = new WeakMap<NodeService, string>();

/** `structs.NodeService`, as the catalog and health endpoints show it. */
export function nodeServiceJson(service: NodeService): string {
  let json = serviceCache.get(service);
  if (json === undefined) {
    json = `{${[
      ...(service.Kind === '' ? [] : [field('Kind', service.Kind)]),
      field('ID', service.ID),
      field('Service', service.Service),
      field('Tags', service.Tags),
      field('Address', service.Address),
      ...(isEmpty(service.TaggedAddresses) ? [] : [field('TaggedAddresses', service.TaggedAddresses)]),
      field('Meta', service.Meta),
      field('Port', service.Port),
      ...(service.SocketPath ? [field('SocketPath', service.SocketPath)] : []),
      field('Weights', service.Weights),
      field('EnableTagOverride', service.EnableTagOverride),
      `"Proxy":${service.Proxy === undefined ? EMPTY_PROXY : JSON.stringify(service.Proxy)}`,
      field('Connect', service.Connect ?? {}),
      field('CreateIndex', service.CreateIndex),
      field('ModifyIndex', service.ModifyIndex),
    ].join(',')}}`;
    serviceCache.set(service, json);
  }
  return json;
}

/** `GET /v1/catalog/node/<node>`: the node and its services by ID; `null` for an unknown node. */
export function nodeServicesJson(
  value: { node: CatalogNode; services: readonly NodeService[] } | undefined,
): string {
  if (value === undefined) return 'null';
  const services = value.services.map(
    (service) => `${JSON.stringify(service.ID)}:${nodeServiceJson(service)}`,
  );
  return `{"Node":${nodeJson(value.node)},"Services":{${services.join(',')}}}`;
}

/** `GET /v1/catalog/node-services/<node>`: the same with the services as a list. */
export function nodeServiceListJson(
  value: { node: CatalogNode; services: readonly NodeService[] } | undefined,
): string {
  if (value === undefined) return 'null';
  return `{"Node":${nodeJson(value.node)},"Services":${listJson(value.services, nodeServiceJson)}}`;
}

interface ServiceNodeEntry {
  node: CatalogNode;
  json: string;
}
const serviceNodeCache = new WeakMap<NodeService, ServiceNodeEntry>();

/** `structs.ServiceNode`: node and service flattened into one object (`/v1/catalog/service`). */
export function serviceNodeJson(node: CatalogNode, service: NodeService): string {
  const cached = serviceNodeCache.get(service);
  if (cached !== undefined && cached.node === node) return cached.json;
  const json = `{${[
    field('ID', node.ID),
    field('Node', node.Node),
    field('Address', node.Address),
    field('Datacenter', node.Datacenter),
    field('TaggedAddresses', node.TaggedAddresses),
    field('NodeMeta', node.Meta),
    field('ServiceKind', service.Kind),
    field('ServiceID', service.ID),
    field('ServiceName', service.Service),
    field('ServiceTags', service.Tags),
    field('ServiceAddress', service.Address),
    ...(isEmpty(service.TaggedAddresses) ? [] : [field('ServiceTaggedAddresses', service.TaggedAddresses)]),
    field('ServiceWeights', service.Weights),
    field('ServiceMeta', service.Meta),
    field('ServicePort', service.Port),
    field('ServiceSocketPath', service.SocketPath ?? ''),
    field('ServiceEnableTagOverride', service.EnableTagOverride),
    `"ServiceProxy":${service.Proxy === undefined ? EMPTY_PROXY : JSON.stringify(service.Proxy)}`,
    field('ServiceConnect', service.Connect ?? {}),
    field('CreateIndex', service.CreateIndex),
    field('ModifyIndex', service.ModifyIndex),
  ].join(',')}}`;
  serviceNodeCache.set(service, { node, json });
  return json;
}

export function serviceNodesJson(entries: readonly { node: CatalogNode; service: NodeService }[]): string {
  return listJson(entries, (entry) => serviceNodeJson(entry.node, entry.service));
}

// --- health ----------------------------------------------------------------------------------

const checkCache = new WeakMap<HealthCheck, string>();

/** `structs.HealthCheck`. */
export function healthCheckJson(check: HealthCheck): string {
  let json = checkCache.get(check);
  if (json === undefined) {
    json = JSON.stringify(healthCheckObject(check));
    checkCache.set(check, json);
  }
  return json;
}

export function healthChecksJson(checks: readonly HealthCheck[]): string {
  return listJson(checks, healthCheckJson);
}

/** The object behind `healthCheckJson`; local (unstored) checks show indexes 0, as Consul's agent does. */
export function healthCheckObject(check: CheckInput & { CreateIndex?: number; ModifyIndex?: number }) {
  return {
    Node: check.Node,
    CheckID: check.CheckID,
    Name: check.Name,
    Status: check.Status,
    Notes: check.Notes,
    Output: check.Output,
    ServiceID: check.ServiceID,
    ServiceName: check.ServiceName,
    ServiceTags: check.ServiceTags,
    Type: check.Type,
    Interval: check.Interval,
    Timeout: check.Timeout,
    ExposedPort: check.ExposedPort,
    Definition: definitionObject(check.Definition),
    CreateIndex: check.CreateIndex ?? 0,
    ModifyIndex: check.ModifyIndex ?? 0,
  };
}

/**
 * `HealthCheckDefinition.MarshalJSON`: durations as Go text, every field omitted when zero, in
 * the order Go writes them (the re-typed duration fields first, then the embedded struct's).
 */
function definitionObject(definition: CheckDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const duration = (key: 'Interval' | 'Timeout' | 'DeregisterCriticalServiceAfter' | 'TTL') => {
    const value = definition[key];
    if (value) out[key] = formatGoDuration(value);
  };
  const plain = (key: keyof CheckDefinition) => {
    const value = definition[key];
    if (value === undefined || value === '' || value === false || value === 0) return;
    if (Array.isArray(value) && value.length === 0) return;
    if (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0) return;
    out[key] = value;
  };
  duration('Interval');
  plain('OutputMaxSize');
  duration('Timeout');
  duration('DeregisterCriticalServiceAfter');
  duration('TTL');
  for (const key of [
    'HTTP',
    'TLSServerName',
    'TLSSkipVerify',
    'Header',
    'Method',
    'Body',
    'DisableRedirects',
    'TCP',
    'TCPUseTLS',
    'UDP',
    'H2PING',
    'H2PingUseTLS',
    'ScriptArgs',
    'GRPC',
    'GRPCUseTLS',
    'AliasNode',
    'AliasService',
  ] as const) {
    plain(key);
  }
  return out;
}

interface CheckServiceNodeEntry {
  node: CatalogNode;
  checks: readonly HealthCheck[];
  json: string;
}
const checkServiceNodeCache = new WeakMap<NodeService, CheckServiceNodeEntry>();

/**
 * `structs.CheckServiceNode`: `{Node, Service, Checks}`. Cached per service record and reused
 * while the node record and every check record are the same objects.
 */
export function checkServiceNodeJson(entry: CheckServiceNode): string {
  const cached = checkServiceNodeCache.get(entry.service);
  if (cached !== undefined && cached.node === entry.node && sameItems(cached.checks, entry.checks)) {
    return cached.json;
  }
  const json = `{"Node":${nodeJson(entry.node)},"Service":${nodeServiceJson(entry.service)},"Checks":${healthChecksJson(entry.checks)}}`;
  checkServiceNodeCache.set(entry.service, { node: entry.node, checks: entry.checks, json });
  return json;
}

export function checkServiceNodesJson(entries: readonly CheckServiceNode[]): string {
  return listJson(entries, checkServiceNodeJson);
}

// --- agent -----------------------------------------------------------------------------------

/**
 * `api.AgentService` (`buildAgentService`): the local view of a service, with the datacenter and,
 * for `GET /v1/agent/service/<id>`, the content hash. `Proxy` appears for proxies and gateways,
 * `Connect` for Connect-native services.
 */
export function agentServiceObject(
  service: ServiceInput,
  datacenter: string,
  contentHash?: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (service.Kind !== '') out.Kind = service.Kind;
  out.ID = service.ID;
  out.Service = service.Service;
  out.Tags = service.Tags;
  out.Meta = service.Meta;
  out.Port = service.Port;
  out.Address = service.Address;
  if (service.SocketPath) out.SocketPath = service.SocketPath;
  if (!isEmpty(service.TaggedAddresses)) out.TaggedAddresses = service.TaggedAddresses;
  out.Weights =
    service.Weights.Passing > 0 ? service.Weights : { Passing: 1, Warning: service.Weights.Warning };
  out.EnableTagOverride = service.EnableTagOverride;
  if (contentHash !== undefined) out.ContentHash = contentHash;
  if (service.Kind !== '' && service.Proxy !== undefined) out.Proxy = service.Proxy;
  if (service.Connect !== undefined && isNative(service.Connect)) out.Connect = { Native: true };
  out.Datacenter = datacenter;
  return out;
}

/** `GET /v1/agent/services`: ID → AgentService. */
export function agentServicesJson(services: readonly ServiceInput[], datacenter: string): string {
  const entries = services.map(
    (service) => `${JSON.stringify(service.ID)}:${JSON.stringify(agentServiceObject(service, datacenter))}`,
  );
  return `{${entries.join(',')}}`;
}

/** `GET /v1/agent/checks`: ID → HealthCheck, as the agent holds them (indexes 0). */
export function agentChecksJson(checks: readonly CheckInput[]): string {
  const entries = checks.map(
    (check) => `${JSON.stringify(check.CheckID)}:${JSON.stringify(healthCheckObject(check))}`,
  );
  return `{${entries.join(',')}}`;
}

// --- helpers ---------------------------------------------------------------------------------

function listJson<T>(items: readonly T[], toJson: (item: T) => string): string {
  if (items.length === 0) return '[]';
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    out += toJson(items[i]!);
  }
  return `${out}]`;
}

function field(name: string, value: unknown): string {
  return `"${name}":${JSON.stringify(value)}`;
}

function isEmpty(value: object | undefined): boolean {
  return value === undefined || Object.keys(value).length === 0;
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `Connect.Native`, read from the object as the client sent it (any case of the key). */
export function isNative(connect: Record<string, unknown>): boolean {
  return Object.entries(connect).some(([key, value]) => key.toLowerCase() === 'native' && value === true);
}
