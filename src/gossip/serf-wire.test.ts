import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GossipDecodeError } from './messages.ts';
import {
  type Coordinate,
  decodeConflictResponse,
  decodeCoordinate,
  decodeKeyRequest,
  decodeKeyResponse,
  decodeQueryFilter,
  decodeSerfMessage,
  decodeTags,
  encodeConflictResponse,
  encodeCoordinate,
  encodeKeyRequest,
  encodeKeyResponse,
  encodeQueryFilter,
  encodeSerfMessage,
  encodeSerfPushPull,
  encodeTags,
  type SerfMessage,
  type SerfPushPull,
  type WireMember,
} from './serf-wire.ts';
import { GO_MSGPACK } from './testing/go-msgpack-vectors.ts';
import { hex, toHex, V2, V3, V4, V6, V7, V11, V12 } from './testing/golden-vectors.ts';
import { decodeMessage, decodeStreamMessage } from './wire.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);

/** The serf message inside a CRC-prefixed memberlist user packet: strip `[12][crc][8]`. */
const afterCrc = (vector: Uint8Array) => vector.subarray(6);

function roundTrip(bytes: Uint8Array, expected: SerfMessage): void {
  assert.deepEqual(decodeSerfMessage(bytes), expected);
  assert.equal(toHex(encodeSerfMessage(expected)), toHex(bytes));
}

const KEY = 'ExmbatRs4JlVOz3DoAlDD+qEiJMv5pNkHxdwMljqxIg=';

describe('serf messages: golden vectors', () => {
  it('V3 join intent, V4 leave intent, V6 user event', () => {
    roundTrip(afterCrc(V3), { type: 'join', body: { lTime: 1, node: 'beta' } });
    roundTrip(afterCrc(V4), { type: 'leave', body: { lTime: 2, node: 'beta', prune: false } });
    roundTrip(afterCrc(V6), {
      type: 'userEvent',
      body: { cc: true, lTime: 1, name: 'deploy', payload: utf8('hello') },
    });
  });

  it('V11 query and V12 query ack', () => {
    roundTrip(afterCrc(V11), {
      type: 'query',
      body: {
        addr: hex('7f000001'),
        filters: null,
        flags: 1,
        id: 246586511,
        lTime: 1,
        name: '_serf_ping',
        payload: null,
        port: 18611,
        relayFactor: 0,
        sourceNode: 'qa',
        timeoutNs: 3_200_000_000,
      },
    });
    roundTrip(V12.subarray(1), {
      type: 'queryResponse',
      body: { flags: 1, from: 'qb', id: 246586511, lTime: 1, payload: null },
    });
  });

  it('V7 push/pull user state: 512 nil event slots, clocks, left members, status times', () => {
    const pushPull = decodeStreamMessage(V7);
    assert.ok(pushPull.type === 'pushPull');
    const state: SerfPushPull = {
      eventLTime: 1,
      events: new Array(512).fill(null),
      lTime: 1,
      leftMembers: [],
      queryLTime: 1,
      statusLTimes: new Map([['beta', 0]]),
    };
    roundTrip(pushPull.body.userState, { type: 'pushPull', body: state });
    assert.equal(toHex(encodeSerfPushPull(state)), toHex(pushPull.body.userState));
  });

  it('V2 ack payload: serf coordinate', () => {
    const ack = decodeMessage(V2);
    assert.ok(ack.type === 'ackResp' && ack.body.payload !== null);
    const coordinate: Coordinate = { adjustment: 0, error: 1.5, height: 1e-5, vec: new Array(8).fill(0) };
    assert.deepEqual(decodeCoordinate(ack.body.payload), coordinate);
    assert.equal(toHex(encodeCoordinate(coordinate)), toHex(ack.body.payload));
  });
});

