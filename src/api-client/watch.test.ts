import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { QueryOptions, QueryResult } from './query.ts';
import { isWatchChange, nextWatchIndex, watch } from './watch.ts';

describe('nextWatchIndex', () => {
  const table: [passed: number, answered: number, next: number][] = [
    [0, 5, 5], // first answer
    [5, 5, 5], // timeout: keep waiting on the same index
    [5, 9, 9], // change
    [9, 3, 0], // went backwards: start over
    [0, 0, 1], // a buggy 0 never becomes the next index
    [1, 0, 0], // backwards to 0 resets, and the reset request passes no index
  ];
  for (const [passed, answered, next] of table) {
    it(`after passing ${passed} and getting ${answered}, passes ${next}`, () => {
      assert.equal(nextWatchIndex(passed, answered), next);
    });
  }
});

describe('isWatchChange', () => {
  it('reports the first answer, then only answers past the passed index', () => {
    assert.equal(isWatchChange(0, 0), true);
    assert.equal(isWatchChange(0, 7), true);
    assert.equal(isWatchChange(7, 7), false);
    assert.equal(isWatchChange(7, 8), true);
    assert.equal(isWatchChange(7, 2), false);
  });
});

function scriptedQuery(indexes: number[]) {
  const passed: (number | undefined)[] = [];
  let call = 0;
  const query = async (options: QueryOptions): Promise<QueryResult<number>> => {
    passed.push(options.index);
    const lastIndex = indexes[call++];
    if (lastIndex === undefined) throw new Error('script exhausted');
    return { value: lastIndex, meta: { lastIndex, knownLeader: true, lastContactMs: 0 } };
  };
  return { query, passed };
}

describe('watch', () => {
  it('yields the first answer and each change, skipping timeouts and resetting when the index goes back', async () => {
    const { query, passed } = scriptedQuery([5, 5, 8, 3, 4]);
    const seen: number[] = [];
    const iterator = watch(query, { waitMs: 1000 });
    for await (const { value } of iterator) {
      seen.push(value);
      if (seen.length === 3) break;
    }
    assert.deepEqual(seen, [5, 8, 4]);
    assert.deepEqual(passed, [undefined, 5, 5, 8, undefined]);
  });

  it('stops quietly when the signal aborts a pending request', async () => {
    const controller = new AbortController();
    const query = (options: QueryOptions): Promise<QueryResult<string>> => {
      if (options.index === undefined) {
        return Promise.resolve({
          value: 'first',
          meta: { lastIndex: 2, knownLeader: true, lastContactMs: 0 },
        });
      }
      return new Promise((_, reject) =>
        options.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
      );
    };
    const seen: string[] = [];
    for await (const { value } of watch(query, { signal: controller.signal })) {
      seen.push(value);
      controller.abort();
    }
    assert.deepEqual(seen, ['first']);
  });

  it('ends with the error when a request fails', async () => {
    const { query } = scriptedQuery([1]);
    const seen: number[] = [];
    await assert.rejects(async () => {
      for await (const { value } of watch(query)) seen.push(value);
    }, /script exhausted/);
    assert.deepEqual(seen, [1]);
  });
});
