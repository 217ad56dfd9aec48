/**
 * The DNS interface end to end: real `cairn agent` processes answering `dig` (Debian
 * bind9-dnsutils) and Node's `node:dns` Resolver, checked against Consul's behaviour
 * (reference §15, Consul's agent/dns.go): every name form and record type, health changes on
 * the next query, truncation and EDNS, TTLs, domain and alt_domain, recursors, the disabled
 * listener, and malformed packets over UDP and TCP.
 */
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SeededRandom } from '../src/sim/seeded-random.ts';
import { AgentProcess, freeGossipPort, freePort, gossipPortArgs, waitFor } from './agent-harness.ts';
import {
  type DigOptions,
  type DigRecord,
  type DigReply,
  dataOf,
  dig,
  digArgs,
  parseDigOutput,
  runDig,
} from './dns-dig.ts';
import { TcpClient, UdpClient } from './dns-sockets.ts';
import { dnsPacket, type Packet, UpstreamDns } from './dns-upstream.ts';

interface DnsAgent {
  agent: AgentProcess;
  base: string;
  dnsPort: number;
  query(name: string, type?: string, options?: DigOptions): Promise<DigReply>;
}

/** A dev agent named node1 with DNS on a free port, once it answers `probe` SOA. */
async function startDnsAgent(args: string[], probe = 'consul'): Promise<DnsAgent> {
  const dnsPort = await freeGossipPort();
  const agent = await AgentProcess.spawnDev(['-node', 'node1', '-dns-port', String(dnsPort), ...args]);
  const base = `http://${await agent.httpAddress()}`;
  await waitFor(
    `DNS on 127.0.0.1:${dnsPort} to answer`,
    async () => {
      if (agent.child.exitCode !== null) throw new Error(`agent exited: ${agent.output.slice(-2000)}`);
      return (await dig(dnsPort, [probe, 'SOA'], { timeSeconds: 1 })) !== undefined;
    },
    15_000,
  );
  return {
    agent,
    base,
    dnsPort,
    query: (name, type = 'A', options = {}) => dig(dnsPort, [name, type], options),
  };
}

async function put(url: string, body?: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'PUT',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  assert.equal(response.status, 200, `PUT ${url}: ${response.status} ${await response.text()}`);
}

async function json<T>(url: string): Promise<T> {
  const response = await fetch(url);
  assert.equal(response.status, 200, `GET ${url}: ${response.status}`);
  return (await response.json()) as T;
}

interface HealthEntry {
  Node: { Node: string };
  Service: { ID: string };
  Checks: { CheckID: string; Status: string }[];
}

/** Waits until the catalog (what DNS reads) shows `service` with `count` instances, all passing. */
async function waitForPassing(base: string, service: string, count: number): Promise<void> {
  await waitFor(`${count} passing ${service} instances in the catalog`, async () => {
    const entries = await json<HealthEntry[]>(`${base}/v1/health/service/${service}?passing`);
    return entries.length === count ? true : undefined;
  });
}

/** Waits until the catalog shows check `checkId` with `status` (or gone, for `undefined`). */
async function waitForCheck(base: string, node: string, checkId: string, status: string | undefined) {
  await waitFor(`check ${checkId} on ${node} to be ${status ?? 'gone'} in the catalog`, async () => {
    const checks = await json<{ CheckID: string; Status: string }[]>(`${base}/v1/health/node/${node}`);
    return checks.find((check) => check.CheckID === checkId)?.Status === status ? true : undefined;
  });
}

interface CatalogService {
  ID?: string;
  Service: string;
  Address?: string;
  Port: number;
  Tags?: string[];
  Weights?: { Passing: number; Warning: number };
}

function registerNode(
  base: string,
  node: string,
  address: string,
  extra: {
    service?: CatalogService;
    taggedAddresses?: Record<string, string>;
    meta?: Record<string, string>;
    check?: Record<string, string>;
  } = {},
): Promise<void> {
  return put(`${base}/v1/catalog/register`, {
    Node: node,
    Address: address,
    ...(extra.taggedAddresses === undefined ? {} : { TaggedAddresses: extra.taggedAddresses }),
    ...(extra.meta === undefined ? {} : { NodeMeta: extra.meta }),
    ...(extra.service === undefined ? {} : { Service: extra.service }),
    ...(extra.check === undefined ? {} : { Check: extra.check }),
  });
}

/** Ten instances of `many`, one per node m0…m9 at 10.3.0.1…10.3.0.10. */
async function registerMany(base: string): Promise<void> {
  for (let i = 0; i < 10; i++)
    await registerNode(base, `m${i}`, `10.3.0.${i + 1}`, { service: { Service: 'many', Port: 9100 } });
}

const sorted = (values: string[]) => [...values].sort();
const namesOf = (records: DigRecord[]) => records.map((record) => `${record.name} ${record.type}`).sort();

/** `consul.` SOA data: Consul's fixed mailbox and timers; the serial is the unix time. */
function assertSoa(record: DigRecord | undefined, domain = 'consul.'): void {
  assert.ok(record !== undefined, 'an SOA record');
  assert.equal(record.type, 'SOA');
  assert.equal(record.name, domain);
  assert.equal(record.ttl, 0);
  const match = record.data.match(/^(\S+) (\S+) (\d+) (\d+) (\d+) (\d+) (\d+)$/);
  assert.ok(match, record.data);
  assert.deepEqual(match.slice(1, 3), [`ns.${domain}`, `hostmaster.${domain}`]);
  assert.ok(Math.abs(Number(match[3]) - Date.now() / 1000) < 60, `serial ${match[3]} is the unix time`);
  assert.deepEqual(match.slice(4).map(Number), [3600, 600, 86400, 0]);
}

