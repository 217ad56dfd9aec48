/**
 * A record type that has one field of every kind a filter can select, and a record of it. The
 * filter tests' expected answers were taken from go-bexpr v0.1.2 itself, evaluating the same
 * filters against the Go struct below (decoded from the same JSON), so the two must stay alike:
 *
 *     type Inner struct { Name string; Port int; Enabled bool; Tags []string; Meta map[string]string }
 *     type Fixture struct {
 *       Name string; Count int; Enabled bool; Tags []string; Ports []int; Meta map[string]string
 *       Addresses map[string]Inner; Inner Inner; Items []Inner; MetaList []map[string]string
 *       Hidden string `bexpr:"-"`
 *     }
 *
 * Test support, not production code.
 */
import { boolField, intField, listOf, mapOf, stringField, structOf } from '../filter.ts';

const inner = structOf({
  Name: stringField,
  Port: intField,
  Enabled: boolField,
  Tags: listOf(stringField),
  Meta: mapOf(stringField),
});

export const FIXTURE_SCHEMA = structOf({
  Name: stringField,
  Count: intField,
  Enabled: boolField,
  Tags: listOf(stringField),
  Ports: listOf(intField),
  Meta: mapOf(stringField),
  Addresses: mapOf(inner),
  Inner: inner,
  Items: listOf(inner),
  MetaList: listOf(mapOf(stringField)),
});

export const FIXTURE_RECORD = {
  Name: 'web-1',
  Count: 3,
  Enabled: true,
  Tags: ['v1', 'primary'],
  Ports: [80, 443],
  Meta: { env: 'prod', 'a b': 'spaced', empty: '' },
  Addresses: { lan: { Name: 'lan', Port: 8080, Enabled: true, Tags: ['internal'], Meta: { zone: 'a' } } },
  Inner: { Name: 'inner', Port: 0, Enabled: false, Tags: [], Meta: {} },
  Items: [
    { Name: 'a', Port: 1, Enabled: true, Tags: ['x'], Meta: { k: 'v' } },
    { Name: 'b', Port: 2, Enabled: false, Tags: [], Meta: {} },
  ],
  MetaList: [{ k: 'v1' }, { k: 'v2', j: 'w' }],
};
