import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EMPTY_BYTES, internAsciiRange, internBytes, internBytesRange } from './interned.ts';

describe('interned', () => {
  it('hands out equal contents, never the caller’s array, and one object for equal contents', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const shared = internBytes(bytes);
        assert.deepEqual([...shared], [...bytes]);
        if (bytes.length > 0) assert.notEqual(shared, bytes);
        if (bytes.length > 0 && bytes.length <= 512) {
          assert.equal(internBytes(bytes.slice()), shared, 'equal contents, same object');
          bytes[0] = (bytes[0]! + 1) & 0xff; // the caller mutating its array changes nothing shared
          assert.notDeepEqual([...shared], [...bytes]);
        }
      }),
    );
    assert.equal(internBytes(new Uint8Array(0)), EMPTY_BYTES);
  });

  it('stays correct when many contents compete for the slots', () => {
    const values = Array.from({ length: 40_000 }, (_, i) => Uint8Array.of(i & 0xff, (i >> 8) & 0xff, 7));
    for (const value of values) assert.deepEqual([...internBytes(value)], [...value]);
    for (const value of values)
      assert.deepEqual([...internBytesRange(value, 1, 3)], [...value.subarray(1, 3)]);
  });

  it('decodes ASCII names to shared strings; leaves other text to the UTF-8 decoder', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 80 }), fc.nat(5), (text, pad) => {
        const bytes = new Uint8Array(pad + text.length);
        for (let i = 0; i < text.length; i++) bytes[pad + i] = text.charCodeAt(i);
        const decoded = internAsciiRange(bytes, pad, bytes.length);
        if (text.length > 64) assert.equal(decoded, undefined);
        else assert.equal(decoded, text);
      }),
    );
    const names = Array.from({ length: 20_000 }, (_, i) => `node-${i}`);
    for (const name of names)
      assert.equal(internAsciiRange(new TextEncoder().encode(name), 0, name.length), name);
    assert.equal(internAsciiRange(new TextEncoder().encode('nöde'), 0, 5), undefined);
  });
});
