import type { Clock, Timer } from '../ports/clock.ts';

/** A user event as the coalescer sees it. */
export interface CoalescableUserEvent {
  lTime: number;
  name: string;
  payload: Uint8Array;
  /** serf's CC flag: may be coalesced. */
  cc: boolean;
}

/**
 * serf's user-event coalescing: events sent with CC (coalesce) set are held for
 * `periodMs` from the first one; at the end only the newest Lamport time per event name is
 * delivered (every event of that time, in arrival order). A deploy fired ten times in a burst
 * reaches the handler once, with the last payload. Events without CC pass straight through, as
 * does everything when `periodMs` is 0.
 */
export class UserEventCoalescer<E extends CoalescableUserEvent> {
  private pending = new Map<string, { lTime: number; events: E[] }>();
  private flushTimer: Timer | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly periodMs: number,
    private readonly deliver: (event: E) => void,
  ) {}

  push(event: E): void {
    if (!event.cc || this.periodMs <= 0) {
      this.deliver(event);
      return;
    }
    const latest = this.pending.get(event.name);
    if (latest === undefined || latest.lTime < event.lTime)
      this.pending.set(event.name, { lTime: event.lTime, events: [event] });
    else if (latest.lTime === event.lTime) latest.events.push(event);
    // An older event than the one held is superseded: dropped.
    this.flushTimer ??= this.clock.setTimer(this.periodMs, () => this.flush());
  }

  /** Delivers what is held now (the timer does this at the end of the period). */
  flush(): void {
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    const held = this.pending;
    this.pending = new Map();
    for (const { events } of held.values()) for (const event of events) this.deliver(event);
  }

  /** Drops what is held without delivering (shutdown). */
  stop(): void {
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    this.pending = new Map();
  }
}
