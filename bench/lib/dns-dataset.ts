/**
 * The records bench:dns serves: `services` services on three nodes, one instance per node, and
 * what they look like to each server: Cairn catalog registrations, a dnsmasq configuration with
 * the same records, the answers both must give, and dnsperf's seeded query file. Pure functions.
 */
import { SeededRandom } from '../../src/sim/seeded-random.ts';

export const BENCH_NODES = [
  { name: 'bench-node-1', address: '10.0.0.1' },
  { name: 'bench-node-2', address: '10.0.0.2' },
  { name: 'bench-node-3', address: '10.0.0.3' },
] as const;

export const DATACENTER = 'dc1';
export const DOMAIN = 'consul';

export interface Dataset {
  services: number;
}

/** `svc-0042`: at least four digits, more when there are over 10,000 services. */
export function serviceName(dataset: Dataset, index: number): string {
  const width = Math.max(4, String(dataset.services - 1).length);
  return `svc-${String(index).padStart(width, '0')}`;
}

/** Every instance its own port: 20000 + 3 × service + node (distinct up to 15,000 services). */
export function instancePort(serviceIndex: number, nodeIndex: number): number {
  return 20_000 + serviceIndex * BENCH_NODES.length + nodeIndex;
}

export const serviceFqdn = (service: string): string => `${service}.service.${DOMAIN}.`;
export const srvFqdn = (service: string): string => `_${service}._tcp.service.${DOMAIN}.`;
export const nodeFqdn = (node: string): string => `${node}.node.${DATACENTER}.${DOMAIN}.`;

/**
 * `PUT /v1/catalog/register` body for one instance: no service address (so the SRV target is the
 * node's name, as for dnsmasq) and a passing service check, so the health filter has work to do.
 */
export function registerBody(dataset: Dataset, serviceIndex: number, nodeIndex: number): string {
  const node = BENCH_NODES[nodeIndex]!;
  const service = serviceName(dataset, serviceIndex);
  return JSON.stringify({
    Node: node.name,
    Address: node.address,
    Service: { ID: service, Service: service, Port: instancePort(serviceIndex, nodeIndex) },
    Checks: [
      { CheckID: `service:${service}`, Name: `${service} health`, Status: 'passing', ServiceID: service },
    ],
  });
}

/**
 * dnsmasq's configuration serving the same answers: `host-record` once per address (dnsmasq
 * answers all the addresses of a name), `srv-host` per instance with priority 1 and weight 1 as
 * Consul gives, and the nodes' A records so SRV answers carry them in Additional.
 */
export function dnsmasqConfig(dataset: Dataset): string {
  const strip = (fqdn: string): string => fqdn.slice(0, -1);
  const lines: string[] = [];
  for (const node of BENCH_NODES) lines.push(`host-record=${strip(nodeFqdn(node.name))},${node.address}`);
  for (let index = 0; index < dataset.services; index++) {
    const service = serviceName(dataset, index);
    BENCH_NODES.forEach((node, nodeIndex) => {
      lines.push(`host-record=${strip(serviceFqdn(service))},${node.address}`);
      lines.push(
        `srv-host=${strip(srvFqdn(service))},${strip(nodeFqdn(node.name))},${instancePort(index, nodeIndex)},1,1`,
      );
    });
  }
  return `${lines.join('\n')}\n`;
}

/** A record as compared across servers: owner name (lower case), type and data; no TTL or class. */
export type RecordText = string;

export interface ExpectedAnswer {
  name: string;
  type: 'A' | 'SRV';
  answer: RecordText[];
  additional: RecordText[];
}

/** The answer both servers must give for service `index`, A or SRV (UDP, no EDNS). */
export function expectedAnswer(dataset: Dataset, index: number, type: 'A' | 'SRV'): ExpectedAnswer {
  const service = serviceName(dataset, index);
  if (type === 'A') {
    const name = serviceFqdn(service);
    return {
      name,
      type,
      answer: BENCH_NODES.map((node) => `${name} A ${node.address}`).sort(),
      additional: [],
    };
  }
  const name = srvFqdn(service);
  return {
    name,
    type,
    answer: BENCH_NODES.map(
      (node, nodeIndex) => `${name} SRV 1 1 ${instancePort(index, nodeIndex)} ${nodeFqdn(node.name)}`,
    ).sort(),
    additional: BENCH_NODES.map((node) => `${nodeFqdn(node.name)} A ${node.address}`).sort(),
  };
}

/**
 * dnsperf's input (`<name> <type>` per line): `lines` queries, half `svc-N.service.consul A`
 * and half `_svc-N._tcp.service.consul SRV` in a seeded random order, N uniform over the services.
 */
export function queryFile(dataset: Dataset, lines: number, seed: number): string {
  const random = new SeededRandom(seed);
  const out: string[] = [];
  for (let line = 0; line < lines; line++) {
    const index = Math.floor(random.next() * dataset.services);
    const service = serviceName(dataset, index);
    // Exactly half of each type: even lines A, odd lines SRV, then shuffled.
    out.push(line % 2 === 0 ? `${service}.service.${DOMAIN} A` : `_${service}._tcp.service.${DOMAIN} SRV`);
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return `${out.join('\n')}\n`;
}
