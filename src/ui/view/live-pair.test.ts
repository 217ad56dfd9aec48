import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Live } from '../live.ts';
import { livePair } from './live-pair.ts';

const loading: Live<number> = { value: undefined, error: undefined, loading: true };
const answered = <T>(value: T): Live<T> => ({ value, error: undefined, loading: false });
const failed = (message: string): Live<number> => ({
  value: undefined,
  error: new Error(message),
  loading: false,
});

describe('livePair', () => {
  it('waits for both answers', () => {
    assert.deepEqual(livePair(answered(1), loading), { value: undefined, error: undefined, loading: true });
    assert.deepEqual(livePair(answered(1), answered('a')), {
      value: [1, 'a'],
      error: undefined,
      loading: false,
    });
  });

  it('reports the first error, keeping known values', () => {
    const pair = livePair(failed('one'), failed('two'));
    assert.equal(pair.error?.message, 'one');
    assert.equal(pair.value, undefined);
    const stale = livePair({ value: 1, error: new Error('later'), loading: false }, answered(2));
    assert.deepEqual(stale.value, [1, 2]);
    assert.equal(stale.error?.message, 'later');
  });
});
