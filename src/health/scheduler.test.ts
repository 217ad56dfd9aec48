import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Clock, Timer } from '../ports/clock.ts';
import type { Random } from '../ports/random.ts';
import { ManualClock } from '../sim/manual-clock.ts';
import { SeededRandom } from '../sim/seeded-random.ts';
import { CheckScheduler, SLOT_MS } from './scheduler.ts';

const START_MS = 1_000_000;
const INTERVAL_MS = 10_000;

/** Lets settled run promises reach the scheduler, as the event loop does between timers. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Advances `totalMs` in `stepMs` steps, letting promises settle after each. */
async function advance(clock: ManualClock, totalMs: number, stepMs = 100): Promise<void> {
  for (let done = 0; done < totalMs; done += stepMs) {
    clock.advance(Math.min(stepMs, totalMs - done));
    await settle();
  }
}

/** A clock whose timers fire `lagMs()` late, as a busy event loop fires them. */
class LateClock implements Clock {
  constructor(
    readonly inner: ManualClock,
    readonly lagMs: () => number,
  ) {}
  nowMs(): number {
    return this.inner.nowMs();
  }
  wallMs(): number {
    return this.inner.wallMs();
  }
  setTimer(delayMs: number, callback: () => void): Timer {
    return this.inner.setTimer(delayMs + this.lagMs(), callback);
  }
}

/**
 * ManualClock's semantics (timers fire in due order, `nowMs()` reads each timer's due time) on a
 * binary heap, for the 10,000-check test, counting the timers pending (cancelled ones excluded).
 */
class HeapClock implements Clock {
  private now = START_MS;
  private sequence = 0;
  private readonly heap: { dueMs: number; sequence: number; callback: () => void; cancelled: boolean }[] = [];
  pending = 0;

  nowMs(): number {
    return this.now;
  }
  wallMs(): number {
    return this.now;
  }
  setTimer(delayMs: number, callback: () => void): Timer {
    const entry = {
      dueMs: this.now + Math.max(0, delayMs),
      sequence: this.sequence++,
      callback,
      cancelled: false,
    };
    this.push(entry);
    this.pending += 1;
    return {
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        this.pending -= 1;
      },
    };
  }
  advance(ms: number): void {
    const target = this.now + ms;
    while (this.heap.length > 0 && this.heap[0]!.dueMs <= target) {
      const next = this.pop();
      if (next.cancelled) continue;
      next.cancelled = true;
      this.pending -= 1;
      this.now = next.dueMs;
      next.callback();
    }
    this.now = target;
  }
  private before(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.dueMs < y.dueMs || (x.dueMs === y.dueMs && x.sequence < y.sequence);
  }
  private swap(a: number, b: number): void {
    [this.heap[a], this.heap[b]] = [this.heap[b]!, this.heap[a]!];
  }
  private push(entry: (typeof this.heap)[number]): void {
    this.heap.push(entry);
    for (let i = this.heap.length - 1; i > 0 && this.before(i, (i - 1) >> 1); i = (i - 1) >> 1)
      this.swap(i, (i - 1) >> 1);
  }
  private pop(): (typeof this.heap)[number] {
    const top = this.heap[0]!;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      for (let i = 0; ; ) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < this.heap.length && this.before(left, smallest)) smallest = left;
        if (right < this.heap.length && this.before(right, smallest)) smallest = right;
        if (smallest === i) break;
        this.swap(i, smallest);
        i = smallest;
      }
    }
    return top;
  }
}

/** Always draws `value`: with a round interval, plans fall on slot bounds (no rounding). */
function fixedRandom(value: number): Random {
  return { next: () => value, uuid: () => '00000000-0000-4000-8000-000000000000' };
}

/** The start of the slot that `plannedMs` rounds up to: when a run planned then starts. */
const slotStart = (plannedMs: number) => Math.ceil(plannedMs / SLOT_MS) * SLOT_MS;

