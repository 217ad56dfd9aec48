import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import {
  DnsEncodeError,
  encodedLength,
  encodeQuery,
  encodeReply,
  isRejection,
  parseQuery,
  readReply,
} from './codec.ts';
import { type DecodedPacket, dnsPacket } from './testing/dns-packet.ts';
import {
  type DnsQuery,
  type DnsReply,
  type QueryRejection,
  Rcode,
  type ResourceRecord,
  RRType,
} from './wire.ts';

function decoded(bytes: Uint8Array): DecodedPacket {
  return dnsPacket.decode(Buffer.from(bytes));
}

function query(packet: object): Uint8Array {
  return new Uint8Array(dnsPacket.encode({ type: 'query', id: 0x1234, ...packet }));
}

function parsed(packet: Uint8Array): DnsQuery {
  const result = parseQuery(packet);
  if (isRejection(result)) assert.fail(`expected a query, got ${JSON.stringify(result)}`);
  return result;
}

function rejected(packet: Uint8Array): QueryRejection {
  const result = parseQuery(packet);
  if (!isRejection(result)) assert.fail(`expected a rejection, got ${JSON.stringify(result)}`);
  return result;
}

function formatError(packet: Uint8Array): QueryRejection & { action: 'reply' } {
  const result = rejected(packet);
  assert.equal(result.action, 'reply', result.reason);
  assert.ok(result.action === 'reply');
  assert.equal(result.rcode, Rcode.FORMERR, result.reason);
  return result;
}

/** Bytes from numbers, arrays of numbers and ASCII strings. */
function bytes(...parts: (number | ArrayLike<number> | string)[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === 'number') out.push(part);
    else if (typeof part === 'string') for (const char of part) out.push(char.charCodeAt(0));
    else out.push(...Array.from(part));
  }
  return Uint8Array.from(out);
}

/** The wire form of a name made of ASCII labels. */
function wireName(...labels: string[]): number[] {
  return [...bytes(...labels.flatMap((label) => [label.length, label])), 0];
}

/** A query header: id 0x1234, RD, the given counts. */
function header(
  counts: { qd?: number; an?: number; ns?: number; ar?: number } = {},
  flags = 0x0100,
): number[] {
  const { qd = 1, an = 0, ns = 0, ar = 0 } = counts;
  return [0x12, 0x34, flags >> 8, flags & 0xff, 0, qd, 0, an, 0, ns, 0, ar];
}

const A_IN = [0, 1, 0, 1];

/** An OPT record: root owner, the UDP size, TTL 0, and the given RDATA. */
function opt(rdata: readonly number[] = [], udpSize = 4096, ttl = 0): number[] {
  return [
    0,
    0,
    41,
    udpSize >> 8,
    udpSize & 0xff,
    ttl >>> 24,
    (ttl >>> 16) & 0xff,
    (ttl >>> 8) & 0xff,
    ttl & 0xff,
    rdata.length >> 8,
    rdata.length & 0xff,
    ...rdata,
  ];
}

/** An EDNS client subnet option (code 8) with the given address bytes. */
function subnetOption(family: number, source: number, scope: number, address: readonly number[]): number[] {
  const length = 4 + address.length;
  return [0, 8, length >> 8, length & 0xff, 0, family, source, scope, ...address];
}

function reply(extra: Partial<DnsReply> = {}): DnsReply {
  return {
    id: 0xbeef,
    opcode: 0,
    rcode: Rcode.NOERROR,
    authoritative: true,
    truncated: false,
    recursionDesired: true,
    recursionAvailable: false,
    question: { name: 'web.service.consul.', type: RRType.A, class: 1 },
    answer: [],
    authority: [],
    additional: [],
    ...extra,
  };
}

