/**
 * What `?filter=` selects on each endpoint: the Go struct Consul filters there, before it is
 * serialised, as go-bexpr sees it (exported fields minus those tagged `bexpr:"-"`: RaftIndex,
 * EnterpriseMeta, Locality, HealthCheck.Definition, proxy `Config` maps…), and the views that
 * present Cairn's records in that shape. Fields Cairn has no notion of yet (`PeerName`,
 * `Partition`) are in the schemas with their zero values, so filters written for Consul still
 * pass validation.
 *
 * | endpoint                                   | each record is            |
 * |--------------------------------------------|---------------------------|
 * | /v1/catalog/nodes                          | structs.Node              |
 * | /v1/catalog/services, /v1/catalog/service  | structs.ServiceNode       |
 * | /v1/catalog/node, /v1/catalog/node-services| structs.NodeService       |
 * | /v1/health/node, checks, state, agent/checks | structs.HealthCheck     |
 * | /v1/health/service                         | structs.CheckServiceNode  |
 * | /v1/agent/services                         | api.AgentService          |
 */
import {
  boolField,
  type FieldSchema,
  intField,
  listOf,
  mapOf,
  type StructSchema,
  stringField,
  structOf,
} from '../lib/filter/filter.ts';
import type { CatalogNode, NodeService } from '../model/records.ts';
import type { CheckServiceNode, ServiceInput } from '../state/catalog.ts';
import { Fields } from './fields.ts';
import { agentServiceObject } from './serialize-catalog.ts';

const stringMap = mapOf(stringField);
const meshGateway = structOf({ Mode: stringField });

/** `structs.Upstream` (and `api.Upstream`: the same selectable fields). */
const upstream = structOf({
  DestinationType: stringField,
  DestinationNamespace: stringField,
  DestinationPartition: stringField,
  DestinationPeer: stringField,
  DestinationName: stringField,
  Datacenter: stringField,
  LocalBindAddress: stringField,
  LocalBindPort: intField,
  LocalBindSocketPath: stringField,
  LocalBindSocketMode: stringField,
  MeshGateway: meshGateway,
});

/** `structs.ConnectProxyConfig` (and `api.AgentServiceConnectProxyConfig`). */
const PROXY = structOf({
  EnvoyExtensions: listOf(
    structOf({
      Name: stringField,
      Required: boolField,
      ConsulVersion: stringField,
      EnvoyVersion: stringField,
    }),
  ),
  DestinationServiceName: stringField,
  DestinationServiceID: stringField,
  LocalServiceAddress: stringField,
  LocalServicePort: intField,
  LocalServiceSocketPath: stringField,
  Mode: stringField,
  Upstreams: listOf(upstream),
  MeshGateway: meshGateway,
  Expose: structOf({
    Checks: boolField,
    Paths: listOf(
      structOf({
        ListenerPort: intField,
        Path: stringField,
        LocalPathPort: intField,
        Protocol: stringField,
        ParsedFromCheck: boolField,
      }),
    ),
  }),
  TransparentProxy: structOf({ OutboundListenerPort: intField, DialedDirectly: boolField }),
  AccessLogs: structOf({
    Enabled: boolField,
    DisableListenerLogs: boolField,
    Type: stringField,
    Path: stringField,
    JSONFormat: stringField,
    TextFormat: stringField,
  }),
});

/** `structs.ServiceConnect` / `api.AgentServiceConnect` (SidecarService is `bexpr:"-"`). */
const CONNECT = structOf({ Native: boolField });

const weights = structOf({ Passing: intField, Warning: intField });
const serviceAddresses = mapOf(structOf({ Address: stringField, Port: intField }));

/** `structs.Node`. */
export const NODE_FILTER_SCHEMA = structOf({
  ID: stringField,
  Node: stringField,
  Address: stringField,
  Datacenter: stringField,
  Partition: stringField,
  PeerName: stringField,
  TaggedAddresses: stringMap,
  Meta: stringMap,
});

/** `structs.NodeService`. */
export const NODE_SERVICE_FILTER_SCHEMA = structOf({
  Kind: stringField,
  ID: stringField,
  Service: stringField,
  Tags: listOf(stringField),
  Address: stringField,
  TaggedAddresses: serviceAddresses,
  Meta: stringMap,
  Port: intField,
  SocketPath: stringField,
  Weights: weights,
  EnableTagOverride: boolField,
  Proxy: PROXY,
  Connect: CONNECT,
  PeerName: stringField,
});