function assertNxdomain(reply: DigReply, domain = 'consul.'): void {
  assert.equal(reply.status, 'NXDOMAIN', reply.output);
  assert.ok(reply.flags.includes('aa'), reply.output);
  assert.deepEqual(reply.answer, []);
  assert.equal(reply.authority.length, 1, reply.output);
  assertSoa(reply.authority[0], domain);
}

function assertNodata(reply: DigReply): void {
  assert.equal(reply.status, 'NOERROR', reply.output);
  assert.deepEqual(reply.answer, [], reply.output);
  assert.equal(reply.authority.length, 1, reply.output);
  assertSoa(reply.authority[0]);
}

describe('DNS in an agent process with the default dns_config', () => {
  let a: DnsAgent;

  before(async () => {
    a = await startDnsAgent([]);
    const { base } = a;
    await put(`${base}/v1/agent/service/register`, {
      ID: 'web1',
      Name: 'web',
      Port: 8080,
      Tags: ['primary'],
      Weights: { Passing: 10, Warning: 2 },
      Check: { TTL: '10m' },
    });
    await put(`${base}/v1/agent/check/pass/service:web1`);
    // A TTL check starts critical: the only instance of `lonely` is unhealthy.
    await put(`${base}/v1/agent/service/register`, {
      ID: 'lonely',
      Name: 'lonely',
      Port: 7000,
      Check: { TTL: '10m' },
    });
    await registerNode(base, 'node2', '10.1.0.2', {
      taggedAddresses: { lan: '10.1.0.2', wan: '198.51.100.2' },
      meta: { env: 'prod', 'rfc1035-spf': 'v=spf1 -all' },
      service: {
        ID: 'web2',
        Service: 'web',
        Port: 8081,
        Tags: ['secondary'],
        Weights: { Passing: 5, Warning: 1 },
      },
    });
    await registerNode(base, 'node3', '10.1.0.3', {
      service: { ID: 'web3', Service: 'web', Address: '10.2.0.3', Port: 8082, Tags: ['primary'] },
    });
    await registerNode(base, 'hostnode', 'host.example.org');
    await registerNode(base, 'extnode', '10.1.0.9', {
      service: { Service: 'ext', Address: 'db.example.org', Port: 5432 },
    });
    await registerNode(base, 'v6node', '2001:db8::10', { service: { Service: 'v6', Port: 9000 } });
    await registerMany(base);
    await waitForPassing(base, 'web', 3);
    await waitForCheck(base, 'node1', 'service:lonely', 'critical');
  });

  after(() => a?.agent.kill('SIGKILL'));

  it('answers node names with A, TXT from node meta and ANY, with or without the datacenter, in any case', async () => {
    const node1 = await a.query('node1.node.consul');
    assert.equal(node1.status, 'NOERROR');
    assert.deepEqual(sorted(node1.flags), ['aa', 'qr', 'rd']);
    assert.deepEqual(node1.answer, [
      { name: 'node1.node.consul.', ttl: 0, class: 'IN', type: 'A', data: '127.0.0.1' },
    ]);
    assert.deepEqual(node1.authority, []);

    for (const name of ['node2.node.consul', 'node2.node.dc1.consul']) {
      const reply = await a.query(name);
      assert.deepEqual(reply.answer, [
        { name: `${name}.`, ttl: 0, class: 'IN', type: 'A', data: '10.1.0.2' },
      ]);
      // enable_additional_node_meta_txt defaults to true: the meta rides along in Additional.
      assert.deepEqual(dataOf(reply.additional, 'TXT'), ['"env=prod"', '"v=spf1 -all"']);
    }
    const txt = await a.query('node2.node.consul', 'TXT');
    assert.equal(txt.status, 'NOERROR');
    assert.deepEqual(namesOf(txt.answer), ['node2.node.consul. TXT', 'node2.node.consul. TXT']);
    // A key starting rfc1035- gives the value alone.
    assert.deepEqual(dataOf(txt.answer, 'TXT'), ['"env=prod"', '"v=spf1 -all"']);
    assert.deepEqual(dataOf(txt.answer, 'A'), []);

    const any = await a.query('node2.node.consul', 'ANY');
    assert.deepEqual(dataOf(any.answer, 'A'), ['10.1.0.2']);
    assert.deepEqual(dataOf(any.answer, 'TXT'), ['"env=prod"', '"v=spf1 -all"']);

    const upper = await a.query('NODE2.NODE.CONSUL');
    assert.equal(upper.status, 'NOERROR');
    assert.deepEqual(
      upper.answer.map((record) => [record.name, record.data]),
      [['NODE2.NODE.CONSUL.', '10.1.0.2']],
    );
  });

  it('answers NXDOMAIN with the SOA in Authority for names that are not in the catalog', async () => {
    for (const name of [
      'nope.node.consul',
      'node2.node.dc2.consul',
      'nope.service.consul',
      'nosuchtag.web.service.consul',
      'lonely.service.consul',
      'x.query.consul',
      'zz000001.addr.consul',
      'something.consul',
    ])
      assertNxdomain(await a.query(name));
    assertNxdomain(await a.query('_nope._tcp.service.consul', 'SRV'));
  });

  it('answers a CNAME for a node or a service whose address is a hostname', async () => {
    const node = await a.query('hostnode.node.consul');
    assert.equal(node.status, 'NOERROR');
    assert.deepEqual(
      node.answer.map((record) => [record.name, record.type, record.data]),
      [['hostnode.node.consul.', 'CNAME', 'host.example.org.']],
    );
    const service = await a.query('ext.service.consul');
    assert.equal(service.status, 'NOERROR');
    assert.deepEqual(
      service.answer.map((record) => [record.name, record.type, record.data]),
      [['ext.service.consul.', 'CNAME', 'db.example.org.']],
    );
  });

  it('answers one A per healthy instance, the service address before the node address, filtered by tag', async () => {
    const web = await a.query('web.service.consul');
    assert.equal(web.status, 'NOERROR');
    assert.deepEqual(sorted(web.flags), ['aa', 'qr', 'rd']);
    assert.deepEqual(dataOf(web.answer, 'A'), ['10.1.0.2', '10.2.0.3', '127.0.0.1']);
    assert.ok(web.answer.every((record) => record.name === 'web.service.consul.' && record.ttl === 0));
    assert.deepEqual(dataOf((await a.query('web.service.dc1.consul')).answer, 'A'), [
      '10.1.0.2',
      '10.2.0.3',
      '127.0.0.1',
    ]);
    assert.deepEqual(dataOf((await a.query('WEB.Service.CONSUL')).answer, 'A'), [
      '10.1.0.2',
      '10.2.0.3',
      '127.0.0.1',
    ]);
    assert.deepEqual(dataOf((await a.query('primary.web.service.consul')).answer, 'A'), [
      '10.2.0.3',
      '127.0.0.1',
    ]);
    assert.deepEqual(dataOf((await a.query('secondary.web.service.dc1.consul')).answer, 'A'), ['10.1.0.2']);
  });

  it('shuffles the instances on every query', async () => {
    const firsts = new Set<string>();
    const orders = new Set<string>();
    for (let i = 0; i < 40 && firsts.size < 3; i++) {
      const reply = await a.query('web.service.consul');
      orders.add(reply.answer.map((record) => record.data).join());
      firsts.add(reply.answer[0]!.data);
    }
    // Three instances: the chance that one is never first in 40 fair shuffles is 3·(2/3)^40 ≈ 3e-7.
    assert.deepEqual(sorted([...firsts]), ['10.1.0.2', '10.2.0.3', '127.0.0.1']);
    assert.ok(orders.size > 1);
  });

  it('answers SRV in the RFC 2782 and Consul forms: weights, ports, node or .addr targets, addresses in Additional', async () => {
    const expected = [
      '1 1 8082 0a020003.addr.dc1.consul.',
      '1 10 8080 node1.node.dc1.consul.',
      '1 5 8081 node2.node.dc1.consul.',
    ];
    for (const name of [
      '_web._tcp.service.consul',
      '_web._tcp.consul',
      'web.service.consul',
      '_web._tcp.service.dc1.consul',
    ]) {
      const reply = await a.query(name, 'SRV');
      assert.equal(reply.status, 'NOERROR', `${name}: ${reply.output}`);
      assert.deepEqual(dataOf(reply.answer, 'SRV'), expected, name);
      assert.ok(reply.answer.every((record) => record.name === `${name}.` && record.ttl === 0));
      assert.deepEqual(
        reply.additional
          .filter((record) => record.type === 'A')
          .map((record) => `${record.name} ${record.data}`)
          .sort(),
        [
          '0a020003.addr.dc1.consul. 10.2.0.3',
          'node1.node.dc1.consul. 127.0.0.1',
          'node2.node.dc1.consul. 10.1.0.2',
        ],
        name,
      );
      // node2's meta comes along as TXT under its target name.
      assert.deepEqual(
        dataOf(
          reply.additional.filter((record) => record.name === 'node2.node.dc1.consul.'),
          'TXT',
        ),
        ['"env=prod"', '"v=spf1 -all"'],
      );
    }
    const tagged = await a.query('_web._primary.service.consul', 'SRV');
    assert.deepEqual(dataOf(tagged.answer, 'SRV'), [expected[0], expected[1]]);
    assert.deepEqual(dataOf((await a.query('primary.web.service.consul', 'SRV')).answer, 'SRV'), [
      expected[0],
      expected[1],
    ]);
  });

  it('answers AAAA for IPv6 instances, and NODATA with the SOA for a type a service has no records of', async () => {
    const v6 = await a.query('v6.service.consul', 'AAAA');
    assert.deepEqual(v6.answer, [
      { name: 'v6.service.consul.', ttl: 0, class: 'IN', type: 'AAAA', data: '2001:db8::10' },
    ]);
    assert.deepEqual(dataOf((await a.query('v6node.node.consul', 'AAAA')).answer, 'AAAA'), ['2001:db8::10']);
    const srv = await a.query('_v6._tcp.service.consul', 'SRV');
    assert.deepEqual(dataOf(srv.answer, 'SRV'), ['1 1 9000 v6node.node.dc1.consul.']);
    assert.deepEqual(
      srv.additional.map((record) => `${record.name} ${record.type} ${record.data}`),
      ['v6node.node.dc1.consul. AAAA 2001:db8::10'],
    );

    assertNodata(await a.query('web.service.consul', 'AAAA'));
    assertNodata(await a.query('web.service.consul', 'MX'));
    assertNodata(await a.query('v6.service.consul', 'A'));
  });

  it('echoes an EDNS client subnet with scope 0: catalog answers hold for every client', async () => {
    for (const [name, type] of [
      ['web.service.consul', 'A'],
      ['nope.service.consul', 'A'],
      ['node1.node.consul', 'A'],
    ] as const) {
      const reply = await a.query(name, type, { extra: ['+subnet=10.0.0.0/24'] });
      assert.equal(reply.edns?.clientSubnet, '10.0.0.0/24/0', reply.output);
    }
  });

  it('decodes .addr names to A and AAAA', async () => {
    for (const name of ['7f000001.addr.consul', '7f000001.addr.dc1.consul']) {
      const reply = await a.query(name);
      assert.equal(reply.status, 'NOERROR');
      assert.deepEqual(reply.answer, [
        { name: `${name}.`, ttl: 0, class: 'IN', type: 'A', data: '127.0.0.1' },
      ]);
    }
    const v6 = await a.query('20010db8000000000000000000000010.addr.consul', 'AAAA');
    assert.deepEqual(dataOf(v6.answer, 'AAAA'), ['2001:db8::10']);
  });

  it('answers PTR for node addresses, then service addresses, and NXDOMAIN for unknown ones', async () => {
    const node = await dig(a.dnsPort, ['-x', '10.1.0.2']);
    assert.equal(node.status, 'NOERROR');
    assert.ok(node.flags.includes('aa'));
    assert.deepEqual(
      node.answer.map((record) => [record.name, record.type, record.data]),
      [['2.0.1.10.in-addr.arpa.', 'PTR', 'node2.node.dc1.consul.']],
    );
    assert.deepEqual(dataOf((await dig(a.dnsPort, ['-x', '127.0.0.1'])).answer, 'PTR'), [
      'node1.node.dc1.consul.',
    ]);
    assert.deepEqual(dataOf((await dig(a.dnsPort, ['-x', '10.2.0.3'])).answer, 'PTR'), [
      'web.service.dc1.consul.',
    ]);
    assert.deepEqual(dataOf((await dig(a.dnsPort, ['-x', '2001:db8::10'])).answer, 'PTR'), [
      'v6node.node.dc1.consul.',
    ]);
    const unknown = await dig(a.dnsPort, ['-x', '192.0.2.99']);
    assert.equal(unknown.status, 'NXDOMAIN');
    assert.equal(unknown.authority[0]?.type, 'SOA');
  });

  it('answers SOA and NS for the domain, naming the server nodes with glue in Additional', async () => {
    const soa = await a.query('consul', 'SOA');
    assert.equal(soa.status, 'NOERROR');
    assert.ok(soa.flags.includes('aa'));
    assert.equal(soa.answer.length, 1);
    assertSoa(soa.answer[0]);
    assert.deepEqual(
      soa.authority.map((record) => `${record.name} ${record.type} ${record.data}`),
      ['consul. NS node1.node.dc1.consul.'],
    );
    assert.deepEqual(dataOf(soa.additional, 'A'), ['127.0.0.1']);

    const ns = await a.query('consul', 'NS');
    assert.equal(ns.status, 'NOERROR');
    assert.deepEqual(ns.answer, [
      { name: 'consul.', ttl: 0, class: 'IN', type: 'NS', data: 'node1.node.dc1.consul.' },
    ]);
    assert.deepEqual(
      ns.additional.filter((record) => record.type === 'A'),
      [{ name: 'node1.node.dc1.consul.', ttl: 0, class: 'IN', type: 'A', data: '127.0.0.1' }],
    );
  });

  it('answers AXFR with NOTIMP, and REFUSED without RA for names outside the domain when there are no recursors', async () => {
    // dig prints no header for a failed transfer unless asked to (+comments).
    const axfr = await runDig([...digArgs(a.dnsPort, ['consul', 'AXFR']), '+comments']);
    const reply = parseDigOutput(axfr.output);
    assert.equal(reply?.status, 'NOTIMP', axfr.output);

    for (const name of ['example.com', 'consul.example.com']) {
      const refused = await a.query(name);
      assert.equal(refused.status, 'REFUSED', refused.output);
      assert.ok(!refused.flags.includes('ra'), refused.output);
      assert.ok(!refused.flags.includes('aa'), refused.output);
      assert.deepEqual(refused.answer, []);
    }
  });

  it('trims UDP answers without EDNS to udp_answer_limit without TC; EDNS and TCP get every instance', async () => {
    const plain = await a.query('many.service.consul', 'A', { edns: false });
    assert.equal(plain.answer.length, 3, plain.output);
    assert.ok(!plain.flags.includes('tc'), plain.output);
    assert.equal(plain.transport, 'UDP');

    const srv = await a.query('_many._tcp.service.consul', 'SRV', { edns: false });
    assert.equal(srv.answer.length, 3, srv.output);
    // Additional keeps the addresses of the SRV targets that stayed, and only those.
    assert.deepEqual(
      srv.additional.map((record) => record.name).sort(),
      srv.answer.map((record) => record.data.split(' ')[3]!).sort(),
    );

    assert.equal(plain.edns, undefined, 'no OPT record in reply to a query without one');
    for (const options of [{ edns: 4096 }, {}, { tcp: true }, { tcp: true, edns: false as const }]) {
      const reply = await a.query('many.service.consul', 'A', options);
      assert.equal(reply.answer.length, 10, `${JSON.stringify(options)}: ${reply.output}`);
      assert.ok(!reply.flags.includes('tc'));
    }
    // The OPT record echoes the client's payload size (Consul's setEDNS).
    assert.deepEqual((await a.query('many.service.consul', 'A', { edns: 4096 })).edns, { udpSize: 4096 });
    const tcpSrv = await a.query('_many._tcp.service.consul', 'SRV', { tcp: true });
    assert.equal(tcpSrv.answer.length, 10);
    assert.equal(dataOf(tcpSrv.additional, 'A').length, 10);
  });

  it('reflects check changes and node maintenance in the next answer', async () => {
    const { base } = a;
    const webAddresses = async () => dataOf((await a.query('web.service.consul')).answer, 'A');
    const node1Weight = async () => {
      const srv = await a.query('_web._tcp.service.consul', 'SRV');
      return srv.answer.find((record) => record.data.endsWith(' node1.node.dc1.consul.'))?.data.split(' ')[1];
    };
    try {
      // Warning stays in, with the Warning weight.
      await put(`${base}/v1/agent/check/warn/service:web1`);
      await waitForCheck(base, 'node1', 'service:web1', 'warning');
      assert.deepEqual(await webAddresses(), ['10.1.0.2', '10.2.0.3', '127.0.0.1']);
      assert.equal(await node1Weight(), '2');

      // Critical goes.
      await put(`${base}/v1/agent/check/fail/service:web1`);
      await waitForCheck(base, 'node1', 'service:web1', 'critical');
      assert.deepEqual(await webAddresses(), ['10.1.0.2', '10.2.0.3']);
      assert.deepEqual(dataOf((await a.query('primary.web.service.consul')).answer, 'A'), ['10.2.0.3']);
      assert.equal(await node1Weight(), undefined);

      await put(`${base}/v1/agent/check/pass/service:web1`);
      await waitForCheck(base, 'node1', 'service:web1', 'passing');
      assert.deepEqual(await webAddresses(), ['10.1.0.2', '10.2.0.3', '127.0.0.1']);
      assert.equal(await node1Weight(), '10');

      // Node maintenance hides every instance on the node; the node itself still resolves.
      await put(`${base}/v1/agent/maintenance?enable=true&reason=dns-test`);
      await waitForCheck(base, 'node1', '_node_maintenance', 'critical');
      assert.deepEqual(await webAddresses(), ['10.1.0.2', '10.2.0.3']);
      assert.deepEqual(dataOf((await a.query('node1.node.consul')).answer, 'A'), ['127.0.0.1']);
      await put(`${base}/v1/agent/maintenance?enable=false`);
      await waitForCheck(base, 'node1', '_node_maintenance', undefined);
      assert.deepEqual(await webAddresses(), ['10.1.0.2', '10.2.0.3', '127.0.0.1']);

      // A service whose only instance was critical answers once it passes.
      await put(`${base}/v1/agent/check/pass/service:lonely`);
      await waitForCheck(base, 'node1', 'service:lonely', 'passing');
      assert.deepEqual(dataOf((await a.query('lonely.service.consul')).answer, 'A'), ['127.0.0.1']);
    } finally {
      await put(`${base}/v1/agent/maintenance?enable=false`);
      await put(`${base}/v1/agent/check/pass/service:web1`);
      await put(`${base}/v1/agent/check/fail/service:lonely`);
    }
  });

  it('gives node:dns Resolver the same records as dig', async () => {
    const resolver = new Resolver({ timeout: 2_000, tries: 1 });
    resolver.setServers([`127.0.0.1:${a.dnsPort}`]);

    assert.deepEqual(sorted(await resolver.resolve4('web.service.consul')), [
      '10.1.0.2',
      '10.2.0.3',
      '127.0.0.1',
    ]);
    assert.deepEqual(await resolver.resolve4('node2.node.consul', { ttl: true }), [
      { address: '10.1.0.2', ttl: 0 },
    ]);
    assert.deepEqual(await resolver.resolve6('v6.service.consul'), ['2001:db8::10']);
    const srv = await resolver.resolveSrv('_web._tcp.service.consul');
    assert.deepEqual(
      srv.map((record) => `${record.priority} ${record.weight} ${record.port} ${record.name}`).sort(),
      [
        '1 1 8082 0a020003.addr.dc1.consul',
        '1 10 8080 node1.node.dc1.consul',
        '1 5 8081 node2.node.dc1.consul',
      ],
    );
    assert.deepEqual(
      (await resolver.resolveTxt('node2.node.consul')).map((chunks) => chunks.join('')).sort(),
      ['env=prod', 'v=spf1 -all'],
    );
    const any = await resolver.resolveAny('node2.node.consul');
    assert.deepEqual(
      any
        .map((record) =>
          record.type === 'A'
            ? `A ${record.address}`
            : record.type === 'TXT'
              ? `TXT ${record.entries.join('')}`
              : record.type,
        )
        .sort(),
      ['A 10.1.0.2', 'TXT env=prod', 'TXT v=spf1 -all'],
    );
    const soa = await resolver.resolveSoa('consul');
    assert.deepEqual(
      { ...soa, serial: 0 },
      {
        nsname: 'ns.consul',
        hostmaster: 'hostmaster.consul',
        serial: 0,
        refresh: 3600,
        retry: 600,
        expire: 86400,
        minttl: 0,
      },
    );
    assert.deepEqual(await resolver.resolveNs('consul'), ['node1.node.dc1.consul']);
    assert.deepEqual(await resolver.reverse('10.1.0.2'), ['node2.node.dc1.consul']);
    assert.deepEqual(await resolver.reverse('10.2.0.3'), ['web.service.dc1.consul']);
    assert.deepEqual(await resolver.resolveCname('ext.service.consul'), ['db.example.org']);

    await assert.rejects(resolver.resolve4('nope.service.consul'), { code: 'ENOTFOUND' });
    await assert.rejects(resolver.resolve6('web.service.consul'), { code: 'ENODATA' });
    await assert.rejects(resolver.resolve4('example.com'), { code: 'EREFUSED' });
  });

  it('drops or answers FORMERR/NOTIMP to malformed packets over UDP and TCP, and keeps answering', async () => {
    const query = (id: number, name = 'web.service.consul', extra: Packet = {}) =>
      dnsPacket.encode({
        type: 'query',
        id,
        flags: dnsPacket.RECURSION_DESIRED,
        questions: [{ name, type: 'A', class: 'IN' }],
        ...extra,
      });
    const header = (bytes: Buffer, counts: { qd?: number; an?: number; flags?: number }) => {
      const copy = Buffer.from(bytes);
      if (counts.qd !== undefined) copy.writeUInt16BE(counts.qd, 4);
      if (counts.an !== undefined) copy.writeUInt16BE(counts.an, 6);
      if (counts.flags !== undefined) copy.writeUInt16BE(counts.flags, 2);
      return copy;
    };
    const idOf = (reply: Buffer) => reply.readUInt16BE(0);
    const twoQuestions = query(0x2002, 'web.service.consul', {
      questions: [
        { name: 'web.service.consul', type: 'A', class: 'IN' },
        { name: 'node1.node.consul', type: 'A', class: 'IN' },
      ],
    });
    const rejected: [string, Buffer, string][] = [
      ['two questions', twoQuestions, 'FORMERR'],
      ['an answer count of two', header(query(0x2003), { an: 2 }), 'FORMERR'],
      ['a name cut short', query(0x2004).subarray(0, 20), 'FORMERR'],
      ['opcode UPDATE', header(query(0x2005), { flags: (5 << 11) | dnsPacket.RECURSION_DESIRED }), 'NOTIMP'],
    ];
    const dropped: [string, Buffer][] = [
      ['a cut header', query(0x1001).subarray(0, 5)],
      ['an empty message', Buffer.alloc(0)],
      ['a response', header(query(0x1002), { flags: 0x8000 })],
    ];
    const assertRejection = (what: string, reply: Buffer, rcode: string) => {
      const decoded = dnsPacket.decode(reply);
      assert.equal(decoded.rcode, rcode, what);
      assert.ok(decoded.flag_qr, what);
      assert.equal(decoded.questions.length, 0, `${what}: miekg/dns answers the header alone`);
      if (rcode === 'NOTIMP') assert.equal(decoded.opcode, 'UPDATE', what);
    };

    // UDP: nothing comes back for the dropped ones; the next queries answer.
    const udp = await UdpClient.open(a.dnsPort);
    try {
      for (const [, bytes] of dropped) udp.send(bytes);
      udp.send(query(0x1101));
      await udp.reply('the query after the dropped packets', (reply) => idOf(reply) === 0x1101);
      udp.send(query(0x1102));
      await udp.reply('a second query', (reply) => idOf(reply) === 0x1102);
      assert.deepEqual(udp.replies.map(idOf), [0x1101, 0x1102], 'replies to the dropped packets');
      for (const [what, bytes, rcode] of rejected) {
        udp.send(bytes);
        assertRejection(what, await udp.reply(what, (reply) => idOf(reply) === idOf(bytes)), rcode);
      }
    } finally {
      udp.close();
    }

    // TCP: the same on one connection, which stays usable throughout.
    const tcp = await TcpClient.open(a.dnsPort);
    try {
      tcp.sendFrame(dropped[0]![1]);
      tcp.sendFrame(dropped[2]![1]);
      tcp.sendFrame(query(0x3101));
      for (const [, bytes] of rejected) tcp.sendFrame(bytes);
      tcp.sendFrame(query(0x3102));
      const last = await waitFor('the last TCP reply', () =>
        tcp.frames.find((frame) => idOf(frame) === 0x3102),
      );
      assert.equal(dnsPacket.decode(last).rcode, 'NOERROR');
      assert.deepEqual(tcp.frames.map(idOf), [0x3101, ...rejected.map(([, bytes]) => idOf(bytes)), 0x3102]);
      for (const [index, [what, , rcode]] of rejected.entries())
        assertRejection(`${what} (TCP)`, tcp.frames[index + 1]!, rcode);
    } finally {
      tcp.close();
    }

    // Fuzz: mutated and random packets, seeded. Every reply is a response to something sent.
    const random = new SeededRandom(0xd05);
    const int = (below: number) => Math.floor(random.next() * below);
    const seeds = [
      query(1),
      twoQuestions,
      query(2, 'node1.node.consul'),
      query(3, '_web._tcp.service.consul'),
    ];
    const packets: Buffer[] = [];
    for (let i = 0; i < 400; i++) {
      const base = Buffer.from(seeds[int(seeds.length)]!);
      const kind = int(3);
      if (kind === 0) for (let flips = 1 + int(4); flips > 0; flips--) base[int(base.length)] = int(256);
      const bytes = kind === 1 ? base.subarray(0, int(base.length)) : base;
      packets.push(kind === 2 ? Buffer.from(Array.from({ length: int(80) }, () => int(256))) : bytes);
    }
    const sentIds = new Set(packets.filter((packet) => packet.length >= 2).map((packet) => idOf(packet)));
    const fuzz = await UdpClient.open(a.dnsPort);
    try {
      for (const packet of packets) fuzz.send(packet);
      fuzz.send(query(0x4444));
      await fuzz.reply('the query after the fuzz', (reply) => idOf(reply) === 0x4444);
      // Most mutations keep a readable header, so most packets get a reply of some kind.
      assert.ok(
        fuzz.replies.length > 100,
        `only ${fuzz.replies.length} replies to ${packets.length} packets`,
      );
      for (const reply of fuzz.replies) {
        assert.ok(reply.length >= 12, `a reply shorter than a header: ${reply.toString('hex')}`);
        assert.ok(
          sentIds.has(idOf(reply)) || idOf(reply) === 0x4444,
          `a reply to nothing sent: ${reply.toString('hex')}`,
        );
        assert.ok(reply[2]! & 0x80, `a reply without QR: ${reply.toString('hex')}`);
        assert.doesNotThrow(() => dnsPacket.decode(reply), `an unreadable reply: ${reply.toString('hex')}`);
      }
    } finally {
      fuzz.close();
    }
    for (let i = 0; i < 20; i++) {
      const junk = await TcpClient.open(a.dnsPort);
      // A length prefix promising more than is sent, then a close mid-frame, or random frames.
      if (i % 2 === 0) junk.sendRaw(Buffer.from([0x40, 0x00, ...packets[i]!]));
      else junk.sendFrame(packets[i]!);
      junk.close();
    }

    assert.equal(a.agent.child.exitCode, null, 'the agent is still running');
    assert.deepEqual(dataOf((await a.query('node1.node.consul')).answer, 'A'), ['127.0.0.1']);
    assert.deepEqual(dataOf((await a.query('node1.node.consul', 'A', { tcp: true })).answer, 'A'), [
      '127.0.0.1',
    ]);
  });
});