describe('parseQuery: queries as dns-packet writes them', () => {
  it('reads the id, the flags and the question', () => {
    const result = parsed(
      query({
        id: 0xabcd,
        flags: dnsPacket.RECURSION_DESIRED | dnsPacket.CHECKING_DISABLED,
        questions: [{ type: 'SRV', name: 'web.service.consul' }],
      }),
    );
    assert.deepEqual(result, {
      id: 0xabcd,
      opcode: 0,
      recursionDesired: true,
      checkingDisabled: true,
      question: { name: 'web.service.consul.', type: RRType.SRV, class: 1 },
    });
  });

  it('keeps the case of the name, and any type and class', () => {
    const result = parsed(
      query({ questions: [{ type: 'UNKNOWN_4000', class: 'CH', name: 'WeB.Service.CONSUL' }] }),
    );
    assert.deepEqual(result.question, { name: 'WeB.Service.CONSUL.', type: 4000, class: 3 });
    assert.equal(result.recursionDesired, false);
  });

  it('reads the root as "."', () => {
    assert.equal(parsed(query({ questions: [{ type: 'NS', name: '.' }] })).question.name, '.');
  });

  it('escapes label bytes as miekg does: specials behind a backslash, the unprintable as \\DDD', () => {
    const name = parsed(query({ questions: [{ type: 'A', name: 'a b.(c).x"y";z@w\'v$u.consul' }] })).question
      .name;
    assert.equal(name, 'a\\ b.\\(c\\).x\\"y\\"\\;z\\@w\\\'v$u.consul.');
    const raw = [...header(), 7, 0x61, 0x2e, 0x62, 0x5c, 0x00, 0x7f, 0xff, 0, ...A_IN];
    assert.equal(parsed(Uint8Array.from(raw)).question.name, 'a\\.b\\\\\\000\\127\\255.');
  });

  it('follows a compression pointer in the question back into the header', () => {
    // ID 0x0141 reads as the label "A", and the first flags byte (0) ends the name.
    const packet = bytes(0x01, 0x41, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'www', 0xc0, 0x00, A_IN);
    assert.deepEqual(parsed(packet).question, { name: 'www.A.', type: 1, class: 1 });
  });

  it('has no edns without an OPT record', () => {
    assert.equal('edns' in parsed(query({ questions: [{ type: 'A', name: 'web.service.consul' }] })), false);
  });

  it('reads EDNS: the UDP size, the version, the DO bit', () => {
    const plain = parsed(
      query({
        questions: [{ type: 'A', name: 'web.service.consul' }],
        additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 }],
      }),
    );
    assert.deepEqual(plain.edns, { udpSize: 1232, version: 0, dnssecOk: false });
    const withDo = parsed(
      query({
        questions: [{ type: 'A', name: 'web.service.consul' }],
        additionals: [
          { type: 'OPT', name: '.', udpPayloadSize: 4096, flags: dnsPacket.DNSSEC_OK, ednsVersion: 1 },
        ],
      }),
    );
    assert.deepEqual(withDo.edns, { udpSize: 4096, version: 1, dnssecOk: true });
  });

  it('reads a UDP size under 512 as 512', () => {
    const result = parsed(
      query({
        questions: [{ type: 'A', name: 'web.service.consul' }],
        additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 100 }],
      }),
    );
    assert.equal(result.edns?.udpSize, 512);
  });

  it('reads an IPv4 and an IPv6 client subnet, with ceil(source / 8) address bytes', () => {
    const cases = [
      { type: 'A', family: 1, sourcePrefixLength: 20, ip: '10.1.240.0', address: [10, 1, 240] },
      {
        type: 'AAAA',
        family: 2,
        sourcePrefixLength: 56,
        ip: '2001:db8:0:ab00::',
        address: [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0xab],
      },
    ];
    for (const { type, family, sourcePrefixLength, ip, address } of cases) {
      const subnet = parsed(
        query({
          questions: [{ type, name: 'web.service.consul' }],
          additionals: [
            { type: 'OPT', name: '.', options: [{ code: 'CLIENT_SUBNET', family, sourcePrefixLength, ip }] },
          ],
        }),
      ).edns?.clientSubnet;
      assert.deepEqual(
        subnet,
        { family, sourcePrefixLength, scopePrefixLength: 0, address: Uint8Array.from(address) },
        ip,
      );
    }
  });

  it('copies the client subnet address out of the packet', () => {
    const packet = bytes(header({ ar: 1 }), wireName('a'), A_IN, opt(subnetOption(1, 8, 0, [10])));
    const address = parsed(packet).edns?.clientSubnet?.address;
    packet.fill(0);
    assert.deepEqual(address, Uint8Array.from([10]));
  });

  it('accepts family 0 with a zero prefix, as dig +subnet=0 sends it', () => {
    const packet = bytes(header({ ar: 1 }), wireName('a'), A_IN, opt(subnetOption(0, 0, 0, [])));
    assert.deepEqual(parsed(packet).edns?.clientSubnet, {
      family: 0,
      sourcePrefixLength: 0,
      scopePrefixLength: 0,
      address: new Uint8Array(0),
    });
  });

  it('skips other EDNS options, and additional records other than OPT', () => {
    const cookie = [0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8];
    const tsigLike = [...wireName('key'), 0, 250, 0, 255, 0, 0, 0, 0, 0, 3, 1, 2, 3];
    const packet = bytes(header({ ar: 2 }), wireName('web', 'consul'), A_IN, tsigLike, opt(cookie, 1400));
    assert.deepEqual(parsed(packet).edns, { udpSize: 1400, version: 0, dnssecOk: false });
  });

  it('checks and ignores one answer and one authority record, and bytes after the last section', () => {
    const packet = query({
      questions: [{ type: 'A', name: 'web.service.consul' }],
      answers: [{ type: 'A', name: 'web.service.consul', ttl: 5, data: '10.0.0.1' }],
      authorities: [
        {
          type: 'SOA',
          name: 'consul',
          data: { mname: 'ns.consul', rname: 'hostmaster.consul', serial: 1 },
        },
      ],
    });
    const result = parsed(bytes(packet, [1, 2, 3]));
    assert.equal(result.question.name, 'web.service.consul.');
  });
});

