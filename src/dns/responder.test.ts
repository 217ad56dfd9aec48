import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SeededRandom } from '../sim/seeded-random.ts';
import { type Decision, type ResponderEnv, respond } from './responder.ts';
import { ServiceTtls } from './settings.ts';
import { dnsSettings, query, TestCatalog } from './testing/catalog.ts';
import { type DnsQuery, type DnsReply, Rcode, type ResourceRecord, RRType } from './wire.ts';

const WALL_MS = 1_700_000_000_000;

function env(catalog: TestCatalog, extra: Partial<ResponderEnv> = {}): ResponderEnv {
  const random = new SeededRandom(7);
  return {
    settings: dnsSettings(),
    store: catalog.store,
    random: () => random.next(),
    wallMs: WALL_MS,
    ...extra,
  };
}

function reply(decision: Decision): DnsReply {
  assert.equal(decision.kind, 'reply');
  return (decision as Extract<Decision, { kind: 'reply' }>).reply;
}

function ask(catalog: TestCatalog, q: DnsQuery, extra: Partial<ResponderEnv> = {}): DnsReply {
  return reply(respond(q, env(catalog, extra)));
}

/** Records as short text: `name TYPE data`. */
function show(records: readonly ResourceRecord[]): string[] {
  return records.map((record) => {
    switch (record.type) {
      case RRType.A:
      case RRType.AAAA:
        return `${record.name} ${record.type === RRType.A ? 'A' : 'AAAA'} ${[...record.address].join(record.type === RRType.A ? '.' : ',')}`;
      case RRType.CNAME:
        return `${record.name} CNAME ${record.target}`;
      case RRType.NS:
        return `${record.name} NS ${record.target}`;
      case RRType.PTR:
        return `${record.name} PTR ${record.target}`;
      case RRType.SRV:
        return `${record.name} SRV ${record.priority} ${record.weight} ${record.port} ${record.target}`;
      case RRType.TXT:
        return `${record.name} TXT ${record.texts.join('|')}`;
      case RRType.SOA:
        return `${record.name} SOA ${record.mname} ${record.rname}`;
      default:
        throw new Error('unknown record type');
    }
  });
}

function webCatalog(): TestCatalog {
  return new TestCatalog()
    .node('node1', { Address: '10.0.0.1', Meta: { rack: 'r1', 'rfc1035-raw': 'v=spf1' } })
    .node('node2', { Address: '10.0.0.2' })
    .node('node3', { Address: '10.0.0.3' })
    .service('node1', 'web1', 'web', { Port: 8080, Tags: ['primary'] })
    .service('node2', 'web2', 'web', { Port: 8081 })
    .service('node3', 'web3', 'web', { Port: 8082, Address: '10.1.0.3' });
}

describe('node names', () => {
  test('an A question gets the node address, authoritatively, with node meta as TXT in Additional', () => {
    const answer = ask(webCatalog(), query('node1.node.consul.', RRType.A));
    assert.equal(answer.rcode, Rcode.NOERROR);
    assert.equal(answer.authoritative, true);
    assert.equal(answer.recursionAvailable, false);
    assert.deepEqual(show(answer.answer), ['node1.node.consul. A 10.0.0.1']);
    assert.deepEqual(show(answer.additional), [
      'node1.node.consul. TXT rack=r1',
      'node1.node.consul. TXT v=spf1',
    ]);
  });

  test('TXT and ANY put the meta in Answer; the datacenter may be named; case is ignored but kept', () => {
    const catalog = webCatalog();
    assert.deepEqual(show(ask(catalog, query('node1.node.dc1.consul.', RRType.TXT)).answer), [
      'node1.node.dc1.consul. TXT rack=r1',
      'node1.node.dc1.consul. TXT v=spf1',
    ]);
    assert.deepEqual(show(ask(catalog, query('NODE1.Node.dc1.dc.CONSUL.', RRType.ANY)).answer), [
      'NODE1.Node.dc1.dc.CONSUL. A 10.0.0.1',
      'NODE1.Node.dc1.dc.CONSUL. TXT rack=r1',
      'NODE1.Node.dc1.dc.CONSUL. TXT v=spf1',
    ]);
  });

  test('meta keys are escaped as RFC 1464 says', () => {
    const catalog = new TestCatalog().node('n', { Meta: { ' a=b`c ': 'x`y' } });
    assert.deepEqual(show(ask(catalog, query('n.node.consul.', RRType.TXT)).answer), [
      'n.node.consul. TXT ` a`=b``c` =x``y',
    ]);
  });

  test('an unknown node, datacenter or peer is NXDOMAIN with the SOA in Authority', () => {
    const catalog = webCatalog();
    for (const name of [
      'nope.node.consul.',
      'node1.node.dc2.consul.',
      'node1.node.p.peer.consul.',
      'node.consul.',
    ]) {
      const answer = ask(catalog, query(name, RRType.A));
      assert.equal(answer.rcode, Rcode.NXDOMAIN, name);
      assert.deepEqual(show(answer.authority), ['consul. SOA ns.consul. hostmaster.consul.'], name);
    }
  });

  test('a type the node has no record of is NODATA: NOERROR, empty, the SOA in Authority', () => {
    for (const type of [RRType.MX, RRType.AAAA, RRType.SRV]) {
      const answer = ask(webCatalog(), query('node1.node.consul.', type));
      assert.equal(answer.rcode, Rcode.NOERROR);
      assert.deepEqual(answer.answer, []);
      assert.equal(answer.authority[0]?.type, RRType.SOA);
    }
  });

  test('a node whose address is a hostname is a CNAME; one inside the domain is followed', () => {
    const catalog = new TestCatalog()
      .node('ext', { Address: 'db.example.com' })
      .node('alias', { Address: 'node1.node.consul' })
      .node('node1', { Address: '10.0.0.1' });
    assert.deepEqual(show(ask(catalog, query('ext.node.consul.', RRType.A)).answer), [
      'ext.node.consul. CNAME db.example.com.',
    ]);
    assert.deepEqual(show(ask(catalog, query('alias.node.consul.', RRType.A)).answer), [
      'alias.node.consul. CNAME node1.node.consul.',
      'node1.node.consul. A 10.0.0.1',
    ]);
  });
});