describe('dns_config settings, domain and alt_domain', () => {
  let a: DnsAgent;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-dns-'));
    const file = join(dir, 'dns.hcl');
    writeFileSync(
      file,
      `alt_domain = "alt."
dns_config {
  only_passing     = true
  enable_truncate  = true
  udp_answer_limit = 5
  node_ttl         = "10s"
  service_ttl {
    "*"    = "5s"
    "web*" = "7s"
    "web"  = "9s"
  }
}
`,
    );
    a = await startDnsAgent(['-domain', 'cairn', '-config-file', file], 'cairn');
    const { base } = a;
    for (const [name, port] of [
      ['web', 80],
      ['webapp', 81],
      ['db', 82],
    ] as const)
      await put(`${base}/v1/agent/service/register`, { Name: name, Port: port });
    await registerNode(base, 'warnnode', '10.4.0.1', {
      service: { ID: 'web-warn', Service: 'web', Port: 80 },
      check: { CheckID: 'web-warn', Name: 'web-warn', Status: 'warning', ServiceID: 'web-warn' },
    });
    await registerMany(base);
    await waitForPassing(base, 'db', 1);
    await waitFor('two web instances, one warning', async () => {
      const entries = await json<HealthEntry[]>(`${base}/v1/health/service/web`);
      return entries.length === 2 ? true : undefined;
    });
  });

  after(() => a?.agent.kill('SIGKILL'));

  it('uses node_ttl and service_ttl, exact names before the longest prefix', async () => {
    assert.deepEqual(
      (await a.query('node1.node.cairn')).answer.map((record) => [record.type, record.ttl]),
      [['A', 10]],
    );
    for (const [service, ttl] of [
      ['web', 9],
      ['webapp', 7],
      ['db', 5],
    ] as const) {
      const reply = await a.query(`${service}.service.cairn`);
      assert.deepEqual(
        reply.answer.map((record) => [record.type, record.ttl]),
        [['A', ttl]],
        `${service}: ${reply.output}`,
      );
      const srv = await a.query(`_${service}._tcp.service.cairn`, 'SRV');
      assert.deepEqual(
        srv.answer.map((record) => record.ttl),
        [ttl],
      );
      assert.deepEqual(dataOf(srv.additional, 'A'), ['127.0.0.1']);
      assert.ok(srv.additional.every((record) => record.ttl === ttl));
    }
    assert.equal((await a.query('nope.service.cairn')).authority[0]?.ttl, 0);
  });

  it('drops warning instances with only_passing', async () => {
    assert.deepEqual(dataOf((await a.query('web.service.cairn')).answer, 'A'), ['127.0.0.1']);
    assert.deepEqual(dataOf((await a.query('_web._tcp.service.cairn', 'SRV')).answer, 'SRV'), [
      '1 1 80 node1.node.dc1.cairn.',
    ]);
  });

  it('answers in both domains, with the domain the question used', async () => {
    const alt = await a.query('web.service.alt');
    assert.equal(alt.status, 'NOERROR');
    assert.deepEqual(
      alt.answer.map((record) => [record.name, record.data]),
      [['web.service.alt.', '127.0.0.1']],
    );
    assert.deepEqual(dataOf((await a.query('WEB.SERVICE.ALT')).answer, 'A'), ['127.0.0.1']);
    assert.deepEqual(dataOf((await a.query('node1.node.dc1.alt')).answer, 'A'), ['127.0.0.1']);

    const altSrv = await a.query('_web._tcp.service.alt', 'SRV');
    assert.deepEqual(dataOf(altSrv.answer, 'SRV'), ['1 1 80 node1.node.dc1.alt.']);
    assert.deepEqual(
      altSrv.additional.filter((record) => record.type === 'A').map((record) => record.name),
      ['node1.node.dc1.alt.'],
    );
    const many = await a.query('_many._tcp.service.alt', 'SRV', { tcp: true });
    assert.ok(
      many.answer.every((record) => /^1 1 9100 m\d\.node\.dc1\.alt\.$/.test(record.data)),
      many.output,
    );

    const soa = await a.query('alt', 'SOA');
    assertSoa(soa.answer[0], 'alt.');
    assert.deepEqual(dataOf(soa.authority, 'NS'), ['node1.node.dc1.alt.']);
    assertSoa((await a.query('cairn', 'SOA')).answer[0], 'cairn.');
    assert.deepEqual(dataOf((await a.query('cairn', 'NS')).answer, 'NS'), ['node1.node.dc1.cairn.']);
    assertNxdomain(await a.query('nope.node.alt'), 'alt.');
    assertNxdomain(await a.query('nope.node.cairn'), 'cairn.');
    assert.deepEqual(dataOf((await dig(a.dnsPort, ['-x', '10.4.0.1'])).answer, 'PTR'), [
      'warnnode.node.dc1.cairn.',
    ]);

    // consul. is not this agent's domain any more.
    assert.equal((await a.query('web.service.consul')).status, 'REFUSED');
  });

  it('sets TC with enable_truncate when it trims to udp_answer_limit, and dig retries over TCP', async () => {
    const ignored = await a.query('many.service.cairn', 'A', { edns: false, ignoreTruncation: true });
    assert.equal(ignored.answer.length, 5, ignored.output);
    assert.ok(ignored.flags.includes('tc'), ignored.output);

    const retried = await a.query('many.service.cairn', 'A', { edns: false });
    assert.ok(retried.retriedOverTcp, retried.output);
    assert.equal(retried.transport, 'TCP');
    assert.equal(retried.answer.length, 10);
    assert.ok(!retried.flags.includes('tc'));

    const edns = await a.query('many.service.cairn', 'A', { edns: 4096 });
    assert.equal(edns.answer.length, 10);
    assert.ok(!edns.flags.includes('tc'));
  });
});

