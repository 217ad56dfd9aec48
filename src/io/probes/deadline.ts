import type { ProbeResult } from '../../ports/check-probe.ts';

/** Why a probe stopped before its target answered. */
export type StopCause = 'timeout' | 'aborted';

/** The result of an aborted probe; the caller ignores it, so the wording is ours. */
export const ABORTED_RESULT: ProbeResult = { status: 'critical', output: 'Check aborted' };

/**
 * One probe's hard stop: `stopped` resolves when `timeoutMs` passes or the caller's signal
 * aborts, whichever comes first. `dispose()` (always, in a `finally`) clears the timer and the
 * abort listener so a finished probe holds nothing.
 */
export class ProbeDeadline {
  readonly stopped: Promise<StopCause>;
  private readonly timer: NodeJS.Timeout;
  private readonly onAbort: () => void;
  private stop: (cause: StopCause) => void = () => {};

  constructor(
    timeoutMs: number,
    private readonly signal: AbortSignal,
  ) {
    this.stopped = new Promise((resolve) => {
      this.stop = resolve;
    });
    // setTimeout takes at most 2^31-1 ms (24.8 days); beyond, Node would fire after 1 ms.
    this.timer = setTimeout(() => this.stop('timeout'), Math.min(Math.max(0, timeoutMs), 2 ** 31 - 1));
    this.onAbort = () => this.stop('aborted');
    if (signal.aborted) this.stop('aborted');
    else signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /** `work`'s value, or why the probe stopped if that came first. */
  async until<T>(work: Promise<T>): Promise<{ done: true; value: T } | { done: false; cause: StopCause }> {
    return Promise.race([
      work.then((value) => ({ done: true as const, value })),
      this.stopped.then((cause) => ({ done: false as const, cause })),
    ]);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.signal.removeEventListener('abort', this.onAbort);
  }
}
