import type { CatalogNode, HealthCheck, HealthStatus, NodeService } from '../model/records.ts';
import { type Read, type ServiceInstance, type StoreContext, Table } from './context.ts';
import { StateError } from './errors.ts';

export type NodeInput = Omit<CatalogNode, 'CreateIndex' | 'ModifyIndex'>;
export type ServiceInput = Omit<NodeService, 'CreateIndex' | 'ModifyIndex'>;
export type CheckInput = Omit<HealthCheck, 'CreateIndex' | 'ModifyIndex'>;

/** A catalog registration (`structs.RegisterRequest`), checks already gathered into one list. */
export interface Registration {
  node: NodeInput;
  skipNodeUpdate: boolean;
  service?: ServiceInput;
  checks: CheckInput[];
}

/** A service instance joined with its node and checks (`structs.CheckServiceNode`). */
export interface CheckServiceNode {
  node: CatalogNode;
  service: NodeService;
  checks: HealthCheck[];
}

/** A service instance joined with its node (`structs.ServiceNode`). */
export interface ServiceNode {
  node: CatalogNode;
  service: NodeService;
}

const serviceIndexName = (name: string) => `service.${name}`;
const instanceKey = (node: string, serviceId: string) => `${node}\u0000${serviceId}`;

function byCheckId(a: HealthCheck, b: HealthCheck): number {
  return a.CheckID < b.CheckID ? -1 : a.CheckID > b.CheckID ? 1 : 0;
}

/** Deep equality of plain JSON-like records, ignoring the Raft indexes and the order of map keys. */
function sameRecord(a: object, b: object): boolean {
  const strip = ({ CreateIndex: _c, ModifyIndex: _m, ...rest }: Record<string, unknown>) => rest;
  return (
    canonicalJson(strip(a as Record<string, unknown>)) === canonicalJson(strip(b as Record<string, unknown>))
  );
}

/** JSON with object keys sorted: `Meta` sent as `{b, a}` is the same record as `{a, b}`. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : inner,
  );
}

/**
 * The catalog: nodes, the services on them and their health checks, after Consul's
 * `agent/consul/state/catalog.go`. Service queries answer with a per-service index that moves
 * whenever anything they return changes (the instance, its checks, its node), so a blocking
 * `health/service/web` wakes for web and for nothing else.
 */
export class CatalogTable {
  constructor(private readonly store: StoreContext) {}

  // --- reads ---------------------------------------------------------------------------------

  nodes(): Read<CatalogNode[]> {
    return {
      value: [...this.store.tables.nodes.values()],
      index: this.store.index(Table.nodes),
      watches: this.store.watchTopics(Table.nodes),
    };
  }

  node(name: string): Read<CatalogNode | undefined> {
    return {
      value: this.store.tables.nodes.get(name),
      index: this.store.index(Table.nodes),
      watches: this.store.watchTopics(Table.nodes),
    };
  }

  /** A node and its services, or undefined; index over nodes and services. */
  nodeServices(name: string): Read<{ node: CatalogNode; services: NodeService[] } | undefined> {
    const node = this.store.tables.nodes.get(name);
    return {
      value: node === undefined ? undefined : { node, services: this.servicesOnNode(name) },
      index: this.store.index(Table.nodes, Table.services),
      watches: this.store.watchTopics(Table.nodes, Table.services),
    };
  }

  /** Service name → union of its tags (sorted), over every instance. */
  services(): Read<Map<string, string[]>> {
    const result = new Map<string, string[]>();
    const names = [...this.store.tables.serviceInstances.keys()].sort();
    for (const name of names) {
      const tags = new Set<string>();
      for (const { service } of this.store.tables.serviceInstances.get(name)!.values())
        for (const tag of service.Tags) tags.add(tag);
      result.set(name, [...tags].sort());
    }
    return {
      value: result,
      index: this.store.index(Table.services),
      watches: this.store.watchTopics(Table.services),
    };
  }

  serviceNodes(name: string): Read<ServiceNode[]> {
    const nodes = this.store.tables.nodes;
    const value = this.instances(name).map(({ node, service }) => ({ node: nodes.get(node)!, service }));
    return { value, index: this.serviceIndex(name), watches: this.store.watchTopics(serviceIndexName(name)) };
  }

