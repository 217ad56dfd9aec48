/**
 * Three Cairn Raft KV nodes (`node dist/bench/raft-kv-node.js`, one Raft server with a thin HTTP
 * KV front-end each) on free loopback ports, coded against the node's contract:
 *
 *   argv    --id n1 --data-dir <dir> --raft-address 127.0.0.1:<port> --http-address 127.0.0.1:<port>
 *           --peers n1=127.0.0.1:<raft port>,n2=…,n3=…   (the same list for every member)
 *           A fresh data dir bootstraps the cluster; an existing one recovers.
 *   HTTP    PUT /v1/kv/<key> (raw value) → 200 `true` once committed and applied; on a follower
 *           503 `not leader` with X-Raft-Leader. GET /v1/kv/<key>[?consistent] via ReadIndex on
 *           the leader (503 elsewhere); ?stale on any member → 200 [{Key, Value (base64)}] or 404.
 *           GET /raft/status → {id, role, leader, term, commitIndex, appliedIndex, lastIndex,
 *           entriesPersisted, syncs}.
 *   Signals SIGTERM stops cleanly; SIGKILL is survivable (recovery from the data dir).
 *
 * Ports are chosen once, so a restarted member comes back at the same addresses.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type BenchCluster,
  type ClusterMember,
  type FsyncCounters,
  killProcess,
  pollUntil,
  type ReadConsistency,
  stopFollowersFirst,
} from './cluster.ts';
import { httpRequest } from './http-client.ts';
import type { LoadRequest } from './load.ts';
import { findFreePort, type ManagedProcess, spawnManaged } from './processes.ts';

/** dist/bench/lib/raft-kv-cluster.js → dist/bench/raft-kv-node.js */
export const RAFT_KV_NODE_SCRIPT = fileURLToPath(new URL('../raft-kv-node.js', import.meta.url));

const STATUS_TIMEOUT_MS = 1_000;

/** `GET /raft/status`. */
export interface RaftKvStatus {
  id: string;
  role: 'leader' | 'follower' | 'candidate' | 'preCandidate';
  /** The leader's id, or "" when none is known. */
  leader: string;
  term: number;
  commitIndex: number;
  appliedIndex: number;
  lastIndex: number;
  entriesPersisted: number;
  syncs: number;
}

class RaftKvMember implements ClusterMember {
  process: ManagedProcess;

  constructor(
    readonly id: string,
    readonly origin: string,
    readonly dataDir: string,
    private readonly args: readonly string[],
    private readonly logPath: string,
  ) {
    this.process = this.spawn();
  }

  /** A new node process with this member's arguments (its log is appended to). */
  spawn(): ManagedProcess {
    return spawnManaged({
      name: `Cairn ${this.id}`,
      command: process.execPath,
      args: [RAFT_KV_NODE_SCRIPT, ...this.args],
      logPath: this.logPath,
    });
  }

  async status(): Promise<RaftKvStatus> {
    const response = await httpRequest('GET', `${this.origin}/raft/status`, undefined, STATUS_TIMEOUT_MS);
    if (response.status !== 200) {
      throw new Error(`${this.id}: /raft/status answered ${response.status}: ${response.body.slice(0, 200)}`);
    }
    return JSON.parse(response.body) as RaftKvStatus;
  }
}

class RaftKvCluster implements BenchCluster {
  readonly name = 'Cairn';

  constructor(readonly members: readonly RaftKvMember[]) {}

  /** The leader if all members answer, name the same one, and it says it leads; else undefined. */
  private async agreedLeader(): Promise<{ leader: RaftKvMember; status: RaftKvStatus } | undefined> {
    const statuses = await Promise.all(this.members.map((member) => member.status()));
    const leaderId = statuses[0]?.leader;
    if (leaderId === undefined || leaderId === '') return undefined;
    if (!statuses.every((status) => status.leader === leaderId)) return undefined;
    const index = this.members.findIndex((member) => member.id === leaderId);
    if (index < 0) throw new Error(`/raft/status names leader "${leaderId}", which is not n1, n2 or n3`);
    const status = statuses[index]!;
    return status.role === 'leader' ? { leader: this.members[index]!, status } : undefined;
  }

