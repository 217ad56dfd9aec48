import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { nodeAead } from '../io/node-aead.ts';
import { SeededRandom } from '../sim/seeded-random.ts';
import { Keyring } from './keyring.ts';
import { GossipDecodeError, type Message } from './messages.ts';
import { encodeCompress, PacketCodec, type PacketCodecOptions } from './packet.ts';
import {
  hex,
  nonceRandom,
  toHex,
  V1,
  V2,
  V3,
  V4,
  V5,
  V6,
  V7,
  V8,
  V9,
  V9_KEY,
  V10,
  V11,
  V12,
} from './testing/golden-vectors.ts';
import {
  decodeMessage,
  decodeStreamMessage,
  encodeCompound,
  encodeMessage,
  encodeUserStream,
} from './wire.ts';

function codec(options: Partial<PacketCodecOptions> = {}): PacketCodec {
  return new PacketCodec({ compress: false, random: new SeededRandom(7), ...options });
}

function encrypted(options: Partial<PacketCodecOptions> = {}): PacketCodec {
  return codec({ compress: true, keyring: new Keyring([V9_KEY]), aead: nodeAead, ...options });
}

const V9_NONCE = V9.subarray(1, 13);
const V10_NONCE = V10.subarray(6, 18);

function reasons(errors: GossipDecodeError[]): string[] {
  return errors.map((error) => error.reason);
}

describe('PacketCodec: golden vectors', () => {
  it('V3–V6 (CRC-prefixed gossip) open to their messages and seal back byte for byte', () => {
    for (const vector of [V3, V4, V5, V6]) {
      for (const compress of [false, true]) {
        const { messages, dropped } = codec({ compress }).openPacket(vector);
        assert.deepEqual(dropped, []);
        assert.equal(messages.length, 1);
        assert.deepEqual(messages[0], decodeMessage(vector.subarray(5)));
        // compression is applied only when smaller, which these short packets are not
        assert.equal(
          toHex(codec({ compress }).sealPacket([encodeMessage(messages[0]!)], true)),
          toHex(vector),
        );
      }
    }
    const dead = codec().openPacket(V5).messages[0];
    assert.deepEqual(dead, { type: 'dead', body: { from: 'beta', incarnation: 1, node: 'beta' } });
  });

  it('V8 (LZW-compressed ack) opens to V2 and V2 seals to V8 when compression is on', () => {
    const { messages, dropped } = codec().openPacket(V8);
    assert.deepEqual(dropped, []);
    assert.deepEqual(messages, [decodeMessage(V2)]);
    assert.equal(toHex(codec({ compress: true }).sealPacket([V2], false)), toHex(V8));
    assert.equal(toHex(codec({ compress: false }).sealPacket([V2], false)), toHex(V2));
  });

  it('V9 (AES-256-GCM packet) decrypts to V1 and re-encrypts to V9 with the same nonce', () => {
    const { messages, dropped } = encrypted().openPacket(V9);
    assert.deepEqual(dropped, []);
    assert.deepEqual(messages, [decodeMessage(V1)]);
    const sealed = encrypted({ random: nonceRandom(V9_NONCE) }).sealPacket([V1], false);
    assert.equal(toHex(sealed), toHex(V9));
  });

  it('V10 (encrypted, compressed join push/pull stream) opens to V7 and re-seals to V10', () => {
    assert.deepEqual(encrypted().openStream(V10), decodeStreamMessage(V7));
    assert.equal(toHex(encrypted({ random: nonceRandom(V10_NONCE) }).sealStream(V7)), toHex(V10));
    assert.equal(encrypted().streamFrameLength(V10), V10.length);
  });

  it('V11 with CRC, V11 piggybacked in a compound after a ping, and V12 open to user messages', () => {
    const query = codec().openPacket(V11);
    assert.deepEqual(query.dropped, []);
    assert.deepEqual(query.messages, [{ type: 'user', body: V11.subarray(6) }]);
    const ping = encodeMessage({
      type: 'ping',
      body: { node: 'qa', seqNo: 2, sourceAddr: hex('7f000001'), sourceNode: 'qb', sourcePort: 18612 },
    });
    const piggybacked = codec().sealPacket([ping, V11.subarray(5)], false);
    assert.equal(toHex(piggybacked.subarray(0, 6)), `0702${ping.length.toString(16).padStart(4, '0')}0075`);
    assert.deepEqual(codec().openPacket(piggybacked).messages, [decodeMessage(ping), query.messages[0]]);
    assert.deepEqual(codec().openPacket(V12).messages, [{ type: 'user', body: V12.subarray(1) }]);
  });
});

