/**
 * Leader failover as ../shared/reference/raft.md §8 measures it: one HTTP writer (c=1, a 200 ms
 * deadline per request, moving to the next member on an error or a non-2xx answer) writes to the
 * cluster; at t = 2 s the leader is SIGKILLed; the figure is the time from the kill to the first
 * acknowledged write that was sent after it. Then the killed member is restarted with its data
 * dir as it was, the cluster is waited on until every member has caught up, and left to settle
 * before the next repetition.
 *
 * Only writes sent after the kill count: an answer already on its way from the old leader is not
 * evidence that the cluster accepts writes again.
 *
 * The kill time and the settle period are the two deliberate fixed delays of the method; every
 * other wait is on a condition with a deadline.
 */
import http from 'node:http';
import type { BenchCluster, ClusterMember } from './cluster.ts';
import type { LoadRequest } from './load.ts';
import { delay } from './processes.ts';
import { median } from './stats.ts';

export interface FailoverSettings {
  repetitions: number;
  /** From the writer's first request to the kill (reference: 2,000). */
  killAfterMs: number;
  /** Deadline of each write (reference: 200). */
  requestTimeoutMs: number;
  /** Quiet time after the restarted member has caught up, before the next repetition (reference: 4,000). */
  settleMs: number;
  /** A repetition with no acknowledged write this long after the kill is reported as failed. */
  recoveryDeadlineMs: number;
  /** Deadline for the cluster to have a leader and every member caught up, before and after. */
  catchUpDeadlineMs: number;
}

export interface FailoverSample {
  /** The member killed (the leader at the time). */
  killedId: string;
  /** Kill → first acknowledged write sent after it, ms; undefined when none came in time. */
  gapMs: number | undefined;
  /** The member whose endpoint acknowledged that write. */
  acknowledgedById: string | undefined;
  /** Writes acknowledged before the kill (proves the writer was working). */
  acknowledgedBeforeKill: number;
  /** Writes sent after the kill that failed: errors, non-2xx answers, timeouts (also counted apart). */
  failedAfterKill: number;
  timeoutsAfterKill: number;
  /** Restart of the killed member → every member has applied what the leader had committed. */
  catchUpMs: number;
}

export interface FailoverOutcome {
  samples: FailoverSample[];
  /** Over the repetitions that recovered; NaN when none did. */
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Repetitions without an acknowledged write within the deadline. */
  failed: number;
}

type WriteOutcome = { kind: 'acknowledged' } | { kind: 'rejected'; detail: string; timedOut: boolean };

/** One write with a deadline on the whole exchange; never rejects. */
function writeOnce(
  agent: http.Agent,
  origin: string,
  request: LoadRequest,
  timeoutMs: number,
): Promise<WriteOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: WriteOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const outgoing = http.request(
      `${origin}${request.path}`,
      { method: request.method, agent, headers: request.headers },
      (response) => {
        const status = response.statusCode ?? 0;
        response.resume();
        response.on('end', () =>
          finish(
            status >= 200 && status < 300
              ? { kind: 'acknowledged' }
              : { kind: 'rejected', detail: `HTTP ${status}`, timedOut: false },
          ),
        );
        response.on('error', (error) => finish({ kind: 'rejected', detail: error.message, timedOut: false }));
      },
    );
    const timer = setTimeout(() => {
      finish({ kind: 'rejected', detail: `no answer in ${timeoutMs} ms`, timedOut: true });
      outgoing.destroy();
    }, timeoutMs);
    outgoing.on('error', (error) => finish({ kind: 'rejected', detail: error.message, timedOut: false }));
    outgoing.end(request.body);
  });
}

