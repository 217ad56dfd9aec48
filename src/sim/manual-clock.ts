import type { Clock, Timer } from '../ports/clock.ts';

interface ScheduledTimer {
  dueMs: number;
  sequence: number;
  callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told. `advance(ms)` fires every timer that falls due within the
 * step, earliest first (ties in the order they were set), with `nowMs()` reading each timer's
 * own due time while it runs; timers set by a callback fire in the same step if they fall due.
 */
export class ManualClock implements Clock {
  private now: number;
  private sequence = 0;
  private timers: ScheduledTimer[] = [];

  constructor(
    startMs = 1_000_000,
    private readonly epochMs = Date.UTC(2026, 0, 1),
  ) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  wallMs(): number {
    return this.epochMs + this.now;
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    const timer: ScheduledTimer = {
      dueMs: this.now + Math.max(0, delayMs),
      sequence: this.sequence++,
      callback,
      cancelled: false,
    };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
        this.timers = this.timers.filter((other) => other !== timer);
      },
    };
  }

  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      const next = this.nextDue(target);
      if (next === undefined) break;
      this.timers = this.timers.filter((other) => other !== next);
      this.now = next.dueMs;
      next.callback();
    }
    this.now = target;
  }

  /** Timers still waiting (cancelled ones excluded). */
  get pendingTimers(): number {
    return this.timers.length;
  }

  private nextDue(target: number): ScheduledTimer | undefined {
    let next: ScheduledTimer | undefined;
    for (const timer of this.timers) {
      if (timer.cancelled || timer.dueMs > target) continue;
      if (
        next === undefined ||
        timer.dueMs < next.dueMs ||
        (timer.dueMs === next.dueMs && timer.sequence < next.sequence)
      )
        next = timer;
    }
    return next;
  }
}
