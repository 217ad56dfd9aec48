/**
 * Live data for pages. `useWatch` keeps one blocking query open per view (api-client `watch()`),
 * so a page changes as soon as the catalog does and costs nothing while it does not; `usePoll`
 * asks endpoints that cannot block on an interval. Both retry failures with `retryDelayMs`,
 * pause while the tab is hidden, and report whether the agent answers to one connection store,
 * which the layout shows as a banner.
 */

import { useEffect, useState } from 'preact/hooks';
import { ConnectionError, type QueryOptions, type QueryResult, watch } from '../api-client/client.ts';
import { retryDelayMs } from './retry.ts';

/** How long the agent may hold each blocking query. */
const WAIT_MS = 60_000;

export interface Live<T> {
  /** The latest answer; kept while a later request fails. */
  value: T | undefined;
  /** Why the latest request failed; cleared by the next answer. */
  error: Error | undefined;
  /** No answer and no failure yet. */
  loading: boolean;
}

const initial: Live<never> = { value: undefined, error: undefined, loading: true };

// ---- whether the agent answers ----

let agentLost = false;
const connectionListeners = new Set<(lost: boolean) => void>();

function reportConnection(lost: boolean): void {
  if (lost === agentLost) return;
  agentLost = lost;
  for (const listener of connectionListeners) listener(lost);
}

/** A request that got no answer at all (the browser's fetch says only `TypeError`). */
function isUnreachable(error: unknown): boolean {
  return error instanceof ConnectionError || error instanceof TypeError;
}

function reportFailure(error: unknown): Error {
  // Any HTTP answer, even an error status, shows the agent is there.
  reportConnection(isUnreachable(error));
  return error instanceof Error ? error : new Error(String(error));
}

/** True while the agent does not answer; every page's requests feed it. */
export function useAgentLost(): boolean {
  const [lost, setLost] = useState(agentLost);
  useEffect(() => {
    setLost(agentLost);
    connectionListeners.add(setLost);
    return () => {
      connectionListeners.delete(setLost);
    };
  }, []);
  return lost;
}

// ---- hooks ----

/**
 * Follows a blocking query: the first answer at once, then every change. `deps` restart it
 * (a new service name, a new client after a token change).
 *
 *     const live = useWatch((o) => client.health.service(name, o), [client, name]);
 */
export function useWatch<T>(
  query: (options: QueryOptions) => Promise<QueryResult<T>>,
  deps: readonly unknown[],
): Live<T> {
  return useRetried<T>(async (signal, publish) => {
    for await (const { value } of watch(query, { waitMs: WAIT_MS, signal })) publish(value);
  }, deps);
}

/**
 * Asks `fetcher` now and then every `intervalMs` (0: once, retried until it answers), for the
 * endpoints that cannot block (members, Raft configuration).
 */
export function usePoll<T>(
  fetcher: (signal: AbortSignal) => Promise<T>,
  intervalMs: number,
  deps: readonly unknown[],
): Live<T> {
  return useRetried<T>(async (signal, publish) => {
    do {
      const value = await fetcher(signal);
      if (signal.aborted) return;
      publish(value);
      if (intervalMs > 0) await pause(intervalMs, signal);
    } while (intervalMs > 0 && !signal.aborted);
  }, deps);
}

/**
 * Runs `run` until it returns or `deps` change, publishing its answers; a failure is shown
 * beside the last answer and `run` starts again after `retryDelayMs`. While the tab is hidden
 * nothing runs: browsers allow about six connections per host across all tabs, and every open
 * page holds one to three blocking queries. Shown again, it starts over and catches up.
 */
function useRetried<T>(
  run: (signal: AbortSignal, publish: (value: T) => void) => Promise<void>,
  deps: readonly unknown[],
): Live<T> {
  const [state, setState] = useState<Live<T>>(initial);
  const visible = usePageVisible();
  // A new query starts from nothing; a tab shown again keeps what it showed until it catches up.
  useEffect(() => setState(initial), deps);
  useEffect(() => {
    if (!visible) return;
    const controller = new AbortController();
    const { signal } = controller;
    let attempt = 0;
    const publish = (value: T) => {
      attempt = 0;
      reportConnection(false);
      setState({ value, error: undefined, loading: false });
    };
    void (async () => {
      while (!signal.aborted) {
        try {
          await run(signal, publish);
          return;
        } catch (error) {
          if (signal.aborted) return;
          const failure = reportFailure(error);
          setState((previous) => ({ ...previous, error: failure, loading: false }));
          await pause(retryDelayMs(attempt++, Math.random()), signal);
        }
      }
    })();
    return () => controller.abort();
  }, [...deps, visible]);
  return state;
}

function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState !== 'hidden');
  useEffect(() => {
    const update = () => setVisible(document.visibilityState !== 'hidden');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * Runs a write and reports it to the connection store; the caller shows the error. A write
 * needs no refresh afterwards: the page's blocking query sees the change.
 */
export async function write<T>(operation: () => Promise<T>): Promise<T> {
  try {
    const result = await operation();
    reportConnection(false);
    return result;
  } catch (error) {
    throw reportFailure(error);
  }
}
