import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anyService, filterServices, type ServiceRow, serviceHealth, tagUnion } from './services.ts';

function row(Name: string, Tags: string[] | null, passing = 1, warning = 0, critical = 0): ServiceRow {
  return {
    Name,
    Tags,
    InstanceCount: 1,
    ChecksPassing: passing,
    ChecksWarning: warning,
    ChecksCritical: critical,
  };
}

const rows = [
  row('web', ['v1', 'Primary']),
  row('db', ['v2'], 1, 0, 1),
  row('cache', null, 0, 2, 0),
  row('consul', []),
];

const names = (list: ServiceRow[]) => list.map((r) => r.Name);

describe('services list', () => {
  it('badges a summary by its worst count', () => {
    assert.equal(serviceHealth(row('a', null, 3, 0, 0)), 'passing');
    assert.equal(serviceHealth(row('a', null, 3, 1, 0)), 'warning');
    assert.equal(serviceHealth(row('a', null, 3, 1, 1)), 'critical');
    assert.equal(serviceHealth(row('a', null, 0, 0, 0)), 'passing');
  });

  it('collects every tag once, sorted, tolerating null tags', () => {
    assert.deepEqual(tagUnion([...rows, row('web2', ['v1'])]), ['Primary', 'v1', 'v2']);
    assert.deepEqual(tagUnion([]), []);
  });

  it('keeps everything, by name, without a filter', () => {
    assert.deepEqual(names(filterServices(rows, anyService)), ['cache', 'consul', 'db', 'web']);
  });

  it('searches names and tags, case-insensitively', () => {
    assert.deepEqual(names(filterServices(rows, { ...anyService, search: 'C' })), ['cache', 'consul']);
    assert.deepEqual(names(filterServices(rows, { ...anyService, search: 'primary' })), ['web']);
    assert.deepEqual(names(filterServices(rows, { ...anyService, search: '  V2 ' })), ['db']);
    assert.deepEqual(names(filterServices(rows, { ...anyService, search: 'nothing' })), []);
  });

  it('filters by the aggregated badge', () => {
    assert.deepEqual(names(filterServices(rows, { ...anyService, status: 'critical' })), ['db']);
    assert.deepEqual(names(filterServices(rows, { ...anyService, status: 'warning' })), ['cache']);
    assert.deepEqual(names(filterServices(rows, { ...anyService, status: 'passing' })), ['consul', 'web']);
  });

  it('filters by an exact tag, combined with the other filters', () => {
    assert.deepEqual(names(filterServices(rows, { ...anyService, tag: 'v1' })), ['web']);
    assert.deepEqual(names(filterServices(rows, { ...anyService, tag: 'v' })), []);
    assert.deepEqual(names(filterServices(rows, { ...anyService, tag: 'v1', status: 'critical' })), []);
  });

  it('sorts by name either way, or worst first', () => {
    assert.deepEqual(names(filterServices(rows, { ...anyService, sort: 'name-desc' })), [
      'web',
      'db',
      'consul',
      'cache',
    ]);
    assert.deepEqual(names(filterServices(rows, { ...anyService, sort: 'health' })), [
      'db',
      'cache',
      'consul',
      'web',
    ]);
  });

  it('does not reorder its input', () => {
    const input = [row('b', null), row('a', null)];
    filterServices(input, anyService);
    assert.deepEqual(names(input), ['b', 'a']);
  });
});
