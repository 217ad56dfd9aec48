import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decode as oracleDecode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { GossipDecodeError, type Message } from './messages.ts';
import { GO_MSGPACK } from './testing/go-msgpack-vectors.ts';
import { hex, toHex, V1, V2, V5, V7 } from './testing/golden-vectors.ts';
import {
  decodeMessage,
  decodeStreamMessage,
  encodeCompound,
  encodeMessage,
  encodeUserStream,
} from './wire.ts';

const VSN = hex('010502020505');
const utf8 = new TextEncoder();

describe('memberlist messages: golden vectors', () => {
  it('V1 ping decodes to its values and re-encodes byte for byte', () => {
    const message = decodeMessage(V1);
    assert.deepEqual(message, {
      type: 'ping',
      body: { node: 'alpha', seqNo: 1, sourceAddr: hex('7f000001'), sourceNode: 'beta', sourcePort: 18202 },
    });
    assert.equal(toHex(encodeMessage(message)), toHex(V1));
  });

  it('V2 ack with a serf coordinate payload round-trips', () => {
    const message = decodeMessage(V2);
    assert.equal(message.type, 'ackResp');
    assert.equal(message.type === 'ackResp' && message.body.seqNo, 1);
    assert.equal(message.type === 'ackResp' && message.body.payload?.length, 130);
    assert.equal(toHex(encodeMessage(message)), toHex(V2));
  });

  it('V5 dead (graceful leave) decodes after its CRC and re-encodes', () => {
    const body = V5.subarray(5);
    const message = decodeMessage(body);
    assert.deepEqual(message, { type: 'dead', body: { from: 'beta', incarnation: 1, node: 'beta' } });
    assert.equal(toHex(encodeMessage(message)), toHex(body));
  });

  it('V7 push/pull decodes header, node states and the raw user state, and re-encodes', () => {
    const message = decodeStreamMessage(V7);
    assert.equal(message.type, 'pushPull');
    if (message.type !== 'pushPull') return;
    assert.equal(message.body.join, true);
    assert.deepEqual(message.body.nodes, [
      {
        addr: hex('7f000001'),
        incarnation: 1,
        meta: hex('ff80'),
        name: 'beta',
        port: 18202,
        state: 0,
        vsn: VSN,
      },
    ]);
    assert.equal(message.body.userState.length, 588);
    assert.equal(message.body.userState[0], 0x02);
    assert.equal(toHex(encodeMessage(message)), toHex(V7));
  });
});

describe('memberlist messages: bytes written by go-msgpack 0.5.5', () => {
  it('indirect ping with every Source* field, a bare ping, an alive with str16 fields, errResp, user stream header', () => {
    const cases: [Message, string][] = [
      [
        {
          type: 'indirectPing',
          body: {
            nack: true,
            node: 'gamma',
            port: 8301,
            seqNo: 70000,
            sourceAddr: hex('7f000001'),
            sourceNode: 'alpha',
            sourcePort: 8302,
            target: hex('0a0000c8'),
          },
        },
        `01${GO_MSGPACK.indirectPing}`,
      ],
      [{ type: 'ping', body: { node: '', seqNo: 5 } }, `00${GO_MSGPACK.pingBare}`],
      [
        {
          type: 'alive',
          body: {
            addr: hex('c0a801ff'),
            incarnation: 0xffffffff,
            meta: hex(`ff${'00'.repeat(40)}`),
            node: '0123456789012345678901234567890123456789',
            port: 7946,
            vsn: VSN,
          },
        },
        `04${GO_MSGPACK.alive}`,
      ],
      [{ type: 'errResp', body: { error: 'remote error' } }, `0d${GO_MSGPACK.errResp}`],
    ];
    for (const [message, bytes] of cases) {
      assert.equal(toHex(encodeMessage(message)), bytes, message.type);
      assert.deepEqual(decodeMessage(hex(bytes)), message);
    }
    assert.equal(
      toHex(encodeUserStream(new Uint8Array(300))).slice(0, 2 + GO_MSGPACK.userMsgHeader.length),
      `08${GO_MSGPACK.userMsgHeader}`,
    );
  });
});

