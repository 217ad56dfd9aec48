import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FilterError, type FilterExpression } from './expression.ts';
import { MAX_NESTING_DEPTH, parseFilter } from './parse-filter.ts';

/** A tree as one line: `or(and(foo In "x", not(str Equal "y")), list IsEmpty)`; segments joined by `/`. */
function show(expression: FilterExpression): string {
  switch (expression.kind) {
    case 'match': {
      const value = expression.value === undefined ? '' : ` ${JSON.stringify(expression.value)}`;
      return `${expression.selector.join('/')} ${expression.operator.replaceAll(' ', '')}${value}`;
    }
    case 'not':
      return `not(${show(expression.operand)})`;
    case 'and':
    case 'or':
      return `${expression.kind}(${expression.operands.map(show).join(', ')})`;
  }
}

function parsed(text: string): string {
  const expression = parseFilter(text);
  if (expression instanceof FilterError) assert.fail(`${JSON.stringify(text)}: ${expression.message}`);
  return show(expression);
}

function failure(text: string): string {
  const expression = parseFilter(text);
  assert.ok(
    expression instanceof FilterError,
    `${JSON.stringify(text)} parsed as ${JSON.stringify(expression)}`,
  );
  return expression.message;
}

describe('parseFilter: the grammar', () => {
  const table: [string, string][] = [
    // every operator, in each of its spellings
    ['foo == 3', 'foo Equal "3"'],
    ['foo != xyz', 'foo NotEqual "xyz"'],
    ['foo==bar', 'foo Equal "bar"'],
    ['list is empty', 'list IsEmpty'],
    ['list is not empty', 'list IsNotEmpty'],
    ['foo in bar', 'bar In "foo"'],
    ['foo not in bar', 'bar NotIn "foo"'],
    ['bar contains foo', 'bar In "foo"'],
    ['bar not contains foo', 'bar NotIn "foo"'],
    ['foo matches "^b.*"', 'foo Matches "^b.*"'],
    ['foo not matches `^b`', 'foo NotMatches "^b"'],
    // precedence: not binds tighter than and, and tighter than or
    [
      'x in foo and not str == something or list is empty',
      'or(and(foo In "x", not(str Equal "something")), list IsEmpty)',
    ],
    [
      'x in foo and not (str == something or list is empty)',
      'and(foo In "x", not(or(str Equal "something", list IsEmpty)))',
    ],
    ['a == 1 or b == 2 and c == 3', 'or(a Equal "1", and(b Equal "2", c Equal "3"))'],
    ['(a == 1 or b == 2) and c == 3', 'and(or(a Equal "1", b Equal "2"), c Equal "3")'],
    ['a == 1 and b == 2 and c == 3', 'and(a Equal "1", b Equal "2", c Equal "3")'],
    ['a == 1 or b == 2 or c == 3', 'or(a Equal "1", b Equal "2", c Equal "3")'],
    ['not not a == 1', 'not(not(a Equal "1"))'],
    ['(((a == 1)))', 'a Equal "1"'],
    ['\t\r\n ( \t\r\n foo \t\r\n == \t\r\n x \t\r\n ) \t\r\n', 'foo Equal "x"'],
    // selectors: dotted, indexed with either quote, spaces and any characters inside an index
    ['foo.bar.baz == 1', 'foo/bar/baz Equal "1"'],
    ['`environment` in foo.bar["meta"].tags[\t`ENV` ]', 'foo/bar/meta/tags/ENV In "environment"'],
    ['Meta["a.b c-é"] == x', 'Meta/a.b c-é Equal "x"'],
    ['Meta[""] == x', 'Meta/ Equal "x"'],
    ['a_1.B2 == x', 'a_1/B2 Equal "x"'],
    // keywords are words like any other where a selector or value may stand
    ['not == in', 'not Equal "in"'],
    ['in in in', 'in In "in"'],
    // values: bare words (read as selectors, joined by dots), numbers, strings
    ['foo == bar.baz["q"]', 'foo Equal "bar.baz.q"'],
    ['foo == true', 'foo Equal "true"'],
    ['foo == -0.2', 'foo Equal "-0.2"'],
    ['foo == 0', 'foo Equal "0"'],
    ['foo == 11.11', 'foo Equal "11.11"'],
    ['foo == ""', 'foo Equal ""'],
    // Go's escapes; a `\"` would end the literal: the grammar knows no escaped quote
    ['foo == "tab\\there \\u00e9 \\x41 \\101 \\\\"', 'foo Equal "tab\\there é A A \\\\"'],
    ['foo == `raw \\n "quotes"`', 'foo Equal "raw \\\\n \\"quotes\\""'],
    ['foo == `a\r\nb`', 'foo Equal "a\\nb"'],
    ['foo == "a\rb"', 'foo Equal "a\\rb"'],
  ];
  for (const [text, tree] of table) {
    it(`parses ${JSON.stringify(text)}`, () => assert.equal(parsed(text), tree));
  }
});

