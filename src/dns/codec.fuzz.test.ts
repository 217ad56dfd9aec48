/**
 * Properties of the DNS codec: any bytes are read without throwing, mutated queries included,
 * and random replies (names with every kind of escape, every record type, EDNS) read back the
 * same through dns-packet and through `readReply`, compressed or not.
 */
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodedLength, encodeQuery, encodeReply, isRejection, parseQuery, readReply } from './codec.ts';
import { type PacketRecord as DecodedRecord, dnsPacket } from './testing/dns-packet.ts';
import { type DnsReply, type Edns, type Question, Rcode, type ResourceRecord, RRType } from './wire.ts';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

// ---------------------------------------------------------------------------------------------
// Names: labels of bytes, written in presentation form in any of the ways a name may be written.

interface NameSpec {
  labels: Uint8Array[];
  /** As given to the encoder: each byte plain, `\c` or `\DDD`, at random. */
  text: string;
  /** As miekg (and so the decoder) writes it. */
  canonical: string;
}

const SPECIAL = '. \'@;()"\\';

function canonicalByte(byte: number): string {
  const char = String.fromCharCode(byte);
  if (SPECIAL.includes(char)) return `\\${char}`;
  if (byte < 0x20 || byte > 0x7e) return `\\${String(byte).padStart(3, '0')}`;
  return char;
}

/** One byte written in the style `style` picks, when that style can write it. */
function writtenByte(byte: number, style: number): string {
  const char = String.fromCharCode(byte);
  const ascii = byte < 0x80;
  const digit = byte >= 0x30 && byte <= 0x39;
  if (style === 1) return `\\${String(byte).padStart(3, '0')}`;
  // `\1` before two more digits would read as \DDD, so digits are never written as `\c`.
  if (style === 2 && ascii && !digit) return `\\${char}`;
  if (style === 3 && ascii && char !== '.' && char !== '\\') return char;
  return canonicalByte(byte);
}

function nameSpec(labels: Uint8Array[], styleSeed: number): NameSpec {
  if (labels.length === 0) return { labels, text: '.', canonical: '.' };
  let text = '';
  let canonical = '';
  let index = 0;
  for (const label of labels) {
    for (const byte of label) {
      text += writtenByte(byte, (styleSeed >>> (index++ % 29)) & 3);
      canonical += canonicalByte(byte);
    }
    text += '.';
    canonical += '.';
  }
  return { labels, text, canonical };
}

/** The name as dns-packet reads it: labels as UTF-8 joined by dots (or, for a mailbox, `\.`). */
function packetName(name: NameSpec, mailbox = false): string {
  if (name.labels.length === 0) return '.';
  return name.labels
    .map((label) => {
      const text = Buffer.from(label).toString('utf-8');
      return mailbox ? text.replace(/\./g, '\\.') : text;
    })
    .join('.');
}

/** Labels of letters in both cases (so names differ only in case), or of any bytes at all. */
const labelArbitrary = fc.oneof(
  fc
    .string({ unit: fc.constantFrom('a', 'b', 'A', 'B', '-', '_'), minLength: 1, maxLength: 4 })
    .map((text) => utf8Encoder.encode(text)),
  fc.uint8Array({ minLength: 1, maxLength: 40 }),
);

/** At most 5 labels of at most 40 bytes: 206 bytes of wire name at most, so any two may be joined. */
const labelsArbitrary = fc.array(labelArbitrary, { maxLength: 3 });

// ---------------------------------------------------------------------------------------------
// Replies

type RecordSpec =
  | { type: typeof RRType.A | typeof RRType.AAAA; name: NameSpec; ttl: number; address: Uint8Array }
  | {
      type: typeof RRType.CNAME | typeof RRType.NS | typeof RRType.PTR;
      name: NameSpec;
      ttl: number;
      target: NameSpec;
    }
  | {
      type: typeof RRType.SRV;
      name: NameSpec;
      ttl: number;
      priority: number;
      weight: number;
      port: number;
      target: NameSpec;
    }
  | { type: typeof RRType.TXT; name: NameSpec; ttl: number; texts: string[] }
  | {
      type: typeof RRType.SOA;
      name: NameSpec;
      ttl: number;
      mname: NameSpec;
      rname: NameSpec;
      numbers: [number, number, number, number, number];
    };

