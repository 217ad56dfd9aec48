import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileFilter, evaluate, FilterError, type FilterExpression, parseFilter } from './filter.ts';
import { FIXTURE_SCHEMA } from './testing/fixture.ts';

/** Fragments of filters, so that random text gets past the first character now and then. */
const fragment = fc.constantFrom(
  'Name',
  'Meta',
  '.env',
  '["a b"]',
  '[',
  ']',
  '`x`',
  '"x',
  '"',
  '\\',
  'Items.Name',
  'Tags',
  'Count',
  ' == ',
  ' != ',
  ' in ',
  ' not ',
  ' contains ',
  ' matches ',
  ' is ',
  'empty',
  ' and ',
  ' or ',
  'not ',
  '(',
  ')',
  '0',
  '-1',
  '1.5',
  '3x',
  'web',
  'true',
  ' ',
  '\n',
  'é',
  '😀',
  '\u0000',
);
const filterish = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fragment, { maxLength: 12 }).map((parts) => parts.join('')),
);

/** Valid matches over the fixture schema, every kind and operator. */
const match = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(
        'Name',
        'Inner.Name',
        'Items.Name',
        'Meta.env',
        'Meta["a b"]',
        'Addresses.lan.Name',
        'MetaList.k',
      ),
      fc.constantFrom('==', '!=', 'contains', 'not contains', 'matches', 'not matches'),
      fc.constantFrom('web', '"web-1"', '``', '"^w"', 'a', '"(?i)A$"'),
    )
    .map(([selector, operator, value]) => `${selector} ${operator} ${value}`),
  fc
    .tuple(
      fc.constantFrom('Count', 'Inner.Port', 'Items.Port', 'Addresses.lan.Port'),
      fc.constantFrom('==', '!='),
      fc.constantFrom('0', '3', '-1', '"0x3"'),
    )
    .map(([selector, operator, value]) => `${selector} ${operator} ${value}`),
  fc
    .tuple(
      fc.constantFrom('Enabled', 'Items.Enabled'),
      fc.constantFrom('==', '!='),
      fc.constantFrom('true', 'F'),
    )
    .map(([selector, operator, value]) => `${selector} ${operator} ${value}`),
  fc
    .tuple(
      fc.constantFrom('v1', '"x"', 'env', 'k'),
      fc.constantFrom('in', 'not in'),
      fc.constantFrom('Tags', 'Items.Tags', 'Meta', 'Items.Meta'),
    )
    .map(([value, operator, selector]) => `${value} ${operator} ${selector}`),
  fc
    .tuple(fc.constantFrom('80', '"1"'), fc.constantFrom('in', 'not in'))
    .map(([value, operator]) => `${value} ${operator} Ports`),
  fc
    .tuple(
      fc.constantFrom('Tags', 'Ports', 'Meta', 'Items', 'MetaList', 'Addresses', 'Items.Meta', 'Items.Tags'),
      fc.constantFrom('is empty', 'is not empty'),
    )
    .map(([selector, operator]) => `${selector} ${operator}`),
);

const expression: fc.Arbitrary<string> = fc.letrec<{ filter: string }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small' },
    match,
    fc.tuple(tie('filter'), fc.constantFrom(' and ', ' or '), tie('filter')).map((parts) => parts.join('')),
    tie('filter').map((inner) => `not ${inner}`),
    tie('filter').map((inner) => `(${inner})`),
  ),
})).filter;

const text = fc.constantFrom('', 'a', 'web', 'web-1', 'x', 'A', 'v1', 'prod');
const inner = fc.record(
  {
    Name: text,
    Port: fc.constantFrom(0, 3, -1),
    Enabled: fc.boolean(),
    Tags: fc.array(text, { maxLength: 3 }),
    Meta: fc.dictionary(fc.constantFrom('k', 'env'), text),
  },
  { requiredKeys: [] },
);
const conforming = fc.record(
  {
    Name: text,
    Count: fc.constantFrom(0, 3, -1),
    Enabled: fc.boolean(),
    Tags: fc.array(text, { maxLength: 3 }),
    Ports: fc.array(fc.constantFrom(1, 80), { maxLength: 3 }),
    Meta: fc.dictionary(fc.constantFrom('env', 'a b', 'k'), text),
    Addresses: fc.dictionary(fc.constantFrom('lan', 'wan'), inner),
    Inner: inner,
    Items: fc.array(inner, { maxLength: 3 }),
    MetaList: fc.array(fc.dictionary(fc.constantFrom('k', 'j'), text), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
/** Records shaped like the schema, and anything at all (wrong types read as zero values). */
const record = fc.oneof(conforming, fc.anything());

function compiled(filter: string) {
  const bound = compileFilter(filter, FIXTURE_SCHEMA);
  if (bound instanceof FilterError) assert.fail(`${filter}: ${bound.message}`);
  return bound;
}

describe('filter properties', () => {
  it('parses any text to an expression or a FilterError, never throwing', () => {
    fc.assert(
      fc.property(filterish, (input) => {
        const parsed: FilterExpression | FilterError = parseFilter(input);
        assert.ok(parsed instanceof FilterError || ['match', 'not', 'and', 'or'].includes(parsed.kind));
      }),
      { numRuns: 2_000 },
    );
  });

  it('compiles any text and evaluates what compiles on any record, never throwing', () => {
    fc.assert(
      fc.property(filterish, record, (input, value) => {
        const bound = compileFilter(input, FIXTURE_SCHEMA);
        if (!(bound instanceof FilterError)) assert.equal(typeof evaluate(bound, value), 'boolean');
      }),
      { numRuns: 1_000 },
    );
  });

  it('accepts every well-formed filter over the schema', () => {
    fc.assert(fc.property(expression, (filter) => void compiled(filter)));
  });

  it('evaluates not (e) to the negation of e', () => {
    fc.assert(
      fc.property(expression, record, (filter, value) => {
        assert.equal(evaluate(compiled(`not (${filter})`), value), !evaluate(compiled(filter), value));
      }),
      { numRuns: 500 },
    );
  });

  it("keeps De Morgan's laws and ignores parentheses around a whole", () => {
    fc.assert(
      fc.property(expression, expression, record, (a, b, value) => {
        const both = evaluate(compiled(`not ((${a}) and (${b}))`), value);
        assert.equal(both, evaluate(compiled(`not (${a}) or not (${b})`), value));
        const either = evaluate(compiled(`not ((${a}) or (${b}))`), value);
        assert.equal(either, evaluate(compiled(`not (${a}) and not (${b})`), value));
        assert.equal(evaluate(compiled(`(${a})`), value), evaluate(compiled(a), value));
      }),
      { numRuns: 300 },
    );
  });
});