describe('parseQuery: what is dropped or answered FORMERR/NOTIMP', () => {
  const good = () => bytes(header(), wireName('web', 'consul'), A_IN);

  it('drops a packet shorter than a header, and a response', () => {
    assert.equal(rejected(good().subarray(0, 11)).action, 'drop');
    const response = good();
    response[2]! |= 0x80;
    assert.equal(rejected(response).action, 'drop');
  });

  it('answers NOTIMP to an opcode other than QUERY, with the opcode and the question', () => {
    const update = query({ flags: 5 << 11, questions: [{ type: 'SOA', name: 'consul' }] });
    assert.deepEqual(rejected(update), {
      action: 'reply',
      reason: 'opcode 5 is not implemented',
      id: 0x1234,
      opcode: 5,
      rcode: Rcode.NOTIMP,
      question: { name: 'consul.', type: RRType.SOA, class: 1 },
      recursionDesired: false,
    });
    const notify = rejected(bytes(header({}, 0x2100), wireName('consul'), [0, 6, 0, 1]));
    assert.ok(notify.action === 'reply');
    assert.deepEqual([notify.opcode, notify.rcode, notify.recursionDesired], [4, Rcode.NOTIMP, true]);
    const status = rejected(bytes(header({ qd: 0 }, 0x1000)));
    assert.ok(status.action === 'reply');
    assert.deepEqual([status.opcode, status.rcode, status.question], [2, Rcode.NOTIMP, undefined]);
  });

  it('answers FORMERR with the id and RD bit, and no question, to wrong section counts', () => {
    for (const counts of [{ qd: 0 }, { qd: 2 }, { an: 2 }, { ns: 2 }, { ar: 3 }]) {
      const packet = bytes(header(counts), wireName('web', 'consul'), A_IN, wireName('web', 'consul'), A_IN);
      const result = formatError(packet);
      assert.equal(result.id, 0x1234);
      assert.equal(result.opcode, 0);
      assert.equal(result.recursionDesired, true);
      assert.equal(result.question, undefined, JSON.stringify(counts));
    }
  });

  it('answers FORMERR to a question that runs past the end', () => {
    const packet = good();
    for (let length = 12; length < packet.length; length++) formatError(packet.subarray(0, length));
  });

  it('answers FORMERR to compression pointers that loop or point forwards', () => {
    formatError(bytes(header(), 0xc0, 12, A_IN));
    formatError(bytes(header(), 1, 'a', 0xc0, 12, A_IN));
    formatError(bytes(header(), 1, 'a', 0xc0, 18, A_IN, 0));
    formatError(bytes(header(), 0xc0, 14, 0, A_IN));
  });

  it('answers FORMERR to a label of 64 bytes and a name of 256 bytes; 63 and 255 are fine', () => {
    formatError(bytes(header(), 64, 'a'.repeat(64), 0, A_IN));
    assert.equal(parsed(bytes(header(), 63, 'a'.repeat(63), 0, A_IN)).question.name, `${'a'.repeat(63)}.`);
    const labels = ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(61)];
    assert.equal(wireName(...labels).length, 255);
    assert.equal(parsed(bytes(header(), wireName(...labels), A_IN)).question.name, `${labels.join('.')}.`);
    labels[3] = 'd'.repeat(62);
    formatError(bytes(header(), wireName(...labels), A_IN));
  });

  it('counts a name through its pointers towards the 255 bytes', () => {
    const first = ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63)];
    const packet = bytes(header({ ar: 1 }), wireName(...first), A_IN);
    const owner = [62, ...bytes('d'.repeat(62)), 0xc0, 12];
    formatError(bytes(packet, owner, [0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4]));
    owner[0] = 61;
    owner.splice(1, 1);
    assert.equal(parsed(bytes(packet, owner, [0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4])).id, 0x1234);
  });

  it('follows at most 126 pointers in one name, as miekg does', () => {
    // An answer record of an opaque type whose data is a chain of pointers, each to the one
    // before (the first to the question name), and an additional record owned by the last.
    const chained = (pairs: number) => {
      const rdata: number[] = [];
      for (let k = 0; k < pairs; k++) {
        const target = k === 0 ? 12 : 32 + 2 * (k - 1);
        rdata.push(0xc0 | (target >> 8), target & 0xff);
      }
      const last = 32 + 2 * (pairs - 1);
      const answer = [
        ...wireName('x'),
        0,
        99,
        0,
        1,
        0,
        0,
        0,
        0,
        rdata.length >> 8,
        rdata.length & 0xff,
        ...rdata,
      ];
      const additional = [0xc0 | (last >> 8), last & 0xff, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4];
      return bytes(header({ an: 1, ar: 1 }), wireName('a'), A_IN, answer, additional);
    };
    assert.equal(parsed(chained(125)).question.name, 'a.');
    assert.equal(formatError(chained(126)).reason, 'malformed additional record');
  });

  it('answers FORMERR with the question to two OPT records, or an OPT whose owner is not the root', () => {
    const result = formatError(bytes(header({ ar: 2 }), wireName('web', 'consul'), A_IN, opt(), opt()));
    assert.equal(result.reason, 'more than one OPT record');
    assert.deepEqual(result.question, { name: 'web.consul.', type: 1, class: 1 });
    formatError(bytes(header({ ar: 1 }), wireName('web', 'consul'), A_IN, wireName('x'), opt().slice(1)));
  });

  it('answers FORMERR to a malformed client subnet', () => {
    const cases = [
      subnetOption(3, 0, 0, []),
      subnetOption(1, 33, 0, [1, 2, 3, 4, 5]),
      subnetOption(1, 24, 33, [1, 2, 3]),
      subnetOption(2, 129, 0, new Array(17).fill(1)),
      subnetOption(1, 24, 0, [1, 2, 3, 4]),
      subnetOption(1, 24, 0, [1, 2]),
      subnetOption(0, 8, 0, [1]),
      [0, 8, 0, 3, 0, 1, 0],
      [0, 8, 0, 9, 0, 1, 24, 0, 1, 2, 3],
    ];
    for (const option of cases) {
      const result = formatError(bytes(header({ ar: 1 }), wireName('web', 'consul'), A_IN, opt(option)));
      assert.ok(result.question !== undefined, result.reason);
    }
  });

  it('answers FORMERR to a record that runs past the end, or whose data does not fit its type', () => {
    const packet = bytes(
      header({ ar: 1 }),
      wireName('web', 'consul'),
      A_IN,
      opt(subnetOption(1, 8, 0, [10])),
    );
    for (let length = 24; length < packet.length; length++) formatError(packet.subarray(0, length));
    const shortA = [...wireName('x'), 0, 1, 0, 1, 0, 0, 0, 0, 0, 3, 1, 2, 3];
    formatError(bytes(header({ an: 1 }), wireName('web', 'consul'), A_IN, shortA));
    const cnameLong = [...wireName('x'), 0, 5, 0, 1, 0, 0, 0, 0, 0, 4, 1, 0x79, 0, 9];
    formatError(bytes(header({ ns: 1 }), wireName('web', 'consul'), A_IN, cnameLong));
  });
});