describe('serf messages: bytes written by go-msgpack 0.5.5', () => {
  it('query with filters, a 2^40 clock, a 15 s timeout and an empty payload', () => {
    roundTrip(hex(`04${GO_MSGPACK.query}`), {
      type: 'query',
      body: {
        addr: hex('7f000001'),
        filters: [hex('0091a26e31')],
        flags: 2,
        id: 3,
        lTime: 2 ** 40,
        name: 'q',
        payload: new Uint8Array(0),
        port: 7946,
        relayFactor: 3,
        sourceNode: 'n1',
        timeoutNs: 15e9,
      },
    });
  });

  it('push/pull with an event slot, a left member and a status time', () => {
    roundTrip(hex(`02${GO_MSGPACK.pushPull}`), {
      type: 'pushPull',
      body: {
        eventLTime: 7,
        events: [null, { events: [{ name: 'deploy', payload: utf8('v2') }], lTime: 5 }],
        lTime: 9,
        leftMembers: ['gone'],
        queryLTime: 2,
        statusLTimes: new Map([['n1', 300]]),
      },
    });
  });

  it('conflict response with a Member, and nil', () => {
    const member: WireMember = {
      name: 'n1',
      addr: hex('0a010203'),
      port: 7946,
      tags: new Map([['role', 'web']]),
      status: 1,
      protocolMin: 1,
      protocolMax: 5,
      protocolCur: 2,
      delegateMin: 2,
      delegateMax: 5,
      delegateCur: 5,
    };
    assert.equal(toHex(encodeConflictResponse(member)), `06${GO_MSGPACK.member}`);
    assert.deepEqual(decodeConflictResponse(hex(`06${GO_MSGPACK.member}`)), member);
    assert.equal(toHex(encodeConflictResponse(null)), `06${GO_MSGPACK.memberNil}`);
    assert.equal(decodeConflictResponse(hex('06c0')), null);
  });

  it('query filters, key requests and responses, relay headers, coordinates', () => {
    assert.equal(
      toHex(encodeQueryFilter({ type: 'tag', tag: 'role', expr: '^web$' })),
      `01${GO_MSGPACK.filterTag}`,
    );
    assert.deepEqual(decodeQueryFilter(hex(`01${GO_MSGPACK.filterTag}`)), {
      type: 'tag',
      tag: 'role',
      expr: '^web$',
    });
    assert.equal(
      toHex(encodeQueryFilter({ type: 'node', names: ['n1', 'n2'] })),
      `00${GO_MSGPACK.filterNodes}`,
    );
    assert.deepEqual(decodeQueryFilter(hex(`00${GO_MSGPACK.filterNodes}`)), {
      type: 'node',
      names: ['n1', 'n2'],
    });

    assert.equal(toHex(encodeKeyRequest({ key: new Uint8Array(0) })), `07${GO_MSGPACK.keyRequestEmpty}`);
    assert.equal(toHex(encodeKeyRequest({ key: null })), `07${GO_MSGPACK.keyRequestNil}`);
    assert.deepEqual(decodeKeyRequest(hex(`07${GO_MSGPACK.keyRequestNil}`)), { key: null });

    const response = { keys: [KEY], message: '', primaryKey: KEY, result: true };
    assert.equal(toHex(encodeKeyResponse(response)), `08${GO_MSGPACK.keyResponse}`);
    assert.deepEqual(decodeKeyResponse(hex(`08${GO_MSGPACK.keyResponse}`)), response);
    assert.deepEqual(decodeKeyResponse(hex(`08${GO_MSGPACK.keyResponseNil}`)), {
      keys: [],
      message: '',
      primaryKey: '',
      result: false,
    });

    const inner = V12.subarray(1);
    roundTrip(hex(`09${GO_MSGPACK.relayHeader}${toHex(inner)}`), {
      type: 'relay',
      body: { destAddr: { ip: hex('7f000001'), port: 18611, zone: '' }, destName: 'qa' },
      inner,
    });

    const coordinate = { adjustment: -0.5, error: 1.5, height: 1e-5, vec: [0.25, -1e-3, 0, 0, 0, 0, 0, 0] };
    assert.equal(toHex(encodeCoordinate(coordinate)), `01${GO_MSGPACK.coordinate}`);
    assert.deepEqual(decodeCoordinate(hex(`01${GO_MSGPACK.coordinate}`)), coordinate);
  });
});

