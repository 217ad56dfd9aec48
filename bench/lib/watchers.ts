/**
 * Fan-out of one KV change to many blocked watchers: open N blocking queries on one key
 * (`GET /v1/kv/<key>?index=<current>&wait=60s`, one connection each), wait until the agent holds
 * them all, PUT the key, and time each watcher's answer from the moment the PUT is sent.
 *
 * Not from the PUT's acknowledgement: the agent wakes watchers when the write applies, before it
 * answers the PUT, and this client then reads thousands of answers in the same turn of its event
 * loop as the acknowledgement, so most answers would "arrive" before it. Timing from the send is
 * an upper bound that includes the write itself (its own latency is reported as `putMs`).
 *
 * "The agent holds them all" is read from the gauge `cairn.http.blocking_queries` in
 * `/v1/agent/metrics` when the agent publishes it. Otherwise from the kernel: every connection
 * to the agent's HTTP port is established and its receive queue is empty (/proc/net/tcp), i.e.
 * the agent has read every request. That is a close proxy, not proof, that each is blocked.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { readGauge } from './cairn.ts';
import { httpRequestOk } from './http-client.ts';
import { waitUntil } from './processes.ts';
import { quantileSorted } from './stats.ts';

export const BLOCKING_QUERIES_GAUGE = 'cairn.http.blocking_queries';

export interface WatchOptions {
  origin: string;
  httpPort: number;
  key: string;
  watchers: number;
  /** Connections opened at once before waiting for them to connect (the listen backlog is finite). */
  batch?: number;
  log: (line: string) => void;
}