describe('DNS recursors', () => {
  let a: DnsAgent;
  let upstream: UpstreamDns;

  before(async () => {
    upstream = await UpstreamDns.start({
      'www.example.com': [{ name: 'www.example.com', type: 'A', ttl: 42, data: '192.0.2.10' }],
      'db.example.org': [{ name: 'db.example.org', type: 'A', ttl: 30, data: '192.0.2.20' }],
      '99.2.0.192.in-addr.arpa': [
        { name: '99.2.0.192.in-addr.arpa', type: 'PTR', ttl: 60, data: 'upstream-ptr.example' },
      ],
    });
    const dir = mkdtempSync(join(tmpdir(), 'cairn-dns-recursor-'));
    writeFileSync(join(dir, 'dns.hcl'), 'dns_config {\n  recursor_timeout = "200ms"\n}\n');
    a = await startDnsAgent(['-recursor', upstream.address, '-config-dir', dir]);
    await registerNode(a.base, 'extnode', '10.1.0.9', {
      service: { Service: 'ext', Address: 'db.example.org', Port: 5432 },
    });
  });

  after(async () => {
    a?.agent.kill('SIGKILL');
    await upstream?.close();
  });

  it("forwards names outside the domain to the recursor over the client's transport and relays its answer", async () => {
    const udp = await a.query('www.example.com');
    assert.equal(udp.status, 'NOERROR', udp.output);
    assert.deepEqual(udp.answer, [
      { name: 'www.example.com.', ttl: 42, class: 'IN', type: 'A', data: '192.0.2.10' },
    ]);
    assert.deepEqual(sorted(udp.flags), ['qr', 'ra', 'rd']);
    assert.deepEqual(upstream.queries.at(-1), { name: 'www.example.com', type: 'A', transport: 'udp' });

    const tcp = await a.query('www.example.com', 'A', { tcp: true });
    assert.deepEqual(dataOf(tcp.answer, 'A'), ['192.0.2.10']);
    assert.deepEqual(upstream.queries.at(-1), { name: 'www.example.com', type: 'A', transport: 'tcp' });

    const missing = await a.query('missing.example.com');
    assert.equal(missing.status, 'NXDOMAIN');
    assert.ok(missing.flags.includes('ra'));

    const ptr = await dig(a.dnsPort, ['-x', '192.0.2.99']);
    assert.deepEqual(dataOf(ptr.answer, 'PTR'), ['upstream-ptr.example.']);
  });

  it('sets RA on its own answers, resolves hostname addresses through the recursor, and keeps NXDOMAIN in the domain', async () => {
    const node = await a.query('node1.node.consul');
    assert.deepEqual(sorted(node.flags), ['aa', 'qr', 'ra', 'rd']);
    assert.deepEqual(dataOf(node.answer, 'A'), ['127.0.0.1']);

    const ext = await a.query('ext.service.consul');
    assert.deepEqual(
      ext.answer.map((record) => `${record.name} ${record.ttl} ${record.type} ${record.data}`),
      ['ext.service.consul. 0 CNAME db.example.org.', 'db.example.org. 0 A 192.0.2.20'],
    );

    const before = upstream.queries.length;
    const unknown = await a.query('nope.node.consul');
    assertNxdomain(unknown);
    assert.ok(unknown.flags.includes('ra'));
    assert.equal(upstream.queries.length, before, 'a name in the domain is never forwarded');
  });

  it('answers SERVFAIL after recursor_timeout when the recursor never answers', async () => {
    const reply = await a.query('www.silent', 'A', { timeSeconds: 3 });
    assert.equal(reply.status, 'SERVFAIL', reply.output);
    assert.ok(reply.flags.includes('ra'));
    assert.ok(reply.elapsedMs >= 200, `answered after ${reply.elapsedMs} ms, before the 200 ms timeout`);
    assert.ok(reply.elapsedMs < 1_500, `answered after ${reply.elapsedMs} ms: recursor_timeout is 200 ms`);
    assert.deepEqual(upstream.queries.at(-1), { name: 'www.silent', type: 'A', transport: 'udp' });
  });
});

