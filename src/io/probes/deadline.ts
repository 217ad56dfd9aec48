import type { ProbeResult } from '../../ports/check-probe.ts';

/** Why a probe stopped before its target answered. */
export type StopCause = 'timeout' | 'aborted';

/** The result of an aborted probe; the caller ignores it, so the wording is ours. */
export const ABORTED_RESULT: ProbeResult = { status: 'critical', output: 'Check aborted' };

type Stopped = { done: false; cause: StopCause };

/**
 * One probe's hard stop: when `timeoutMs` passes or the caller's signal aborts, whichever comes
 * first, the pending `until` answers with the cause. `dispose()` (always, in a `finally`) clears
 * the timer and removes the abort listener, so a finished probe holds nothing and the signal,
 * which lives as long as its check, keeps nothing of the run.
 */
export class ProbeDeadline {
  private cause: StopCause | undefined;
  /** Settles the pending `until` as stopped. */
  private settle: ((stopped: Stopped) => void) | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly onTimeout = (): void => this.stop('timeout');
  private readonly onAbort = (): void => this.stop('aborted');

  constructor(
    timeoutMs: number,
    private readonly signal: AbortSignal,
  ) {
    // setTimeout takes at most 2^31-1 ms (24.8 days); beyond, Node would fire after 1 ms.
    this.timer = setTimeout(this.onTimeout, Math.min(Math.max(0, timeoutMs), 2 ** 31 - 1));
    if (signal.aborted) this.cause = 'aborted';
    else signal.addEventListener('abort', this.onAbort);
  }

  /** `work`'s value, or why the probe stopped if that came first. One call at a time. */
  until<T>(work: Promise<T>): Promise<{ done: true; value: T } | Stopped> {
    const cause = this.cause;
    if (cause !== undefined) return Promise.resolve({ done: false, cause });
    return new Promise((resolve, reject) => {
      this.settle = resolve;
      work.then((value) => resolve({ done: true, value }), reject);
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.signal.removeEventListener('abort', this.onAbort);
    this.settle = undefined;
  }

  private stop(cause: StopCause): void {
    if (this.cause !== undefined) return;
    this.cause = cause;
    this.settle?.({ done: false, cause });
  }
}
