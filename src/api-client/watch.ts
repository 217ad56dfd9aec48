/**
 * The client half of Consul's blocking-query contract ([blocking], "Implementation details"):
 *
 * - The first request carries no index and answers at once.
 * - Each later request passes the last `X-Consul-Index` and is held until it moves past it
 *   or `wait` runs out; an answer with the same index is a timeout, not a change.
 * - An index that goes backwards (a snapshot restore, a new cluster) resets to 0: start over.
 * - Index 0 is never passed (it would answer at once and busy-loop), so an index below 1
 *   after an answer counts as 1.
 */

import type { QueryOptions, QueryResult } from './query.ts';

/** The index to pass next, given the one passed (0: none) and the one the agent answered. */
export function nextWatchIndex(passedIndex: number, answeredIndex: number): number {
  if (answeredIndex < passedIndex) return 0;
  return Math.max(answeredIndex, 1);
}

/** Whether an answer to a request that passed `passedIndex` is news to the watcher. */
export function isWatchChange(passedIndex: number, answeredIndex: number): boolean {
  return passedIndex === 0 || answeredIndex > passedIndex;
}

export interface WatchOptions {
  /** Start as if an answer with this index had been seen already. */
  index?: number;
  /** How long each request may block; the agent's default (5 min) when absent. */
  waitMs?: number;
  stale?: boolean;
  consistent?: boolean;
  dc?: string;
  /** Ends the watch: the pending request is aborted and the iteration finishes quietly. */
  signal?: AbortSignal;
}

/**
 * Yields the query's result now and again after every change, until `signal` aborts or the
 * consumer stops iterating. A failed request ends the iteration with its error; retrying with
 * backoff is the caller's decision.
 *
 *     for await (const { value } of watch((o) => client.kv.get('config/x', o), { signal })) …
 */
export async function* watch<T>(
  query: (options: QueryOptions) => Promise<QueryResult<T>>,
  options: WatchOptions = {},
): AsyncGenerator<QueryResult<T>, void, undefined> {
  const { signal, index: startIndex = 0, ...readOptions } = options;
  let index = startIndex;
  while (!signal?.aborted) {
    let result: QueryResult<T>;
    try {
      result = await query({
        ...readOptions,
        ...(index > 0 ? { index } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) return;
      throw error;
    }
    const answered = result.meta.lastIndex;
    const changed = isWatchChange(index, answered);
    index = nextWatchIndex(index, answered);
    if (changed) yield result;
  }
}