describe('encodeReply, read back by dns-packet', () => {
  it('writes the header: id, QR, opcode, AA, TC, RD, RA, CD, rcode', () => {
    const packet = decoded(
      encodeReply(
        reply({
          id: 7,
          opcode: 2,
          rcode: Rcode.NXDOMAIN,
          authoritative: true,
          truncated: true,
          recursionDesired: false,
          recursionAvailable: true,
        }),
      ),
    );
    assert.equal(packet.id, 7);
    assert.equal(packet.type, 'response');
    assert.equal(packet.opcode, 'STATUS');
    assert.equal(packet.rcode, 'NXDOMAIN');
    assert.deepEqual(
      [packet.flag_aa, packet.flag_tc, packet.flag_rd, packet.flag_ra, packet.flag_cd],
      [true, true, false, true, false],
    );
    const other = decoded(
      encodeReply(reply({ authoritative: false, recursionDesired: true, rcode: Rcode.REFUSED })),
    );
    assert.deepEqual(
      [other.flag_aa, other.flag_tc, other.flag_rd, other.flag_ra],
      [false, false, true, false],
    );
    assert.equal(other.rcode, 'REFUSED');
    assert.equal(decoded(encodeReply(reply({ checkingDisabled: true }))).flag_cd, true);
  });

  it('echoes the question as given, and writes none when there is none', () => {
    const packet = decoded(
      encodeReply(reply({ question: { name: 'WEB.Service.consul.', type: 255, class: 255 } })),
    );
    assert.deepEqual(packet.questions, [{ name: 'WEB.Service.consul', type: 'ANY', class: 'ANY' }]);
    const bare = encodeReply(reply({ question: undefined }));
    assert.equal(bare.length, 12);
    assert.deepEqual(decoded(bare).questions, []);
  });

  it('writes every record type', () => {
    const answer: ResourceRecord[] = [
      { type: RRType.A, name: 'web.service.consul.', ttl: 30, address: Uint8Array.from([10, 0, 0, 1]) },
      {
        type: RRType.AAAA,
        name: 'web.service.consul.',
        ttl: 0,
        address: Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1]),
      },
      { type: RRType.CNAME, name: 'db.service.consul.', ttl: 1, target: 'db.example.com.' },
      { type: RRType.PTR, name: '1.0.0.10.in-addr.arpa.', ttl: 2, target: 'node1.node.dc1.consul.' },
      {
        type: RRType.SRV,
        name: '_web._tcp.service.consul.',
        ttl: 3,
        priority: 1,
        weight: 10,
        port: 8080,
        target: 'node1.node.dc1.consul.',
      },
      { type: RRType.TXT, name: 'node1.node.consul.', ttl: 4, texts: ['rack=a', 'é'] },
    ];
    const authority: ResourceRecord[] = [
      { type: RRType.NS, name: 'consul.', ttl: 5, target: 'ns.consul.' },
      {
        type: RRType.SOA,
        name: 'consul.',
        ttl: 0,
        mname: 'ns.consul.',
        rname: 'hostmaster.consul.',
        serial: 0xfffffffe,
        refresh: 3600,
        retry: 600,
        expire: 86400,
        minimum: 0,
      },
    ];
    for (const compress of [true, false]) {
      const packet = decoded(encodeReply(reply({ answer, authority }), { compress }));
      assert.deepEqual(
        packet.answers.map(({ name, type, ttl, data }) => ({ name, type, ttl, data })),
        [
          { name: 'web.service.consul', type: 'A', ttl: 30, data: '10.0.0.1' },
          { name: 'web.service.consul', type: 'AAAA', ttl: 0, data: '2001:db8::1' },
          { name: 'db.service.consul', type: 'CNAME', ttl: 1, data: 'db.example.com' },
          { name: '1.0.0.10.in-addr.arpa', type: 'PTR', ttl: 2, data: 'node1.node.dc1.consul' },
          {
            name: '_web._tcp.service.consul',
            type: 'SRV',
            ttl: 3,
            data: { priority: 1, weight: 10, port: 8080, target: 'node1.node.dc1.consul' },
          },
          { name: 'node1.node.consul', type: 'TXT', ttl: 4, data: [Buffer.from('rack=a'), Buffer.from('é')] },
        ],
      );
      assert.deepEqual(
        packet.authorities.map(({ name, type, class: rrClass, ttl, data }) => ({
          name,
          type,
          rrClass,
          ttl,
          data,
        })),
        [
          { name: 'consul', type: 'NS', rrClass: 'IN', ttl: 5, data: 'ns.consul' },
          {
            name: 'consul',
            type: 'SOA',
            rrClass: 'IN',
            ttl: 0,
            data: {
              mname: 'ns.consul',
              rname: 'hostmaster.consul',
              serial: 0xfffffffe,
              refresh: 3600,
              retry: 600,
              expire: 86400,
              minimum: 0,
            },
          },
        ],
      );
      assert.deepEqual(readReply(encodeReply(reply({ answer, authority }), { compress }))?.answer, answer);
    }
  });

  it('splits a TXT string into character-strings of at most 255 bytes, never inside a character', () => {
    const texts = ['x'.repeat(600), 'é'.repeat(200), '', '😀'.repeat(64)];
    const packet = decoded(encodeReply(reply({ answer: [{ type: RRType.TXT, name: 'a.', ttl: 0, texts }] })));
    const strings = packet.answers[0]?.data as Buffer[];
    assert.deepEqual(
      strings.map((piece) => piece.length),
      [255, 255, 90, 254, 146, 0, 252, 4],
    );
    assert.deepEqual(
      strings.map((piece) => piece.toString('utf-8')),
      [
        'x'.repeat(255),
        'x'.repeat(255),
        'x'.repeat(90),
        'é'.repeat(127),
        'é'.repeat(73),
        '',
        '😀'.repeat(63),
        '😀',
      ],
    );
  });

  it('writes an empty TXT list as one empty string, and a lone surrogate as U+FFFD', () => {
    const empty = decoded(
      encodeReply(reply({ answer: [{ type: RRType.TXT, name: 'a.', ttl: 0, texts: [] }] })),
    );
    assert.deepEqual(empty.answers[0]?.data, [Buffer.alloc(0)]);
    const lone = decoded(
      encodeReply(reply({ answer: [{ type: RRType.TXT, name: 'a.', ttl: 0, texts: ['a\ud800'] }] })),
    );
    assert.deepEqual(lone.answers[0]?.data, [Buffer.from('a\ufffd')]);
  });

  it('writes the OPT record last in Additional: UDP size, version, DO, client subnet', () => {
    const a: ResourceRecord = {
      type: RRType.A,
      name: 'node1.node.consul.',
      ttl: 0,
      address: Uint8Array.from([1, 2, 3, 4]),
    };
    const packet = decoded(
      encodeReply(
        reply({
          additional: [a],
          edns: {
            udpSize: 4096,
            version: 0,
            dnssecOk: true,
            clientSubnet: {
              family: 1,
              sourcePrefixLength: 24,
              scopePrefixLength: 24,
              address: Uint8Array.from([10, 1, 2]),
            },
          },
        }),
      ),
    );
    assert.equal(packet.additionals.length, 2);
    const optRecord = packet.additionals[1]!;
    assert.equal(optRecord.name, '.');
    assert.equal(optRecord.type, 'OPT');
    assert.equal(optRecord.udpPayloadSize, 4096);
    assert.equal(optRecord.ednsVersion, 0);
    assert.equal(optRecord.flag_do, true);
    assert.deepEqual(
      optRecord.options?.map(({ code, family, sourcePrefixLength, scopePrefixLength, ip }) => ({
        code,
        family,
        sourcePrefixLength,
        scopePrefixLength,
        ip,
      })),
      [{ code: 8, family: 1, sourcePrefixLength: 24, scopePrefixLength: 24, ip: '10.1.2.0' }],
    );
    const plain = decoded(encodeReply(reply({ edns: { udpSize: 1232, version: 1, dnssecOk: false } })));
    assert.deepEqual(
      plain.additionals.map(({ type, udpPayloadSize, ednsVersion, flag_do, options }) => ({
        type,
        udpPayloadSize,
        ednsVersion,
        flag_do,
        options,
      })),
      [{ type: 'OPT', udpPayloadSize: 1232, ednsVersion: 1, flag_do: false, options: [] }],
    );
  });

  it('reads back what parseQuery read: the EDNS of a query echoed in its reply', () => {
    const packet = query({
      questions: [{ type: 'A', name: 'web.service.consul' }],
      additionals: [
        {
          type: 'OPT',
          name: '.',
          udpPayloadSize: 1400,
          flags: dnsPacket.DNSSEC_OK,
          options: [{ code: 'CLIENT_SUBNET', family: 2, sourcePrefixLength: 48, ip: '2001:db8:1::' }],
        },
      ],
    });
    const asked = parsed(packet);
    const opt = decoded(encodeReply(reply({ edns: asked.edns }))).additionals[0];
    assert.deepEqual(
      [opt?.udpPayloadSize, opt?.flag_do, opt?.options?.[0]?.ip, opt?.options?.[0]?.sourcePrefixLength],
      [1400, true, '2001:db8:1::', 48],
    );
  });

  it('compresses: 3 SRV + 3 A is smaller, and reads the same', () => {
    const nodes = [1, 2, 3].map((i) => `node${i}.node.dc1.consul.`);
    const srv = reply({
      question: { name: 'web.service.consul.', type: RRType.SRV, class: 1 },
      answer: nodes.map((target, i) => ({
        type: RRType.SRV,
        name: 'web.service.consul.',
        ttl: 0,
        priority: 1,
        weight: 1,
        port: 8080 + i,
        target,
      })),
      additional: nodes.map((name, i) => ({
        type: RRType.A,
        name,
        ttl: 0,
        address: Uint8Array.from([10, 0, 0, i]),
      })),
    });
    const compressed = encodeReply(srv);
    const plain = encodeReply(srv, { compress: false });
    assert.ok(compressed.length < plain.length, `${compressed.length} < ${plain.length}`);
    assert.equal(plain.length, 12 + 24 + 3 * (20 + 16 + 23) + 3 * (23 + 14));
    assert.deepEqual(decoded(compressed), decoded(plain));
    assert.equal(encodedLength(srv), compressed.length);
    assert.equal(encodedLength(srv, { compress: false }), plain.length);
  });

  it('points to the longest suffix already written, wherever it was written', () => {
    const message = reply({
      question: { name: 'a.example.', type: RRType.CNAME, class: 1 },
      answer: [
        { type: RRType.CNAME, name: 'b.example.', ttl: 0, target: 'x.b.example.' },
        { type: RRType.A, name: 'y.x.b.example.', ttl: 0, address: Uint8Array.from([1, 2, 3, 4]) },
      ],
    });
    // "b" + pointer to "example.", "x" + pointer to "b.example.", "y" + pointer to "x.b.example.".
    assert.equal(encodedLength(message), 12 + (11 + 4) + (4 + 10 + 4) + (4 + 10 + 4));
    assert.deepEqual(
      decoded(encodeReply(message)).answers.map(({ name, data }) => [name, data]),
      [
        ['b.example', 'x.b.example'],
        ['y.x.b.example', '1.2.3.4'],
      ],
    );
  });

  it('writes the SRV target in full, but points to it later', () => {
    const owner = 'node1.node.consul.';
    const srv: ResourceRecord = {
      type: RRType.SRV,
      name: owner,
      ttl: 0,
      priority: 1,
      weight: 1,
      port: 1,
      target: owner,
    };
    const nameBytes = 19;
    assert.equal(
      encodedLength(reply({ question: undefined, answer: [srv] })),
      12 + nameBytes + 10 + 6 + nameBytes,
    );
    const a: ResourceRecord = { type: RRType.A, name: owner, ttl: 0, address: Uint8Array.from([1, 2, 3, 4]) };
    const srvToTarget = { ...srv, name: 'x.', target: 'a.b.consul.' };
    const aAtTarget = { ...a, name: 'a.b.consul.' };
    const both = reply({ question: undefined, answer: [srvToTarget, aAtTarget] });
    assert.equal(encodedLength(both), 12 + (3 + 10 + 6 + 12) + (2 + 10 + 4));
  });

  it('matches suffixes case-sensitively, so a pointer never changes a name', () => {
    const lower: ResourceRecord = {
      type: RRType.A,
      name: 'web.service.consul.',
      ttl: 0,
      address: Uint8Array.from([1, 1, 1, 1]),
    };
    const message = reply({ question: { name: 'WEB.Service.consul.', type: 1, class: 1 }, answer: [lower] });
    const packet = decoded(encodeReply(message));
    assert.equal(packet.questions[0]?.name, 'WEB.Service.consul');
    assert.equal(packet.answers[0]?.name, 'web.service.consul');
    // "web" and "service" in full, then a pointer to "consul.".
    assert.equal(encodedLength(message), 12 + 20 + 4 + (4 + 8 + 2) + 10 + 4);
  });

  it('points only to offsets below 0x4000', () => {
    const big: ResourceRecord[] = Array.from({ length: 70 }, (_, i) => ({
      type: RRType.TXT,
      name: `r${i}.consul.`,
      ttl: 0,
      texts: ['x'.repeat(250)],
    }));
    const late: ResourceRecord[] = [1, 2].map((i) => ({
      type: RRType.CNAME,
      name: 'late.example.',
      ttl: i,
      target: 'target.late.example.',
    }));
    const message = reply({ answer: [...big, ...late] });
    const packet = encodeReply(message);
    assert.ok(packet.length > 0x4000);
    const read = decoded(packet);
    assert.deepEqual(
      read.answers.slice(70).map(({ name, data }) => ({ name, data })),
      [
        { name: 'late.example', data: 'target.late.example' },
        { name: 'late.example', data: 'target.late.example' },
      ],
    );
    assert.deepEqual(readReply(packet)?.answer, message.answer);
    // Past 0x4000 nothing new is remembered: the second record repeats its names in full.
    const second = packet.length - (14 + 10 + 21);
    assert.equal(encodedLength(reply({ answer: [...big, late[0]!] })), second);
  });

  it('throws DnsEncodeError for a name it cannot write', () => {
    const cases = [
      `${'a'.repeat(64)}.`,
      `${['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(62)].join('.')}.`,
      'a\\256.',
      'a\\',
      'a..b.',
      '.a.',
      'a.b',
      'a\\.',
      '',
    ];
    for (const name of cases) {
      assert.throws(
        () => encodeReply(reply({ question: { name, type: 1, class: 1 } })),
        DnsEncodeError,
        JSON.stringify(name),
      );
      assert.throws(() => encodeQuery(1, name, 1, true), DnsEncodeError, JSON.stringify(name));
    }
    const longest = `${['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(61)].join('.')}.`;
    assert.equal(encodeQuery(1, longest, 1, true).length, 12 + 255 + 4);
  });

  it('throws DnsEncodeError for record data over 65535 bytes', () => {
    const huge: ResourceRecord = { type: RRType.TXT, name: 'a.', ttl: 0, texts: ['x'.repeat(66_000)] };
    assert.throws(() => encodeReply(reply({ answer: [huge] })), DnsEncodeError);
  });

  it('measures and writes a message over 64 KiB all the same (fitting it is the caller’s job)', () => {
    const answer: ResourceRecord[] = Array.from({ length: 300 }, (_, i) => ({
      type: RRType.TXT,
      name: `r${i}.consul.`,
      ttl: 0,
      texts: ['y'.repeat(250)],
    }));
    const message = reply({ answer });
    const length = encodedLength(message);
    assert.ok(length > 65_535);
    assert.equal(encodeReply(message).length, length);
    assert.equal(
      encodeReply(message, { compress: false }).length,
      encodedLength(message, { compress: false }),
    );
  });
});

