/**
 * What the Raft benchmark needs from a 3-member cluster under test, whichever it is (etcd 3.4 or
 * Cairn's Raft KV node): its members, who leads, the leader's fsync counters, SIGKILL and restart
 * of one member with its data kept, and the shape of its put and get requests. The benchmark
 * (../raft.ts) and the failover driver (./failover.ts) see only this.
 *
 * Members are fixed at start (id, HTTP origin, data dir); a restart replaces the member's process,
 * so read `member.process` each time rather than keeping it.
 */
import { closeIdleSockets } from './http-client.ts';
import type { LoadRequest } from './load.ts';
import { delay, logTail, type ManagedProcess } from './processes.ts';

export interface ClusterMember {
  /** n1, n2, n3. */
  readonly id: string;
  /** Where its HTTP API listens, e.g. http://127.0.0.1:32379. */
  readonly origin: string;
  readonly dataDir: string;
  /** The running process; replaced by `restart`. */
  readonly process: ManagedProcess;
}

/** Counters read from one member; their change over a run gives entries per fsync. */
export interface FsyncCounters {
  /** Entries (proposals) committed or persisted so far. */
  entries: number;
  /** Log fsyncs (fdatasyncs) so far. */
  syncs: number;
}

export type ReadConsistency = 'linearizable' | 'serializable';

export interface BenchCluster {
  /** "etcd" or "Cairn", for reports. */
  readonly name: string;
  readonly members: readonly ClusterMember[];
  /**
   * Waits until every member is running and all name the same leader, which itself reports it
   * leads; returns that member. Throws after `deadlineMs` or when a member exits.
   */
  waitForLeader(deadlineMs: number): Promise<ClusterMember>;
  /**
   * Waits until there is an agreed leader (as `waitForLeader`) and every member has applied every
   * entry the leader had committed when the wait began; returns the leader.
   */
  waitForCaughtUp(deadlineMs: number): Promise<ClusterMember>;
  /** The member's counters now; throws if it does not answer. */
  fsyncCounters(member: ClusterMember): Promise<FsyncCounters>;
  /** SIGKILL to the member's process; resolves once it has exited. */
  kill(member: ClusterMember): Promise<void>;
  /** Starts a stopped member again with the same arguments and its data dir as it was. */
  restart(member: ClusterMember): Promise<void>;
  /** Stops every member still running (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
  /** The put of `value` under `key` (an acknowledgement is any 2xx). */
  putRequest(key: string, value: Buffer): LoadRequest;
  getRequest(key: string, consistency: ReadConsistency): LoadRequest;
}

/**
 * Stops the followers, then `leader` (when known; otherwise all together), each with SIGTERM and
 * SIGKILL after `graceMs`. Our idle keep-alive connections are closed first, since a graceful
 * stop may wait for open client connections, and the followers go first, since a leader told to
 * stop while they are up first tries to hand its leadership over.
 */
export async function stopFollowersFirst(
  members: readonly ClusterMember[],
  leader: ClusterMember | undefined,
  graceMs?: number,
): Promise<void> {
  closeIdleSockets();
  const followers = members.filter((member) => member !== leader);
  await Promise.all(followers.map((member) => member.process.stop(graceMs)));
  if (leader !== undefined) await leader.process.stop(graceMs);
}

/** Process ids of the members running now, for CPU accounting. */
export function memberPids(cluster: BenchCluster): number[] {
  return cluster.members
    .filter((member) => member.process.exitReason() === undefined)
    .map((member) => member.process.pid);
}

export interface PollOptions {
  /** What we wait for, for the error message: "a leader known to all three members". */
  what: string;
  deadlineMs: number;
  intervalMs?: number;
  /** Members that must stay up: waiting stops with their log when one exits. */
  members: readonly ClusterMember[];
}

/**
 * Calls `probe` until it returns a value (not undefined) and returns that value. Errors thrown by
 * `probe` count as "not yet" (a member that is starting refuses connections); the last one is
 * quoted if the deadline passes. An exited member ends the wait at once.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const start = performance.now();
  const intervalMs = options.intervalMs ?? 50;
  let lastError: unknown;
  for (;;) {
    for (const member of options.members) {
      const reason = member.process.exitReason();
      if (reason !== undefined) {
        throw new Error(
          `${member.process.name} exited (${reason}) while waiting for ${options.what}\n` +
            logTail(member.process.logPath),
        );
      }
    }
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() - start > options.deadlineMs) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${options.deadlineMs} ms waiting for ${options.what}${cause}`);
    }
    await delay(intervalMs);
  }
}

/**
 * SIGKILL to `target`'s process group (members run in their own group, see spawnManaged) and a
 * wait, polled every 2 ms, until it has exited.
 */
export async function killProcess(target: ManagedProcess): Promise<void> {
  if (target.exitReason() !== undefined) return;
  try {
    process.kill(-target.pid, 'SIGKILL');
  } catch {
    // Already gone; the exit event follows.
  }
  const start = performance.now();
  while (target.exitReason() === undefined) {
    if (performance.now() - start > 10_000) {
      throw new Error(`${target.name} (pid ${target.pid}) still running 10 s after SIGKILL`);
    }
    await delay(2);
  }
}