describe('PacketCodec: packets', () => {
  it('drops a compound part that runs past the end and every later one, keeping earlier ones', () => {
    const compound = encodeCompound([V1, V2, V5.subarray(5)]);
    const cut = compound.subarray(0, compound.length - 10);
    const { messages, dropped } = codec().openPacket(cut);
    assert.deepEqual(messages, [decodeMessage(V1), decodeMessage(V2)]);
    assert.deepEqual(reasons(dropped), ['truncated']);
    const early = codec().openPacket(compound.subarray(0, 8 + V1.length - 1));
    assert.deepEqual(early.messages, []);
    assert.deepEqual(reasons(early.dropped), ['truncated', 'truncated', 'truncated']);
  });

  it('keeps the good parts of a compound with a bad one', () => {
    const { messages, dropped } = codec().openPacket(encodeCompound([V1, hex('0e80'), V2]));
    assert.deepEqual(messages, [decodeMessage(V1), decodeMessage(V2)]);
    assert.deepEqual(reasons(dropped), ['unknown-type']);
  });

  it('drops a packet whose CRC does not match', () => {
    const corrupt = V5.slice();
    corrupt[corrupt.length - 1]! ^= 1;
    assert.deepEqual(reasons(codec().openPacket(corrupt).dropped), ['bad-crc']);
    assert.deepEqual(reasons(codec().openPacket(hex('0c0102')).dropped), ['truncated']);
  });

  it('refuses stream-only and unknown types in packets', () => {
    for (const bytes of [V7, hex('0d81a54572726f72a0'), hex('0e'), hex('0a00000000')]) {
      assert.deepEqual(reasons(codec().openPacket(bytes).dropped), ['unknown-type'], toHex(bytes));
    }
  });

  it('refuses compound/compress nested deeper than real senders nest', () => {
    let packet = V1;
    for (let depth = 0; depth < 6; depth++) packet = encodeCompound([packet]);
    assert.deepEqual(reasons(codec().openPacket(packet).dropped), ['malformed']);
    let nested = V1;
    for (let depth = 0; depth < 2; depth++) nested = encodeCompound([encodeCompress(nested)]);
    assert.deepEqual(codec().openPacket(nested).messages, [decodeMessage(V1)]);
  });

  it('with a keyring: refuses plaintext, tries every key, fails on unknown keys', () => {
    assert.deepEqual(reasons(encrypted().openPacket(V1).dropped), ['decrypt-failed']);
    const other = new Uint8Array(16).fill(7);
    const rotated = encrypted({ keyring: new Keyring([other, V9_KEY]) });
    assert.deepEqual(rotated.openPacket(V9).messages, [decodeMessage(V1)]);
    assert.deepEqual(reasons(encrypted({ keyring: new Keyring([other]) }).openPacket(V9).dropped), [
      'decrypt-failed',
    ]);
    // The keyring is shared: a key installed later is used at once.
    const keyring = new Keyring([other]);
    const live = encrypted({ keyring });
    keyring.install(V9_KEY);
    assert.deepEqual(live.openPacket(V9).messages, [decodeMessage(V1)]);
    assert.equal(encrypted().packetOverhead(), 29);
    assert.equal(codec().packetOverhead(), 0);
  });

  it('decrypts the padded version 0 of memberlist protocol 1', () => {
    const plain = V1;
    const padding = 16 - (plain.length % 16);
    const padded = new Uint8Array(plain.length + padding).fill(padding);
    padded.set(plain);
    const sealed = nodeAead.seal(V9_KEY, V9_NONCE, padded, new Uint8Array(0));
    const packet = new Uint8Array(13 + sealed.length);
    packet.set(V9_NONCE, 1);
    packet.set(sealed, 13);
    assert.deepEqual(encrypted().openPacket(packet).messages, [decodeMessage(V1)]);
  });

  it('labels packets when configured, binds the label into encryption and drops other labels', () => {
    const labelled = codec({ label: 'prod' }).sealPacket([V1], false);
    assert.equal(toHex(labelled), `f404${toHex(new TextEncoder().encode('prod'))}${toHex(V1)}`);
    assert.deepEqual(codec({ label: 'prod' }).openPacket(labelled).messages, [decodeMessage(V1)]);
    assert.deepEqual(reasons(codec().openPacket(labelled).dropped), ['bad-label']);
    assert.deepEqual(reasons(codec({ label: 'prod' }).openPacket(V1).dropped), ['bad-label']);
    const secret = encrypted({ label: 'prod' }).sealPacket([V1], true);
    assert.deepEqual(encrypted({ label: 'prod' }).openPacket(secret).messages, [decodeMessage(V1)]);
    // Same key, label swapped on the wire: the AAD no longer matches.
    const relabelled = new Uint8Array(secret);
    relabelled.set(new TextEncoder().encode('test'), 2);
    assert.deepEqual(reasons(encrypted({ label: 'test' }).openPacket(relabelled).dropped), [
      'decrypt-failed',
    ]);
    assert.equal(encrypted({ label: 'prod' }).packetOverhead(), 29 + 6);
  });
});

