import { hasAllTags, matchesNodeMeta } from '../../discovery/filters.ts';
import type { BoundFilter } from '../../lib/filter/filter.ts';
import { isAnyAddress } from '../../lib/ip-address.ts';
import type { HealthStatus, NodeService, TaggedAddress, Weights } from '../../model/records.ts';
import type { CheckInput, NodeInput, Registration, ServiceInput } from '../../state/catalog.ts';
import { type Read, type StateStore, Table } from '../../state/store.ts';
import { filterParam, keepMatching, nodeMetaFilters, tagFilters } from '../catalog-filters.ts';
import type { HttpConfig, HttpContext } from '../context.ts';
import { decodeHealthCheckDefinition, definitionKind } from '../definitions.ts';
import { HttpError } from '../errors.ts';
import { Fields } from '../fields.ts';
import {
  NODE_FILTER_SCHEMA,
  NODE_SERVICE_FILTER_SCHEMA,
  nodeServiceFilterView,
  SERVICE_NODE_FILTER_SCHEMA,
  serviceNodeFilterView,
} from '../filter-schemas.ts';
import { read } from '../read.ts';
import { type ApiRequest, checkDatacenter, pathName } from '../request.ts';
import { json, rawJson } from '../response.ts';
import { type RouteDefinition, route } from '../route.ts';
import { nodeServiceListJson, nodeServicesJson, nodesJson, serviceNodesJson } from '../serialize-catalog.ts';

/**
 * `/v1/catalog/*` (Consul's `agent/catalog_endpoint.go` and the `Catalog` RPC): direct
 * registration and deregistration, and the blocking reads of nodes and services. `?near=` is
 * accepted and ignored (no network coordinates yet). `?filter=` applies, as in the RPC, after
 * `?tag=` and `?node-meta=`, inside the blocking query (the index stays the query's).
 */
export function catalogRoutes(_context: HttpContext): RouteDefinition[] {
  return [
    route('/v1/catalog/register', { PUT: register }),
    route('/v1/catalog/deregister', { PUT: deregister }),
    route('/v1/catalog/datacenters', { GET: datacenters }),
    route('/v1/catalog/nodes', { GET: nodes }),
    route('/v1/catalog/services', { GET: services }),
    route('/v1/catalog/service/*', { GET: serviceNodes }),
    route('/v1/catalog/node/*', { GET: nodeServices }),
    route('/v1/catalog/node-services/*', { GET: nodeServiceList }),
  ];
}

// --- writes ----------------------------------------------------------------------------------

/** `PUT /v1/catalog/register` → `true`. Validation failures are RPC errors: 500, as Consul. */
async function register(request: ApiRequest, context: HttpContext) {
  checkDatacenter(request, context.config.datacenter);
  const registration = decodeRegistration(Fields.fromBody(request.body), context.config);
  await context.server.register(registration);
  return json(true);
}

/** `PUT /v1/catalog/deregister` → `true`: a service, else a check, else the whole node. */
async function deregister(request: ApiRequest, context: HttpContext) {
  checkDatacenter(request, context.config.datacenter);
  const fields = Fields.fromBody(request.body);
  const node = fields.string('Node');
  const serviceId = fields.string('ServiceID');
  const checkId = fields.string('CheckID');
  requireLocalDatacenter(fields, context.config);
  if (node === '') throw rpcError('Must provide node');
  await context.server.deregister(node, serviceId, checkId);
  return json(true);
}

/** `structs.RegisterRequest` → a registration, with `Catalog.Register`'s checks and defaults. */
function decodeRegistration(fields: Fields, config: HttpConfig): Registration {
  const id = fields.string('ID');
  const name = fields.string('Node');
  const address = fields.string('Address');
  const taggedAddresses = fields.stringMap('TaggedAddresses');
  const meta = fields.stringMap('NodeMeta');
  const skipNodeUpdate = fields.boolean('SkipNodeUpdate');
  const serviceFields = fields.object('Service');
  const service = serviceFields === undefined ? undefined : decodeNodeService(serviceFields);
  const single = fields.object('Check');
  const checks = [...(single === undefined ? [] : [single]), ...fields.objectList('Checks')].map((check) =>
    decodeHealthCheck(check, name),
  );
  requireLocalDatacenter(fields, config);

  if (name === '') throw rpcError('Must provide node');
  if (address === '' && !skipNodeUpdate) throw rpcError('Must provide address if SkipNodeUpdate is not set');
  if (id !== '') {
    const problem = uuidProblem(id);
    if (problem !== undefined) throw rpcError(`Bad node ID: ${problem}`);
  }
  if (service !== undefined) {
    if (service.ID !== '' && service.Service === '') throw rpcError('Must provide service name with ID');
    if (isAnyAddress(service.Address)) throw rpcError('Invalid service address');
  }
  for (const check of checks) if (check.CheckID === '') throw rpcError('Must provide a check ID or name');

  const node: NodeInput = {
    ID: id,
    Node: name,
    Address: address,
    Datacenter: config.datacenter,
    TaggedAddresses: taggedAddresses,
    Meta: meta,
  };
  return {
    node,
    skipNodeUpdate,
    ...(service === undefined || service.Service === '' ? {} : { service }),
    checks,
  };
}