export interface WatchOutcome {
  watchers: number;
  /** How "all blocked" was established. */
  settledBy: string;
  /** Watchers that answered before the PUT was sent: a blocking query returning early. */
  earlyAnswers: number;
  /** Watchers that answered the PUT with 200 and a larger X-Consul-Index. */
  answered: number;
  /** Answers read before the PUT's own acknowledgement (the watch fires on apply, before HTTP replies). */
  answeredBeforePutAck: number;
  failures: number;
  failureSamples: string[];
  /** The PUT's own latency as this (busy) client saw it. */
  putMs: number;
  /** Time from sending the PUT to each watcher's complete answer. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

interface WatcherState {
  doneAtMs?: number;
  failure?: string;
}

export async function measureWatchFanOut(options: WatchOptions): Promise<WatchOutcome> {
  const { origin, key, watchers, log } = options;
  const batch = options.batch ?? 500;
  const keyUrl = `${origin}/v1/kv/${key}`;
  await httpRequestOk('PUT', keyUrl, 'before');
  const current = await httpRequestOk('GET', keyUrl);
  const index = Number(current.headers['x-consul-index']);
  if (!Number.isSafeInteger(index) || index <= 0) {
    throw new Error(
      `GET ${keyUrl}: expected a positive X-Consul-Index, got ${current.headers['x-consul-index']}`,
    );
  }

  const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const states: WatcherState[] = [];
  const requests: http.ClientRequest[] = [];
  let connected = 0;
  let finished = 0;
  let putSentAtMs = Number.POSITIVE_INFINITY;
  let earlyAnswers = 0;
  const finish = (state: WatcherState, failure?: string): void => {
    if (state.doneAtMs !== undefined) return;
    state.doneAtMs = performance.now();
    if (failure !== undefined) state.failure = failure;
    if (state.doneAtMs < putSentAtMs) earlyAnswers++;
    finished++;
  };

  const openWatcher = (): void => {
    const state: WatcherState = {};
    states.push(state);
    const request = http.get(`${keyUrl}?index=${index}&wait=60s`, { agent, timeout: 90_000 }, (response) => {
      response.resume();
      response.on('end', () => {
        const answeredIndex = Number(response.headers['x-consul-index']);
        if (response.statusCode !== 200) finish(state, `HTTP ${response.statusCode}`);
        else if (!(answeredIndex > index))
          finish(state, `X-Consul-Index ${answeredIndex} not above ${index}`);
        else finish(state);
      });
      response.on('error', (error) => finish(state, error.message));
    });
    request.on('socket', (socket) => socket.once('connect', () => connected++));
    request.on('timeout', () => request.destroy(new Error('no answer in 90 s')));
    request.on('error', (error) => finish(state, error.message));
    requests.push(request);
  };

  try {
    log(`opening ${watchers} blocking queries on ${key} at index ${index}`);
    for (let opened = 0; opened < watchers; ) {
      const upTo = Math.min(watchers, opened + batch);
      for (; opened < upTo; opened++) openWatcher();
      await waitUntil(async () => connected + finished >= opened, {
        what: `${opened} watcher connections to be established (${connected} so far)`,
        deadlineMs: 30_000,
        intervalMs: 10,
      });
    }
    if (finished > 0) {
      log(
        `${finished} watchers answered before the PUT (${firstFailures(states).join('; ') || 'early 200'})`,
      );
    }

    let settledBy: string;
    const gauge = await readGauge(origin, BLOCKING_QUERIES_GAUGE);
    if (gauge !== undefined) {
      settledBy = `gauge ${BLOCKING_QUERIES_GAUGE}`;
      let last = gauge;
      await waitUntil(
        async () => {
          last = (await readGauge(origin, BLOCKING_QUERIES_GAUGE)) ?? 0;
          return last >= watchers - finished;
        },
        {
          what: `${BLOCKING_QUERIES_GAUGE} to reach ${watchers - finished} (last ${last})`,
          deadlineMs: 30_000,
        },
      );
    } else {
      settledBy = 'kernel: all connections established, receive queues empty (no blocking-query gauge)';
      let stableReads = 0;
      let last = { established: 0, unread: 0 };
      await waitUntil(
        async () => {
          last = serverSideSockets(options.httpPort);
          stableReads = last.established >= watchers - finished && last.unread === 0 ? stableReads + 1 : 0;
          return stableReads >= 3;
        },
        {
          what: `the agent to read all ${watchers} requests (established ${last.established}, unread ${last.unread})`,
          deadlineMs: 30_000,
        },
      );
    }
    log(`all watchers blocked (${settledBy}); writing ${key}`);

    putSentAtMs = performance.now();
    await httpRequestOk('PUT', keyUrl, 'after');
    const putAckAtMs = performance.now();
    await waitUntil(async () => finished >= watchers, {
      what: `all ${watchers} watchers to answer (${finished} so far)`,
      deadlineMs: 60_000,
      intervalMs: 10,
    });

    const afterPut = states.filter((s) => s.failure === undefined && s.doneAtMs! >= putSentAtMs);
    const sincePut = Float64Array.from(afterPut, (s) => s.doneAtMs! - putSentAtMs).sort();
    const failed = states.filter((s) => s.failure !== undefined);
    return {
      watchers,
      settledBy,
      earlyAnswers,
      answered: afterPut.length,
      answeredBeforePutAck: afterPut.filter((s) => s.doneAtMs! < putAckAtMs).length,
      failures: failed.length,
      failureSamples: firstFailures(states),
      putMs: putAckAtMs - putSentAtMs,
      p50Ms: quantileSorted(sincePut, 0.5),
      p99Ms: quantileSorted(sincePut, 0.99),
      maxMs: sincePut.length === 0 ? Number.NaN : sincePut[sincePut.length - 1]!,
    };
  } finally {
    for (const request of requests) request.destroy();
    agent.destroy();
  }
}

function firstFailures(states: readonly WatcherState[]): string[] {
  const counts = new Map<string, number>();
  for (const state of states) {
    if (state.failure !== undefined) counts.set(state.failure, (counts.get(state.failure) ?? 0) + 1);
  }
  return [...counts].slice(0, 5).map(([failure, count]) => `${count}× ${failure}`);
}

/**
 * Server-side TCP sockets on loopback port `port`: how many are established, and how many of
 * those hold bytes the server has not read yet.
 */
export function serverSideSockets(port: number): { established: number; unread: number } {
  let established = 0;
  let unread = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue …
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const state = fields[3];
      const queues = fields[4];
      if (local === undefined || state !== '01' || queues === undefined) continue;
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) !== port) continue;
      established++;
      if (Number.parseInt(queues.split(':')[1] ?? '0', 16) > 0) unread++;
    }
  }
  return { established, unread };
}
