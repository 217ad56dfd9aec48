import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GoSyntaxError, parseGoBool, parseGoInt, quoteGo, unquoteGo } from './go-strconv.ts';

// Expected values are Go 1.19's strconv answers for the same inputs.

describe('quoteGo', () => {
  const table: [string, string][] = [
    ['plain', '"plain"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['tab\tnl\nbell\x07', '"tab\\tnl\\nbell\\a"'],
    ['\x00\x1f\x7f', '"\\x00\\x1f\\x7f"'],
    ['é😀', '"é😀"'],
    ['\u00a0\u2028\u200b', '"\\u00a0\\u2028\\u200b"'],
    ['\ud800', '"\\ufffd"'],
  ];
  for (const [text, quoted] of table) {
    it(`quotes ${JSON.stringify(text)} as ${quoted}`, () => assert.equal(quoteGo(text), quoted));
  }
});

describe('unquoteGo', () => {
  const table: [string, string | undefined][] = [
    ['"a\\x41\\101\\u00e9\\U0001F600"', 'aAAé😀'],
    ['`a\r\nb`', 'a\nb'],
    ['`raw \\n`', 'raw \\n'],
    ['"a\'b"', "a'b"],
    ['"\\\'"', undefined],
    ['"\\400"', undefined],
    ['"\\ud800"', undefined],
    ['"\\U00110000"', undefined],
    ['"\\z"', undefined],
    ['"\\"', undefined],
    ['"a\nb"', undefined],
    ['"x', undefined],
    ['`a`b`', undefined],
    // Go keeps the byte 0xff; a JS string cannot, so it becomes U+FFFD.
    ['"\\xff"', '\ufffd'],
    ['"\\xc3\\xa9"', 'é'],
  ];
  for (const [literal, text] of table) {
    it(`reads ${literal} as ${JSON.stringify(text)}`, () => assert.equal(unquoteGo(literal), text));
  }
});

describe('parseGoInt', () => {
  const table: [string, bigint | 'syntax' | 'range'][] = [
    ['0', 0n],
    ['-0', 0n],
    ['+7', 7n],
    ['0x1F', 31n],
    ['0X1f', 31n],
    ['0o17', 15n],
    ['017', 15n],
    ['0b101', 5n],
    ['1_000', 1000n],
    ['0x_1F', 31n],
    ['9223372036854775807', 9223372036854775807n],
    ['-9223372036854775808', -9223372036854775808n],
    ['_1', 'syntax'],
    ['1_', 'syntax'],
    ['1__0', 'syntax'],
    ['0x', 'syntax'],
    ['08', 'syntax'],
    ['1.5', 'syntax'],
    ['1e3', 'syntax'],
    ['', 'syntax'],
    ['-', 'syntax'],
    ['9223372036854775808', 'range'],
    ['-9223372036854775809', 'range'],
    ['18446744073709551616', 'range'],
  ];
  for (const [text, expected] of table) {
    it(`reads ${JSON.stringify(text)}`, () => {
      const parsed = parseGoInt(text);
      if (typeof expected === 'bigint') return assert.equal(parsed, expected);
      assert.ok(parsed instanceof GoSyntaxError);
      const reason = expected === 'syntax' ? 'invalid syntax' : 'value out of range';
      assert.equal(parsed.message, `strconv.ParseInt: parsing ${JSON.stringify(text)}: ${reason}`);
    });
  }
});

describe('parseGoBool', () => {
  it("reads Go's spellings of true and false, and refuses the rest", () => {
    for (const text of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseGoBool(text), true);
    for (const text of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseGoBool(text), false);
    const refused = parseGoBool('yes');
    assert.ok(refused instanceof GoSyntaxError);
    assert.equal(refused.message, 'strconv.ParseBool: parsing "yes": invalid syntax');
  });
});
