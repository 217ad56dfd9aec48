import { assert } from '../lib/assert.ts';
import type { Clock, Timer } from '../ports/clock.ts';
import type { Random } from '../ports/random.ts';
import { LatenessHistogram } from './lateness-histogram.ts';

/** Scheduling lateness so far (actual start − planned start), in milliseconds. */
export interface SchedulerStats {
  /** Interval checks scheduled now. */
  checks: number;
  /** Runs started since the scheduler was made. */
  runs: number;
  /**
   * Ticks skipped: the previous run of the same check was still going, or the timer fired so
   * late that the next tick was already due (those ticks are dropped, as Go's ticker drops them).
   */
  skipped: number;
  latenessP50Ms: number;
  latenessP99Ms: number;
  latenessMaxMs: number;
}

/** Stands in until a schedule's first timer is set. */
const NO_TIMER: Timer = { cancel() {} };

interface Schedule {
  readonly intervalMs: number;
  readonly run: () => Promise<void>;
  /** When the next tick is due, on the clock's `nowMs()`. */
  plannedMs: number;
  timer: Timer;
  /** A run started and its promise has not settled yet. */
  running: boolean;
}

/**
 * Runs interval checks on the injected clock: each check's first run comes after a random
 * stagger in [0, interval) (Consul's `lib.RandomStagger`), then at a fixed rate (a ticker: the
 * plan does not drift with run time); a run never overlaps the previous run of the same check
 * (a tick that finds it still running is skipped, as Go's ticker drops ticks).
 *
 * Consul's checks wait a whole interval after each run ends (`next = time.After(Interval)`), so
 * their period stretches by the run time; a ticker keeps the plan, which is what lateness is
 * measured against.
 *
 * One timer per check, re-armed by its own tick: no work across checks on a tick, and memory
 * per check is constant (lateness goes into a fixed-size histogram). A run must not reject; a
 * rejection or a throw is swallowed and the schedule goes on.
 */
export class CheckScheduler {
  private readonly schedules = new Map<string, Schedule>();
  private readonly lateness = new LatenessHistogram();
  private runs = 0;
  private skipped = 0;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  /**
   * Schedules `run` every `intervalMs` under `id`, replacing any schedule under that id (a run
   * of the replaced schedule still going is not waited for). Ignored after `close()`.
   */
  add(id: string, intervalMs: number, run: () => Promise<void>): void {
    assert(Number.isFinite(intervalMs) && intervalMs > 0, `check interval must be > 0 ms, got ${intervalMs}`);
    if (this.closed) return;
    this.remove(id);
    const staggerMs = this.random.next() * intervalMs;
    const schedule: Schedule = {
      intervalMs,
      run,
      plannedMs: this.clock.nowMs() + staggerMs,
      timer: NO_TIMER,
      running: false,
    };
    schedule.timer = this.clock.setTimer(staggerMs, () => this.tick(id, schedule));
    this.schedules.set(id, schedule);
  }

  /** Stops scheduling `id`; a run in progress finishes but nothing follows it. */
  remove(id: string): void {
    const schedule = this.schedules.get(id);
    if (schedule === undefined) return;
    schedule.timer.cancel();
    this.schedules.delete(id);
  }

  has(id: string): boolean {
    return this.schedules.has(id);
  }

  stats(): SchedulerStats {
    return {
      checks: this.schedules.size,
      runs: this.runs,
      skipped: this.skipped,
      latenessP50Ms: this.lateness.percentileMs(0.5),
      latenessP99Ms: this.lateness.percentileMs(0.99),
      latenessMaxMs: this.lateness.maxMs,
    };
  }

  /** Stops everything: every timer is cancelled; runs in progress finish unobserved. */
  close(): void {
    this.closed = true;
    for (const schedule of this.schedules.values()) schedule.timer.cancel();
    this.schedules.clear();
  }

  private tick(id: string, schedule: Schedule): void {
    // A cancelled timer does not fire; this guards a clock that fires one anyway.
    if (this.schedules.get(id) !== schedule) return;
    const nowMs = this.clock.nowMs();
    if (schedule.running) {
      this.skipped += 1;
    } else {
      this.start(schedule, nowMs);
    }
    schedule.plannedMs += schedule.intervalMs;
    if (schedule.plannedMs <= nowMs) {
      const missed = Math.floor((nowMs - schedule.plannedMs) / schedule.intervalMs) + 1;
      this.skipped += missed;
      schedule.plannedMs += missed * schedule.intervalMs;
    }
    schedule.timer = this.clock.setTimer(schedule.plannedMs - nowMs, () => this.tick(id, schedule));
  }

  private start(schedule: Schedule, nowMs: number): void {
    this.runs += 1;
    this.lateness.record(nowMs - schedule.plannedMs);
    schedule.running = true;
    const settle = () => {
      schedule.running = false;
    };
    let pending: Promise<void>;
    try {
      pending = schedule.run();
    } catch {
      settle();
      return;
    }
    Promise.resolve(pending).then(settle, settle);
  }
}