describe('service names', () => {
  test('A answers one record per healthy instance: the service address if set, else the node address', () => {
    const answer = ask(webCatalog(), query('web.service.consul.', RRType.A));
    assert.equal(answer.rcode, Rcode.NOERROR);
    assert.deepEqual(show(answer.answer).sort(), [
      'web.service.consul. A 10.0.0.1',
      'web.service.consul. A 10.0.0.2',
      'web.service.consul. A 10.1.0.3',
    ]);
  });

  test('every query is shuffled', () => {
    const catalog = webCatalog();
    const random = new SeededRandom(11);
    const orders = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const decision = respond(
        query('web.service.consul.', RRType.A),
        env(catalog, { random: () => random.next() }),
      );
      orders.add(show(reply(decision).answer).join(','));
    }
    assert.equal(orders.size, 6);
  });

  test('critical instances are dropped, warning ones kept unless only_passing; node checks count', () => {
    const catalog = webCatalog().check('node2', 'service:web2', 'warning', 'web2', 'web');
    catalog.check('node3', 'serfHealth', 'critical');
    assert.deepEqual(show(ask(catalog, query('web.service.consul.', RRType.A)).answer).sort(), [
      'web.service.consul. A 10.0.0.1',
      'web.service.consul. A 10.0.0.2',
    ]);
    const settings = dnsSettings({ onlyPassing: true });
    assert.deepEqual(show(ask(catalog, query('web.service.consul.', RRType.A), { settings }).answer), [
      'web.service.consul. A 10.0.0.1',
    ]);
    catalog.check('node1', '_node_maintenance', 'critical');
    const none = ask(catalog, query('web.service.consul.', RRType.A), { settings });
    assert.equal(none.rcode, Rcode.NXDOMAIN);
    assert.equal(none.authority[0]?.type, RRType.SOA);
  });

  test('a tag label filters; names are matched without regard to case', () => {
    const catalog = webCatalog()
      .node('node4')
      .service('node4', 'Web4', 'Web', { Address: '10.0.0.4', Tags: ['Primary'] });
    assert.deepEqual(show(ask(catalog, query('primary.WEB.service.consul.', RRType.A)).answer).sort(), [
      'primary.WEB.service.consul. A 10.0.0.1',
      'primary.WEB.service.consul. A 10.0.0.4',
    ]);
    assert.equal(ask(catalog, query('nope.web.service.consul.', RRType.A)).rcode, Rcode.NXDOMAIN);
  });

  test('SRV: priority 1, weight, port, node or .addr target, the targets in Additional', () => {
    const catalog = webCatalog()
      .service('node1', 'web1b', 'web', { Port: 9090, Weights: { Passing: 10, Warning: 2 } })
      .check('node2', 'service:web2', 'warning', 'web2', 'web');
    const answer = ask(catalog, query('web.service.consul.', RRType.SRV));
    assert.deepEqual(show(answer.answer).sort(), [
      'web.service.consul. SRV 1 1 8080 node1.node.dc1.consul.',
      'web.service.consul. SRV 1 1 8081 node2.node.dc1.consul.',
      'web.service.consul. SRV 1 1 8082 0a010003.addr.dc1.consul.',
      'web.service.consul. SRV 1 10 9090 node1.node.dc1.consul.',
    ]);
    // node1's A record (and meta) once, though two of its instances point at it.
    assert.deepEqual(
      show(answer.additional).sort(),
      [
        '0a010003.addr.dc1.consul. A 10.1.0.3',
        'node1.node.dc1.consul. A 10.0.0.1',
        'node1.node.dc1.consul. TXT rack=r1',
        'node1.node.dc1.consul. TXT v=spf1',
        'node2.node.dc1.consul. A 10.0.0.2',
        'node3.node.dc1.consul. TXT consul-network-segment=',
      ].filter((line) => !line.startsWith('node3')),
    );
  });

  test('RFC 2782 names: _service._tag, _tcp for no tag, with or without .service', () => {
    const catalog = webCatalog();
    const targets = (name: string) =>
      show(ask(catalog, query(name, RRType.SRV)).answer)
        .map((line) => line.split(' ').at(-1))
        .sort();
    const all = ['0a010003.addr.dc1.consul.', 'node1.node.dc1.consul.', 'node2.node.dc1.consul.'];
    assert.deepEqual(targets('_web._tcp.service.consul.'), all);
    assert.deepEqual(targets('_web._tcp.consul.'), all);
    assert.deepEqual(targets('_web._tcp.dc1.consul.'), all);
    assert.deepEqual(targets('_web._primary.service.consul.'), ['node1.node.dc1.consul.']);
    // Without SRV, a name without `.service` is no service name.
    assert.equal(ask(catalog, query('_web._tcp.consul.', RRType.A)).rcode, Rcode.NXDOMAIN);
  });

  test('AAAA for IPv4-only instances and MX are NODATA; TXT answers with A records as Consul does', () => {
    const catalog = webCatalog();
    for (const type of [RRType.AAAA, RRType.MX]) {
      const answer = ask(catalog, query('web.service.consul.', type));
      assert.equal(answer.rcode, Rcode.NOERROR);
      assert.deepEqual(answer.answer, []);
      assert.equal(answer.authority[0]?.type, RRType.SOA);
    }
    assert.equal(ask(catalog, query('web.service.consul.', RRType.TXT)).answer.length, 3);
  });

  test('IPv6 addresses answer AAAA; tagged lan_ipv4 answers A', () => {
    const catalog = new TestCatalog()
      .node('six', { Address: '2001:db8::1' })
      .service('six', 'api1', 'api')
      .node('dual', { Address: '10.0.0.9', TaggedAddresses: { lan_ipv6: '2001:db8::9' } })
      .service('dual', 'api2', 'api');
    assert.deepEqual(show(ask(catalog, query('api.service.consul.', RRType.AAAA)).answer).sort(), [
      'api.service.consul. AAAA 32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1',
      'api.service.consul. AAAA 32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,9',
    ]);
    assert.deepEqual(show(ask(catalog, query('api.service.consul.', RRType.A)).answer), [
      'api.service.consul. A 10.0.0.9',
    ]);
  });

  test('a hostname service address: CNAME for A (the first only), the hostname as SRV target', () => {
    const catalog = new TestCatalog()
      .node('n1')
      .service('n1', 'db1', 'db', { Address: 'db-a.example.com', Port: 5432 })
      .service('n1', 'db2', 'db', { Address: 'db-b.example.com', Port: 5432 });
    const a = ask(catalog, query('db.service.consul.', RRType.A));
    assert.equal(a.answer.length, 1);
    assert.match(show(a.answer)[0]!, /^db\.service\.consul\. CNAME db-[ab]\.example\.com\.$/);
    assert.deepEqual(show(ask(catalog, query('db.service.consul.', RRType.SRV)).answer).sort(), [
      'db.service.consul. SRV 1 1 5432 db-a.example.com.',
      'db.service.consul. SRV 1 1 5432 db-b.example.com.',
    ]);
  });

  test('address records win over CNAMEs among instances', () => {
    const catalog = new TestCatalog()
      .node('n1')
      .service('n1', 'db1', 'db', { Address: 'db-a.example.com' })
      .service('n1', 'db2', 'db', { Address: '10.9.9.9' });
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(show(ask(catalog, query('db.service.consul.', RRType.A)).answer), [
        'db.service.consul. A 10.9.9.9',
      ]);
    }
  });

  test('hostnames outside the domain go to the recursors: listed unresolved, then answered with what they said', () => {
    const catalog = new TestCatalog().node('n1').service('n1', 'db1', 'db', { Address: 'db.example.com' });
    const settings = dnsSettings({ recursors: ['127.0.0.1:53'] });
    const first = respond(query('db.service.consul.', RRType.A), env(catalog, { settings }));
    assert.equal(first.kind, 'reply');
    assert.deepEqual((first as Extract<Decision, { kind: 'reply' }>).unresolved, ['db.example.com.']);
    const resolved = new Map<string, ResourceRecord[]>([
      [
        'db.example.com.',
        [{ type: RRType.A, name: 'db.example.com.', ttl: 300, address: Uint8Array.of(192, 0, 2, 7) }],
      ],
    ]);
    const second = respond(query('db.service.consul.', RRType.A), env(catalog, { settings, resolved }));
    assert.deepEqual((second as Extract<Decision, { kind: 'reply' }>).unresolved, []);
    assert.deepEqual(show(reply(second).answer), [
      'db.service.consul. CNAME db.example.com.',
      'db.example.com. A 192.0.2.7',
    ]);
    // The service's TTL replaces the upstream one.
    assert.equal(reply(second).answer[1]!.ttl, 0);
  });

  test('a_record_limit caps the A answers', () => {
    const settings = dnsSettings({ aRecordLimit: 2 });
    assert.equal(ask(webCatalog(), query('web.service.consul.', RRType.A), { settings }).answer.length, 2);
  });

  test('TTLs: node_ttl, and service_ttl by exact name, then the longest prefix', () => {
    const catalog = webCatalog().service('node1', 'webapp1', 'webapp').service('node1', 'db1', 'db');
    const settings = dnsSettings({ nodeTtl: 10, serviceTtl: new ServiceTtls({ '*': 5, 'web*': 7, web: 9 }) });
    const ttl = (name: string) => ask(catalog, query(name, RRType.A), { settings }).answer[0]?.ttl;
    assert.equal(ttl('node1.node.consul.'), 10);
    assert.equal(ttl('web.service.consul.'), 9);
    assert.equal(ttl('webapp.service.consul.'), 7);
    assert.equal(ttl('db.service.consul.'), 5);
  });

  test('other datacenters, prepared queries, connect and ingress names are NXDOMAIN', () => {
    const catalog = webCatalog();
    for (const name of [
      'web.service.dc2.consul.',
      'web.query.consul.',
      '_web._tcp.query.consul.',
      'web.connect.consul.',
      'web.ingress.consul.',
      'service.consul.',
      'consul.',
    ]) {
      assert.equal(ask(catalog, query(name, RRType.A)).rcode, Rcode.NXDOMAIN, name);
    }
  });
});