interface ReplySpec {
  header: Omit<DnsReply, 'question' | 'answer' | 'authority' | 'additional' | 'edns'>;
  question: { name: NameSpec; type: number; class: number } | undefined;
  answer: RecordSpec[];
  authority: RecordSpec[];
  additional: RecordSpec[];
  edns: Edns | undefined;
}

const uint16 = fc.integer({ min: 0, max: 0xffff });
const uint32 = fc.integer({ min: 0, max: 0xffffffff });

const textArbitrary = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀', '\ud800', '\udc00', '"', '\\'), maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
);

/** Records whose names share suffixes from `pool`, so that compression has work to do. */
function recordArbitrary(pool: Uint8Array[][]): fc.Arbitrary<RecordSpec> {
  const name = fc
    .tuple(fc.array(labelArbitrary, { maxLength: 2 }), fc.nat(), fc.nat())
    .map(([prefix, index, seed]) => nameSpec([...prefix, ...pool[index % pool.length]!], seed));
  return fc.oneof(
    fc.record({
      type: fc.constant(RRType.A),
      name,
      ttl: uint32,
      address: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    }),
    fc.record({
      type: fc.constant(RRType.AAAA),
      name,
      ttl: uint32,
      address: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    }),
    fc.record({
      type: fc.constantFrom(RRType.CNAME, RRType.NS, RRType.PTR),
      name,
      ttl: uint32,
      target: name,
    }),
    fc.record({
      type: fc.constant(RRType.SRV),
      name,
      ttl: uint32,
      priority: uint16,
      weight: uint16,
      port: uint16,
      target: name,
    }),
    fc.record({
      type: fc.constant(RRType.TXT),
      name,
      ttl: uint32,
      texts: fc.array(textArbitrary, { maxLength: 3 }),
    }),
    fc.record({
      type: fc.constant(RRType.SOA),
      name,
      ttl: uint32,
      mname: name,
      rname: name,
      numbers: fc.tuple(uint32, uint32, uint32, uint32, uint32),
    }),
  );
}

const QUESTION_TYPES: Record<number, string> = {
  1: 'A',
  2: 'NS',
  6: 'SOA',
  12: 'PTR',
  16: 'TXT',
  28: 'AAAA',
  33: 'SRV',
  255: 'ANY',
};
const CLASSES: Record<number, string> = { 1: 'IN', 3: 'CH', 255: 'ANY' };

const subnetArbitrary = fc
  .tuple(fc.constantFrom(1, 2), fc.nat(), fc.nat(), fc.uint8Array({ minLength: 16, maxLength: 16 }))
  .map(([family, source, scope, bytes]) => {
    const prefixMax = family === 1 ? 33 : 129;
    const sourcePrefixLength = source % prefixMax;
    return {
      family,
      sourcePrefixLength,
      scopePrefixLength: scope % prefixMax,
      address: bytes.slice(0, Math.ceil(sourcePrefixLength / 8)),
    };
  });

const ednsArbitrary: fc.Arbitrary<Edns> = fc
  .record({
    udpSize: uint16,
    version: fc.integer({ min: 0, max: 255 }),
    dnssecOk: fc.boolean(),
    clientSubnet: fc.option(subnetArbitrary, { nil: undefined }),
  })
  .map(({ clientSubnet, ...edns }) => (clientSubnet === undefined ? edns : { ...edns, clientSubnet }));

const replyArbitrary: fc.Arbitrary<ReplySpec> = fc
  .array(labelsArbitrary, { minLength: 1, maxLength: 4 })
  .chain((pool) => {
    const record = recordArbitrary(pool);
    const section = fc.array(record, { maxLength: 5 });
    return fc.record({
      header: fc.record({
        id: uint16,
        opcode: fc.integer({ min: 0, max: 15 }),
        rcode: fc.constantFrom(...Object.values(Rcode)),
        authoritative: fc.boolean(),
        truncated: fc.boolean(),
        recursionDesired: fc.boolean(),
        recursionAvailable: fc.boolean(),
      }),
      question: fc.option(
        fc.record({
          name: fc.tuple(labelsArbitrary, fc.nat()).map(([labels, seed]) => nameSpec(labels, seed)),
          type: fc.constantFrom(...Object.keys(QUESTION_TYPES).map(Number)),
          class: fc.constantFrom(1, 3, 255),
        }),
        { nil: undefined },
      ),
      answer: section,
      authority: section,
      additional: section,
      edns: fc.option(ednsArbitrary, { nil: undefined }),
    });
  });