  checkServiceNodes(name: string): Read<CheckServiceNode[]> {
    const tables = this.store.tables;
    const value = this.instances(name).map(({ node, service }) => {
      const checks: HealthCheck[] = [];
      for (const check of tables.checks.get(node)?.values() ?? []) {
        if (check.ServiceID === '' || check.ServiceID === service.ID) checks.push(check);
      }
      return { node: tables.nodes.get(node)!, service, checks: checks.sort(byCheckId) };
    });
    return { value, index: this.serviceIndex(name), watches: this.store.watchTopics(serviceIndexName(name)) };
  }

  /**
   * Every service instance with its node and checks, by service name then instance (Consul's
   * `ServiceDump`); one index over nodes, services and checks, so any catalog change wakes it.
   */
  serviceDump(): Read<CheckServiceNode[]> {
    const names = [...this.store.tables.serviceInstances.keys()].sort();
    return {
      ...this.serviceDumpVersion(),
      value: names.flatMap((name) => this.checkServiceNodes(name).value),
    };
  }

  /** What `serviceDump()` would answer with for index and watches, without building it. */
  serviceDumpVersion(): Read<undefined> {
    return {
      value: undefined,
      index: this.store.index(Table.nodes, Table.services, Table.checks),
      watches: this.store.watchTopics(Table.nodes, Table.services, Table.checks),
    };
  }

  nodeChecks(node: string): Read<HealthCheck[]> {
    return this.checkRead([...(this.store.tables.checks.get(node)?.values() ?? [])].sort(byCheckId));
  }

  /**
   * A node's checks and the IDs of its services, in one read (alias checks of another node:
   * `CheckAlias` asks whether an aliased service without checks exists).
   */
  nodeHealth(node: string): Read<{ checks: HealthCheck[]; serviceIds: string[] }> {
    const checks = this.nodeChecks(node);
    const services = this.nodeServices(node);
    return {
      value: {
        checks: checks.value,
        serviceIds: services.value?.services.map((service) => service.ID) ?? [],
      },
      index: Math.max(checks.index, services.index),
      watches: [...checks.watches, ...services.watches],
    };
  }

  serviceChecks(name: string): Read<HealthCheck[]> {
    const checks: HealthCheck[] = [];
    for (const { node, service } of this.instances(name)) {
      for (const check of this.store.tables.checks.get(node)?.values() ?? [])
        if (check.ServiceID === service.ID) checks.push(check);
    }
    return this.checkRead(checks);
  }

  /** Checks in `state`, or every check for `any`; ordered by node, then check ID. */
  checksInState(state: HealthStatus | 'any'): Read<HealthCheck[]> {
    const checks: HealthCheck[] = [];
    for (const node of this.store.tables.nodes.keys()) {
      const onNode = [...(this.store.tables.checks.get(node)?.values() ?? [])].sort(byCheckId);
      for (const check of onNode) if (state === 'any' || check.Status === state) checks.push(check);
    }
    return this.checkRead(checks);
  }

  check(node: string, checkId: string): HealthCheck | undefined {
    return this.store.tables.checks.get(node)?.get(checkId);
  }

  service(node: string, serviceId: string): NodeService | undefined {
    return this.store.tables.services.get(node)?.get(serviceId);
  }

  private checkRead(checks: HealthCheck[]): Read<HealthCheck[]> {
    return {
      value: checks,
      index: this.store.index(Table.checks),
      watches: this.store.watchTopics(Table.checks),
    };
  }

  private instances(name: string): ServiceInstance[] {
    return [...(this.store.tables.serviceInstances.get(name)?.values() ?? [])];
  }

  /** The services on one node, by service ID. */
  servicesOnNode(node: string): NodeService[] {
    return [...(this.store.tables.services.get(node)?.values() ?? [])].sort((a, b) =>
      a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0,
    );
  }

  /**
   * What `checkServiceNodes(name)` and `serviceNodes(name)` would answer with for index and
   * watches, without building the answer: lets a caller reuse an answer built at this index.
   */
  serviceVersion(name: string): Read<undefined> {
    return {
      value: undefined,
      index: this.serviceIndex(name),
      watches: this.store.watchTopics(serviceIndexName(name)),
    };
  }

  /** The service's own index; for a service never seen, the services table's. */
  private serviceIndex(name: string): number {
    return this.store.index(serviceIndexName(name)) || this.store.index(Table.services, Table.nodes);
  }