describe('addresses and reverse lookups', () => {
  test('.addr names decode to A or AAAA', () => {
    const catalog = new TestCatalog();
    assert.deepEqual(show(ask(catalog, query('7f000001.addr.consul.', RRType.A)).answer), [
      '7f000001.addr.consul. A 127.0.0.1',
    ]);
    assert.deepEqual(
      show(ask(catalog, query('20010db8000000000000000000000001.addr.dc1.consul.', RRType.AAAA)).answer),
      ['20010db8000000000000000000000001.addr.dc1.consul. AAAA 32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1'],
    );
    assert.equal(ask(catalog, query('7f000001.addr.consul.', RRType.AAAA)).rcode, Rcode.NOERROR);
    assert.deepEqual(ask(catalog, query('7f000001.addr.consul.', RRType.AAAA)).answer, []);
    for (const name of ['7f0001.addr.consul.', 'zz000001.addr.consul.', 'a.7f000001.addr.consul.']) {
      assert.equal(ask(catalog, query(name, RRType.A)).rcode, Rcode.NXDOMAIN, name);
    }
  });

  test('PTR: a node first, then a service address; unknown is NXDOMAIN, or recursed with recursors', () => {
    const catalog = webCatalog().node('six', { Address: '2001:db8::1' });
    assert.deepEqual(show(ask(catalog, query('1.0.0.10.in-addr.arpa.', RRType.PTR)).answer), [
      '1.0.0.10.in-addr.arpa. PTR node1.node.dc1.consul.',
    ]);
    assert.deepEqual(show(ask(catalog, query('3.0.1.10.in-addr.arpa.', RRType.PTR)).answer), [
      '3.0.1.10.in-addr.arpa. PTR web.service.dc1.consul.',
    ]);
    const nibbles = '20010db8000000000000000000000001'.split('').reverse().join('.');
    assert.deepEqual(show(ask(catalog, query(`${nibbles}.ip6.arpa.`, RRType.PTR)).answer), [
      `${nibbles}.ip6.arpa. PTR six.node.dc1.consul.`,
    ]);
    const unknown = ask(catalog, query('9.9.9.9.in-addr.arpa.', RRType.PTR));
    assert.equal(unknown.rcode, Rcode.NXDOMAIN);
    assert.equal(unknown.authority[0]?.type, RRType.SOA);
    const settings = dnsSettings({ recursors: ['127.0.0.1:53'] });
    assert.equal(
      respond(query('9.9.9.9.in-addr.arpa.', RRType.PTR), env(catalog, { settings })).kind,
      'recurse',
    );
  });
});