/** Waits for `promise` or `ms`, whichever is first, leaving no timer behind to hold the process open. */
async function settledOrTimedOut(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms));
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One repetition: write, kill the leader at `killAfterMs`, time the first acknowledged write. */
async function killLeaderAndTime(
  cluster: BenchCluster,
  settings: FailoverSettings,
  nextRequest: () => LoadRequest,
): Promise<Omit<FailoverSample, 'catchUpMs'> & { killed: ClusterMember }> {
  const members = cluster.members;
  const leader = await cluster.waitForCaughtUp(settings.catchUpDeadlineMs);
  // One connection, kept alive as a real client would; a failed one is replaced on the next write.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let endpoint = members.indexOf(leader);
  let killedAt: number | undefined;
  let acknowledgedBeforeKill = 0;
  let failedAfterKill = 0;
  let timeoutsAfterKill = 0;
  let firstAcknowledged: { at: number; by: ClusterMember } | undefined;
  let stopped = false;
  let victim = leader;

  const writer = (async () => {
    while (!stopped) {
      const member = members[endpoint]!;
      const sentAt = performance.now();
      const outcome = await writeOnce(agent, member.origin, nextRequest(), settings.requestTimeoutMs);
      const sentAfterKill = killedAt !== undefined && sentAt >= killedAt;
      if (outcome.kind === 'acknowledged') {
        if (sentAfterKill) {
          firstAcknowledged = { at: performance.now(), by: member };
          return;
        }
        if (killedAt === undefined) acknowledgedBeforeKill++;
        continue;
      }
      if (sentAfterKill) {
        failedAfterKill++;
        if (outcome.timedOut) timeoutsAfterKill++;
      }
      endpoint = (endpoint + 1) % members.length;
    }
  })();

  try {
    await delay(settings.killAfterMs); // deliberate: the method kills at t = 2 s
    if (acknowledgedBeforeKill === 0) {
      throw new Error(
        `${cluster.name}: no write was acknowledged in the ${settings.killAfterMs} ms before the kill`,
      );
    }
    // Leadership rarely moves without a fault, but the member killed must be the leader now.
    victim = await cluster.waitForLeader(settings.catchUpDeadlineMs);
    killedAt = performance.now();
    await cluster.kill(victim);
    await settledOrTimedOut(writer, killedAt + settings.recoveryDeadlineMs - performance.now());
  } finally {
    stopped = true;
    await writer;
    agent.destroy();
  }
  const acknowledged = firstAcknowledged as { at: number; by: ClusterMember } | undefined;
  return {
    killed: victim,
    killedId: victim.id,
    gapMs: acknowledged === undefined ? undefined : acknowledged.at - killedAt,
    acknowledgedById: acknowledged?.by.id,
    acknowledgedBeforeKill,
    failedAfterKill,
    timeoutsAfterKill,
  };
}

/**
 * `settings.repetitions` repetitions; `request(n)` is the n-th write. Throws only when the cluster
 * cannot be brought back (a member does not restart or catch up); a repetition without an
 * acknowledged write is counted in `failed`.
 */
export async function measureFailovers(
  cluster: BenchCluster,
  settings: FailoverSettings,
  request: (sequence: number) => LoadRequest,
  log: (line: string) => void,
): Promise<FailoverOutcome> {
  let sequence = 0;
  const nextRequest = (): LoadRequest => request(sequence++);
  const samples: FailoverSample[] = [];
  for (let repetition = 1; repetition <= settings.repetitions; repetition++) {
    const timed = await killLeaderAndTime(cluster, settings, nextRequest);
    const restartedAt = performance.now();
    await cluster.restart(timed.killed);
    await cluster.waitForCaughtUp(settings.catchUpDeadlineMs);
    const { killed: _, ...rest } = timed;
    const sample: FailoverSample = { ...rest, catchUpMs: performance.now() - restartedAt };
    samples.push(sample);
    log(
      `failover ${repetition}/${settings.repetitions} · ${cluster.name}: killed leader ${sample.killedId}; ` +
        (sample.gapMs === undefined
          ? `no write acknowledged within ${settings.recoveryDeadlineMs} ms`
          : `first acknowledged write ${sample.gapMs.toFixed(0)} ms later, via ${sample.acknowledgedById}`) +
        ` (${sample.failedAfterKill} failed writes, ${sample.timeoutsAfterKill} timeouts); ` +
        `${sample.killedId} restarted and all caught up in ${sample.catchUpMs.toFixed(0)} ms`,
    );
    if (repetition < settings.repetitions) await delay(settings.settleMs); // deliberate: settle
  }
  const gaps = samples.flatMap((sample) => (sample.gapMs === undefined ? [] : [sample.gapMs]));
  return {
    samples,
    medianMs: median(gaps),
    minMs: gaps.length === 0 ? Number.NaN : Math.min(...gaps),
    maxMs: gaps.length === 0 ? Number.NaN : Math.max(...gaps),
    failed: samples.length - gaps.length,
  };
}
