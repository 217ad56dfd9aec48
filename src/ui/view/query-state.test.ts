import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatQuery, oneOf, readQuery } from './query-state.ts';

describe('query state', () => {
  it('reads the given keys, absent ones as empty', () => {
    assert.deepEqual(readQuery('?search=we%20b&tag=v1&other=x', ['search', 'status', 'tag']), {
      search: 'we b',
      status: '',
      tag: 'v1',
    });
    assert.deepEqual(readQuery('', ['search']), { search: '' });
  });

  it('writes only non-empty values, and nothing for none', () => {
    assert.equal(formatQuery({ search: 'a b', status: '', tag: 'x&y' }), '?search=a+b&tag=x%26y');
    assert.equal(formatQuery({ search: '', status: '' }), '');
  });

  it('round-trips', () => {
    const values = { search: 'Ünïcode/?&=', status: 'critical', tag: '' };
    assert.deepEqual(readQuery(formatQuery(values), ['search', 'status', 'tag']), values);
  });

  it('keeps known values and replaces unknown ones', () => {
    assert.equal(oneOf('warning', ['passing', 'warning'] as const, 'passing'), 'warning');
    assert.equal(oneOf('bogus', ['', 'passing'] as const, ''), '');
  });
});
