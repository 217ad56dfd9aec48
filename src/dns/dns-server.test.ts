import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DnsExchange, DnsTransport } from '../ports/dns.ts';
import { silentLogger } from '../ports/logger.ts';
import type { ConsensusStatus } from '../server/consensus.ts';
import { ManualClock } from '../sim/manual-clock.ts';
import { SeededRandom } from '../sim/seeded-random.ts';
import { encodeQuery } from './codec.ts';
import { type DnsCatalogSource, DnsServer } from './dns-server.ts';
import type { DnsSettings } from './settings.ts';
import { dnsSettings, TestCatalog } from './testing/catalog.ts';
import { dnsPacket, type Packet } from './testing/dns-packet.ts';
import { RRType } from './wire.ts';

type Decoded = ReturnType<typeof dnsPacket.decode>;

const LEADER: ConsensusStatus = {
  role: 'leader',
  leaderAddress: '127.0.0.1:8300',
  term: 1,
  commitIndex: 1,
  appliedIndex: 1,
  lastLogIndex: 1,
  lastContactMs: 0,
};

/** A consensus whose status and read barrier a test sets. */
function consensus(status: Partial<ConsensusStatus> = {}, barrier: () => Promise<void> = async () => {}) {
  let barriers = 0;
  return {
    status: () => ({ ...LEADER, ...status }),
    readBarrier: () => {
      barriers++;
      return barrier();
    },
    barriers: () => barriers,
  };
}

/** An upstream that answers from a function and records what it was sent. */
class FakeExchange implements DnsExchange {
  readonly sent: { server: string; packet: Uint8Array; transport: DnsTransport }[] = [];
  constructor(private readonly answer: (server: string, packet: Uint8Array) => Uint8Array | Error) {}
  async exchange(server: string, packet: Uint8Array, transport: DnsTransport): Promise<Uint8Array> {
    this.sent.push({ server, packet, transport });
    const reply = this.answer(server, packet);
    if (reply instanceof Error) throw reply;
    return reply;
  }
}

function upstreamReply(
  packet: Uint8Array,
  rcode: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL',
  ip = '192.0.2.1',
): Uint8Array {
  const asked = dnsPacket.decode(Buffer.from(packet));
  const question = asked.questions![0]!;
  return dnsPacket.encode({
    type: 'response',
    id: asked.id,
    // dns-packet writes the rcode from the low flag bits only.
    flags:
      dnsPacket.RECURSION_DESIRED |
      dnsPacket.RECURSION_AVAILABLE |
      { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 }[rcode],
    questions: [question],
    answers: rcode === 'NOERROR' ? [{ type: 'A', name: question.name, ttl: 60, data: ip }] : [],
  } as Packet);
}

function server(options: {
  settings?: Partial<DnsSettings>;
  source?: DnsCatalogSource | undefined;
  exchange?: DnsExchange;
}) {
  const catalog = new TestCatalog()
    .node('node1', { Address: '10.0.0.1' })
    .service('node1', 'web1', 'web')
    .service('node1', 'ext1', 'ext', { Address: 'ext.example.com' });
  const source = 'source' in options ? options.source : { store: catalog.store, consensus: consensus() };
  return new DnsServer({
    settings: dnsSettings(options.settings),
    source,
    exchange: options.exchange ?? new FakeExchange(() => new Error('no upstream')),
    clock: new ManualClock(),
    random: new SeededRandom(3),
    logger: silentLogger,
  });
}

async function ask(
  dns: DnsServer,
  name: string,
  type: number,
  transport: DnsTransport = 'udp',
): Promise<Decoded> {
  const packet = await dns.handle(encodeQuery(77, name, type, true), transport);
  assert.ok(packet !== undefined, 'no reply');
  return dnsPacket.decode(Buffer.from(packet));
}

describe('reads', () => {
  test('a stale read answers synchronously, without a read barrier', () => {
    const dns = server({});
    const packet = dns.handle(encodeQuery(1, 'web.service.consul.', RRType.A, true), 'udp');
    assert.ok(packet instanceof Uint8Array);
    const decoded = dnsPacket.decode(Buffer.from(packet));
    assert.equal(decoded.rcode, 'NOERROR');
    assert.deepEqual(
      decoded.answers!.map((answer) => answer.data),
      ['10.0.0.1'],
    );
    assert.equal(dns.stats.queries, 1);
  });

  test('allow_stale = false waits for a read barrier; without a leader it is SERVFAIL', async () => {
    const catalog = new TestCatalog().node('node1').service('node1', 'web1', 'web');
    const led = consensus();
    const dns = server({ settings: { allowStale: false }, source: { store: catalog.store, consensus: led } });
    assert.equal((await ask(dns, 'web.service.consul.', RRType.A)).rcode, 'NOERROR');
    assert.equal(led.barriers(), 1);
    const leaderless = server({
      settings: { allowStale: false },
      source: { store: catalog.store, consensus: consensus({ leaderAddress: '' }) },
    });
    assert.equal((await ask(leaderless, 'web.service.consul.', RRType.A)).rcode, 'SERVFAIL');
  });

  test('a server too long out of contact reads consistently, as max_stale says', async () => {
    const catalog = new TestCatalog().node('node1').service('node1', 'web1', 'web');
    const stale = consensus({ role: 'follower', lastContactMs: 5_000 });
    const dns = server({
      settings: { maxStaleMs: 1_000 },
      source: { store: catalog.store, consensus: stale },
    });
    assert.equal((await ask(dns, 'web.service.consul.', RRType.A)).rcode, 'NOERROR');
    assert.equal(stale.barriers(), 1);
    const failing = consensus({ lastContactMs: 5_000 }, () => Promise.reject(new Error('No cluster leader')));
    const down = server({
      settings: { maxStaleMs: 1_000 },
      source: { store: catalog.store, consensus: failing },
    });
    assert.equal((await ask(down, 'web.service.consul.', RRType.A)).rcode, 'SERVFAIL');
  });

  test('a client agent without a catalog answers SERVFAIL in the domain', async () => {
    const dns = server({ source: undefined });
    assert.equal((await ask(dns, 'web.service.consul.', RRType.A)).rcode, 'SERVFAIL');
  });
});

