import { assert } from '../lib/assert.ts';
import type { Clock, Timer } from '../ports/clock.ts';
import type { Random } from '../ports/random.ts';
import { LatenessHistogram } from './lateness-histogram.ts';

/**
 * The wheel's resolution: a run starts at its planned time rounded up to a multiple of this, so
 * lateness includes up to this much rounding.
 */
export const SLOT_MS = 10;

/** Emptied buckets kept for reuse, at most. */
const SPARE_BUCKETS = 256;

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
  /** Lateness includes the rounding of the plan up to a slot (< `SLOT_MS`). */
  latenessP50Ms: number;
  latenessP99Ms: number;
  latenessMaxMs: number;
}

interface Schedule {
  readonly intervalMs: number;
  readonly run: () => Promise<void>;
  /** Clears `running`; made once per schedule, not per run. */
  readonly settle: () => void;
  /** When the next tick is due, on the clock's `nowMs()`. */
  plannedMs: number;
  /** A run started and its promise has not settled yet. */
  running: boolean;
  /** Removed or replaced: skipped (and dropped) when its bucket comes up. */
  removed: boolean;
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
 * A slotted timer wheel: time is cut into `SLOT_MS` slots, each schedule waits in the bucket of
 * the slot its planned time rounds up to (a run never starts early), the non-empty slots are in
 * a binary min-heap, and one clock timer is armed for the earliest. When it fires, every due
 * bucket is run and each schedule moves to the bucket of its next slot. So there is one timer
 * wakeup per non-empty slot and no timer or closure per run, whatever the number of checks.
 * Removal is lazy: a removed schedule is dropped when its bucket comes up (within one interval).
 * A run must not reject; a rejection or a throw is swallowed and the schedule goes on.
 */
export class CheckScheduler {
  private readonly schedules = new Map<string, Schedule>();
  /** Slot number (time / SLOT_MS) → schedules due in it. */
  private readonly buckets = new Map<number, Schedule[]>();
  /** The slot numbers of `buckets`, as a binary min-heap. */
  private readonly slots: number[] = [];
  private readonly spare: Schedule[][] = [];
  private readonly lateness = new LatenessHistogram();
  private timer: Timer | undefined;
  private armedSlot = 0;
  /** Inside `fire`: it arms the timer once at the end. */
  private firing = false;
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
    const schedule: Schedule = {
      intervalMs,
      run,
      settle: () => {
        schedule.running = false;
      },
      plannedMs: this.clock.nowMs() + this.random.next() * intervalMs,
      running: false,
      removed: false,
    };
    this.schedules.set(id, schedule);
    this.enqueue(schedule);
    if (!this.firing) this.arm();
  }

  /** Stops scheduling `id`; a run in progress finishes but nothing follows it. */
  remove(id: string): void {
    const schedule = this.schedules.get(id);
    if (schedule === undefined) return;
    schedule.removed = true;
    this.schedules.delete(id);
    if (this.schedules.size === 0) this.clearWheel();
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

  /** Stops everything: the timer is cancelled; runs in progress finish unobserved. */
  close(): void {
    this.closed = true;
    for (const schedule of this.schedules.values()) schedule.removed = true;
    this.schedules.clear();
    this.clearWheel();
  }

  /** The timer's callback: runs every bucket whose slot has begun, then re-arms. */
  private readonly fire = (): void => {
    this.timer = undefined;
    this.firing = true;
    try {
      const nowSlot = Math.floor(this.clock.nowMs() / SLOT_MS);
      while (this.slots.length > 0 && this.slots[0]! <= nowSlot) {
        const slot = this.popSlot();
        const bucket = this.buckets.get(slot)!;
        this.buckets.delete(slot);
        // Schedules re-enqueued here go to later slots, never into this bucket.
        for (let i = 0; i < bucket.length; i++) {
          const schedule = bucket[i]!;
          if (!schedule.removed) this.tick(schedule);
        }
        bucket.length = 0;
        if (this.spare.length < SPARE_BUCKETS) this.spare.push(bucket);
      }
    } finally {
      this.firing = false;
    }
    this.arm();
  };

  private tick(schedule: Schedule): void {
    const nowMs = this.clock.nowMs();
    if (schedule.running) {
      this.skipped += 1;
    } else {
      this.start(schedule, nowMs);
      // The run removed or replaced its own schedule (or closed the scheduler).
      if (schedule.removed) return;
    }
    schedule.plannedMs += schedule.intervalMs;
    if (schedule.plannedMs <= nowMs) {
      const missed = Math.floor((nowMs - schedule.plannedMs) / schedule.intervalMs) + 1;
      this.skipped += missed;
      schedule.plannedMs += missed * schedule.intervalMs;
    }
    this.enqueue(schedule);
  }

  private start(schedule: Schedule, nowMs: number): void {
    this.runs += 1;
    this.lateness.record(nowMs - schedule.plannedMs);
    schedule.running = true;
    let pending: Promise<void>;
    try {
      pending = schedule.run();
    } catch {
      schedule.settle();
      return;
    }
    Promise.resolve(pending).then(schedule.settle, schedule.settle);
  }

  /** Puts `schedule` into the bucket of the slot its planned time rounds up to. */
  private enqueue(schedule: Schedule): void {
    const slot = Math.ceil(schedule.plannedMs / SLOT_MS);
    let bucket = this.buckets.get(slot);
    if (bucket === undefined) {
      bucket = this.spare.pop() ?? [];
      this.buckets.set(slot, bucket);
      this.pushSlot(slot);
    }
    bucket.push(schedule);
  }

  /** Arms the one timer for the earliest non-empty slot, unless it is armed for it already. */
  private arm(): void {
    const slot = this.slots[0];
    if (slot === undefined || this.closed) {
      this.timer?.cancel();
      this.timer = undefined;
      return;
    }
    if (this.timer !== undefined && this.armedSlot === slot) return;
    this.timer?.cancel();
    this.armedSlot = slot;
    // A timer that fires a hair early (before the slot begins) finds nothing due and re-arms.
    this.timer = this.clock.setTimer(slot * SLOT_MS - this.clock.nowMs(), this.fire);
  }

  private clearWheel(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.buckets.clear();
    this.slots.length = 0;
  }

  private pushSlot(slot: number): void {
    const heap = this.slots;
    let i = heap.length;
    heap.push(slot);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= slot) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = slot;
  }

  private popSlot(): number {
    const heap = this.slots;
    const top = heap[0]!;
    const last = heap.pop()!;
    const size = heap.length;
    if (size === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      const child = right < size && heap[right]! < heap[left]! ? right : left;
      if (heap[child]! >= last) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
