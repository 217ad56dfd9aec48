import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatNanoseconds } from './duration.ts';

describe('formatNanoseconds', () => {
  it("writes durations as Go's time.Duration does", () => {
    const cases: [number, string][] = [
      [0, '0s'],
      [500, '500ns'],
      [1_500, '1.5µs'],
      [250_000_000, '250ms'],
      [15_000_000_000, '15s'],
      [1_500_000_000, '1.5s'],
      [60_000_000_000, '1m0s'],
      [90_000_000_000, '1m30s'],
      [3_600_000_000_000, '1h0m0s'],
      [3_661_000_000_000, '1h1m1s'],
    ];
    for (const [nanoseconds, text] of cases)
      assert.equal(formatNanoseconds(nanoseconds), text, String(nanoseconds));
  });
});
