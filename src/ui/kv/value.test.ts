import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeEditorText, indentedJson, presentValue, sameBytes } from './value.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);

describe('presentValue', () => {
  it('shows text as text and a missing value as empty text', () => {
    assert.deepEqual(presentValue(utf8('hello\nworld')), {
      mode: 'text',
      text: 'hello\nworld',
      lineEnding: '\n',
      formatted: false,
      size: 11,
    });
    assert.deepEqual(presentValue(null), {
      mode: 'text',
      text: '',
      lineEnding: '\n',
      formatted: false,
      size: 0,
    });
  });

  it('indents a compact JSON object or array and says so', () => {
    const shown = presentValue(utf8('{"a":[1,2],"b":{"c":"x y"}}'));
    assert.equal(shown.text, '{\n  "a": [\n    1,\n    2\n  ],\n  "b": {\n    "c": "x y"\n  }\n}');
    assert.equal(shown.formatted, true);
    const already = '[\n  1\n]';
    assert.deepEqual(presentValue(utf8(already)), {
      mode: 'text',
      text: already,
      lineEnding: '\n',
      formatted: false,
      size: already.length,
    });
  });

  it('flags invalid UTF-8 and control bytes as binary, shown in base64', () => {
    assert.deepEqual(presentValue(new Uint8Array([0xff, 0x00, 0x01])), {
      mode: 'base64',
      text: '/wAB',
      lineEnding: '\n',
      formatted: false,
      size: 3,
    });
    assert.equal(presentValue(utf8('a\u0000b')).mode, 'base64');
    assert.equal(presentValue(utf8('bell\u0007')).mode, 'base64');
    assert.equal(presentValue(utf8('del\u007f')).mode, 'base64');
    assert.equal(presentValue(utf8('tab\tand\nnewline')).mode, 'text');
  });

  it('edits CRLF text as lines and writes CRLF back; a lone CR is binary', () => {
    const shown = presentValue(utf8('a\r\nb\r\n'));
    assert.equal(shown.mode, 'text');
    assert.equal(shown.text, 'a\nb\n');
    assert.equal(shown.lineEnding, '\r\n');
    assert.equal(presentValue(utf8('a\rb')).mode, 'base64');
    assert.equal(presentValue(utf8('a\r\nb\nc')).mode, 'base64');
  });

  it('keeps a byte order mark', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x61]);
    const shown = presentValue(bytes);
    assert.equal(shown.mode, 'text');
    const stored = encodeEditorText(shown.text, shown);
    assert.ok(stored.ok && sameBytes(stored.bytes, bytes));
  });

  it('stores any value shown and saved unchanged byte for byte, unless it was indented JSON', () => {
    const values = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }).map(utf8),
      fc
        .array(fc.constantFrom('a', ' ', '\n', '\r\n', '\r', '\t', '{', '"', 'é', '\u0000'), {
          maxLength: 20,
        })
        .map((parts) => utf8(parts.join(''))),
      fc.jsonValue().map((json) => utf8(JSON.stringify(json))),
    );
    fc.assert(
      fc.property(values, (bytes) => {
        const shown = presentValue(bytes);
        const stored = encodeEditorText(shown.text, shown);
        assert.ok(stored.ok);
        if (shown.formatted) {
          const decode = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
          assert.deepEqual(decode(stored.bytes), decode(bytes));
        } else {
          assert.ok(sameBytes(stored.bytes, bytes), `${bytes} became ${stored.bytes}`);
        }
      }),
    );
  });
});

describe('indentedJson', () => {
  it('leaves alone JSON that would change when written again', () => {
    assert.equal(indentedJson('{"n": 12345678901234567890}'), undefined);
    assert.equal(indentedJson('{"a": 1, "a": 2}'), undefined);
    assert.equal(indentedJson('{"e": "\\u00e9"}'), undefined);
    assert.equal(indentedJson('[1.0]'), undefined);
    assert.equal(indentedJson('{"a": 1'), undefined);
  });

  it('indents only objects and arrays, ignoring spaces inside strings', () => {
    assert.equal(indentedJson('"text"'), undefined);
    assert.equal(indentedJson('42'), undefined);
    assert.equal(indentedJson(' { "k" : "a b\\" c" } \n'), '{\n  "k": "a b\\" c"\n}');
  });
});

describe('encodeEditorText', () => {
  it('decodes base64, ignoring white space', () => {
    const stored = encodeEditorText('/w\nAB ', { mode: 'base64', lineEnding: '\n' });
    assert.ok(stored.ok);
    assert.deepEqual([...stored.bytes], [0xff, 0x00, 0x01]);
  });

  it('refuses invalid base64 with the offset and saves nothing', () => {
    assert.deepEqual(encodeEditorText('abc', { mode: 'base64', lineEnding: '\n' }), {
      ok: false,
      problem: 'The value is not valid base64 (illegal base64 data at input byte 0). Nothing was saved.',
    });
    assert.equal(encodeEditorText('ab!d', { mode: 'base64', lineEnding: '\n' }).ok, false);
  });

  it('encodes text as UTF-8', () => {
    const stored = encodeEditorText('é', { mode: 'text', lineEnding: '\n' });
    assert.ok(stored.ok);
    assert.deepEqual([...stored.bytes], [0xc3, 0xa9]);
  });
});
