import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilter } from './bind-filter.ts';
import { FilterError } from './expression.ts';
import { parseFilter } from './parse-filter.ts';
import { FIXTURE_SCHEMA } from './testing/fixture.ts';

function refusal(text: string): string {
  const filter = compileFilter(text, FIXTURE_SCHEMA);
  assert.ok(filter instanceof FilterError, `${JSON.stringify(text)} was accepted`);
  return filter.message;
}

describe('compileFilter: what the schema refuses, in go-bexpr v0.1.2 words', () => {
  // Every message here is what go-bexpr v0.1.2 answered for the same filter on the fixture type.
  const table: [string, string][] = [
    // selectors: exact field names, nothing below a primitive, no field a tag hides
    ['Nope == x', 'Selector "Nope" is not valid'],
    ['name == x', 'Selector "name" is not valid'],
    ['Inner.Nope == x', 'Selector "Inner.Nope" is not valid'],
    ['Name.x == y', 'Selector "Name.x" is not valid'],
    ['Meta.k.x == y', 'Selector "Meta.k.x" is not valid'],
    ['Items.Nope == x', 'Selector "Items.Nope" is not valid'],
    ['Items.Name.x == y', 'Selector "Items.Name.x" is not valid'],
    ['Tags.x == y', 'Selector "Tags.x" is not valid'],
    ['Hidden == x', 'Selector "Hidden" is not valid'],
    ['constructor == x', 'Selector "constructor" is not valid'],
    // operators each kind supports
    ['Name is empty', 'Invalid match operator "Is Empty" for selector "Name"'],
    ['Meta.missing is not empty', 'Invalid match operator "Is Not Empty" for selector "Meta.missing"'],
    ['Count contains 3', 'Invalid match operator "In" for selector "Count"'],
    ['Count matches 3', 'Invalid match operator "Matches" for selector "Count"'],
    ['Tags == x', 'Invalid match operator "Equal" for selector "Tags"'],
    ['Tags matches x', 'Invalid match operator "Matches" for selector "Tags"'],
    ['Meta == x', 'Invalid match operator "Equal" for selector "Meta"'],
    ['Inner == x', 'Invalid match operator "Equal" for selector "Inner"'],
    ['Inner is empty', 'Invalid match operator "Is Empty" for selector "Inner"'],
    ['Items == x', 'Invalid match operator "Equal" for selector "Items"'],
    ['Items contains x', 'Invalid match operator "In" for selector "Items"'],
    ['Items.Meta == x', 'Invalid match operator "Equal" for selector "Items.Meta"'],
    // values read as the field's type
    [
      'Count == x',
      'Failed to coerce value "x" for selector "Count": strconv.ParseInt: parsing "x": invalid syntax',
    ],
    [
      'Count == 1.5',
      'Failed to coerce value "1.5" for selector "Count": strconv.ParseInt: parsing "1.5": invalid syntax',
    ],
    [
      'Count == 99999999999999999999',
      'Failed to coerce value "99999999999999999999" for selector "Count": strconv.ParseInt: parsing "99999999999999999999": value out of range',
    ],
    [
      'Count == "1__0"',
      'Failed to coerce value "1__0" for selector "Count": strconv.ParseInt: parsing "1__0": invalid syntax',
    ],
    [
      'Enabled == yes',
      'Failed to coerce value "yes" for selector "Enabled": strconv.ParseBool: parsing "yes": invalid syntax',
    ],
    [
      'Enabled == ""',
      'Failed to coerce value "" for selector "Enabled": strconv.ParseBool: parsing "": invalid syntax',
    ],
    [
      'x in Ports',
      'Failed to coerce value "x" for selector "Ports": strconv.ParseInt: parsing "x": invalid syntax',
    ],
    // regular expressions
    [
      'Name matches "("',
      'Failed to compile regular expression "(": error parsing regexp: missing closing ): `(`',
    ],
    [
      'Name matches "[a"',
      'Failed to compile regular expression "[a": error parsing regexp: missing closing ]: `[a`',
    ],
    [
      'Name matches "\\\\e"',
      'Failed to compile regular expression "\\\\e": error parsing regexp: invalid escape sequence: `\\e`',
    ],
    [
      'Name matches "a\\\\"',
      'Failed to compile regular expression "a\\\\": error parsing regexp: trailing backslash at end of expression: ``',
    ],
    [
      'Name matches "(?=a)"',
      'Failed to compile regular expression "(?=a)": error parsing regexp: invalid or unsupported Perl syntax: `(?=`',
    ],
    // the first problem from the left wins
    ['Nope == x and Count == y', 'Selector "Nope" is not valid'],
    [
      'Count == y and Nope == x',
      'Failed to coerce value "y" for selector "Count": strconv.ParseInt: parsing "y": invalid syntax',
    ],
    ['not (Name == x or Tags == y)', 'Invalid match operator "Equal" for selector "Tags"'],
  ];
  for (const [text, message] of table) {
    it(`refuses ${JSON.stringify(text)}`, () => assert.equal(refusal(text), message));
  }

  it('passes parse errors through unchanged', () => {
    assert.equal(refusal('Name =='), (parseFilter('Name ==') as FilterError).message);
  });

  it('accepts what the schema allows, down every kind of path', () => {
    for (const text of [
      'Meta["a b"] == x',
      'Meta[""] == x',
      'Inner["Name"] == x',
      'Addresses.lan.Meta.zone == a',
      'Items.Meta.k != v',
      'MetaList.k == v',
      'k in Items.Meta',
      'Enabled in Tags',
      'Count == "0x10"',
      'Name matches `(?i)^WEB`',
    ]) {
      assert.ok(!(compileFilter(text, FIXTURE_SCHEMA) instanceof FilterError), text);
    }
  });
});