/** `structs.NodeService` as a client sends it; the ID defaults to the name. */
function decodeNodeService(fields: Fields): ServiceInput {
  const name = fields.string('Service');
  const id = fields.string('ID');
  const tagged = fields.object('TaggedAddresses');
  const taggedAddresses: Record<string, TaggedAddress> = {};
  for (const tag of Object.keys(tagged?.raw ?? {})) {
    const entry = tagged?.object(tag);
    if (entry !== undefined)
      taggedAddresses[tag] = { Address: entry.string('Address'), Port: entry.integer('Port') };
  }
  const weightFields = fields.object('Weights');
  const given: Weights | undefined =
    weightFields === undefined
      ? undefined
      : { Passing: weightFields.integer('Passing'), Warning: weightFields.integer('Warning') };
  // `ToServiceNode`: invalid weights fall back to the default rather than failing the write.
  const weights =
    given !== undefined && given.Passing >= 1 && given.Passing <= 65535 && given.Warning <= 65535
      ? given
      : { Passing: 1, Warning: 1 };
  const socketPath = fields.string('SocketPath');
  const proxy = fields.object('Proxy');
  const connect = fields.object('Connect');
  return {
    Kind: fields.string('Kind'),
    ID: id === '' ? name : id,
    Service: name,
    Tags: fields.stringList('Tags'),
    Address: fields.string('Address'),
    ...(Object.keys(taggedAddresses).length === 0 ? {} : { TaggedAddresses: taggedAddresses }),
    Meta: fields.stringMap('Meta'),
    Port: fields.integer('Port', 0, -(2 ** 31), 2 ** 31 - 1),
    ...(socketPath === '' ? {} : { SocketPath: socketPath }),
    Weights: weights,
    EnableTagOverride: fields.boolean('EnableTagOverride'),
    ...(proxy === undefined ? {} : { Proxy: { ...proxy.raw } }),
    ...(connect === undefined ? {} : { Connect: { ...connect.raw } }),
  };
}

/** `structs.HealthCheck` as a client sends it: ID defaults to the name, status to critical. */
function decodeHealthCheck(fields: Fields, node: string): CheckInput {
  const name = fields.string('Name');
  const checkId = fields.string('CheckID') || name;
  const status = fields.string('Status');
  const definitionFields = fields.object('Definition');
  const definition = definitionFields === undefined ? {} : decodeHealthCheckDefinition(definitionFields);
  const type = fields.string('Type');
  return {
    Node: node,
    CheckID: checkId,
    Name: name,
    Status: (status === '' ? 'critical' : status) as HealthStatus,
    Notes: fields.string('Notes'),
    Output: fields.string('Output'),
    ServiceID: fields.string('ServiceID'),
    ServiceName: fields.string('ServiceName'),
    ServiceTags: fields.stringList('ServiceTags'),
    Type: type === '' ? definitionKind(definition) : type,
    Interval: fields.string('Interval'),
    Timeout: fields.string('Timeout'),
    ExposedPort: fields.integer('ExposedPort'),
    Definition: definition,
  };
}

/** A body naming another datacenter cannot be forwarded (no WAN federation yet). */
function requireLocalDatacenter(fields: Fields, config: HttpConfig): void {
  const datacenter = fields.string('Datacenter');
  if (datacenter !== '' && datacenter !== config.datacenter) throw rpcError('No path to datacenter');
}

/** Errors the `Catalog` RPC returns: Consul answers them with 500 and the text. */
function rpcError(message: string): HttpError {
  return new HttpError(500, message);
}

/** hashicorp/go-uuid `ParseUUID`'s complaints. */
function uuidProblem(id: string): string | undefined {
  if (id.length !== 36) return 'uuid string is wrong length';
  if (id[8] !== '-' || id[13] !== '-' || id[18] !== '-' || id[23] !== '-')
    return 'uuid is improperly formatted';
  const hex = id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18) + id.slice(19, 23) + id.slice(24);
  const bad = [...hex].find((char) => !/[0-9a-fA-F]/.test(char));
  if (bad !== undefined) {
    const code = bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return `encoding/hex: invalid byte: U+${code} '${bad}'`;
  }
  return undefined;
}

// --- reads -----------------------------------------------------------------------------------

function datacenters(_request: ApiRequest, context: HttpContext) {
  return json([context.config.datacenter]);
}