  async waitForLeader(deadlineMs: number): Promise<ClusterMember> {
    const agreed = await pollUntil(() => this.agreedLeader(), {
      what: 'Cairn: a leader named by all three members in /raft/status',
      deadlineMs,
      members: this.members,
    });
    return agreed.leader;
  }

  async waitForCaughtUp(deadlineMs: number): Promise<ClusterMember> {
    const start = performance.now();
    const { status } = await pollUntil(() => this.agreedLeader(), {
      what: 'Cairn: a leader named by all three members in /raft/status',
      deadlineMs,
      members: this.members,
    });
    const committed = status.commitIndex;
    return pollUntil(
      async () => {
        const agreed = await this.agreedLeader();
        if (agreed === undefined) return undefined;
        const statuses = await Promise.all(this.members.map((member) => member.status()));
        return statuses.every((each) => each.appliedIndex >= committed) ? agreed.leader : undefined;
      },
      {
        what: `Cairn: every member to apply index ${committed}`,
        deadlineMs: Math.max(0, deadlineMs - (performance.now() - start)),
        members: this.members,
      },
    );
  }

  async fsyncCounters(member: ClusterMember): Promise<FsyncCounters> {
    const own = this.own(member);
    const status = await own.status();
    return { entries: status.entriesPersisted, syncs: status.syncs };
  }

  kill(member: ClusterMember): Promise<void> {
    return killProcess(member.process);
  }

  async restart(member: ClusterMember): Promise<void> {
    const own = this.own(member);
    if (own.process.exitReason() === undefined)
      throw new Error(`restart: Cairn ${member.id} is still running`);
    own.process = own.spawn();
  }

  async stop(): Promise<void> {
    const running = this.members.every((member) => member.process.exitReason() === undefined);
    const agreed = running ? await this.agreedLeader().catch(() => undefined) : undefined;
    await stopFollowersFirst(this.members, agreed?.leader);
  }

  /** Keys are path-safe here (8 ASCII letters and digits), so they go into the path as they are. */
  putRequest(key: string, value: Buffer): LoadRequest {
    return { method: 'PUT', path: `/v1/kv/${key}`, body: value };
  }

  getRequest(key: string, consistency: ReadConsistency): LoadRequest {
    return {
      method: 'GET',
      path: `/v1/kv/${key}?${consistency === 'linearizable' ? 'consistent' : 'stale'}`,
    };
  }

  private own(member: ClusterMember): RaftKvMember {
    const own = this.members.find((candidate) => candidate === member);
    if (own === undefined) throw new Error(`${member.id} is not a member of this Cairn cluster`);
    return own;
  }
}

/**
 * Starts n1, n2, n3 with data in `workDir`/cairn/n<i> and logs in `workDir`/cairn-n<i>.log, and
 * waits until all three name the same leader.
 */
export async function startRaftKvCluster(workDir: string, deadlineMs = 30_000): Promise<BenchCluster> {
  if (!existsSync(RAFT_KV_NODE_SCRIPT)) {
    throw new Error(
      `${RAFT_KV_NODE_SCRIPT} does not exist: bench/raft-kv-node.ts is not written yet or did not build`,
    );
  }
  const ids = ['n1', 'n2', 'n3'] as const;
  const ports = [];
  for (const id of ids) ports.push({ id, raft: await findFreePort(), http: await findFreePort() });
  mkdirSync(join(workDir, 'cairn'), { recursive: true });
  const peers = ports.map((each) => `${each.id}=127.0.0.1:${each.raft}`).join(',');
  const members = ports.map(({ id, raft, http }) => {
    // Not created here: an absent data dir is unambiguously fresh; the node creates it.
    const dataDir = join(workDir, 'cairn', id);
    const args = [
      ...['--id', id, '--data-dir', dataDir],
      ...['--raft-address', `127.0.0.1:${raft}`, '--http-address', `127.0.0.1:${http}`],
      ...['--peers', peers],
    ];
    return new RaftKvMember(id, `http://127.0.0.1:${http}`, dataDir, args, join(workDir, `cairn-${id}.log`));
  });
  const cluster = new RaftKvCluster(members);
  try {
    await cluster.waitForLeader(deadlineMs);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