describe('parseFilter: errors as go-bexpr words them', () => {
  // Every message here is what go-bexpr v0.1.2 answered for the same text.
  const table: [string, string][] = [
    ['foo == "12x', '1:12 (11): rule "string": Unterminated string literal'],
    ['foo == `12x', '1:12 (11): rule "string": Unterminated string literal'],
    ['foo == 3x', '1:9 (8): rule "number": Invalid number literal'],
    ['foo[3] == abc', '1:5 (4): rule "index": Invalid index'],
    ['x in foo["abc"', '1:15 (14): rule "index": Unclosed index expression'],
    ['foo["abc" == 3', '1:11 (10): rule "index": Unclosed index expression'],
    ['x in 32', '1:6 (5): rule "match": Invalid selector'],
    ['x in "quoted"', '1:6 (5): rule "match": Invalid selector'],
    ['32 == 32', '1:4 (3): no match found, expected: "in", "not" or [ \\t\\r\\n]'],
    ['32 is empty', '1:4 (3): no match found, expected: "in", "not" or [ \\t\\r\\n]'],
    ['x in foo abc', '1:10 (9): no match found, expected: "and", "or", [ \\t\\r\\n] or EOF'],
    [
      'x in foo and ',
      '1:14 (13): no match found, expected: "(", "-", "0", "\\"", "`", "not", [ \\t\\r\\n], [1-9] or [a-zA-Z]',
    ],
    [
      'x in foo or not ',
      '1:17 (16): no match found, expected: "!=", "(", "-", "0", "==", "\\"", "`", "contains", "in", "is", "matches", "not", [ \\t\\r\\n], [1-9] or [a-zA-Z]',
    ],
    ['(foo == 4', '1:10 (9): rule "grouping": Unmatched parentheses'],
    ['((Name == web)', '1:15 (14): rule "grouping": Unmatched parentheses'],
    ['Name == web)', '1:12 (11): no match found, expected: ".", "[", [ \\t\\r\\n], [a-zA-Z0-9_] or EOF'],
    ['foo == 3)', '1:9 (8): no match found, expected: ".", [ \\t\\r\\n], [0-9] or EOF'],
    ['Name ==', '1:8 (7): no match found, expected: "-", "0", "\\"", "`", [ \\t\\r\\n], [1-9] or [a-zA-Z]'],
    [
      'Name = web',
      '1:6 (5): no match found, expected: "!=", "==", "contains", "in", "is", "matches", "not" or [ \\t\\r\\n]',
    ],
    [
      '== web',
      '1:1 (0): no match found, expected: "(", "-", "0", "\\"", "`", "not", [ \\t\\r\\n], [1-9] or [a-zA-Z]',
    ],
    [
      '  ',
      '1:3 (2): no match found, expected: "(", "-", "0", "\\"", "`", "not", [ \\t\\r\\n], [1-9] or [a-zA-Z]',
    ],
    ['Name == web and', '1:16 (15): no match found, expected: [ \\t\\r\\n]'],
    ['Name == web andCount == 3', '1:16 (15): no match found, expected: [ \\t\\r\\n]'],
    [
      'not(Name == web)',
      '1:4 (3): no match found, expected: "!=", ".", "==", "[", [ \\t\\r\\n] or [a-zA-Z0-9_]',
    ],
    ['Name is emptyx', '1:14 (13): no match found, expected: [ \\t\\r\\n] or EOF'],
    ['Name == "a\\qb"', '1:9 (8): rule "string": invalid syntax'],
    ['Name == "tab\\\'"', '1:9 (8): rule "string": invalid syntax'],
    ['Name == "new\nline"', '1:9 (8): rule "string": invalid syntax'],
    ['Name == 1.', '1:10 (9): rule "number": Invalid number literal'],
    ['Name == 1.5.3', '1:12 (11): rule "number": Invalid number literal'],
    ['Name == 007', '1:10 (9): rule "number": Invalid number literal'],
    ['Name == -x', '1:10 (9): no match found, expected: "0" or [1-9]'],
    // columns count code points, offsets count UTF-8 bytes, a newline starts a line at column 0
    ['Name == "é" ?', '1:13 (13): no match found, expected: "and", "or", [ \\t\\r\\n] or EOF'],
    [
      'Name\n== "é" and\n  ?',
      '3:3 (19): no match found, expected: "(", "-", "0", "\\"", "`", "not", [ \\t\\r\\n], [1-9] or [a-zA-Z]',
    ],
  ];
  for (const [text, message] of table) {
    it(`refuses ${JSON.stringify(text)}`, () => assert.equal(failure(text), message));
  }

  it('reports every complaint the parse made, one per line', () => {
    assert.equal(
      failure('foo["abc'),
      '1:9 (8): rule "string": Unterminated string literal\n1:5 (4): rule "index": Invalid index',
    );
  });

  it(`refuses nesting deeper than ${MAX_NESTING_DEPTH} levels instead of exhausting the stack`, () => {
    const deep = `${'('.repeat(MAX_NESTING_DEPTH)}a == 1${')'.repeat(MAX_NESTING_DEPTH)}`;
    assert.equal(parsed(deep), 'a Equal "1"');
    assert.match(failure(`(${deep})`), /nesting deeper than 100 levels is not supported$/);
    assert.match(failure(`${'not '.repeat(10_000)}a == 1`), /nesting deeper than 100 levels/);
    assert.ok(parseFilter('('.repeat(100_000)) instanceof FilterError);
  });

  it('parses long chains without deep recursion', () => {
    const chain = Array.from({ length: 5_000 }, (_, i) => `a == ${i}`).join(' and ');
    const expression = parseFilter(chain);
    assert.ok(!(expression instanceof FilterError) && expression.kind === 'and');
    assert.equal(expression.operands.length, 5_000);
  });
});
