import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeBase64, encodeBase64 } from './base64.ts';

const text = (value: string) => new TextEncoder().encode(value);

describe('base64', () => {
  const table: [string, string][] = [
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['hello world', 'aGVsbG8gd29ybGQ='],
  ];
  for (const [plain, encoded] of table) {
    it(`encodes ${JSON.stringify(plain)} as ${encoded} and back`, () => {
      assert.equal(encodeBase64(text(plain)), encoded);
      assert.deepEqual(decodeBase64(encoded), text(plain));
    });
  }

  it('round-trips any bytes and agrees with Buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const encoded = encodeBase64(bytes);
        assert.equal(encoded, Buffer.from(bytes).toString('base64'));
        assert.deepEqual(decodeBase64(encoded), bytes);
      }),
    );
  });

  it('skips line breaks like Go', () => {
    assert.deepEqual(decodeBase64('Zm9v\r\nYg=='), text('foob'));
  });

  const invalid: [string, string][] = [
    ['Zm9', 'illegal base64 data at input byte 0'],
    ['Zm9vY', 'illegal base64 data at input byte 4'],
    ['Zm!v', 'illegal base64 data at input byte 2'],
    ['Zg==Zm9v', 'illegal base64 data at input byte 2'],
    ['Z===', 'illegal base64 data at input byte 1'],
  ];
  for (const [encoded, message] of invalid) {
    it(`rejects ${JSON.stringify(encoded)}`, () => {
      assert.throws(() => decodeBase64(encoded), { message });
    });
  }
});
