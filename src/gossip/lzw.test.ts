import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { nodeAead } from '../io/node-aead.ts';
import { lzwDecode, lzwEncode } from './lzw.ts';
import { decodeCompress } from './packet.ts';
import { hex, toHex, V2, V7, V8, V9_KEY, V10 } from './testing/golden-vectors.ts';

/** xorshift32 bytes masked to a small alphabet; the Go program below generates the same. */
function generate(seed: number, length: number, mask: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = state & mask;
  }
  return out;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Outputs of Go 1.19 `lzw.NewWriter(w, lzw.LSB, 8)` + Close on `generate(seed, length, mask)`
 * (a 20-line Go program with the same xorshift). The longer inputs cross the 4095-code reset.
 */
const GO_VECTORS = [
  {
    seed: 1,
    length: 0,
    mask: 255,
    compressedLength: 3,
    sha256: 'ca175b7b97e4180ff4b1dc13271f897a7d711d6da53ddd112d60bf4ac100e23e',
  },
  {
    seed: 2,
    length: 1,
    mask: 255,
    compressedLength: 4,
    sha256: '19fb65061a00c14f64ad8c316c051777e9462a3fccd97e0bc0cf43c3bf0e761e',
  },
  {
    seed: 3,
    length: 2,
    mask: 1,
    compressedLength: 5,
    sha256: 'e1a30b5f8b469204a273f49ed18a3a59eb9d91c62ee80b4e89b41d36e276bf71',
  },
  {
    seed: 4,
    length: 5000,
    mask: 255,
    compressedLength: 6697,
    sha256: 'e68faa65bfd7a37f1406da9ec6482bea3d3529d71f3a12f4781d1801ca3181c1',
  },
  {
    seed: 5,
    length: 20000,
    mask: 3,
    compressedLength: 6049,
    sha256: 'bffd5693794d4b7a363e5acaa472588cd6cdf4c8e303f5e976b7a291ff645408',
  },
  {
    seed: 6,
    length: 70000,
    mask: 15,
    compressedLength: 43888,
    sha256: '6b33467fe8ba3b5794683834f9f4ecdf32d2260d9c64f412c4f80e42b7c828d3',
  },
  {
    seed: 7,
    length: 100000,
    mask: 0,
    compressedLength: 530,
    sha256: '7a2b74e419500a3be5ff7cda6b8829a1eb730ccfee1d9e062be7a8ef00a0f6bf',
  },
  {
    seed: 8,
    length: 300000,
    mask: 255,
    compressedLength: 410921,
    sha256: '475e61f5d8d1dc2f73999bb981d81d8043f260592141d3f1b6466d7a84dc648f',
  },
];

describe('LZW (Go compress/lzw, LSB, 8-bit literals)', () => {
  it('reproduces the captured buffers of V8 and V10 byte for byte', () => {
    const v8Buffer = V8.subarray(V8.length - 98);
    assert.equal(toHex(lzwDecode(v8Buffer)), toHex(V2));
    assert.equal(toHex(lzwEncode(V2)), toHex(v8Buffer));
    const plain = nodeAead.open(V9_KEY, V10.subarray(6, 18), V10.subarray(18), V10.subarray(0, 5));
    assert.ok(plain !== undefined);
    assert.equal(toHex(plain.subarray(0, 14)), '0982a4416c676f00a3427566da00');
    const v10Buffer = plain.subarray(14 + 1);
    assert.equal(v10Buffer.length, 201);
    assert.equal(toHex(decodeCompress(plain)), toHex(V7));
    assert.equal(toHex(lzwEncode(V7)), toHex(v10Buffer));
  });

  it('matches Go on long inputs, across table resets', () => {
    for (const vector of GO_VECTORS) {
      const input = generate(vector.seed, vector.length, vector.mask);
      const compressed = lzwEncode(input);
      assert.equal(compressed.length, vector.compressedLength, `seed ${vector.seed}`);
      assert.equal(sha256(compressed), vector.sha256, `seed ${vector.seed}`);
      assert.equal(sha256(lzwDecode(compressed)), sha256(input));
    }
  });

  it('matches Go for every length from 0 to 9000 in steps of 7 (the final flush at every table state)', () => {
    const hash = createHash('sha256');
    let total = 0;
    for (let length = 0; length <= 9000; length += 7) {
      const compressed = lzwEncode(generate(99, length, 3));
      total += compressed.length;
      hash.update(compressed);
    }
    assert.equal(total, 1858060);
    assert.equal(hash.digest('hex'), 'f49cd2836795c415897b5f2d391cffc5b5e7c1afb92b0ec58efcdf94c8247b9b');
  });

  it('round-trips any input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 3000 }),
          fc.array(fc.constantFrom(0, 1, 2), { maxLength: 20000 }).map((a) => Uint8Array.from(a)),
        ),
        (input) => {
          assert.deepEqual(lzwDecode(lzwEncode(input)), input);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('bounds the output and rejects invalid codes and missing end-of-data', () => {
    const zeros = lzwEncode(new Uint8Array(100_000));
    assert.throws(() => lzwDecode(zeros, 99_999), { reason: 'too-large' });
    assert.equal(lzwDecode(zeros, 100_000).length, 100_000);
    // clear, then code 300 (not yet defined): 9-bit codes LSB-first
    assert.throws(() => lzwDecode(hex('005902')), { reason: 'bad-compression' });
    assert.throws(() => lzwDecode(zeros.subarray(0, zeros.length - 2)), { reason: 'bad-compression' });
    assert.throws(() => lzwDecode(new Uint8Array(0)), { reason: 'bad-compression' });
  });

  it('throws only GossipDecodeError reasons on arbitrary input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), (bytes) => {
        try {
          lzwDecode(bytes, 1 << 20);
        } catch (error) {
          assert.ok(
            ['bad-compression', 'too-large'].includes((error as { reason?: string }).reason ?? ''),
            String(error),
          );
        }
      }),
      { numRuns: 2000 },
    );
  });
});