describe('malformed input', () => {
  test('a malformed query is FORMERR, a runt or a response gets nothing', async () => {
    const dns = server({});
    const twoQuestions = dnsPacket.encode({
      type: 'query',
      id: 9,
      questions: [
        { type: 'A', name: 'a.consul' },
        { type: 'A', name: 'b.consul' },
      ],
    } as Packet);
    const formerr = dns.handle(twoQuestions, 'udp');
    assert.ok(formerr instanceof Uint8Array);
    const decoded = dnsPacket.decode(Buffer.from(formerr));
    assert.equal(decoded.id, 9);
    assert.equal(decoded.rcode, 'FORMERR');
    assert.equal(dns.handle(Uint8Array.of(1, 2, 3), 'udp'), undefined);
    const response = encodeQuery(5, 'web.service.consul.', RRType.A, true);
    response[2]! |= 0x80;
    assert.equal(dns.handle(response, 'udp'), undefined);
    assert.equal(dns.stats.dropped, 2);
  });

  test('a failure inside is SERVFAIL, never a throw', () => {
    const broken = {
      get store(): never {
        throw new Error('store gone');
      },
      consensus: consensus(),
    };
    const dns = server({ source: broken });
    const packet = dns.handle(encodeQuery(3, 'web.service.consul.', RRType.A, true), 'udp');
    assert.ok(packet instanceof Uint8Array);
    assert.equal(dnsPacket.decode(Buffer.from(packet)).rcode, 'SERVFAIL');
    assert.equal(dns.stats.failures, 1);
  });
});

describe('recursors', () => {
  test('a name outside the domain is forwarded as it came, over the same transport; RA is set', async () => {
    const exchange = new FakeExchange((_server, packet) => upstreamReply(packet, 'NOERROR'));
    const dns = server({ settings: { recursors: ['192.0.2.53:53'] }, exchange });
    const query = encodeQuery(77, 'example.com.', RRType.A, true);
    const reply = await dns.handle(query, 'tcp');
    assert.deepEqual(exchange.sent[0]!.packet, query);
    assert.equal(exchange.sent[0]!.transport, 'tcp');
    const decoded = dnsPacket.decode(Buffer.from(reply!));
    assert.equal(decoded.answers![0]!.data, '192.0.2.1');
    assert.equal(dns.stats.recursed, 1);
    assert.equal((await ask(dns, 'web.service.consul.', RRType.A)).flag_ra, true);
  });

  test('a recursor answering SERVFAIL or failing is skipped; when all fail the answer is SERVFAIL with RA', async () => {
    const exchange = new FakeExchange((server, packet) =>
      server === 'a:53'
        ? upstreamReply(packet, 'SERVFAIL')
        : server === 'b:53'
          ? new Error('timeout')
          : upstreamReply(packet, 'NXDOMAIN'),
    );
    const dns = server({ settings: { recursors: ['a:53', 'b:53', 'c:53'] }, exchange });
    assert.equal((await ask(dns, 'nope.example.', RRType.A)).rcode, 'NXDOMAIN');
    assert.deepEqual(
      exchange.sent.map((sent) => sent.server),
      ['a:53', 'b:53', 'c:53'],
    );
    const dead = server({ settings: { recursors: ['b:53'] }, exchange });
    const failed = await ask(dead, 'example.com.', RRType.A);
    assert.equal(failed.rcode, 'SERVFAIL');
    assert.equal(failed.flag_ra, true);
  });

  test('a hostname service address is resolved through the recursors and answered after its CNAME', async () => {
    const exchange = new FakeExchange((_server, packet) => upstreamReply(packet, 'NOERROR', '198.51.100.7'));
    const dns = server({ settings: { recursors: ['192.0.2.53:53'] }, exchange });
    const decoded = await ask(dns, 'ext.service.consul.', RRType.A);
    assert.deepEqual(
      decoded.answers!.map((answer) => `${answer.type} ${answer.data}`),
      ['CNAME ext.example.com', 'A 198.51.100.7'],
    );
    const asked = dnsPacket.decode(Buffer.from(exchange.sent[0]!.packet));
    assert.equal(asked.questions![0]!.name, 'ext.example.com');
    assert.equal(exchange.sent[0]!.transport, 'udp');
  });

  test('recursor_strategy = random spreads the first try over the recursors', async () => {
    const exchange = new FakeExchange((_server, packet) => upstreamReply(packet, 'NOERROR'));
    const dns = server({
      settings: { recursors: ['a:53', 'b:53', 'c:53'], recursorStrategy: 'random' },
      exchange,
    });
    for (let i = 0; i < 30; i++) await ask(dns, 'example.com.', RRType.A);
    assert.equal(new Set(exchange.sent.map((sent) => sent.server)).size, 3);
  });
});
