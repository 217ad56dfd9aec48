import { assert } from '../lib/assert.ts';
import type { Clock, Timer } from '../ports/clock.ts';

/** An event is its own Timer: no closure per event (a gossip pool schedules millions). */
class ScheduledEvent implements Timer {
  cancelled = false;
  constructor(
    readonly atMs: number,
    readonly sequence: number,
    readonly run: () => void,
  ) {}

  cancel(): void {
    this.cancelled = true;
  }
}

/**
 * Simulated time for a whole cluster: one queue of events ordered by (time, insertion), so a
 * run is a function of its seed. Everything that would be a timer, a socket callback or a
 * setImmediate in production is an event here.
 */
export class SimScheduler {
  private now = 0;
  private sequence = 0;
  /** A binary min-heap on (atMs, sequence). */
  private heap: ScheduledEvent[] = [];
  eventsRun = 0;

  get nowMs(): number {
    return this.now;
  }

  at(atMs: number, run: () => void): Timer {
    const event = new ScheduledEvent(Math.max(atMs, this.now), this.sequence++, run);
    this.push(event);
    return event;
  }

  after(delayMs: number, run: () => void): Timer {
    return this.at(this.now + Math.max(0, delayMs), run);
  }

  /** Runs the next event; returns false when none is due by `untilMs`. */
  runNext(untilMs: number): boolean {
    for (;;) {
      const next = this.heap[0];
      if (next === undefined || next.atMs > untilMs) return false;
      this.pop();
      if (next.cancelled) continue;
      assert(next.atMs >= this.now, 'time went backwards');
      this.now = next.atMs;
      this.eventsRun++;
      next.run();
      return true;
    }
  }

  /** A `Clock` whose timers die with `alive()` (a crashed process's timers never fire). */
  clock(alive: () => boolean = () => true): Clock {
    return {
      nowMs: () => this.now,
      wallMs: () => Date.UTC(2026, 0, 1) + this.now,
      setTimer: (delayMs, callback) =>
        this.after(delayMs, () => {
          if (alive()) callback();
        }),
    };
  }

  private push(event: ScheduledEvent): void {
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as ScheduledEvent, heap[parent] as ScheduledEvent)) break;
      [heap[i], heap[parent]] = [heap[parent] as ScheduledEvent, heap[i] as ScheduledEvent];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop() as ScheduledEvent;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left] as ScheduledEvent, heap[smallest] as ScheduledEvent))
        smallest = left;
      if (right < heap.length && before(heap[right] as ScheduledEvent, heap[smallest] as ScheduledEvent))
        smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest] as ScheduledEvent, heap[i] as ScheduledEvent];
      i = smallest;
    }
  }
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.sequence < b.sequence);
}
