/**
 * What bench:health's target server saw during a measuring window, and the scheduling lateness
 * read from it. Pure functions; all times are the target process's own performance.now().
 */
import { median, quantileSorted, SampleBuffer } from './stats.ts';

/** `POST /window/stop` on the target: `checks[i]` arrived at `arrivalsMs[i]`, in arrival order. */
export interface HealthTargetWindow {
  startMs: number;
  stopMs: number;
  checks: number[];
  arrivalsMs: number[];
  /** Check requests and TCP connections accepted during the window. */
  requests: number;
  connections: number;
}

/** `GET /stats` on the target, since it started. */
export interface HealthTargetStats {
  requests: number;
  checkRequests: number;
  connections: number;
}

export interface WindowAnalysis {
  windowSeconds: number;
  /** Check requests in the window, and per second. */
  runs: number;
  runsPerSecond: number;
  /** Checks in [0, expectedChecks) that never arrived in the window (0 expected when window ≥ interval). */
  checksMissing: number;
  /** Lateness samples: every run of a check but the one its lateness is measured from. */
  samples: number;
  latenessP50Ms: number;
  latenessP99Ms: number;
  latenessMaxMs: number;
  /**
   * Ticks with no run: two consecutive runs of one check more than 1.5 intervals apart (the
   * scheduler skips a tick when the previous run is still going). 0 expected.
   */
  skippedTicks: number;
  /** Median over checks of (mean period in the window − interval): ≈ 0 for a fixed-rate plan. */
  periodDeviationMs: number;
  /**
   * The same runs measured against the first run in the window instead of the least-late one,
   * negatives clamped to 0: lower than `latenessP99Ms` whenever the first run was itself late.
   */
  firstAnchoredP99Ms: number;
  /** Runs more than 5 ms earlier than the first-anchored plan (the first run was that late). */
  firstAnchoredEarlyRuns: number;
  /** TCP connections per check request: 1 when every run opens its own connection. */
  connectionsPerRun: number;
}

/**
 * Scheduling lateness from the arrival times of each check's runs. The agent plans a check's
 * runs at a fixed rate (first run + k × interval), which the target cannot see; so for each check
 * run k (counted in order) has offset t_k − k × interval, the plan is taken to be the smallest
 * offset (its least-late run), and the lateness of every other run is its offset minus that.
 * A run's lateness is thus never understated by a late reference run, only by as much as the
 * least-late of the check's runs was itself late (connect time included on both sides).
 * A gap of more than 1.5 intervals counts its whole intervals as skipped ticks and moves k on.
 */
export function analyseWindow(
  window: HealthTargetWindow,
  intervalMs: number,
  expectedChecks: number,
): WindowAnalysis {
  const windowSeconds = (window.stopMs - window.startMs) / 1000;
  const byCheck = new Map<number, number[]>();
  for (let i = 0; i < window.checks.length; i++) {
    const check = window.checks[i]!;
    let times = byCheck.get(check);
    if (times === undefined) {
      times = [];
      byCheck.set(check, times);
    }
    times.push(window.arrivalsMs[i]!);
  }

  const lateness = new SampleBuffer();
  const firstAnchored = new SampleBuffer();
  const periodDeviations: number[] = [];
  let skippedTicks = 0;
  let firstAnchoredEarlyRuns = 0;
  for (const times of byCheck.values()) {
    if (times.length < 2) continue;
    const offsets: number[] = [times[0]!];
    let tick = 0;
    for (let k = 1; k < times.length; k++) {
      const gapMs = times[k]! - times[k - 1]!;
      const ticks = gapMs > 1.5 * intervalMs ? Math.round(gapMs / intervalMs) : 1;
      skippedTicks += ticks - 1;
      tick += ticks;
      offsets.push(times[k]! - tick * intervalMs);
    }
    periodDeviations.push((times.at(-1)! - times[0]!) / tick - intervalMs);
    let anchor = 0;
    for (let k = 1; k < offsets.length; k++) if (offsets[k]! < offsets[anchor]!) anchor = k;
    for (let k = 0; k < offsets.length; k++) if (k !== anchor) lateness.add(offsets[k]! - offsets[anchor]!);
    for (let k = 1; k < offsets.length; k++) {
      const relative = offsets[k]! - offsets[0]!;
      if (relative < -5) firstAnchoredEarlyRuns += 1;
      firstAnchored.add(Math.max(0, relative));
    }
  }

  let checksMissing = 0;
  for (let check = 0; check < expectedChecks; check++) if (!byCheck.has(check)) checksMissing += 1;
  const sorted = lateness.sorted();
  return {
    windowSeconds,
    runs: window.checks.length,
    runsPerSecond: window.checks.length / windowSeconds,
    checksMissing,
    samples: sorted.length,
    latenessP50Ms: quantileSorted(sorted, 0.5),
    latenessP99Ms: quantileSorted(sorted, 0.99),
    latenessMaxMs: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!,
    skippedTicks,
    periodDeviationMs: median(periodDeviations),
    firstAnchoredP99Ms: quantileSorted(firstAnchored.sorted(), 0.99),
    firstAnchoredEarlyRuns,
    connectionsPerRun: window.requests === 0 ? Number.NaN : window.connections / window.requests,
  };
}