describe('memberlist messages: encoding rules', () => {
  it('leaves out empty Source* fields of pings (omitempty)', () => {
    const bytes = encodeMessage({
      type: 'ping',
      body: { node: 'alpha', seqNo: 7, sourceNode: '', sourcePort: 0 },
    });
    assert.equal(toHex(bytes), `0082a44e6f6465a5616c706861a55365714e6f07`);
  });

  it('writes an ack with a nil payload as c0 and a nack as {SeqNo}', () => {
    assert.equal(
      toHex(encodeMessage({ type: 'ackResp', body: { payload: null, seqNo: 2 } })),
      '0282a75061796c6f6164c0a55365714e6f02',
    );
    assert.equal(toHex(encodeMessage({ type: 'nackResp', body: { seqNo: 300 } })), '0b81a55365714e6fcd012c');
  });

  it('writes the stream form of a user message and a compound', () => {
    assert.equal(toHex(encodeUserStream(hex('0102'))), '0881aa557365724d73674c656e020102');
    assert.equal(toHex(encodeCompound([hex('aa'), hex('bbcc')])), '0702000100 02aabbcc'.replace(' ', ''));
    assert.throws(() => encodeCompound(new Array(256).fill(hex('00'))));
  });

  const bytes = fc.uint8Array({ maxLength: 40 });
  const uint32 = fc.nat({ max: 0xffffffff });
  const port = fc.nat({ max: 0xffff });
  const name = fc.string({ unit: 'grapheme', maxLength: 40 });
  const message: fc.Arbitrary<Message> = fc.oneof(
    fc
      .record({ node: name, seqNo: uint32, sourceAddr: bytes, sourceNode: name, sourcePort: port })
      .map((body) => ({ type: 'ping', body }) as const),
    fc
      .record({
        nack: fc.boolean(),
        node: name,
        port,
        seqNo: uint32,
        sourceAddr: bytes,
        sourceNode: name,
        sourcePort: port,
        target: bytes,
      })
      .map((body) => ({ type: 'indirectPing', body }) as const),
    fc
      .record({ payload: fc.option(bytes, { nil: null }), seqNo: uint32 })
      .map((body) => ({ type: 'ackResp', body }) as const),
    fc.record({ seqNo: uint32 }).map((body) => ({ type: 'nackResp', body }) as const),
    fc
      .record({ from: name, incarnation: uint32, node: name })
      .map((body) => ({ type: 'suspect', body }) as const),
    fc
      .record({ from: name, incarnation: uint32, node: name })
      .map((body) => ({ type: 'dead', body }) as const),
    fc
      .record({ addr: bytes, incarnation: uint32, meta: bytes, node: name, port, vsn: bytes })
      .map((body) => ({ type: 'alive', body }) as const),
    fc.record({ error: name }).map((body) => ({ type: 'errResp', body }) as const),
    fc.uint8Array({ maxLength: 100 }).map((body) => ({ type: 'user', body }) as const),
    fc
      .record({
        join: fc.boolean(),
        nodes: fc.array(
          fc.record({
            addr: bytes,
            incarnation: uint32,
            meta: bytes,
            name,
            port,
            state: fc.constantFrom(0, 1, 2, 3),
            vsn: bytes,
          }),
          { maxLength: 5 },
        ),
        userState: fc.uint8Array({ maxLength: 100 }),
      })
      .map((body) => ({ type: 'pushPull', body }) as const),
  );

  /** Empty omitempty fields come back absent; the model keeps them undefined. */
  function withoutEmptySources(message: Message): Message {
    if (message.type !== 'ping' && message.type !== 'indirectPing') return message;
    const body = { ...message.body };
    if (body.sourceAddr?.length === 0) delete body.sourceAddr;
    if (body.sourceNode === '') delete body.sourceNode;
    if (body.sourcePort === 0) delete body.sourcePort;
    return { ...message, body } as Message;
  }

  it('round-trips every message', () => {
    fc.assert(
      fc.property(message, (generated) => {
        const original = structuredClone(generated); // fast-check records have a null prototype
        const bytes = encodeMessage(original);
        assert.deepEqual(
          decodeStreamMessage(original.type === 'user' ? encodeUserStream(original.body) : bytes),
          withoutEmptySources(original),
        );
        assert.deepEqual(decodeMessage(bytes), withoutEmptySources(original));
      }),
      { numRuns: 500 },
    );
  });

  it('writes bodies @msgpack/msgpack reads back as maps with Go field names in sorted order', () => {
    fc.assert(
      fc.property(message, (original) => {
        if (original.type === 'user' || original.type === 'pushPull') return;
        const body = oracleDecode(encodeMessage(original).subarray(1), { rawStrings: true }) as Record<
          string,
          unknown
        >;
        const keys = Object.keys(body);
        assert.deepEqual(keys, [...keys].sort());
        if (original.type === 'alive') {
          assert.deepEqual(body, {
            Addr: original.body.addr,
            Incarnation: original.body.incarnation,
            Meta: original.body.meta,
            Node: utf8.encode(original.body.node),
            Port: original.body.port,
            Vsn: original.body.vsn,
          });
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('memberlist messages: hostile input', () => {
  it('bounds a push/pull node count and user-state length by the bytes present and the 20 MiB limit', () => {
    // {Join: false, Nodes: n, UserStateLen: u}
    const header = (nodes: string, userStateLength: string) =>
      hex(`0683a44a6f696ec2a54e6f646573${nodes}ac5573657253746174654c656e${userStateLength}`);
    assert.throws(() => decodeMessage(header('ce7fffffff', '00')), { reason: 'too-large' });
    assert.throws(() => decodeMessage(header('ce00100000', '00')), { reason: 'truncated' });
    assert.throws(() => decodeMessage(header('00', 'ce7fffffff')), { reason: 'too-large' });
    assert.throws(() => decodeMessage(header('00', 'ce00001000')), { reason: 'truncated' });
    assert.throws(() => decodeMessage(header('ff', '00')), { reason: 'malformed' });
    assert.deepEqual(decodeMessage(header('00', '00')), {
      type: 'pushPull',
      body: { join: false, nodes: [], userState: new Uint8Array(0) },
    });
  });

  it('refuses unknown and framing types as bare messages', () => {
    for (const type of [7, 9, 10, 12, 14, 244]) {
      assert.throws(() => decodeMessage(Uint8Array.of(type, 0x80)), { reason: 'unknown-type' });
    }
    assert.throws(() => decodeMessage(new Uint8Array(0)), { reason: 'truncated' });
  });

  it('throws only GossipDecodeError for random bytes and mutations', () => {
    const valid = [V1, V2, V5.subarray(5), V7];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 80 }),
          fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.nat({ max: 255 })).map(([bytes, at, value]) => {
            const copy = bytes.slice();
            copy[at % copy.length] = value;
            return copy;
          }),
          fc
            .tuple(fc.constantFrom(...valid), fc.nat())
            .map(([bytes, cut]) => bytes.subarray(0, cut % bytes.length)),
        ),
        (bytes) => {
          for (const decode of [decodeMessage, decodeStreamMessage]) {
            try {
              decode(bytes);
            } catch (error) {
              assert.ok(error instanceof GossipDecodeError, String(error));
            }
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
