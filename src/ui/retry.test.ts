import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryDelayMs } from './retry.ts';

describe('retryDelayMs', () => {
  it('doubles from half a second with jitter in the upper half', () => {
    assert.equal(retryDelayMs(0, 0), 250);
    assert.equal(retryDelayMs(0, 0.999), 500);
    assert.equal(retryDelayMs(1, 0), 500);
    assert.equal(retryDelayMs(3, 0), 2000);
  });

  it('never waits more than 10 s, however many attempts failed', () => {
    assert.equal(retryDelayMs(5, 0.9999), 10_000);
    assert.equal(retryDelayMs(1_000, 0.9999), 10_000);
    assert.equal(retryDelayMs(1_000, 0), 5_000);
  });
});
