import type { Clock } from '../ports/clock.ts';
import type { Read } from '../state/store.ts';
import type { WatchSet } from '../state/watch.ts';

export interface BlockingOptions {
  /** The client's `?index`; 0 (or absent) answers at once. */
  minIndex: number;
  /** How long to wait for a change, already capped and defaulted by the caller. */
  waitMs: number;
  clock: Clock;
  /** A float in [0, 1) for the jitter. */
  random: () => number;
  /** Aborted when the client goes away: stop waiting and free the watches. */
  signal?: AbortSignal;
  /**
   * Whether a result index answers the client. Raft indexes only grow, so the default is
   * `index > minIndex`; opaque indexes (the event list's, a hash) use `index !== minIndex`.
   */
  isNewer?: (index: number, minIndex: number) => boolean;
  /**
   * Schedules a woken query's re-run. A write wakes its watchers while the FSM applies it, before
   * the writer's own answer is sent; deferring the re-runs to the next event-loop turn lets that
   * answer go first instead of queueing behind every watcher (10,000 of them on a hot key).
   * Defaults to running at once.
   */
  defer?: (callback: () => void) => void;
}

export interface BlockingResult<T> {
  value: T;
  /** Never 0: Consul clamps to 1 because clients treat 0 as an error. */
  index: number;
}

/** Jitter added to a blocking wait, as Consul does, so that woken watchers do not stampede: ≤ wait/16. */
export function jitteredWaitMs(waitMs: number, random: () => number): number {
  return waitMs + Math.floor(random() * (waitMs / 16));
}

/**
 * The one blocking-query function (Consul's `blockingquery.Query`). Contract:
 *
 * 1. Run `query`. If `minIndex` is 0 or the result's index is greater than `minIndex`, answer.
 * 2. Otherwise wait until one of the read's watches fires, the (jittered) wait runs out, or the
 *    client aborts; then run the query again and go to 1. After the timeout, answer with the
 *    current result even though its index has not moved.
 *
 * The index answered is the query's own (per result), never 0. Spurious wake-ups only cost a
 * re-run; a change is never missed because the watches are subscribed in the same synchronous
 * turn as the read, before any write can run.
 */
export async function blockingQuery<T>(
  options: BlockingOptions,
  query: () => Read<T>,
): Promise<BlockingResult<T>> {
  const isNewer = options.isNewer ?? ((index, minIndex) => index > minIndex);
  let result = query();
  if (options.minIndex <= 0 || isNewer(result.index, options.minIndex)) return answer(result);

  const deadline = options.clock.nowMs() + jitteredWaitMs(options.waitMs, options.random);
  while (!isNewer(result.index, options.minIndex)) {
    const remainingMs = deadline - options.clock.nowMs();
    if (remainingMs <= 0 || options.signal?.aborted) break;
    await waitForChange(result.watches, remainingMs, options);
    result = query();
  }
  return answer(result);
}

function answer<T>(result: Read<T>): BlockingResult<T> {
  return { value: result.value, index: Math.max(1, result.index) };
}

/**
 * Resolves when one of `watches` fires (deferred by `options.defer`), `timeoutMs` passes, or the
 * signal aborts, and leaves no listener behind. The wait inside `blockingQuery`, exported for
 * waits on state without a Raft index (hash-based blocking on the agent's local services).
 */
export function waitForChange(
  watches: WatchSet,
  timeoutMs: number,
  options: Pick<BlockingOptions, 'clock' | 'signal' | 'defer'>,
): Promise<void> {
  return new Promise((resolve) => {
    const unsubscribes: (() => void)[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      timer.cancel();
      for (const unsubscribe of unsubscribes) unsubscribe();
      options.signal?.removeEventListener('abort', finish);
      resolve();
    };
    const timer = options.clock.setTimer(timeoutMs, finish);
    const defer = options.defer;
    const wake = defer === undefined ? finish : () => defer(finish);
    for (const watch of watches) unsubscribes.push(watch.subscribe(wake));
    options.signal?.addEventListener('abort', finish, { once: true });
  });
}