  // --- writes (inside StateStore.transact) ----------------------------------------------------

  /** Applies a registration: node (unless skipped), then service, then checks. */
  register(registration: Registration): void {
    const exists = this.store.tables.nodes.has(registration.node.Node);
    if (!registration.skipNodeUpdate || !exists) this.ensureNode(registration.node);
    if (registration.service !== undefined) this.ensureService(registration.node.Node, registration.service);
    for (const check of registration.checks) this.ensureCheck({ ...check, Node: registration.node.Node });
  }

  ensureNode(input: NodeInput): void {
    const tables = this.store.tables;
    const journal = this.store.journal();
    const existing = tables.nodes.get(input.Node);
    if (input.ID !== '' && existing?.ID !== input.ID) {
      for (const other of tables.nodes.values()) {
        if (other.ID === input.ID && other.Node !== input.Node) {
          throw new StateError(
            `node ID "${input.ID}" for node "${input.Node}" aliases existing node "${other.Node}"`,
          );
        }
      }
    }
    const node: CatalogNode = {
      ...input,
      CreateIndex: existing?.CreateIndex ?? journal.raftIndex,
      ModifyIndex: journal.raftIndex,
    };
    if (existing !== undefined && sameRecord(existing, node)) return;
    journal.set(tables.nodes, node.Node, node);
    this.store.touch(Table.nodes);
    this.touchServicesOn(node.Node);
  }

  ensureService(nodeName: string, input: ServiceInput): void {
    const tables = this.store.tables;
    const journal = this.store.journal();
    if (!tables.nodes.has(nodeName)) throw new StateError('Missing node registration');
    const byId = tables.services.get(nodeName);
    const existing = byId?.get(input.ID);
    const service: NodeService = {
      ...input,
      CreateIndex: existing?.CreateIndex ?? journal.raftIndex,
      ModifyIndex: journal.raftIndex,
    };
    if (existing !== undefined && sameRecord(existing, service)) return;

    const updated = new Map(byId);
    updated.set(service.ID, service);
    journal.set(tables.services, nodeName, updated);
    if (existing !== undefined && existing.Service !== service.Service) {
      // A rename takes the instance out of the old service's results: that service changed too.
      this.removeInstance(nodeName, existing);
      this.store.touch(serviceIndexName(existing.Service));
    }
    this.addInstance(nodeName, service);
    this.store.touch(Table.services);
    this.store.touch(serviceIndexName(service.Service));

    // Checks of this service carry its name and tags.
    for (const check of tables.checks.get(nodeName)?.values() ?? []) {
      if (check.ServiceID !== service.ID) continue;
      if (
        check.ServiceName === service.Service &&
        JSON.stringify(check.ServiceTags) === JSON.stringify(service.Tags)
      )
        continue;
      this.writeCheck({
        ...check,
        ServiceName: service.Service,
        ServiceTags: [...service.Tags],
        ModifyIndex: journal.raftIndex,
      });
    }
  }

  ensureCheck(input: CheckInput): void {
    const tables = this.store.tables;
    const journal = this.store.journal();
    if (!tables.nodes.has(input.Node)) throw new StateError('Missing node registration');
    let check: HealthCheck = { ...input, CreateIndex: 0, ModifyIndex: 0 };
    if (input.ServiceID !== '') {
      const service = tables.services.get(input.Node)?.get(input.ServiceID);
      if (service === undefined) throw new StateError('Missing service registration');
      check = { ...check, ServiceName: service.Service, ServiceTags: [...service.Tags] };
    }
    const existing = tables.checks.get(input.Node)?.get(input.CheckID);
    check = {
      ...check,
      CreateIndex: existing?.CreateIndex ?? journal.raftIndex,
      ModifyIndex: journal.raftIndex,
    };
    if (existing !== undefined && sameRecord(existing, check)) return;
    this.writeCheck(check);
    if (check.Status === 'critical') this.store.sessions.destroyForCheck(check.Node, check.CheckID);
  }

