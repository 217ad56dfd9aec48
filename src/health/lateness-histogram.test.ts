import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LatenessHistogram } from './lateness-histogram.ts';

/** Bucket bounds grow by 10^(1/20); a little more for floating-point rounding. */
const BUCKET_RATIO = 10 ** (1 / 20) * (1 + 1e-9);

function exactPercentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(fraction * sorted.length)) - 1]!;
}

describe('LatenessHistogram', () => {
  it('answers 0 for everything before any value', () => {
    const histogram = new LatenessHistogram();
    assert.deepEqual([histogram.count, histogram.maxMs, histogram.percentileMs(0.5)], [0, 0, 0]);
  });

  it('gives the exact value when every value is the same, capped by the maximum', () => {
    const histogram = new LatenessHistogram();
    for (let i = 0; i < 1_000; i++) histogram.record(37);
    assert.equal(histogram.percentileMs(0.5), 37);
    assert.equal(histogram.percentileMs(0.99), 37);
    assert.equal(histogram.maxMs, 37);
  });

  it('finds p99 in the slowest 1% and keeps the maximum exact', () => {
    const histogram = new LatenessHistogram();
    for (let i = 0; i < 990; i++) histogram.record(1);
    for (let i = 0; i < 10; i++) histogram.record(250 + i);
    assert.ok(histogram.percentileMs(0.5) >= 1 && histogram.percentileMs(0.5) <= BUCKET_RATIO);
    assert.equal(histogram.percentileMs(0.99), 1, 'rank 990 of 1000 is still a 1 ms value');
    histogram.record(259);
    assert.ok(histogram.percentileMs(0.99) >= 250 && histogram.percentileMs(0.99) <= 259);
    assert.equal(histogram.maxMs, 259);
    assert.equal(histogram.count, 1_001);
  });

  it('counts negative and non-finite values as 0, and huge ones in the last bucket', () => {
    const histogram = new LatenessHistogram();
    histogram.record(-3);
    histogram.record(Number.NaN);
    assert.deepEqual([histogram.percentileMs(1), histogram.maxMs], [0, 0]);
    histogram.record(1e12);
    assert.equal(histogram.percentileMs(1), 1e12);
  });

  it('estimates any percentile within one bucket above the exact one, never past the maximum', () => {
    const value = fc.oneof(
      fc.double({ min: 0.001, max: 1e6, noNaN: true }),
      fc.integer({ min: 0, max: 200 }),
      fc.constant(0),
    );
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 300 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, fraction) => {
          const histogram = new LatenessHistogram();
          for (const v of values) histogram.record(v);
          const exact = exactPercentile(values, fraction);
          const estimate = histogram.percentileMs(fraction);
          const max = Math.max(...values);
          assert.equal(histogram.maxMs, max);
          assert.ok(estimate <= max, `estimate ${estimate} above max ${max}`);
          assert.ok(estimate >= exact / (1 + 1e-9), `estimate ${estimate} below exact ${exact}`);
          assert.ok(
            estimate <= Math.max(exact, 0.001) * BUCKET_RATIO,
            `estimate ${estimate} far above exact ${exact}`,
          );
        },
      ),
    );
  });
});
