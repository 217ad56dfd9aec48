import { blockingQuery } from '../server/blocking-query.ts';
import { NoLeaderError } from '../server/consensus.ts';
import type { Read, StateStore } from '../state/store.ts';
import type { HttpContext } from './context.ts';
import { type ApiRequest, Consistency, checkDatacenter, queryOptions } from './request.ts';

export interface ReadAnswer<T> {
  value: T;
  index: number;
  headers: Record<string, string>;
}

/**
 * Serves a read endpoint: parses `?index`, `?wait` and the consistency mode, applies the mode
 * (`consistent` waits for a quorum-confirmed read index, `default` needs a known leader, `stale`
 * answers from local state), runs `query` through the one blocking-query function, and returns
 * the value with Consul's headers (`X-Consul-Index` per result and never 0, `KnownLeader`,
 * `LastContact`, `Effective-Consistency`).
 *
 * `query` gets the store afresh on every run: a snapshot restore replaces it.
 */
export async function read<T>(
  context: HttpContext,
  request: ApiRequest,
  query: (store: StateStore) => Read<T>,
): Promise<ReadAnswer<T>> {
  checkDatacenter(request, context.config.datacenter);
  const options = queryOptions(request, context.config);
  await applyConsistency(context, options.consistency);
  const blocking = options.minIndex > 0;
  if (blocking) context.stats.blockingQueries++;
  try {
    const result = await blockingQuery(
      {
        minIndex: options.minIndex,
        waitMs: options.waitMs,
        clock: context.clock,
        random: () => context.random.next(),
        signal: request.signal,
        defer: (callback) => setImmediate(callback),
      },
      () => query(context.server.store),
    );
    return {
      value: result.value,
      index: result.index,
      headers: { ...metaHeaders(context, options.consistency), 'x-consul-index': String(result.index) },
    };
  } finally {
    if (blocking) context.stats.blockingQueries--;
  }
}

/** A non-blocking read that still honours consistency and sets the meta headers (no index). */
export async function readOnce<T>(
  context: HttpContext,
  request: ApiRequest,
  query: (store: StateStore) => T,
) {
  checkDatacenter(request, context.config.datacenter);
  const options = queryOptions(request, context.config);
  await applyConsistency(context, options.consistency);
  return { value: query(context.server.store), headers: metaHeaders(context, options.consistency) };
}

async function applyConsistency(context: HttpContext, consistency: Consistency): Promise<void> {
  if (consistency === Consistency.stale) return;
  const status = context.server.consensus.status();
  if (status.leaderAddress === '') throw new NoLeaderError();
  // Both `default` and `consistent` are linearizable here: a ReadIndex round (batched, and free
  // on a single voter) closes the stale-read window Consul's `default` leaves after a partition.
  await context.server.consensus.readBarrier();
}

export function metaHeaders(context: HttpContext, consistency: Consistency): Record<string, string> {
  const status = context.server.consensus.status();
  return {
    'x-consul-knownleader': status.leaderAddress === '' ? 'false' : 'true',
    'x-consul-lastcontact': String(Math.round(status.lastContactMs)),
    'x-consul-effective-consistency': consistency === Consistency.default ? 'leader' : consistency,
  };
}