/** A TXT text as character-strings: whole characters, at most 255 bytes each. */
function txtPieces(text: string): number[][] {
  const pieces: number[][] = [];
  let piece: number[] = [];
  for (const char of text) {
    const bytes = utf8Encoder.encode(char);
    if (piece.length + bytes.length > 255) {
      pieces.push(piece);
      piece = [];
    }
    piece.push(...bytes);
  }
  pieces.push(piece);
  return pieces;
}

function allTxtPieces(texts: string[]): number[][] {
  return texts.length === 0 ? [[]] : texts.flatMap(txtPieces);
}

/** The model record, with names as the encoder is given them or as the decoder gives them back. */
function recordOf(spec: RecordSpec, form: 'text' | 'canonical'): ResourceRecord {
  const name = spec.name[form];
  switch (spec.type) {
    case RRType.A:
    case RRType.AAAA:
      return { type: spec.type, name, ttl: spec.ttl, address: spec.address };
    case RRType.CNAME:
    case RRType.NS:
    case RRType.PTR:
      return { type: spec.type, name, ttl: spec.ttl, target: spec.target[form] };
    case RRType.SRV:
      return { ...spec, name, target: spec.target[form] };
    case RRType.TXT: {
      const texts =
        form === 'text'
          ? spec.texts
          : allTxtPieces(spec.texts).map((piece) => utf8Decoder.decode(Uint8Array.from(piece)));
      return { type: spec.type, name, ttl: spec.ttl, texts };
    }
    case RRType.SOA: {
      const [serial, refresh, retry, expire, minimum] = spec.numbers;
      return {
        type: spec.type,
        name,
        ttl: spec.ttl,
        mname: spec.mname[form],
        rname: spec.rname[form],
        serial,
        refresh,
        retry,
        expire,
        minimum,
      };
    }
  }
}

function replyOf(spec: ReplySpec): DnsReply {
  return {
    ...spec.header,
    ...(spec.question === undefined
      ? {}
      : {
          question: { name: spec.question.name.text, type: spec.question.type, class: spec.question.class },
        }),
    answer: spec.answer.map((record) => recordOf(record, 'text')),
    authority: spec.authority.map((record) => recordOf(record, 'text')),
    additional: spec.additional.map((record) => recordOf(record, 'text')),
    ...(spec.edns === undefined ? {} : { edns: spec.edns }),
  };
}

const TYPE_NAMES: Record<number, string> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  12: 'PTR',
  16: 'TXT',
  28: 'AAAA',
  33: 'SRV',
};

/** IPv6 text as ip-codec writes it (hex groups, one `::`) → bytes. */
function ipv6Bytes(text: string): number[] {
  const [head = '', tail] = text.split('::');
  const groups = (part: string) =>
    part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return all.flatMap((group) => [group >> 8, group & 0xff]);
}

/** What dns-packet should read for a record. */
function packetRecordOf(spec: RecordSpec): object {
  const common = { name: packetName(spec.name), type: TYPE_NAMES[spec.type], class: 'IN', ttl: spec.ttl };
  switch (spec.type) {
    case RRType.A:
      return { ...common, data: spec.address.join('.') };
    case RRType.AAAA:
      return { ...common, data: Array.from(spec.address) };
    case RRType.CNAME:
    case RRType.NS:
    case RRType.PTR:
      return { ...common, data: packetName(spec.target) };
    case RRType.SRV:
      return {
        ...common,
        data: {
          priority: spec.priority,
          weight: spec.weight,
          port: spec.port,
          target: packetName(spec.target),
        },
      };
    case RRType.TXT:
      return { ...common, data: allTxtPieces(spec.texts) };
    case RRType.SOA: {
      const [serial, refresh, retry, expire, minimum] = spec.numbers;
      return {
        ...common,
        data: {
          mname: packetName(spec.mname),
          rname: packetName(spec.rname, true),
          serial,
          refresh,
          retry,
          expire,
          minimum,
        },
      };
    }
  }
}