/** `GET /v1/catalog/nodes[?node-meta=][&filter=]`: every node, by name. */
async function nodes(request: ApiRequest, context: HttpContext) {
  const filters = nodeMetaFilters(request);
  const filter = filterParam(request, NODE_FILTER_SCHEMA);
  const answer = await read(context, request, (store) =>
    filtered(store.catalog.nodes(), (all) =>
      keepMatching(
        all.filter((node) => matchesNodeMeta(node, filters)),
        filter,
      ),
    ),
  );
  return rawJson(nodesJson(answer.value), answer.headers);
}

/**
 * `GET /v1/catalog/services[?node-meta=][&filter=]`: service name → union of tags (`[]` when
 * untagged). A filter judges each instance (`structs.ServiceNode`), as `Catalog.ListServices`
 * does, and a service is listed with the tags of the instances that pass.
 */
async function services(request: ApiRequest, context: HttpContext) {
  const filters = nodeMetaFilters(request);
  const filter = filterParam(request, SERVICE_NODE_FILTER_SCHEMA);
  const answer = await read(context, request, (store) =>
    filters === undefined && filter === undefined
      ? store.catalog.services()
      : servicesOfMatchingInstances(store, filters, filter),
  );
  const entries = [...answer.value].map(([name, tags]) => `${JSON.stringify(name)}:${JSON.stringify(tags)}`);
  return rawJson(`{${entries.join(',')}}`, answer.headers);
}

/**
 * `ServicesByNodeMeta`, then the filter: the services with an instance on a node whose meta
 * matches and that the filter keeps, over nodes and services.
 */
function servicesOfMatchingInstances(
  store: StateStore,
  filters: Map<string, string> | undefined,
  filter: BoundFilter | undefined,
): Read<Map<string, string[]>> {
  const services = { index: store.index(Table.services), watches: store.watchTopics(Table.services) };
  const nodes = store.catalog.nodes();
  const tagsByName = new Map<string, Set<string>>();
  for (const node of nodes.value) {
    if (!matchesNodeMeta(node, filters)) continue;
    const kept = keepMatching(store.catalog.servicesOnNode(node.Node), filter, (service: NodeService) =>
      serviceNodeFilterView(node, service),
    );
    for (const service of kept) {
      const tags = tagsByName.get(service.Service) ?? new Set<string>();
      for (const tag of service.Tags) tags.add(tag);
      tagsByName.set(service.Service, tags);
    }
  }
  const value = new Map<string, string[]>();
  for (const name of [...tagsByName.keys()].sort()) value.set(name, [...tagsByName.get(name)!].sort());
  return {
    value,
    index: Math.max(services.index, nodes.index),
    watches: [...services.watches, ...nodes.watches],
  };
}

/** `GET /v1/catalog/service/<name>[?tag=…][&node-meta=…][&filter=]`: flat ServiceNode entries. */
async function serviceNodes(request: ApiRequest, context: HttpContext) {
  const name = pathName(request, 'Missing service name');
  const tags = tagFilters(request);
  const filters = nodeMetaFilters(request);
  const filter = filterParam(request, SERVICE_NODE_FILTER_SCHEMA);
  const answer = await read(context, request, (store) =>
    filtered(store.catalog.serviceNodes(name), (entries) =>
      keepMatching(
        entries.filter(({ node, service }) => hasAllTags(service, tags) && matchesNodeMeta(node, filters)),
        filter,
        ({ node, service }) => serviceNodeFilterView(node, service),
      ),
    ),
  );
  return rawJson(serviceNodesJson(answer.value), answer.headers);
}

/** `GET /v1/catalog/node/<node>[?filter=]`: `{Node, Services: {id: NodeService}}`, or `null`. */
async function nodeServices(request: ApiRequest, context: HttpContext) {
  const name = pathName(request, 'Missing node name');
  const filter = filterParam(request, NODE_SERVICE_FILTER_SCHEMA);
  const answer = await read(context, request, (store) => nodeWithMatchingServices(store, name, filter));
  return rawJson(nodeServicesJson(answer.value), answer.headers);
}

/** `GET /v1/catalog/node-services/<node>[?filter=]`: `{Node, Services: [NodeService]}`, or `null`. */
async function nodeServiceList(request: ApiRequest, context: HttpContext) {
  const name = pathName(request, 'Missing node name');
  const filter = filterParam(request, NODE_SERVICE_FILTER_SCHEMA);
  const answer = await read(context, request, (store) => nodeWithMatchingServices(store, name, filter));
  return rawJson(nodeServiceListJson(answer.value), answer.headers);
}

/** The node and the services on it the filter keeps; an unknown node stays unknown (`null`). */
function nodeWithMatchingServices(store: StateStore, name: string, filter: BoundFilter | undefined) {
  return filtered(store.catalog.nodeServices(name), (value) =>
    value === undefined
      ? undefined
      : { node: value.node, services: keepMatching(value.services, filter, nodeServiceFilterView) },
  );
}

function filtered<T, U>(result: Read<T>, keep: (value: T) => U): Read<U> {
  return { ...result, value: keep(result.value) };
}