  /** Removes a whole node: its sessions, services, checks, then the node. */
  deleteNode(nodeName: string): void {
    const tables = this.store.tables;
    if (!tables.nodes.has(nodeName)) return;
    this.store.sessions.destroyForNode(nodeName);
    for (const service of this.servicesOnNode(nodeName)) this.deleteService(nodeName, service.ID);
    for (const check of [...(tables.checks.get(nodeName)?.values() ?? [])])
      this.deleteCheck(nodeName, check.CheckID);
    const journal = this.store.journal();
    journal.delete(tables.services, nodeName);
    journal.delete(tables.checks, nodeName);
    journal.delete(tables.nodes, nodeName);
    this.store.touch(Table.nodes);
  }

  /** Removes a service and the checks bound to it. */
  deleteService(nodeName: string, serviceId: string): void {
    const tables = this.store.tables;
    const service = tables.services.get(nodeName)?.get(serviceId);
    if (service === undefined) return;
    for (const check of [...(tables.checks.get(nodeName)?.values() ?? [])]) {
      if (check.ServiceID === serviceId) this.deleteCheck(nodeName, check.CheckID);
    }
    const updated = new Map(tables.services.get(nodeName));
    updated.delete(serviceId);
    this.store.journal().set(tables.services, nodeName, updated);
    this.removeInstance(nodeName, service);
    this.store.touch(Table.services);
    this.store.touch(serviceIndexName(service.Service));
  }

  deleteCheck(nodeName: string, checkId: string): void {
    const tables = this.store.tables;
    const existing = tables.checks.get(nodeName)?.get(checkId);
    if (existing === undefined) return;
    const updated = new Map(tables.checks.get(nodeName));
    updated.delete(checkId);
    this.store.journal().set(tables.checks, nodeName, updated);
    this.touchForCheck(existing);
    this.store.sessions.destroyForCheck(nodeName, checkId);
  }

  restoreService(node: string, service: NodeService): void {
    const tables = this.store.tables;
    const byId = tables.services.get(node) ?? new Map<string, NodeService>();
    tables.services.set(node, byId);
    byId.set(service.ID, service);
    const instances =
      tables.serviceInstances.get(service.Service) ?? tables.newSortedMap<string, ServiceInstance>();
    tables.serviceInstances.set(service.Service, instances);
    instances.set(instanceKey(node, service.ID), { node, service });
  }

  restoreCheck(check: HealthCheck): void {
    const tables = this.store.tables;
    const byId = tables.checks.get(check.Node) ?? new Map<string, HealthCheck>();
    tables.checks.set(check.Node, byId);
    byId.set(check.CheckID, check);
  }

  // --- internals -------------------------------------------------------------------------------

  private writeCheck(check: HealthCheck): void {
    const tables = this.store.tables;
    const previous = tables.checks.get(check.Node)?.get(check.CheckID);
    const updated = new Map(tables.checks.get(check.Node));
    updated.set(check.CheckID, check);
    this.store.journal().set(tables.checks, check.Node, updated);
    // A check that moves to another service (or to or from the node) leaves its old owner's results.
    if (previous !== undefined && previous.ServiceID !== check.ServiceID) this.touchForCheck(previous);
    this.touchForCheck(check);
  }

  private touchForCheck(check: HealthCheck): void {
    this.store.touch(Table.checks);
    if (check.ServiceID === '') this.touchServicesOn(check.Node);
    else if (check.ServiceName !== '') this.store.touch(serviceIndexName(check.ServiceName));
  }

  private touchServicesOn(nodeName: string): void {
    const names = new Set<string>();
    for (const service of this.store.tables.services.get(nodeName)?.values() ?? [])
      names.add(service.Service);
    for (const name of names) this.store.touch(serviceIndexName(name));
  }

  private addInstance(node: string, service: NodeService): void {
    const tables = this.store.tables;
    const journal = this.store.journal();
    const instances = tables.serviceInstances.get(service.Service);
    const updated =
      instances === undefined ? tables.newSortedMap<string, ServiceInstance>() : instances.clone();
    updated.set(instanceKey(node, service.ID), { node, service });
    journal.set(tables.serviceInstances, service.Service, updated);
  }

  private removeInstance(node: string, service: NodeService): void {
    const tables = this.store.tables;
    const journal = this.store.journal();
    const instances = tables.serviceInstances.get(service.Service);
    if (instances === undefined) return;
    const updated = instances.clone();
    updated.delete(instanceKey(node, service.ID));
    if (updated.size === 0) journal.delete(tables.serviceInstances, service.Service);
    else journal.set(tables.serviceInstances, service.Service, updated);
  }
}
