/**
 * A catalog for the DNS tests: a state store with nodes, services and checks registered the way
 * the FSM registers them, and the DNS settings of a default agent. Test support, not production.
 */
import type { HealthStatus } from '../../model/records.ts';
import type { CheckInput, NodeInput, ServiceInput } from '../../state/catalog.ts';
import { StateStore } from '../../state/store.ts';
import { check, node, service } from '../../state/testing/fixtures.ts';
import { DEFAULT_SOA, type DnsSettings, ServiceTtls } from '../settings.ts';
import { type DnsQuery, RRClass } from '../wire.ts';

export function dnsSettings(extra: Partial<DnsSettings> = {}): DnsSettings {
  return {
    datacenter: 'dc1',
    domain: 'consul.',
    altDomain: '',
    allowStale: true,
    maxStaleMs: 87_600 * 3600 * 1000,
    udpAnswerLimit: 3,
    aRecordLimit: 0,
    onlyPassing: false,
    enableTruncate: false,
    nodeTtl: 0,
    serviceTtl: new ServiceTtls(),
    nodeMetaTxt: true,
    recursors: [],
    recursorTimeoutMs: 2000,
    recursorStrategy: 'sequential',
    soa: DEFAULT_SOA,
    disableCompression: false,
    ...extra,
  };
}

export function query(name: string, type: number, extra: Partial<DnsQuery> = {}): DnsQuery {
  return {
    id: 4242,
    opcode: 0,
    recursionDesired: true,
    checkingDisabled: false,
    question: { name, type, class: RRClass.IN },
    ...extra,
  };
}

/** A store that registers as the FSM does, one Raft index per registration. */
export class TestCatalog {
  readonly store = new StateStore();
  private index = 0;

  /** Node `name` (address 10.0.0.1 unless told) with a passing serfHealth check. */
  node(name: string, extra: Partial<NodeInput> = {}, health: HealthStatus = 'passing'): this {
    this.store.transact(++this.index, () =>
      this.store.catalog.register({
        node: node(name, extra),
        skipNodeUpdate: false,
        checks: [check(name, 'serfHealth', health)],
      }),
    );
    return this;
  }

  /** An instance of `name` on an existing node, with a service check in `status` (none when undefined). */
  service(
    nodeName: string,
    id: string,
    name: string,
    extra: Partial<ServiceInput> = {},
    status: HealthStatus | undefined = 'passing',
  ): this {
    const checks: CheckInput[] =
      status === undefined ? [] : [check(nodeName, `service:${id}`, status, id, { ServiceName: name })];
    const { Node, ...rest } = this.store.tables.nodes.get(nodeName)!;
    this.store.transact(++this.index, () =>
      this.store.catalog.register({
        node: { ...rest, Node } as NodeInput,
        skipNodeUpdate: true,
        service: service(id, name, extra),
        checks,
      }),
    );
    return this;
  }

  /** Sets a check's status (a node check when `serviceId` is ''). */
  check(nodeName: string, checkId: string, status: HealthStatus, serviceId = '', serviceName = ''): this {
    this.store.transact(++this.index, () =>
      this.store.catalog.ensureCheck(
        check(nodeName, checkId, status, serviceId, { ServiceName: serviceName }),
      ),
    );
    return this;
  }
}