describe('serf tags in node meta', () => {
  it('writes [0xFF] + a msgpack map in insertion order', () => {
    assert.equal(toHex(encodeTags({})), 'ff80');
    assert.equal(toHex(encodeTags({ role: 'web', dc: 'dc1' })), 'ff82a4726f6c65a3776562a26463a3646331');
  });

  it('reads tags, the legacy role form, and keeps what it could read of broken tags', () => {
    assert.deepEqual(decodeTags(hex('ff82a26463a3646331a4726f6c65a3776562')), { dc: 'dc1', role: 'web' });
    assert.deepEqual(decodeTags(hex('ff80')), {});
    assert.deepEqual(decodeTags(new Uint8Array(0)), { role: '' });
    assert.deepEqual(decodeTags(utf8('web')), { role: 'web' });
    assert.deepEqual(decodeTags(hex('ff82a26463a3646331a4726f6c')), { dc: 'dc1' });
    const proto = decodeTags(hex('ff81a95f5f70726f746f5f5fa178'));
    assert.equal(Object.getPrototypeOf(proto), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(proto, '__proto__')?.value, 'x');
  });
});

describe('serf messages: properties', () => {
  const bytes = fc.uint8Array({ maxLength: 40 });
  const name = fc.string({ maxLength: 40 });
  const lTime = fc.maxSafeInteger().map(Math.abs);
  const uint32 = fc.nat({ max: 0xffffffff });
  const message: fc.Arbitrary<SerfMessage> = fc.oneof(
    fc.record({ lTime, node: name, prune: fc.boolean() }).map((body) => ({ type: 'leave', body }) as const),
    fc.record({ lTime, node: name }).map((body) => ({ type: 'join', body }) as const),
    fc
      .record({ cc: fc.boolean(), lTime, name, payload: bytes })
      .map((body) => ({ type: 'userEvent', body }) as const),
    fc
      .record({
        addr: bytes,
        filters: fc.option(fc.array(bytes, { maxLength: 3 }), { nil: null }),
        flags: uint32,
        id: uint32,
        lTime,
        name,
        payload: fc.option(bytes, { nil: null }),
        port: fc.nat(65535),
        relayFactor: fc.nat(255),
        sourceNode: name,
        timeoutNs: fc.maxSafeInteger(),
      })
      .map((body) => ({ type: 'query', body }) as const),
    fc
      .record({ flags: uint32, from: name, id: uint32, lTime, payload: fc.option(bytes, { nil: null }) })
      .map((body) => ({ type: 'queryResponse', body }) as const),
    fc
      .record({
        eventLTime: lTime,
        events: fc.array(
          fc.option(
            fc.record({ events: fc.array(fc.record({ name, payload: bytes }), { maxLength: 3 }), lTime }),
            { nil: null },
          ),
          { maxLength: 20 },
        ),
        lTime,
        leftMembers: fc.array(name, { maxLength: 4 }),
        queryLTime: lTime,
        statusLTimes: fc.array(fc.tuple(name, lTime), { maxLength: 4 }).map((entries) => new Map(entries)),
      })
      .map((body) => ({ type: 'pushPull', body }) as const),
    fc
      .record({ destAddr: fc.record({ ip: bytes, port: fc.nat(65535), zone: name }), destName: name })
      .chain((body) => bytes.map((inner) => ({ type: 'relay', body, inner }) as const)),
  );

  it('round-trips every message', () => {
    fc.assert(
      fc.property(message, (generated) => {
        const original = structuredClone(generated);
        assert.deepEqual(decodeSerfMessage(encodeSerfMessage(original)), original);
      }),
      { numRuns: 400 },
    );
  });

  it('decodeSerfMessage throws only GossipDecodeError on random bytes, mutations and truncations', () => {
    const valid = [
      afterCrc(V3),
      afterCrc(V4),
      afterCrc(V6),
      afterCrc(V11),
      V12.subarray(1),
      hex(`02${GO_MSGPACK.pushPull}`),
    ];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 80 }),
          fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.nat({ max: 255 })).map(([source, at, value]) => {
            const copy = source.slice();
            copy[at % copy.length] = value;
            return copy;
          }),
          fc
            .tuple(fc.constantFrom(...valid), fc.nat())
            .map(([source, cut]) => source.subarray(0, cut % source.length)),
        ),
        (input) => {
          for (const decode of [
            decodeSerfMessage,
            decodeCoordinate,
            decodeKeyResponse,
            decodeConflictResponse,
            decodeQueryFilter,
          ]) {
            try {
              decode(input);
            } catch (error) {
              assert.ok(error instanceof GossipDecodeError, String(error));
            }
          }
          decodeTags(input);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