/** `structs.ServiceNode`: node and service flattened. */
export const SERVICE_NODE_FILTER_SCHEMA = structOf({
  ID: stringField,
  Node: stringField,
  Address: stringField,
  Datacenter: stringField,
  TaggedAddresses: stringMap,
  NodeMeta: stringMap,
  ServiceKind: stringField,
  ServiceID: stringField,
  ServiceName: stringField,
  ServiceTags: listOf(stringField),
  ServiceAddress: stringField,
  ServiceTaggedAddresses: serviceAddresses,
  ServiceWeights: weights,
  ServiceMeta: stringMap,
  ServicePort: intField,
  ServiceSocketPath: stringField,
  ServiceEnableTagOverride: boolField,
  ServiceProxy: PROXY,
  ServiceConnect: CONNECT,
  PeerName: stringField,
});

/** `structs.HealthCheck`. */
export const HEALTH_CHECK_FILTER_SCHEMA = structOf({
  Node: stringField,
  CheckID: stringField,
  Name: stringField,
  Status: stringField,
  Notes: stringField,
  Output: stringField,
  ServiceID: stringField,
  ServiceName: stringField,
  ServiceTags: listOf(stringField),
  Type: stringField,
  Interval: stringField,
  Timeout: stringField,
  ExposedPort: intField,
  PeerName: stringField,
});

/** `structs.CheckServiceNode`. */
export const CHECK_SERVICE_NODE_FILTER_SCHEMA = structOf({
  Node: NODE_FILTER_SCHEMA,
  Service: NODE_SERVICE_FILTER_SCHEMA,
  Checks: listOf(HEALTH_CHECK_FILTER_SCHEMA),
});

/** `api.AgentService` (SocketPath, ContentHash, Datacenter… are `bexpr:"-"`). */
export const AGENT_SERVICE_FILTER_SCHEMA = structOf({
  Kind: stringField,
  ID: stringField,
  Service: stringField,
  Tags: listOf(stringField),
  Meta: stringMap,
  Port: intField,
  Address: stringField,
  TaggedAddresses: serviceAddresses,
  Weights: weights,
  EnableTagOverride: boolField,
  Proxy: PROXY,
  Connect: CONNECT,
  PeerName: stringField,
});

// --- views: Cairn's records in the shape of Consul's structs ---------------------------------

/** A `structs.NodeService`; `Proxy` and `Connect` are kept as sent, so read as Consul decodes them. */
export function nodeServiceFilterView(service: ServiceInput): Record<string, unknown> {
  return { ...service, Proxy: asStruct(PROXY, service.Proxy), Connect: asStruct(CONNECT, service.Connect) };
}

/** A `structs.ServiceNode`. */
export function serviceNodeFilterView(node: CatalogNode, service: NodeService): Record<string, unknown> {
  return {
    ID: node.ID,
    Node: node.Node,
    Address: node.Address,
    Datacenter: node.Datacenter,
    TaggedAddresses: node.TaggedAddresses,
    NodeMeta: node.Meta,
    ServiceKind: service.Kind,
    ServiceID: service.ID,
    ServiceName: service.Service,
    ServiceTags: service.Tags,
    ServiceAddress: service.Address,
    ServiceTaggedAddresses: service.TaggedAddresses,
    ServiceWeights: service.Weights,
    ServiceMeta: service.Meta,
    ServicePort: service.Port,
    ServiceSocketPath: service.SocketPath,
    ServiceEnableTagOverride: service.EnableTagOverride,
    ServiceProxy: asStruct(PROXY, service.Proxy),
    ServiceConnect: asStruct(CONNECT, service.Connect),
  };
}

/** A `structs.CheckServiceNode`. */
export function checkServiceNodeFilterView(entry: CheckServiceNode): Record<string, unknown> {
  return { Node: entry.node, Service: nodeServiceFilterView(entry.service), Checks: entry.checks };
}

/** An `api.AgentService`, as `/v1/agent/services` shows it. */
export function agentServiceFilterView(service: ServiceInput, datacenter: string): Record<string, unknown> {
  const shown = agentServiceObject(service, datacenter);
  return { ...shown, Proxy: asStruct(PROXY, shown.Proxy) };
}

/**
 * A nested object Cairn keeps as the client sent it (`Proxy`, `Connect`), read into the struct
 * `schema` describes the way Consul's decoder would have: field names case-insensitively and
 * `snake_case` as `PascalCase` (fields.ts). Fields the schema does not name are dropped.
 */
function asStruct(schema: StructSchema, raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const fields = new Fields(raw as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema.fields)) out[name] = asField(field, fields.get(name));
  return out;
}

function asField(schema: FieldSchema, value: unknown): unknown {
  if (schema.kind === 'struct') return asStruct(schema, value);
  if (schema.kind === 'list' && schema.element.kind === 'struct' && Array.isArray(value)) {
    const element = schema.element;
    return value.map((item) => asStruct(element, item));
  }
  return value;
}
