import { performance } from 'node:perf_hooks';
import type { Clock, Timer } from '../ports/clock.ts';

/** The real clock: monotonic `performance.now()` for durations, `Date.now()` for timestamps. */
export const systemClock: Clock = {
  nowMs: () => performance.now(),
  wallMs: () => Date.now(),
  setTimer(delayMs: number, callback: () => void): Timer {
    // setTimeout takes at most 2^31-1 ms; longer waits (Consul allows a 24 h session TTL × 2)
    // re-arm in steps.
    const maxStepMs = 2 ** 31 - 1;
    let handle: NodeJS.Timeout;
    const arm = (remainingMs: number) => {
      handle = setTimeout(
        () => (remainingMs > maxStepMs ? arm(remainingMs - maxStepMs) : callback()),
        Math.min(Math.max(0, remainingMs), maxStepMs),
      );
    };
    arm(delayMs);
    return { cancel: () => clearTimeout(handle) };
  },
};

/** Runs `task` once the current batch of IO callbacks is done (Node's check phase). */
export function runSoon(task: () => void): void {
  setImmediate(task);
}
