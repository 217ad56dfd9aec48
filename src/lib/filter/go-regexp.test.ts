import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGoRegexp } from './go-regexp.ts';

describe('compileGoRegexp: matches what Go matches', () => {
  // Every answer is Go's regexp.MatchString for the same pattern and text.
  const table: [string, [string, boolean][]][] = [
    [
      '^web-[0-9]+$',
      [
        ['web-12', true],
        ['web-', false],
        ['xweb-1', false],
      ],
    ],
    [
      '.',
      [
        ['\n', false],
        ['\r', true],
        ['\u2028', true],
        ['😀', true],
      ],
    ],
    [
      '^.$',
      [
        ['😀', true],
        ['é', true],
        ['\n', false],
      ],
    ],
    ['(?s)^.$', [['\n', true]]],
    [
      '(?i)^WEB$',
      [
        ['web', true],
        ['Web', true],
        ['WEB ', false],
      ],
    ],
    [
      '(?m)^b$',
      [
        ['a\nb\nc', true],
        ['a\rb', false],
      ],
    ],
    [
      '^a$',
      [
        ['a\n', false],
        ['x\na', false],
      ],
    ],
    ['a(?s:.)b', [['a\nb', true]]],
    [
      '\\s',
      [
        ['\t', true],
        ['\u00a0', false],
        ['\v', false],
      ],
    ],
    [
      '^\\S+$',
      [
        ['a\u00a0b', true],
        ['a b', false],
      ],
    ],
    [
      '\\d',
      [
        ['٣', false],
        ['3', true],
      ],
    ],
    [
      '\\w',
      [
        ['é', false],
        ['_', true],
      ],
    ],
    [
      '\\bweb\\b',
      [
        ['a web b', true],
        ['webs', false],
      ],
    ],
    [
      '\\Aweb\\z',
      [
        ['web', true],
        ['web\n', false],
      ],
    ],
    [
      'a{2}',
      [
        ['aa', true],
        ['a', false],
      ],
    ],
    ['a{', [['a{', true]]],
    ['x}', [['x}', true]]],
    [
      '[]a]',
      [
        [']', true],
        ['a', true],
        ['b', false],
      ],
    ],
    [
      '[^]a]',
      [
        [']', false],
        ['b', true],
      ],
    ],
    [
      '[[:alpha:]]+$',
      [
        ['abc', true],
        ['ab1', false],
      ],
    ],
    [
      '[\\d-z]',
      [
        ['-', true],
        ['z', true],
        ['y', false],
      ],
    ],
    ['\\-\\_\\#', [['-_#', true]]],
    ['\\x41\\x{42}\\103', [['ABC', true]]],
    [
      '\\Qa.b\\E',
      [
        ['a.b', true],
        ['axb', false],
      ],
    ],
    ['(?P<name>web)', [['web', true]]],
    ['\\pL+', [['héllo', true]]],
    [
      '\\p{Greek}',
      [
        ['αβ', true],
        ['ab', false],
      ],
    ],
    ['^*a', [['a', true]]],
    ['$+', [['', true]]],
    ['(?)web', [['web', true]]],
  ];
  for (const [pattern, cases] of table) {
    it(`compiles ${JSON.stringify(pattern)}`, () => {
      const regexp = compileGoRegexp(pattern);
      assert.ok(regexp instanceof RegExp, String(regexp));
      for (const [text, expected] of cases) assert.equal(regexp.test(text), expected, JSON.stringify(text));
    });
  }
});

describe('compileGoRegexp: refusals', () => {
  const table: [string, string][] = [
    // Go refuses these too, in these words.
    ['\\e', 'error parsing regexp: invalid escape sequence: `\\e`'],
    ['\\1', 'error parsing regexp: invalid escape sequence: `\\1`'],
    ['a\\', 'error parsing regexp: trailing backslash at end of expression: ``'],
    ['(?=a)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
    ['(?<!a)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?<`'],
    ['[a', 'error parsing regexp: missing closing ]: `[a`'],
    ['(', 'error parsing regexp: missing closing ): `(`'],
    [')', 'error parsing regexp: unexpected ): `)`'],
    // Go takes these; JS cannot express them (see go-regexp.ts).
    ['(?U)a+', 'error parsing regexp: invalid or unsupported Perl syntax: `(?U)`'],
    ['a(?i)b', 'error parsing regexp: invalid or unsupported Perl syntax: `(?i)`'],
  ];
  for (const [pattern, message] of table) {
    it(`refuses ${JSON.stringify(pattern)}`, () => assert.equal(compileGoRegexp(pattern), message));
  }
});