describe('the zone', () => {
  test('SOA: the zone SOA in Answer, servers as NS in Authority with their addresses', () => {
    const catalog = webCatalog().service('node1', 'consul', 'consul', { Port: 8300 });
    const answer = ask(catalog, query('consul.', RRType.SOA));
    const soa = answer.answer[0]!;
    assert.deepEqual(soa, {
      type: RRType.SOA,
      name: 'consul.',
      ttl: 0,
      mname: 'ns.consul.',
      rname: 'hostmaster.consul.',
      serial: WALL_MS / 1000,
      refresh: 3600,
      retry: 600,
      expire: 86400,
      minimum: 0,
    });
    assert.deepEqual(show(answer.authority), ['consul. NS node1.node.dc1.consul.']);
    assert.deepEqual(show(answer.additional), ['node1.node.dc1.consul. A 10.0.0.1']);
    const ns = ask(catalog, query('consul.', RRType.NS));
    assert.deepEqual(show(ns.answer), ['consul. NS node1.node.dc1.consul.']);
    assert.deepEqual(show(ns.additional), ['node1.node.dc1.consul. A 10.0.0.1']);
  });

  test('AXFR and IXFR are not implemented', () => {
    assert.equal(ask(webCatalog(), query('consul.', RRType.AXFR)).rcode, Rcode.NOTIMP);
    assert.equal(ask(webCatalog(), query('consul.', RRType.IXFR)).rcode, Rcode.NOTIMP);
  });

  test('the alternative domain answers too, and answers in its own names', () => {
    const settings = dnsSettings({ altDomain: 'alt.example.' });
    const catalog = webCatalog();
    const srv = ask(catalog, query('_web._primary.service.alt.example.', RRType.SRV), { settings });
    assert.deepEqual(show(srv.answer), [
      '_web._primary.service.alt.example. SRV 1 1 8080 node1.node.dc1.alt.example.',
    ]);
    const missing = ask(catalog, query('nope.service.alt.example.', RRType.A), { settings });
    assert.deepEqual(show(missing.authority), ['alt.example. SOA ns.alt.example. hostmaster.alt.example.']);
    assert.equal(ask(catalog, query('web.service.consul.', RRType.A), { settings }).answer.length, 3);
  });

  test('a name outside the zones is refused without recursors, recursed with them', () => {
    const refused = ask(webCatalog(), query('example.com.', RRType.A));
    assert.equal(refused.rcode, Rcode.REFUSED);
    assert.equal(refused.authoritative, false);
    const settings = dnsSettings({ recursors: ['127.0.0.1:53'] });
    assert.equal(respond(query('example.com.', RRType.A), env(webCatalog(), { settings })).kind, 'recurse');
    // With recursors, answers in the domain say recursion is available.
    assert.equal(
      ask(webCatalog(), query('web.service.consul.', RRType.A), { settings }).recursionAvailable,
      true,
    );
  });

  test('RD and CD are echoed', () => {
    const answer = ask(
      webCatalog(),
      query('web.service.consul.', RRType.A, { recursionDesired: false, checkingDisabled: true }),
    );
    assert.equal(answer.recursionDesired, false);
    assert.equal(answer.checkingDisabled, true);
    assert.equal(ask(webCatalog(), query('web.service.consul.', RRType.A)).checkingDisabled, false);
  });

  test('EDNS is echoed with the requester size; a client subnet comes back with scope 0', () => {
    const subnet = {
      family: 1,
      sourcePrefixLength: 24,
      scopePrefixLength: 0,
      address: Uint8Array.of(10, 0, 0),
    };
    const answer = ask(
      webCatalog(),
      query('web.service.consul.', RRType.A, {
        edns: { udpSize: 4096, version: 0, dnssecOk: true, clientSubnet: subnet },
      }),
    );
    assert.deepEqual(answer.edns, { udpSize: 4096, version: 0, dnssecOk: false, clientSubnet: subnet });
  });
});
