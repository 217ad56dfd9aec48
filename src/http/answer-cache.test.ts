import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnswerCache } from './answer-cache.ts';

describe('AnswerCache', () => {
  it('builds once per (store, query, index) and reuses the bytes', () => {
    const cache = new AnswerCache();
    const store = {};
    let builds = 0;
    const build = () => `[${++builds}]`;
    const first = cache.answer('web', store, 5, build);
    assert.equal(cache.answer('web', store, 5, build), first);
    assert.equal(builds, 1);
    assert.equal(Buffer.from(first).toString(), '[1]');
  });

  it('rebuilds when the index moves, the query differs, or the store was replaced', () => {
    const cache = new AnswerCache();
    const store = {};
    let builds = 0;
    const build = () => String(++builds);
    cache.answer('web', store, 5, build);
    cache.answer('web', store, 6, build);
    cache.answer('web?passing', store, 6, build);
    cache.answer('web', {}, 6, build);
    assert.equal(builds, 4);
  });

  it('keeps at most its capacity, dropping the least recently used', () => {
    const cache = new AnswerCache(2);
    const store = {};
    let builds = 0;
    const build = () => String(++builds);
    cache.answer('a', store, 1, build);
    cache.answer('b', store, 1, build);
    cache.answer('a', store, 1, build); // a is now the most recent
    cache.answer('c', store, 1, build); // evicts b
    assert.equal(cache.size, 2);
    cache.answer('a', store, 1, build);
    assert.equal(builds, 3);
    cache.answer('b', store, 1, build);
    assert.equal(builds, 4);
  });
});
