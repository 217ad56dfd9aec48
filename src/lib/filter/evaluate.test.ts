import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilter } from './bind-filter.ts';
import { evaluate } from './evaluate.ts';
import { FilterError } from './expression.ts';
import { FIXTURE_RECORD, FIXTURE_SCHEMA } from './testing/fixture.ts';

function answer(text: string, record: unknown): boolean {
  const filter = compileFilter(text, FIXTURE_SCHEMA);
  if (filter instanceof FilterError) assert.fail(`${JSON.stringify(text)}: ${filter.message}`);
  return evaluate(filter, record);
}

function check(table: [string, boolean][], record: unknown): void {
  for (const [text, expected] of table) {
    it(`${JSON.stringify(text)} is ${expected}`, () => assert.equal(answer(text, record), expected));
  }
}

// Every answer here is go-bexpr v0.1.2's for the same filter and record (testing/fixture.ts).

describe('evaluate: strings, integers, booleans', () => {
  check(
    [
      ['Name == "web-1"', true],
      ['Name == web', false],
      ['Name != web', true],
      ['Name contains web', true],
      ['"eb-" in Name', true],
      ['"" in Name', true],
      ['Name not contains x', true],
      ['Name matches "^web-[0-9]+$"', true],
      ['Name not matches "^db"', true],
      ['Count == 3', true],
      ['Count == "+3"', true],
      ['Count != 3', false],
      ['Count == -3', false],
      ['Enabled == true', true],
      ['Enabled == T', true],
      ['Enabled == 1', true],
      ['Enabled != False', true],
      ['Enabled == false', false],
    ],
    FIXTURE_RECORD,
  );
});

describe('evaluate: lists of values test their elements', () => {
  check(
    [
      ['v1 in Tags', true],
      ['"v" in Tags', false],
      ['Tags contains primary', true],
      ['v2 not in Tags', true],
      ['Tags is empty', false],
      ['Tags is not empty', true],
      ['80 in Ports', true],
      ['"0x50" in Ports', true],
      ['8 in Ports', false],
      ['Enabled in Tags', false],
    ],
    FIXTURE_RECORD,
  );
});

describe('evaluate: maps test keys, and select values by key', () => {
  check(
    [
      ['Meta.env == prod', true],
      ['Meta["env"] == prod', true],
      ['Meta.env != prod', false],
      ['Meta["a b"] == spaced', true],
      ['env in Meta', true],
      ['zone in Meta', false],
      ['zone not in Meta', true],
      ['Meta is empty', false],
      ['Meta is not empty', true],
      ['Meta.empty == ""', true],
      ['Addresses.lan.Port == 8080', true],
      ['Addresses.lan.Tags contains internal', true],
      ['Addresses.lan.Meta.zone == a', true],
      ['lan in Addresses', true],
      ['Addresses is not empty', true],
    ],
    FIXTURE_RECORD,
  );
});

describe('evaluate: a missing map key answers by operator, as go-bexpr v0.1.2 does', () => {
  check(
    [
      ['Meta.missing == x', false],
      ['Meta.missing != x', true],
      ['Meta.missing contains x', false],
      ['Meta.missing not contains x', true],
      // v0.1.2 answers true for `matches` on a missing key (later versions: false); Consul has v0.1.2.
      ['Meta.missing matches x', true],
      ['Meta.missing not matches x', true],
      ['Addresses.wan.Port == 0', false],
      ['Addresses.wan.Port != 0', true],
    ],
    FIXTURE_RECORD,
  );
});

describe('evaluate: through a list of structs or maps, any element will do', () => {
  check(
    [
      ['Items.Name == a', true],
      ['Items.Name == b', true],
      ['Items.Name == c', false],
      ['Items.Name != a', true],
      ['not (Items.Name == a)', false],
      ['Items.Port == 2', true],
      ['Items.Enabled == false', true],
      ['Items.Tags contains x', true],
      ['Items.Tags is empty', true],
      ['Items.Meta.k == v', true],
      ['Items.Meta.k != v', true],
      ['k in Items.Meta', true],
      ['Items is not empty', true],
      ['MetaList.k == v2', true],
      ['MetaList.j == w', true],
      ['MetaList.j != w', true],
      ['MetaList is empty', false],
      ['Inner.Name == inner', true],
      ['Inner.Tags is empty', true],
      ['Inner.Meta.k != v', true],
    ],
    FIXTURE_RECORD,
  );
});

describe('evaluate: and, or, not', () => {
  check(
    [
      ['Name == "web-1" and Count == 3', true],
      ['Name == x or Count == 3', true],
      ['Name == x and Count == 3 or Enabled == true', true],
      ['Name == x and (Count == 3 or Enabled == true)', false],
      ['not Name == x and Count == 3', true],
      ['not (Name == x and Count == 3)', true],
    ],
    FIXTURE_RECORD,
  );
});

describe("evaluate: absent fields are Go's zero values; an empty list matches nothing", () => {
  check(
    [
      ['Name == ""', true],
      ['Name != ""', false],
      ['"" in Name', true],
      ['Count == 0', true],
      ['Enabled == false', true],
      ['Tags is empty', true],
      ['x not in Tags', true],
      ['Meta is empty', true],
      ['Meta.env != x', true],
      ['Meta.env == x', false],
      ['Items.Name == ""', false],
      ['Items.Name != x', false],
      ['not (Items.Name == x)', true],
      ['Items is empty', true],
      ['Inner.Name == ""', true],
      ['Inner.Meta.k matches x', true],
      ['Addresses.lan.Port != 1', true],
      ['MetaList.k != x', false],
    ],
    {},
  );

  it('reads a value of the wrong JS type as the zero value', () => {
    const odd = { Name: 7, Count: '3', Enabled: 'true', Tags: 'v1', Meta: ['x'], Items: { Name: 'a' } };
    assert.equal(answer('Name == ""', odd), true);
    assert.equal(answer('Count == 0', odd), true);
    assert.equal(answer('Enabled == false', odd), true);
    assert.equal(answer('Tags is empty', odd), true);
    assert.equal(answer('Meta is empty', odd), true);
    assert.equal(answer('Items is empty', odd), true);
    assert.equal(answer('Name == ""', null), true);
  });

  it('does not see inherited properties as map keys or fields', () => {
    assert.equal(answer('constructor in Meta', FIXTURE_RECORD), false);
    assert.equal(answer('Meta.toString == x', FIXTURE_RECORD), false);
    assert.equal(answer('Meta.toString != x', FIXTURE_RECORD), true);
  });
});
