/**
 * The catalog as the local agent sees it, over a real state store: one Raft index per write,
 * reads of a node for anti-entropy and alias checks, and a switch that makes every call fail as
 * with no leader. Test support, not production code.
 */

import type { Clock } from '../../ports/clock.ts';
import { blockingQuery } from '../../server/blocking-query.ts';
import type { CheckInput, Registration, ServiceInput } from '../../state/catalog.ts';
import { StateStore } from '../../state/store.ts';
import type { RemoteNodeState } from '../anti-entropy.ts';
import type { CatalogReader, CatalogWriter } from '../catalog-access.ts';

export class StoreCatalog implements CatalogWriter, CatalogReader {
  readonly store = new StateStore();
  private index = 1;
  failing = false;
  writes = 0;
  reads = 0;

  constructor(
    readonly nodeName = 'node1',
    private readonly clock?: Clock,
  ) {
    this.register({
      node: {
        ID: '',
        Node: nodeName,
        Address: '127.0.0.1',
        Datacenter: 'dc1',
        TaggedAddresses: {},
        Meta: {},
      },
      skipNodeUpdate: false,
      checks: [],
    });
  }

  async register(registration: Registration): Promise<void> {
    this.apply(() => this.store.catalog.register(registration));
  }

  async deregister(node: string, serviceId: string, checkId: string): Promise<void> {
    this.apply(() => {
      if (serviceId !== '') this.store.catalog.deleteService(node, serviceId);
      else this.store.catalog.deleteCheck(node, checkId);
    });
  }

  async nodeState(node: string): Promise<RemoteNodeState> {
    if (this.failing) throw new Error('No cluster leader');
    this.reads++;
    const entry = this.store.catalog.nodeServices(node).value;
    return {
      node: entry === undefined ? undefined : strip(entry.node),
      services: entry?.services.map(strip) ?? [],
      checks: this.store.catalog.nodeChecks(node).value.map(strip),
    };
  }

  async nodeChecks(node: string, minIndex: number, signal: AbortSignal) {
    if (this.failing) throw new Error('No cluster leader');
    if (this.clock === undefined) throw new Error('StoreCatalog needs a clock for blocking reads');
    const result = await blockingQuery(
      { minIndex, waitMs: 300_000, clock: this.clock, random: () => 0, signal },
      () => this.store.catalog.nodeHealth(node),
    );
    return {
      checks: result.value.checks.map(strip),
      serviceIds: result.value.serviceIds,
      index: result.index,
    };
  }

  /** A write that bypasses the agent, as another writer of the catalog would make. */
  apply(write: () => void): void {
    if (this.failing) throw new Error('No cluster leader');
    this.writes++;
    this.store.transact(++this.index, write);
  }

  service(id: string) {
    return this.store.catalog.service(this.nodeName, id);
  }

  check(id: string) {
    return this.store.catalog.check(this.nodeName, id);
  }
}

function strip<T extends { CreateIndex: number; ModifyIndex: number }>({
  CreateIndex: _c,
  ModifyIndex: _m,
  ...rest
}: T): Omit<T, 'CreateIndex' | 'ModifyIndex'> {
  return rest;
}

/** The smallest valid service registration, named and identified by `id`. */
export function service(id: string, overrides: Partial<ServiceInput> = {}): ServiceInput {
  return {
    Kind: '',
    ID: id,
    Service: id,
    Tags: [],
    Address: '',
    Meta: {},
    Port: 0,
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
    ...overrides,
  };
}

/** A check of node1, critical, with the type its definition implies (http, ttl, alias, else script). */
export function check(
  id: string,
  definition: CheckInput['Definition'],
  overrides: Partial<CheckInput> = {},
): CheckInput {
  const type =
    definition.HTTP !== undefined
      ? 'http'
      : definition.TTL !== undefined
        ? 'ttl'
        : definition.AliasService !== undefined || definition.AliasNode !== undefined
          ? 'alias'
          : 'script';
  return {
    Node: 'node1',
    CheckID: id,
    Name: id,
    Status: 'critical',
    Notes: '',
    Output: '',
    ServiceID: '',
    ServiceName: '',
    ServiceTags: [],
    Type: type,
    Interval: '',
    Timeout: '',
    ExposedPort: 0,
    Definition: definition,
    ...overrides,
  };
}