/** dns-packet's reading of a record, with byte data as plain arrays. */
function normalisedRecord(record: DecodedRecord): object {
  if (record.type === 'OPT') {
    return {
      name: record.name,
      type: record.type,
      udpSize: record.udpPayloadSize,
      version: record.ednsVersion,
      dnssecOk: record.flag_do,
      options: record.options?.map((option) => ({ code: option.code, data: Array.from(option.data ?? []) })),
    };
  }
  const { name, type, ttl } = record;
  let data = record.data;
  if (type === 'AAAA' && typeof data === 'string') data = ipv6Bytes(data);
  if (type === 'TXT' && Array.isArray(data)) data = data.map((piece: Uint8Array) => Array.from(piece));
  return { name, type, class: record.class, ttl, data };
}

function packetOptOf(edns: Edns): object {
  const subnet = edns.clientSubnet;
  return {
    name: '.',
    type: 'OPT',
    udpSize: edns.udpSize,
    version: edns.version,
    dnssecOk: edns.dnssecOk,
    options:
      subnet === undefined
        ? []
        : [
            {
              code: 8,
              data: [
                0,
                subnet.family,
                subnet.sourcePrefixLength,
                subnet.scopePrefixLength,
                ...subnet.address,
              ],
            },
          ],
  };
}

function flagsOf(header: ReplySpec['header']): number {
  return (
    (header.opcode << 11) |
    (header.authoritative ? 0x400 : 0) |
    (header.truncated ? 0x200 : 0) |
    (header.recursionDesired ? 0x100 : 0) |
    (header.recursionAvailable ? 0x80 : 0) |
    header.rcode
  );
}