describe('encodeQuery', () => {
  it('writes a plain query dns-packet reads', () => {
    const packet = decoded(encodeQuery(0x4242, 'db.example.com.', RRType.AAAA, true));
    assert.equal(packet.id, 0x4242);
    assert.equal(packet.type, 'query');
    assert.equal(packet.opcode, 'QUERY');
    assert.equal(packet.flag_rd, true);
    assert.deepEqual(packet.questions, [{ name: 'db.example.com', type: 'AAAA', class: 'IN' }]);
    assert.deepEqual([packet.answers, packet.authorities, packet.additionals], [[], [], []]);
    assert.equal(decoded(encodeQuery(1, '.', RRType.NS, false)).flag_rd, false);
  });

  it('reads escapes: parseQuery gives back the canonical form', () => {
    const cases: [string, string][] = [
      ['a\\.b\\032c\\\\d.consul.', 'a\\.b\\ c\\\\d.consul.'],
      ['\\065bc.consul.', 'Abc.consul.'],
      ['\\a\\$.consul.', 'a$.consul.'],
      ['x\\000\\255\\127.', 'x\\000\\255\\127.'],
      ['é.consul.', '\\195\\169.consul.'],
      ['\\é.', '\\195\\169.'],
      ['😀.', '\\240\\159\\152\\128.'],
      ['\\1a.', '1a.'],
      ['Web.Service.Consul.', 'Web.Service.Consul.'],
      ['.', '.'],
    ];
    for (const [written, read] of cases) {
      assert.equal(parsed(encodeQuery(1, written, RRType.A, true)).question.name, read, written);
    }
  });
});