describe('PacketCodec: streams', () => {
  it('compresses streams always when on and encrypts them with the stream header as AAD', () => {
    const ping = encodeMessage({ type: 'ping', body: { node: 'a', seqNo: 1 } });
    const compressed = codec({ compress: true }).sealStream(ping);
    assert.equal(compressed[0], 9);
    assert.ok(compressed.length > ping.length);
    assert.deepEqual(codec().openStream(compressed), decodeMessage(ping));
    assert.equal(toHex(codec().sealStream(ping)), toHex(ping));
    const sealed = encrypted().sealStream(ping);
    assert.equal(sealed[0], 10);
    assert.equal(new DataView(sealed.buffer).getUint32(1), sealed.length - 5);
    assert.deepEqual(encrypted().openStream(sealed), decodeMessage(ping));
    const tampered = sealed.slice();
    tampered[4]! ^= 0; // header unchanged…
    tampered[0] = 10;
    tampered[sealed.length - 1]! ^= 1; // …tag broken
    assert.throws(() => encrypted().openStream(tampered), { reason: 'decrypt-failed' });
  });

  it('refuses plaintext streams when keyed, encrypted ones when not, and lengths over 20 MiB', () => {
    assert.throws(() => encrypted().openStream(V7), { reason: 'not-encrypted' });
    assert.throws(() => codec().openStream(V10), { reason: 'decrypt-failed' });
    assert.throws(() => encrypted().openStream(hex('0a01400001')), { reason: 'too-large' });
    assert.throws(() => encrypted().streamFrameLength(hex('0a01400001')), { reason: 'too-large' });
    assert.equal(encrypted().streamFrameLength(hex('0a01400000')), undefined); // exactly 20 MiB is allowed
    assert.throws(() => encrypted().openStream(V10.subarray(0, 100)), { reason: 'truncated' });
  });

  it('reads user messages in their stream form', () => {
    const stream = encodeUserStream(hex('0102030405'));
    assert.deepEqual(codec().openStream(stream), { type: 'user', body: hex('0102030405') });
    assert.equal(codec().streamFrameLength(stream), stream.length);
  });

  it('refuses to frame a stream that cannot start with its type', () => {
    for (const type of [1, 3, 4, 5, 7, 12, 14, 200]) {
      assert.throws(() => codec().streamFrameLength(Uint8Array.of(type, 0x80)), { reason: 'unknown-type' });
    }
    assert.throws(() => codec().streamFrameLength(hex('f400')), { reason: 'bad-label' });
    assert.throws(() => codec().streamFrameLength(hex('00c1')), { reason: 'malformed' });
  });

  const bytes = fc.uint8Array({ maxLength: 30 });
  const streamMessage: fc.Arbitrary<Uint8Array> = fc.oneof(
    fc.record({ node: fc.string(), seqNo: fc.nat() }).map((body) => encodeMessage({ type: 'ping', body })),
    fc
      .record({ payload: fc.option(bytes, { nil: null }), seqNo: fc.nat() })
      .map((body) => encodeMessage({ type: 'ackResp', body })),
    fc.record({ seqNo: fc.nat() }).map((body) => encodeMessage({ type: 'nackResp', body })),
    fc.record({ error: fc.string() }).map((body) => encodeMessage({ type: 'errResp', body })),
    fc.uint8Array({ maxLength: 200 }).map(encodeUserStream),
    fc
      .record({
        join: fc.boolean(),
        nodes: fc.array(
          fc.record({
            addr: bytes,
            incarnation: fc.nat(),
            meta: bytes,
            name: fc.string(),
            port: fc.nat(65535),
            state: fc.constantFrom(0, 1, 2, 3),
            vsn: bytes,
          }),
          { maxLength: 4 },
        ),
        userState: fc.uint8Array({ maxLength: 300 }),
      })
      .map((body) => encodeMessage({ type: 'pushPull', body: structuredClone(body) } as Message)),
    fc.constant(V7),
  );
  const streamCodec = fc.record({
    compress: fc.boolean(),
    keyed: fc.boolean(),
    label: fc.constantFrom('', 'dc1'),
    seed: fc.integer({ min: 1, max: 1000 }),
  });
  const build = (options: { compress: boolean; keyed: boolean; label: string; seed: number }) =>
    options.keyed
      ? encrypted({
          compress: options.compress,
          label: options.label,
          random: new SeededRandom(options.seed),
        })
      : codec({ compress: options.compress, label: options.label, random: new SeededRandom(options.seed) });

  it('frames every valid stream exactly and reports undefined for each strict prefix', () => {
    fc.assert(
      fc.property(
        streamMessage,
        streamCodec,
        fc.uint8Array({ maxLength: 5 }),
        (message, options, trailing) => {
          const side = build(options);
          const stream = side.sealStream(message);
          assert.equal(side.streamFrameLength(stream), stream.length);
          const followed = new Uint8Array(stream.length + trailing.length);
          followed.set(stream);
          followed.set(trailing, stream.length);
          assert.equal(side.streamFrameLength(followed), stream.length);
          for (let cut = 0; cut < stream.length; cut++) {
            assert.equal(side.streamFrameLength(stream.subarray(0, cut)), undefined, `prefix ${cut}`);
          }
          assert.deepEqual(side.openStream(stream), decodeStreamMessage(message));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('round-trips packets under every combination of compound, compression, CRC, encryption and label', () => {
    const packetMessage = fc.oneof(
      fc.record({ node: fc.string(), seqNo: fc.nat() }).map((body) => encodeMessage({ type: 'ping', body })),
      fc.uint8Array({ maxLength: 200 }).map((body) => encodeMessage({ type: 'user', body })),
      fc.constant(V2),
    );
    fc.assert(
      fc.property(
        fc.array(packetMessage, { minLength: 1, maxLength: 8 }),
        streamCodec,
        fc.boolean(),
        (messages, options, crc) => {
          const side = build(options);
          const { messages: opened, dropped } = side.openPacket(side.sealPacket(messages, crc));
          assert.deepEqual(dropped, []);
          assert.deepEqual(opened, messages.map(decodeMessage));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('PacketCodec: fuzz', () => {
  const plainCodec = codec({ compress: true });
  const keyedCodec = encrypted();
  const validPackets = [V1, V2, V3, V4, V5, V6, V8, V11, V12, encodeCompound([V1, V2, V11.subarray(5)])];
  const validStreams = [V7, encodeCompress(V7), encodeUserStream(V12), V1, V2];

  function mutations(valid: Uint8Array[]): fc.Arbitrary<Uint8Array> {
    return fc.oneof(
      fc.uint8Array({ maxLength: 120 }),
      fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.nat({ max: 255 })).map(([bytes, at, value]) => {
        const copy = bytes.slice();
        copy[at % copy.length] = value;
        return copy;
      }),
      fc
        .tuple(fc.constantFrom(...valid), fc.nat())
        .map(([bytes, cut]) => bytes.subarray(0, cut % bytes.length)),
    );
  }

  function onlyDecodeErrors(run: () => unknown): void {
    try {
      run();
    } catch (error) {
      assert.ok(error instanceof GossipDecodeError, String(error));
    }
  }

  it('openPacket never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(mutations([...validPackets, V9]), (bytes) => {
        for (const side of [plainCodec, keyedCodec]) {
          const { dropped } = side.openPacket(bytes);
          for (const error of dropped) assert.ok(error instanceof GossipDecodeError);
        }
      }),
      { numRuns: 4000 },
    );
  });

  it('openStream and streamFrameLength throw only GossipDecodeError', () => {
    fc.assert(
      fc.property(mutations([...validStreams, V10]), (bytes) => {
        for (const side of [plainCodec, keyedCodec]) {
          onlyDecodeErrors(() => side.openStream(bytes));
          onlyDecodeErrors(() => {
            const length = side.streamFrameLength(bytes);
            assert.ok(length === undefined || (length > 0 && length <= bytes.length));
          });
        }
      }),
      { numRuns: 4000 },
    );
  });
});