describe('DNS disabled', () => {
  /** Nothing listens on `port`: UDP gets ICMP port unreachable, TCP a refused connection. */
  async function assertNothingListens(port: number): Promise<void> {
    const udp = await UdpClient.open(port);
    try {
      udp.send(dnsPacket.encode({ type: 'query', id: 7, questions: [{ name: 'consul', type: 'SOA' }] }));
      await waitFor('ECONNREFUSED on UDP', () => udp.error?.code === 'ECONNREFUSED' || undefined, 2_000);
      assert.deepEqual(udp.replies, []);
    } finally {
      udp.close();
    }
    await assert.rejects(TcpClient.open(port), { code: 'ECONNREFUSED' });
  }

  it('-dns-port -1 overrides ports.dns, and ports { dns = -1 } in a later file too; HTTP still serves', async () => {
    const portFromFlag = await freeGossipPort();
    const flagDir = mkdtempSync(join(tmpdir(), 'cairn-dns-off-'));
    writeFileSync(join(flagDir, 'ports.hcl'), `ports {\n  dns = ${portFromFlag}\n}\n`);
    // spawnDev passes -dns-port -1 itself.
    const byFlag = await AgentProcess.spawnDev(['-config-dir', flagDir]);

    const portFromFile = await freeGossipPort();
    const fileDir = mkdtempSync(join(tmpdir(), 'cairn-dns-off-'));
    writeFileSync(join(fileDir, 'a.hcl'), `ports {\n  dns = ${portFromFile}\n}\n`);
    writeFileSync(join(fileDir, 'b.hcl'), 'ports {\n  dns = -1\n}\n');
    const byFile = AgentProcess.spawn([
      '-dev',
      '-http-port',
      String(await freePort()),
      ...(await gossipPortArgs()),
      '-config-dir',
      fileDir,
    ]);
    try {
      for (const [agent, port] of [
        [byFlag, portFromFlag],
        [byFile, portFromFile],
      ] as const) {
        const base = `http://${await agent.httpAddress()}`;
        await json(`${base}/v1/agent/self`);
        await agent.waitForOutput(/DNS: -1\)/);
        await assertNothingListens(port);
      }
    } finally {
      byFlag.kill('SIGKILL');
      byFile.kill('SIGKILL');
    }
  });
});
