/** A cancellable timer handle. */
export interface Timer {
  cancel(): void;
}

/**
 * Time, injected. Production uses the system clock (src/io/system-clock.ts); tests and the
 * simulator use a manual clock they advance themselves.
 */
export interface Clock {
  /** Monotonic milliseconds, for durations and deadlines. */
  nowMs(): number;
  /** Wall-clock milliseconds since the epoch, for timestamps shown to people. */
  wallMs(): number;
  setTimer(delayMs: number, callback: () => void): Timer;
}
