import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { crc32c } from './crc32c.ts';

/** The textbook bit-at-a-time definition, to check the sliced tables against. */
function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

describe('crc32c', () => {
  // RFC 3720 Appendix B.4 and the check value of the CRC catalogue.
  const vectors: [string, Uint8Array, number][] = [
    ['empty', new Uint8Array(0), 0],
    ['"123456789"', new TextEncoder().encode('123456789'), 0xe3069283],
    ['32 zero bytes', new Uint8Array(32), 0x8a9136aa],
    ['32 bytes of 0xff', new Uint8Array(32).fill(0xff), 0x62a8ab43],
    ['bytes 0..31 ascending', Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
    ['bytes 31..0 descending', Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
  ];
  for (const [name, bytes, expected] of vectors) {
    it(`checksums ${name} as 0x${expected.toString(16).padStart(8, '0')}`, () => {
      assert.equal(crc32c(bytes), expected);
    });
  }

  it('agrees with the bitwise definition for any bytes and any alignment', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(7), (bytes, start) => {
        const view = bytes.subarray(Math.min(start, bytes.length));
        assert.equal(crc32c(view), crc32cBitwise(view));
      }),
    );
  });

  it('continues from a previous CRC as if the pieces were one buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
        const whole = new Uint8Array(a.length + b.length);
        whole.set(a);
        whole.set(b, a.length);
        assert.equal(crc32c(b, crc32c(a)), crc32c(whole));
      }),
    );
  });
});
