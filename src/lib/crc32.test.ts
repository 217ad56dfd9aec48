import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { crc32 } from './crc32.ts';

const ascii = (text: string) => new TextEncoder().encode(text);

describe('crc32 (IEEE)', () => {
  it('matches the standard check value and known strings', () => {
    assert.equal(crc32(ascii('123456789')), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
    assert.equal(crc32(ascii('The quick brown fox jumps over the lazy dog')), 0x414fa339);
    assert.equal(crc32(new Uint8Array(32)), 0x190a55ad);
  });

  it('equals node:zlib crc32 and composes piece by piece', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(), (bytes, at) => {
        assert.equal(crc32(bytes), zlibCrc32(bytes));
        const cut = bytes.length === 0 ? 0 : at % bytes.length;
        assert.equal(crc32(bytes.subarray(cut), crc32(bytes.subarray(0, cut))), crc32(bytes));
      }),
      { numRuns: 300 },
    );
  });
});
