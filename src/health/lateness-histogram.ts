/** Values at or below this (ms) share the first bucket. */
const SMALLEST_MS = 0.001;
/** Buckets per power of ten: bucket bounds grow by 10^(1/20) ≈ 12.2%, the worst relative error. */
const BUCKETS_PER_DECADE = 20;
/** Decades from 1 µs to 10^6 ms (about 17 minutes); larger values share the last bucket. */
const DECADES = 9;
const BUCKET_COUNT = BUCKETS_PER_DECADE * DECADES + 1;

/**
 * A histogram of non-negative millisecond values in fixed log-spaced buckets: constant memory
 * however many values it takes, percentiles within about 12% (above 1 µs), the maximum exact.
 * Negative values (a timer that fired a hair early) count as 0.
 */
export class LatenessHistogram {
  private readonly counts = new Float64Array(BUCKET_COUNT);
  private total = 0;
  private largest = 0;

  record(valueMs: number): void {
    const value = Number.isFinite(valueMs) ? Math.max(valueMs, 0) : 0;
    this.counts[bucketOf(value)]! += 1;
    this.total += 1;
    if (value > this.largest) this.largest = value;
  }

  get count(): number {
    return this.total;
  }

  get maxMs(): number {
    return this.largest;
  }

  /**
   * The value at `fraction` (0.5, 0.99) of the recorded values, as the upper bound of its bucket
   * capped at the largest value seen: never below the true percentile by more than the bucket
   * width, never above the maximum. 0 when nothing was recorded.
   */
  percentileMs(fraction: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(fraction * this.total));
    let seen = 0;
    for (let bucket = 0; bucket < BUCKET_COUNT; bucket++) {
      seen += this.counts[bucket]!;
      if (seen >= rank) return Math.min(upperBoundOf(bucket), this.largest);
    }
    return this.largest;
  }
}

function bucketOf(valueMs: number): number {
  if (valueMs <= SMALLEST_MS) return 0;
  const bucket = Math.ceil(Math.log10(valueMs / SMALLEST_MS) * BUCKETS_PER_DECADE);
  return Math.min(bucket, BUCKET_COUNT - 1);
}

function upperBoundOf(bucket: number): number {
  return bucket === BUCKET_COUNT - 1
    ? Number.POSITIVE_INFINITY
    : SMALLEST_MS * 10 ** (bucket / BUCKETS_PER_DECADE);
}