function setup(random: number | Random = 7) {
  const clock = new ManualClock(START_MS);
  const scheduler = new CheckScheduler(clock, typeof random === 'number' ? new SeededRandom(random) : random);
  return { clock, scheduler };
}

/** A clock that counts the timers set and fired, and the most pending at any time. */
function countingClock(inner: Clock & { readonly pendingTimers: number }) {
  const counts = { set: 0, fired: 0, maxPending: 0 };
  const clock: Clock = {
    nowMs: () => inner.nowMs(),
    wallMs: () => inner.wallMs(),
    setTimer: (delayMs, callback) => {
      counts.set += 1;
      const timer = inner.setTimer(delayMs, () => {
        counts.fired += 1;
        callback();
      });
      counts.maxPending = Math.max(counts.maxPending, inner.pendingTimers);
      return timer;
    },
  };
  return { clock, counts };
}

/** A run that records its start time and finishes `durationMs` later on the clock. */
function timedRun(clock: ManualClock, starts: number[], durationMs: number) {
  return () =>
    new Promise<void>((resolve) => {
      starts.push(clock.nowMs());
      clock.setTimer(durationMs, resolve);
    });
}

describe('CheckScheduler', () => {
  it('runs each check first after a stagger in [0, interval), rounded up to its slot', async () => {
    const { clock, scheduler } = setup(42);
    const draws = new SeededRandom(42);
    const firstRun = new Map<number, number>();
    const expected: number[] = [];
    for (let i = 0; i < 1_000; i++) {
      expected.push(START_MS + draws.next() * INTERVAL_MS);
      scheduler.add(`c${i}`, INTERVAL_MS, async () => {
        if (!firstRun.has(i)) firstRun.set(i, clock.nowMs());
      });
    }
    clock.advance(INTERVAL_MS - SLOT_MS);
    await settle();
    clock.advance(SLOT_MS);
    await settle();
    assert.equal(firstRun.size, 1_000);
    const deciles = new Set<number>();
    for (let i = 0; i < 1_000; i++) {
      const at = firstRun.get(i)!;
      assert.equal(at, slotStart(expected[i]!));
      assert.ok(at - expected[i]! >= 0 && at - expected[i]! < SLOT_MS);
      assert.ok(at >= START_MS && at <= START_MS + INTERVAL_MS, `c${i} first ran at +${at - START_MS} ms`);
      deciles.add(Math.floor((expected[i]! - START_MS) / (INTERVAL_MS / 10)));
    }
    assert.equal(deciles.size, 10, 'the first runs spread over the whole interval');
  });

  it('keeps a fixed rate: a slow run does not push the next one back', async () => {
    const { clock, scheduler } = setup();
    const starts: number[] = [];
    scheduler.add('slow', INTERVAL_MS, timedRun(clock, starts, 7_000));
    await advance(clock, 5 * INTERVAL_MS);
    assert.equal(starts.length, 5);
    for (let k = 1; k < starts.length; k++) assert.equal(starts[k]! - starts[k - 1]!, INTERVAL_MS);
    const stats = scheduler.stats();
    assert.equal(stats.runs, 5);
    assert.equal(stats.skipped, 0);
    assert.ok(stats.latenessMaxMs > 0 && stats.latenessMaxMs < SLOT_MS, 'only the rounding to a slot');
  });

  it('skips a tick that finds the previous run still going and keeps to the plan', async () => {
    const { clock, scheduler } = setup(fixedRandom(0.25));
    const starts: number[] = [];
    scheduler.add('stuck', INTERVAL_MS, timedRun(clock, starts, 25_000));
    while (starts.length === 0) await advance(clock, 100);
    const first = starts[0]!;
    await advance(clock, 95_000);
    // A run lasts 25 s: the ticks at +10 s and +20 s find it going; +30 s starts the next.
    assert.deepEqual(
      starts.map((at) => at - first),
      [0, 30_000, 60_000, 90_000],
    );
    const stats = scheduler.stats();
    assert.equal(stats.runs, 4);
    assert.equal(stats.skipped, 6);
    assert.equal(stats.latenessMaxMs, 0, 'a skipped tick is not a late start');
  });

  it('never starts a run while the previous one is pending, however long it takes', async () => {
    const { clock, scheduler } = setup();
    let active = 0;
    let runs = 0;
    const finishers: (() => void)[] = [];
    scheduler.add('c', INTERVAL_MS, () => {
      assert.equal(active, 0, 'runs overlap');
      active += 1;
      runs += 1;
      return new Promise<void>((resolve) =>
        finishers.push(() => {
          active -= 1;
          resolve();
        }),
      );
    });
    await advance(clock, 5 * INTERVAL_MS, 1_000);
    assert.equal(runs, 1);
    assert.ok(scheduler.stats().skipped >= 3);
    finishers.shift()!();
    await settle();
    await advance(clock, INTERVAL_MS, 1_000);
    assert.equal(runs, 2);
  });

  it('remove during a run: the run finishes, nothing follows, no timer is left', async () => {
    const { clock, scheduler } = setup();
    const starts: number[] = [];
    scheduler.add('a', INTERVAL_MS, timedRun(clock, starts, 5_000));
    scheduler.add('b', INTERVAL_MS, async () => {});
    while (starts.length === 0) await advance(clock, 1_000);
    scheduler.remove('a');
    assert.equal(scheduler.has('a'), false);
    assert.equal(scheduler.has('b'), true);
    await advance(clock, 5 * INTERVAL_MS);
    assert.equal(starts.length, 1);
    assert.equal(scheduler.stats().checks, 1);
    scheduler.remove('b');
    assert.equal(clock.pendingTimers, 0);
    scheduler.remove('never-added');
  });

  it('a run that removes its own check: nothing follows, no timer is left', async () => {
    const { clock, scheduler } = setup();
    let runs = 0;
    scheduler.add('self', INTERVAL_MS, async () => {
      runs += 1;
      scheduler.remove('self');
    });
    await advance(clock, 3 * INTERVAL_MS, 1_000);
    assert.equal(runs, 1);
    assert.equal(clock.pendingTimers, 0);
  });

  it('add under a scheduled id replaces the schedule', async () => {
    const { clock, scheduler } = setup();
    const calls: string[] = [];
    scheduler.add('x', INTERVAL_MS, async () => {
      calls.push('old');
    });
    scheduler.add('x', 2 * INTERVAL_MS, async () => {
      calls.push('new');
    });
    assert.equal(clock.pendingTimers, 1);
    assert.equal(scheduler.stats().checks, 1);
    await advance(clock, 6 * INTERVAL_MS, 1_000);
    assert.deepEqual(calls, ['new', 'new', 'new']);
  });

  it('close cancels every timer and ignores later adds', async () => {
    const { clock, scheduler } = setup();
    let runs = 0;
    for (let i = 0; i < 50; i++) {
      scheduler.add(`c${i}`, INTERVAL_MS, async () => {
        runs += 1;
      });
    }
    await advance(clock, INTERVAL_MS, 1_000);
    assert.equal(runs, 50);
    scheduler.close();
    assert.equal(clock.pendingTimers, 0);
    scheduler.add('late', INTERVAL_MS, async () => {
      runs += 1;
    });
    assert.equal(clock.pendingTimers, 0);
    assert.equal(scheduler.has('late'), false);
    await advance(clock, 3 * INTERVAL_MS, 1_000);
    assert.equal(runs, 50);
    assert.equal(scheduler.stats().checks, 0);
  });

  it('keeps scheduling after a run rejects or throws', async () => {
    const { clock, scheduler } = setup();
    let rejected = 0;
    let thrown = 0;
    scheduler.add('rejects', INTERVAL_MS, async () => {
      rejected += 1;
      throw new Error('probe bug');
    });
    scheduler.add('throws', INTERVAL_MS, () => {
      thrown += 1;
      throw new Error('sync bug');
    });
    await advance(clock, 4 * INTERVAL_MS, 1_000);
    assert.ok(rejected >= 3, `rejecting run ran ${rejected} times`);
    assert.ok(thrown >= 3, `throwing run ran ${thrown} times`);
    assert.equal(scheduler.stats().skipped, 0);
  });

  it('refuses an interval that is not a positive number', () => {
    const { scheduler } = setup();
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => scheduler.add('x', bad, async () => {}), /interval must be > 0/);
    }
  });

  describe('lateness', () => {
    it('is under SLOT_MS (the rounding to a slot) on a clock that fires on time', async () => {
      const { clock, scheduler } = setup();
      for (let i = 0; i < 20; i++) scheduler.add(`c${i}`, INTERVAL_MS, async () => {});
      await advance(clock, 3 * INTERVAL_MS, 1_000);
      const stats = scheduler.stats();
      assert.equal(stats.runs, 60);
      assert.ok(stats.latenessP50Ms > 0, 'random plans are rounded up');
      assert.ok(stats.latenessMaxMs < SLOT_MS, `max ${stats.latenessMaxMs}`);
    });

    it('is 0 when the plans fall on slot bounds', async () => {
      const { clock, scheduler } = setup(fixedRandom(0.5));
      for (let i = 0; i < 20; i++) scheduler.add(`c${i}`, INTERVAL_MS, async () => {});
      await advance(clock, 3 * INTERVAL_MS, 1_000);
      const stats = scheduler.stats();
      assert.equal(stats.runs, 60);
      assert.deepEqual([stats.latenessP50Ms, stats.latenessP99Ms, stats.latenessMaxMs], [0, 0, 0]);
    });

    it('measures start − plan: p50, p99 and max of the lags the timers fired with', async () => {
      const inner = new ManualClock(START_MS);
      let timersSet = 0;
      // Every 50th timer fires 300 ms late, the others 2 ms late.
      const clock = new LateClock(inner, () => (++timersSet % 50 === 0 ? 300 : 2));
      const scheduler = new CheckScheduler(clock, fixedRandom(0.37));
      scheduler.add('c', 1_000, async () => {});
      await advance(inner, 200_000);
      const stats = scheduler.stats();
      assert.ok(stats.runs >= 199 && stats.runs <= 200, `${stats.runs} runs`);
      assert.equal(stats.skipped, 0);
      assert.equal(stats.latenessMaxMs, 300);
      assert.ok(stats.latenessP50Ms >= 2 && stats.latenessP50Ms < 2 * 1.13, `p50 ${stats.latenessP50Ms}`);
      assert.equal(stats.latenessP99Ms, 300);
    });

    it('drops ticks a late timer has passed, and stays on the plan', async () => {
      const inner = new ManualClock(START_MS);
      // The lag of each timer set, in order: the stagger, then one per tick.
      const lags = [0, 0, 2_500, 2_500];
      const clock = new LateClock(inner, () => lags.shift() ?? 0);
      const scheduler = new CheckScheduler(clock, fixedRandom(0.61));
      const starts: number[] = [];
      scheduler.add('c', 1_000, async () => {
        starts.push(inner.nowMs());
      });
      await advance(inner, 11_000, 10);
      // The tick planned at +2 s fires at +4.5 s: +3 s and +4 s are dropped. The timer then set
      // for +5 s fires at +7.5 s: +6 s and +7 s are dropped. From +8 s on, on time again.
      const planned = starts[0]!;
      assert.deepEqual(
        starts.map((at) => at - planned),
        [0, 1_000, 4_500, 7_500, 8_000, 9_000, 10_000],
      );
      const stats = scheduler.stats();
      assert.equal(stats.skipped, 4);
      assert.equal(stats.latenessMaxMs, 2_500);
      assert.equal(stats.runs, 7);
    });
  });

  it('keeps at most one clock timer pending, and sets none per check on a tick', async () => {
    const inner = new ManualClock(START_MS);
    const { clock, counts } = countingClock(inner);
    const scheduler = new CheckScheduler(clock, new SeededRandom(11));
    const draws = new SeededRandom(11);
    const firstSlots = new Set<number>();
    const runs = new Uint8Array(5_000);
    for (let i = 0; i < 5_000; i++) {
      firstSlots.add(slotStart(START_MS + draws.next() * INTERVAL_MS));
      scheduler.add(`c${i}`, INTERVAL_MS, async () => {
        runs[i]! += 1;
      });
    }
    assert.equal(inner.pendingTimers, 1);
    // Re-armed only when an add brings the earliest slot forward.
    assert.ok(counts.set < 50, `${counts.set} timers set by 5,000 adds`);
    const setBefore = counts.set;
    await advance(inner, INTERVAL_MS, 1_000);
    assert.ok(runs.every((count) => count === 1));
    // One wakeup per non-empty slot, each arming the one timer for the next slot.
    assert.equal(counts.fired, firstSlots.size);
    assert.equal(counts.set - setBefore, counts.fired);
    assert.ok(counts.fired <= INTERVAL_MS / SLOT_MS);
    assert.equal(counts.maxPending, 1);
    assert.equal(inner.pendingTimers, 1);
  });

  it('runs 10,000 checks once per interval each, on one clock timer', async () => {
    const clock = new HeapClock();
    const scheduler = new CheckScheduler(clock, new SeededRandom(99));
    const runsById = new Uint16Array(10_000);
    for (let i = 0; i < 10_000; i++) {
      scheduler.add(`c${i}`, INTERVAL_MS, async () => {
        runsById[i]! += 1;
      });
    }
    assert.equal(clock.pending, 1);
    for (let step = 0; step < 30; step++) {
      clock.advance(1_000);
      await settle();
      assert.equal(clock.pending, 1);
    }
    assert.ok(runsById.every((runs) => runs === 3));
    const stats = scheduler.stats();
    assert.deepEqual([stats.checks, stats.runs, stats.skipped], [10_000, 30_000, 0]);
    assert.ok(stats.latenessMaxMs < SLOT_MS);
    scheduler.close();
    assert.equal(clock.pending, 0);
  });

  it('property: runs start in [plan, plan + SLOT_MS), never overlap, and stop at removal', async () => {
    const HORIZON_MS = 4_000;
    /** A run's duration in ms; -1 throws, -2 rejects. */
    const duration = fc.oneof(fc.integer({ min: 0, max: 3_000 }), fc.constantFrom(-1, -2));
    const check = fc.record({
      intervalMs: fc.integer({ min: SLOT_MS, max: 1_500 }),
      durations: fc.array(duration, { minLength: 1, maxLength: 6 }),
      removeAtMs: fc.option(fc.integer({ min: 0, max: HORIZON_MS }), { nil: undefined }),
      /** At `removeAtMs`, add again under the same id instead of removing. */
      readd: fc.boolean(),
    });
    interface Run {
      startMs: number;
      endMs: number | undefined;
    }
    interface Life {
      intervalMs: number;
      firstPlannedMs: number;
      runs: Run[];
      retiredAtMs: number | undefined;
      violations: string[];
    }
    await fc.assert(
      fc.asyncProperty(
        fc.array(check, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1 }),
        async (checks, seed) => {
          const clock = new ManualClock(START_MS);
          const source = new SeededRandom(seed);
          let lastDraw = 0;
          const random: Random = {
            next: () => {
              lastDraw = source.next();
              return lastDraw;
            },
            uuid: () => source.uuid(),
          };
          const scheduler = new CheckScheduler(clock, random);
          const lives: Life[] = [];
          const current = new Map<number, Life>();
          const begin = (index: number) => {
            const { intervalMs, durations } = checks[index]!;
            const life: Life = {
              intervalMs,
              firstPlannedMs: 0,
              runs: [],
              retiredAtMs: undefined,
              violations: [],
            };
            let count = 0;
            scheduler.add(`c${index}`, intervalMs, () => {
              const nowMs = clock.nowMs();
              if (life.retiredAtMs !== undefined)
                life.violations.push(`ran at ${nowMs}, removed at ${life.retiredAtMs}`);
              const previous = life.runs.at(-1);
              if (previous !== undefined && (previous.endMs === undefined || previous.endMs > nowMs))
                life.violations.push(`ran at ${nowMs} during the run from ${previous.startMs}`);
              const run: Run = { startMs: nowMs, endMs: undefined };
              life.runs.push(run);
              const ms = durations[count++ % durations.length]!;
              if (ms === -1) {
                run.endMs = nowMs;
                throw new Error('sync bug');
              }
              if (ms === -2) {
                run.endMs = nowMs;
                return Promise.reject(new Error('probe bug'));
              }
              return new Promise<void>((resolve) =>
                clock.setTimer(ms, () => {
                  run.endMs = clock.nowMs();
                  resolve();
                }),
              );
            });
            life.firstPlannedMs = clock.nowMs() + lastDraw * intervalMs;
            const replaced = current.get(index);
            if (replaced !== undefined) replaced.retiredAtMs = clock.nowMs();
            current.set(index, life);
            lives.push(life);
          };
          for (let index = 0; index < checks.length; index++) begin(index);
          for (let t = 0; ; t++) {
            for (let index = 0; index < checks.length; index++) {
              const c = checks[index]!;
              if (c.removeAtMs !== t) continue;
              if (c.readd) {
                begin(index);
              } else {
                scheduler.remove(`c${index}`);
                current.get(index)!.retiredAtMs = clock.nowMs();
              }
            }
            if (t === HORIZON_MS) break;
            clock.advance(1);
            for (let i = 0; i < 3; i++) await Promise.resolve();
          }
          const endMs = clock.nowMs();
          let totalRuns = 0;
          for (const life of lives) {
            assert.deepEqual(life.violations, []);
            totalRuns += life.runs.length;
            const { firstPlannedMs: p0, intervalMs } = life;
            const byStart = new Map(life.runs.map((run) => [run.startMs, run]));
            for (const run of life.runs) {
              const k = Math.floor((run.startMs - p0 + 1e-6) / intervalMs);
              const lateMs = run.startMs - (p0 + k * intervalMs);
              assert.ok(lateMs > -1e-6 && lateMs < SLOT_MS, `started ${lateMs} ms after its plan`);
            }
            // Every tick due before the end (or removal) whose previous run had ended ran, on time.
            const lastMs = Math.min(endMs, life.retiredAtMs ?? endMs);
            let previous: Run | undefined;
            for (let k = 0; slotStart(p0 + k * intervalMs) <= lastMs; k++) {
              const tickMs = slotStart(p0 + k * intervalMs);
              const ran = byStart.get(tickMs);
              const free =
                previous === undefined || (previous.endMs !== undefined && previous.endMs < tickMs);
              const busy =
                previous !== undefined && (previous.endMs === undefined || previous.endMs > tickMs);
              if (free) assert.ok(ran !== undefined, `tick at ${tickMs} did not run`);
              if (busy) assert.equal(ran, undefined, `tick at ${tickMs} ran during a run`);
              if (ran !== undefined) previous = ran;
            }
          }
          const stats = scheduler.stats();
          assert.equal(stats.runs, totalRuns);
          assert.equal(stats.checks, checks.filter((c) => c.removeAtMs === undefined || c.readd).length);
          assert.ok(stats.latenessMaxMs < SLOT_MS);
          scheduler.close();
        },
      ),
      { numRuns: 60 },
    );
  });
});