describe('readReply', () => {
  const answers = [
    { type: 'A', name: 'db.example.com', ttl: 60, data: '192.0.2.1' },
    { type: 'AAAA', name: 'db.example.com', ttl: 60, data: '2001:db8::2' },
    { type: 'CNAME', name: 'www.example.com', ttl: 1, data: 'db.example.com' },
    { type: 'NS', name: 'example.com', ttl: 2, data: 'ns1.example.com' },
    { type: 'PTR', name: '1.2.0.192.in-addr.arpa', ttl: 3, data: 'db.example.com' },
    {
      type: 'SRV',
      name: '_x._tcp.example.com',
      ttl: 4,
      data: { priority: 1, weight: 2, port: 3, target: 'db.example.com' },
    },
    { type: 'TXT', name: 'example.com', ttl: 5, data: ['v=spf1', 'é'] },
    {
      type: 'SOA',
      name: 'example.com',
      ttl: 6,
      data: {
        mname: 'ns1.example.com',
        rname: 'host\\.master.example.com',
        serial: 9,
        refresh: 1,
        retry: 2,
        expire: 3,
        minimum: 4,
      },
    },
    { type: 'MX', name: 'example.com', ttl: 7, data: { preference: 10, exchange: 'mx.example.com' } },
    { type: 'A', name: 'chaos.example.com', class: 'CH', ttl: 8, data: '192.0.2.9' },
  ];
  const expected: ResourceRecord[] = [
    { type: RRType.A, name: 'db.example.com.', ttl: 60, address: Uint8Array.from([192, 0, 2, 1]) },
    {
      type: RRType.AAAA,
      name: 'db.example.com.',
      ttl: 60,
      address: Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 2]),
    },
    { type: RRType.CNAME, name: 'www.example.com.', ttl: 1, target: 'db.example.com.' },
    { type: RRType.NS, name: 'example.com.', ttl: 2, target: 'ns1.example.com.' },
    { type: RRType.PTR, name: '1.2.0.192.in-addr.arpa.', ttl: 3, target: 'db.example.com.' },
    {
      type: RRType.SRV,
      name: '_x._tcp.example.com.',
      ttl: 4,
      priority: 1,
      weight: 2,
      port: 3,
      target: 'db.example.com.',
    },
    { type: RRType.TXT, name: 'example.com.', ttl: 5, texts: ['v=spf1', 'é'] },
    {
      type: RRType.SOA,
      name: 'example.com.',
      ttl: 6,
      mname: 'ns1.example.com.',
      rname: 'host\\.master.example.com.',
      serial: 9,
      refresh: 1,
      retry: 2,
      expire: 3,
      minimum: 4,
    },
  ];

  it('decodes the answer section’s records, skipping other types and classes', () => {
    const packet = new Uint8Array(
      dnsPacket.encode({
        type: 'response',
        id: 99,
        flags: (1 << 9) | Rcode.NXDOMAIN,
        questions: [{ type: 'A', name: 'db.example.com' }],
        answers,
        authorities: [{ type: 'NS', name: 'example.com', data: 'ns1.example.com' }],
        additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 }],
      }),
    );
    assert.deepEqual(readReply(packet), { id: 99, rcode: Rcode.NXDOMAIN, truncated: true, answer: expected });
  });

  it('reads compressed names, as encodeReply writes them', () => {
    const message = reply({ answer: expected });
    assert.deepEqual(readReply(encodeReply(message))?.answer, expected);
  });

  it('is undefined for a query, a short packet, or a malformed one', () => {
    assert.equal(readReply(encodeQuery(1, 'a.', 1, true)), undefined);
    assert.equal(readReply(new Uint8Array(11)), undefined);
    const packet = encodeReply(reply({ answer: expected }));
    for (const length of [13, 40, packet.length - 1])
      assert.equal(readReply(packet.subarray(0, length)), undefined);
    const withAuthority = encodeReply(reply({ authority: [expected[3]!] }));
    assert.equal(readReply(withAuthority.subarray(0, withAuthority.length - 1)), undefined);
    const badA = bytes(
      0,
      1,
      0x81,
      0,
      0,
      0,
      0,
      1,
      0,
      0,
      0,
      0,
      wireName('a'),
      0,
      1,
      0,
      1,
      0,
      0,
      0,
      0,
      0,
      3,
      1,
      2,
      3,
    );
    assert.equal(readReply(badA), undefined);
    const badTxt = bytes(
      0,
      1,
      0x81,
      0,
      0,
      0,
      0,
      1,
      0,
      0,
      0,
      0,
      wireName('a'),
      0,
      16,
      0,
      1,
      0,
      0,
      0,
      0,
      0,
      3,
      5,
      1,
      2,
    );
    assert.equal(readReply(badTxt), undefined);
  });
});