describe('encodeReply: random replies read back the same', () => {
  it('through dns-packet and readReply, compressed or not, and encodedLength is the length', () => {
    fc.assert(
      fc.property(replyArbitrary, (spec) => {
        const reply = replyOf(spec);
        const lengths: number[] = [];
        for (const compress of [true, false]) {
          const bytes = encodeReply(reply, { compress });
          assert.equal(encodedLength(reply, { compress }), bytes.length);
          lengths.push(bytes.length);
          const packet = dnsPacket.decode(Buffer.from(bytes));
          assert.equal(packet.type, 'response');
          assert.equal(packet.id, spec.header.id);
          assert.equal(packet.flags, flagsOf(spec.header));
          assert.deepEqual(
            packet.questions,
            spec.question === undefined
              ? []
              : [
                  {
                    name: packetName(spec.question.name),
                    type: QUESTION_TYPES[spec.question.type],
                    class: CLASSES[spec.question.class],
                  },
                ],
          );
          assert.deepEqual(packet.answers.map(normalisedRecord), spec.answer.map(packetRecordOf));
          assert.deepEqual(packet.authorities.map(normalisedRecord), spec.authority.map(packetRecordOf));
          assert.deepEqual(packet.additionals.map(normalisedRecord), [
            ...spec.additional.map(packetRecordOf),
            ...(spec.edns === undefined ? [] : [packetOptOf(spec.edns)]),
          ]);
          const read = readReply(bytes);
          assert.deepEqual(read, {
            id: spec.header.id,
            rcode: spec.header.rcode,
            truncated: spec.header.truncated,
            answer: spec.answer.map((record) => recordOf(record, 'canonical')),
          });
        }
        assert.ok(lengths[0]! <= lengths[1]!, `compressed ${lengths[0]} > plain ${lengths[1]}`);
      }),
      { numRuns: 300 },
    );
  });

  it('and the question name comes back in canonical form through encodeQuery and parseQuery', () => {
    fc.assert(
      fc.property(labelsArbitrary, fc.nat(), uint16, (labels, seed, type) => {
        const name = nameSpec(labels, seed);
        const result = parseQuery(encodeQuery(7, name.text, type, true));
        assert.ok(!isRejection(result), JSON.stringify(result));
        assert.deepEqual(result.question, { name: name.canonical, type, class: 1 } satisfies Question);
      }),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Queries

/** A label dns-packet can write: any text but dots and line breaks (its name encoder strips by regex). */
const packetLabel = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom('w', 'E', 'b', ' ', '"', '(', '@', '\\', 'é', '😀'),
      fc.integer({ min: 0, max: 0x7ff }).map((code) => String.fromCharCode(code)),
    ),
    minLength: 1,
    maxLength: 15,
  })
  .filter((label) => !/[.\n\r\u2028\u2029]/.test(label));

interface QuerySpec {
  id: number;
  flags: number;
  labels: string[];
  type: number;
  class: number;
  edns:
    | {
        udpPayloadSize: number;
        ednsVersion: number;
        dnssecOk: boolean;
        subnet?: { family: number; source: number; scope: number; address: Uint8Array };
      }
    | undefined;
}

const querySpecArbitrary: fc.Arbitrary<QuerySpec> = fc.record({
  id: uint16,
  flags: fc.constantFrom(0, 0x100, 0x10, 0x110),
  labels: fc.array(packetLabel, { maxLength: 4 }),
  type: fc.constantFrom(1, 28, 33, 16, 255, 6),
  class: fc.constantFrom(1, 255),
  edns: fc.option(
    fc.record({
      udpPayloadSize: fc.integer({ min: 1, max: 0xffff }),
      ednsVersion: fc.integer({ min: 0, max: 255 }),
      dnssecOk: fc.boolean(),
      subnet: fc.option(
        fc
          .tuple(fc.constantFrom(1, 2), fc.nat(), fc.nat(), fc.uint8Array({ minLength: 16, maxLength: 16 }))
          .map(([family, source, scope, bytes]) => ({
            family,
            source: source % (family === 1 ? 33 : 129),
            scope: scope % (family === 1 ? 33 : 129),
            address: family === 1 ? bytes.slice(0, 4) : bytes,
          })),
        { nil: undefined },
      ),
    }),
    { nil: undefined },
  ),
});

function ipText(family: number, address: Uint8Array): string {
  if (family === 1) return address.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((address[i]! << 8) | address[i + 1]!).toString(16));
  return groups.join(':');
}

function queryPacket(spec: QuerySpec): Uint8Array {
  const edns = spec.edns;
  return new Uint8Array(
    dnsPacket.encode({
      type: 'query',
      id: spec.id,
      flags: spec.flags,
      questions: [
        {
          name: spec.labels.length === 0 ? '.' : spec.labels.join('.'),
          type: QUESTION_TYPES[spec.type]!,
          class: CLASSES[spec.class]!,
        },
      ],
      additionals:
        edns === undefined
          ? []
          : [
              {
                type: 'OPT',
                name: '.',
                udpPayloadSize: edns.udpPayloadSize,
                ednsVersion: edns.ednsVersion,
                flags: edns.dnssecOk ? 0x8000 : 0,
                options:
                  edns.subnet === undefined
                    ? []
                    : [
                        {
                          code: 'CLIENT_SUBNET',
                          family: edns.subnet.family,
                          sourcePrefixLength: edns.subnet.source,
                          scopePrefixLength: edns.subnet.scope,
                          ip: ipText(edns.subnet.family, edns.subnet.address),
                        },
                      ],
              },
            ],
    }),
  );
}

/** What parseQuery must say about any packet: never throws, and what it returns is consistent. */
function checkParse(packet: Uint8Array): void {
  const result = parseQuery(packet);
  readReply(packet);
  if (isRejection(result)) {
    if (result.action === 'drop') {
      assert.ok(packet.length < 12 || (packet[2]! & 0x80) !== 0, result.reason);
      return;
    }
    assert.ok(result.rcode === Rcode.FORMERR || result.rcode === Rcode.NOTIMP, `rcode ${result.rcode}`);
    assert.equal(result.id, (packet[0]! << 8) | packet[1]!);
    assert.equal(result.rcode === Rcode.NOTIMP, ((packet[2]! >> 3) & 0xf) !== 0);
    return;
  }
  assert.ok(packet.length >= 12 && (packet[2]! & 0x80) === 0, 'a query from a short packet or a response');
  const { name, type } = result.question;
  assert.ok(name.endsWith('.'), name);
  // Whatever name was read can be written again, and reads back the same.
  const again = parseQuery(encodeQuery(result.id, name, type, result.recursionDesired));
  assert.ok(!isRejection(again), `${name} does not read back: ${JSON.stringify(again)}`);
  assert.equal(again.question.name, name);
  if (result.edns !== undefined) {
    assert.ok(result.edns.udpSize >= 512, `UDP size ${result.edns.udpSize}`);
    const subnet = result.edns.clientSubnet;
    if (subnet !== undefined) assert.equal(subnet.address.length, Math.ceil(subnet.sourcePrefixLength / 8));
  }
}

type Mutation =
  | { kind: 'flip'; index: number; bit: number }
  | { kind: 'truncate'; length: number }
  | { kind: 'splice'; index: number; remove: number; insert: Uint8Array }
  | { kind: 'pointer'; index: number; target: number };

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), index: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), length: fc.nat() }),
  fc.record({
    kind: fc.constant('splice' as const),
    index: fc.nat(),
    remove: fc.nat(8),
    insert: fc.uint8Array({ maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('pointer' as const), index: fc.nat(), target: fc.nat(0x3fff) }),
);

function mutated(packet: Uint8Array, mutation: Mutation): Uint8Array {
  const bytes = Array.from(packet);
  const at = (index: number) => (bytes.length === 0 ? 0 : index % bytes.length);
  switch (mutation.kind) {
    case 'flip':
      if (bytes.length > 0) bytes[at(mutation.index)]! ^= 1 << mutation.bit;
      break;
    case 'truncate':
      bytes.length = mutation.length % (bytes.length + 1);
      break;
    case 'splice':
      bytes.splice(at(mutation.index), mutation.remove, ...mutation.insert);
      break;
    case 'pointer': {
      const index = at(mutation.index);
      const target = mutation.target % Math.max(1, bytes.length);
      bytes.splice(index, 2, 0xc0 | (target >> 8), target & 0xff);
      break;
    }
  }
  return Uint8Array.from(bytes);
}

describe('parseQuery: queries dns-packet writes, and any bytes at all', () => {
  it('reads random queries as they were written', () => {
    fc.assert(
      fc.property(querySpecArbitrary, (spec) => {
        const result = parseQuery(queryPacket(spec));
        assert.ok(!isRejection(result), JSON.stringify(result));
        const labels = spec.labels.map((label) => utf8Encoder.encode(label));
        const canonical = nameSpec(labels, 0).canonical;
        assert.deepEqual(result.question, { name: canonical, type: spec.type, class: spec.class });
        assert.equal(result.id, spec.id);
        assert.equal(result.recursionDesired, (spec.flags & 0x100) !== 0);
        assert.equal(result.checkingDisabled, (spec.flags & 0x10) !== 0);
        const edns = spec.edns;
        if (edns === undefined) {
          assert.equal(result.edns, undefined);
          return;
        }
        const subnet = edns.subnet;
        assert.deepEqual(result.edns, {
          udpSize: Math.max(512, edns.udpPayloadSize),
          version: edns.ednsVersion,
          dnssecOk: edns.dnssecOk,
          ...(subnet === undefined
            ? {}
            : {
                clientSubnet: {
                  family: subnet.family,
                  sourcePrefixLength: subnet.source,
                  scopePrefixLength: subnet.scope,
                  address: subnet.address.slice(0, Math.ceil(subnet.source / 8)),
                },
              }),
        });
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), checkParse), { numRuns: 2000 });
  });

  it('never throws on arbitrary bytes behind a header that passes the accept checks', () => {
    const acceptable = fc
      .tuple(uint16, fc.boolean(), fc.nat(1), fc.nat(1), fc.nat(2), fc.uint8Array({ maxLength: 300 }))
      .map(([id, rd, an, ns, ar, body]) =>
        Uint8Array.from([id >> 8, id & 0xff, rd ? 1 : 0, 0, 0, 1, 0, an, 0, ns, 0, ar, ...body]),
      );
    fc.assert(fc.property(acceptable, checkParse), { numRuns: 2000 });
  });

  it('never throws on mutated queries: bit flips, truncation, splices, planted pointers', () => {
    fc.assert(
      fc.property(
        querySpecArbitrary,
        fc.array(mutationArbitrary, { minLength: 1, maxLength: 4 }),
        (spec, mutations) => {
          let packet = queryPacket(spec);
          for (const mutation of mutations) {
            packet = mutated(packet, mutation);
            checkParse(packet);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
