import type { Clock, Timer } from '../ports/clock.ts';
import type { TimingProfile } from './config.ts';

/**
 * Lifeguard's suspicion timeout (reference §7.3; "Lifeguard: Local Health Awareness for More
 * Accurate Failure Detection", §IV-B "Dogpile"): a suspect is declared dead after a timeout that
 * starts at `max` and shrinks towards `min` as independent peers confirm the suspicion, so a
 * node that is really down is declared dead quickly while a lone mistaken accuser waits long.
 */
export interface SuspicionTimeouts {
  minMs: number;
  maxMs: number;
  /** Confirmations wanted before the timeout reaches `min`; 0 = the timer is `min` from the start. */
  confirmationsWanted: number;
}

/** `n` is the estimated number of nodes in the pool (memberlist's `estNumNodes`). */
export function suspicionTimeouts(profile: TimingProfile, n: number): SuspicionTimeouts {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, n)));
  const minMs = Math.floor(profile.suspicionMult * nodeScale * profile.probeIntervalMs);
  const maxMs = profile.suspicionMaxTimeoutMult * minMs;
  let confirmationsWanted = profile.suspicionMult - 2;
  if (n - 2 < confirmationsWanted) confirmationsWanted = 0;
  return { minMs, maxMs, confirmationsWanted: Math.max(0, confirmationsWanted) };
}

/** The total timeout (from the start of suspicion) after `confirmations` independent confirmations. */
export function suspicionTimeoutMs(timeouts: SuspicionTimeouts, confirmations: number): number {
  const { minMs, maxMs, confirmationsWanted } = timeouts;
  if (confirmationsWanted === 0) return minMs;
  const fraction = Math.log(confirmations + 1) / Math.log(confirmationsWanted + 1);
  return Math.max(minMs, Math.floor(maxMs - fraction * (maxMs - minMs)));
}

/**
 * One running suspicion of one node: the accuser counts as already confirmed; each further
 * distinct `From` (up to `confirmationsWanted`) shortens the timer. `onExpire` receives the
 * number of confirmations seen, for the log line.
 */
export class Suspicion {
  private readonly confirmedBy = new Set<string>();
  private timer: Timer;
  private readonly startMs: number;
  confirmations = 0;

  constructor(
    private readonly clock: Clock,
    readonly timeouts: SuspicionTimeouts,
    accuser: string,
    private readonly onExpire: (confirmations: number) => void,
  ) {
    this.startMs = clock.nowMs();
    this.confirmedBy.add(accuser);
    this.timer = clock.setTimer(suspicionTimeoutMs(timeouts, 0), () => this.onExpire(this.confirmations));
  }

  /** Records a confirmation; true when it added information (and should be re-gossiped). */
  confirm(from: string): boolean {
    if (this.confirmations >= this.timeouts.confirmationsWanted) return false;
    if (this.confirmedBy.has(from)) return false;
    this.confirmedBy.add(from);
    this.confirmations++;
    const remainingMs =
      suspicionTimeoutMs(this.timeouts, this.confirmations) - (this.clock.nowMs() - this.startMs);
    this.timer.cancel();
    this.timer = this.clock.setTimer(Math.max(0, remainingMs), () => this.onExpire(this.confirmations));
    return true;
  }

  /** Clock ms until expiry as currently armed (for tests and debugging). */
  deadlineMs(): number {
    return this.startMs + suspicionTimeoutMs(this.timeouts, this.confirmations);
  }

  cancel(): void {
    this.timer.cancel();
  }
}
