import { parseGoDuration } from '../lib/duration.ts';
import type { Session } from '../model/records.ts';
import type { Clock, Timer } from '../ports/clock.ts';

/** Consul's `SessionTTLMultiplier`: a session lives twice its TTL without a renewal. */
export const SESSION_TTL_MULTIPLIER = 2;

/** Session TTL in milliseconds from the text the client sent; 0 for none. */
export function sessionTtlMs(session: Pick<Session, 'TTL'>): number {
  if (session.TTL === '') return 0;
  return (parseGoDuration(session.TTL) ?? 0) / 1e6;
}

/**
 * The leader's session expiry timers (Consul's `sessionTimers`): each session with a TTL is
 * invalidated TTL × 2 after its creation or last renewal.
 */
export class SessionTimers {
  private readonly timers = new Map<string, Timer>();

  constructor(
    private readonly clock: Clock,
    private readonly onExpire: (id: string) => void,
  ) {}

  arm(session: Session): void {
    const ttlMs = sessionTtlMs(session);
    this.clear(session.ID);
    if (ttlMs <= 0) return;
    this.timers.set(
      session.ID,
      this.clock.setTimer(ttlMs * SESSION_TTL_MULTIPLIER, () => {
        this.timers.delete(session.ID);
        this.onExpire(session.ID);
      }),
    );
  }

  clear(id: string): void {
    this.timers.get(id)?.cancel();
    this.timers.delete(id);
  }

  clearAll(): void {
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
  }

  get size(): number {
    return this.timers.size;
  }
}
