/**
 * A 3-member etcd 3.4 (Debian `etcd-server`) on loopback, started exactly as in
 * ../shared/reference/raft.md §9: members n1/n2/n3 with client ports 32379/32479/32579 and peer
 * ports 32380/32480/32580, fresh data dirs, token bench-3, zap logger at warn.
 *
 * Leadership and progress come from the JSON gateway's `POST /v3/maintenance/status` (the same
 * answer as `etcdctl endpoint status -w json`, with 64-bit ids as exact strings rather than
 * rounded JSON numbers): the leader is the member whose `header.member_id` equals `leader`.
 * Fsync counters come from the member's Prometheus `/metrics`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BenchCluster,
  type ClusterMember,
  type FsyncCounters,
  killProcess,
  pollUntil,
  type ReadConsistency,
  stopFollowersFirst,
} from './cluster.ts';
import { ETCD_INSTALL_HINT, etcdPutBody, etcdRangeBody, etcdVersion } from './etcd.ts';
import { httpRequest } from './http-client.ts';
import type { LoadRequest } from './load.ts';
import { type ManagedProcess, spawnManaged, tcpPortIsFree } from './processes.ts';

/** Client and peer ports of n1, n2, n3 (raft.md §9). */
export const ETCD_CLUSTER_PORTS = [
  { client: 32379, peer: 32380 },
  { client: 32479, peer: 32480 },
  { client: 32579, peer: 32580 },
] as const;

const STATUS_TIMEOUT_MS = 1_000;

/** The fields of `/v3/maintenance/status` used here (uint64s arrive as decimal strings). */
interface EtcdStatus {
  header: { member_id: string };
  leader: string;
  raftIndex: string;
  raftAppliedIndex: string;
}

class EtcdMember implements ClusterMember {
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

  /** A new etcd process with this member's arguments (its log is appended to). */
  spawn(): ManagedProcess {
    return spawnManaged({ name: `etcd ${this.id}`, command: 'etcd', args: this.args, logPath: this.logPath });
  }

  async status(): Promise<EtcdStatus> {
    const response = await httpRequest(
      'POST',
      `${this.origin}/v3/maintenance/status`,
      '{}',
      STATUS_TIMEOUT_MS,
    );
    if (response.status !== 200) {
      throw new Error(`${this.id}: /v3/maintenance/status answered ${response.status}: ${response.body}`);
    }
    return JSON.parse(response.body) as EtcdStatus;
  }
}

class EtcdCluster implements BenchCluster {
  readonly name = 'etcd';

  constructor(readonly members: readonly EtcdMember[]) {}

  /** The leader if all members answer and agree on one, else undefined. */
  private async agreedLeader(): Promise<{ leader: EtcdMember; status: EtcdStatus } | undefined> {
    const statuses = await Promise.all(this.members.map((member) => member.status()));
    const leaderId = statuses[0]?.leader;
    if (leaderId === undefined || leaderId === '0') return undefined;
    if (!statuses.every((status) => status.leader === leaderId)) return undefined;
    const index = statuses.findIndex((status) => status.header.member_id === leaderId);
    if (index < 0) return undefined;
    return { leader: this.members[index]!, status: statuses[index]! };
  }

  async waitForLeader(deadlineMs: number): Promise<ClusterMember> {
    const agreed = await pollUntil(() => this.agreedLeader(), {
      what: 'etcd: a leader named by all three members',
      deadlineMs,
      members: this.members,
    });
    return agreed.leader;
  }

  async waitForCaughtUp(deadlineMs: number): Promise<ClusterMember> {
    const start = performance.now();
    const { status } = await pollUntil(() => this.agreedLeader(), {
      what: 'etcd: a leader named by all three members',
      deadlineMs,
      members: this.members,
    });
    const committed = BigInt(status.raftIndex);
    return pollUntil(
      async () => {
        const agreed = await this.agreedLeader();
        if (agreed === undefined) return undefined;
        const statuses = await Promise.all(this.members.map((member) => member.status()));
        return statuses.every((each) => BigInt(each.raftAppliedIndex) >= committed)
          ? agreed.leader
          : undefined;
      },
      {
        what: `etcd: every member to apply index ${committed}`,
        deadlineMs: Math.max(0, deadlineMs - (performance.now() - start)),
        members: this.members,
      },
    );
  }

  async fsyncCounters(member: ClusterMember): Promise<FsyncCounters> {
    const response = await httpRequest('GET', `${member.origin}/metrics`, undefined, 5_000);
    if (response.status !== 200) throw new Error(`${member.id}: /metrics answered ${response.status}`);
    return {
      entries: prometheusValue(response.body, 'etcd_server_proposals_committed_total'),
      syncs: prometheusValue(response.body, 'etcd_disk_wal_fsync_duration_seconds_count'),
    };
  }

  kill(member: ClusterMember): Promise<void> {
    return killProcess(member.process);
  }

  async restart(member: ClusterMember): Promise<void> {
    const own = this.members.find((candidate) => candidate === member);
    if (own === undefined) throw new Error(`restart: ${member.id} is not a member of this etcd cluster`);
    if (own.process.exitReason() === undefined)
      throw new Error(`restart: etcd ${member.id} is still running`);
    own.process = own.spawn();
  }

  async stop(): Promise<void> {
    const running = this.members.every((member) => member.process.exitReason() === undefined);
    const agreed = running ? await this.agreedLeader().catch(() => undefined) : undefined;
    // After a failover a member still holds the gateway requests that timed out on our side
    // while there was no leader (etcd waits up to 7 s for their proposals), and a graceful stop
    // waits for them; nothing of the scratch data is needed afterwards, so cut that short.
    await stopFollowersFirst(this.members, agreed?.leader, 1_000);
  }

  putRequest(key: string, value: Buffer): LoadRequest {
    return { method: 'POST', path: '/v3/kv/put', body: etcdPutBody(key, value) };
  }

  getRequest(key: string, consistency: ReadConsistency): LoadRequest {
    return { method: 'POST', path: '/v3/kv/range', body: etcdRangeBody(key, consistency === 'serializable') };
  }
}

/** The value of an unlabelled sample `name value` in Prometheus text format. */
export function prometheusValue(text: string, name: string): number {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  if (match === null) throw new Error(`metric ${name} not found`);
  return Number(match[1]);
}

/**
 * Starts n1, n2, n3 with data in `workDir`/etcd/n<i> and logs in `workDir`/etcd-n<i>.log, and
 * waits until all three name the same leader.
 */
export async function startEtcdCluster(workDir: string, deadlineMs = 30_000): Promise<BenchCluster> {
  if (etcdVersion() === undefined)
    throw new Error(`etcd is not installed; install it with: ${ETCD_INSTALL_HINT}`);
  for (const { client, peer } of ETCD_CLUSTER_PORTS) {
    for (const port of [client, peer]) {
      if (!(await tcpPortIsFree(port))) {
        throw new Error(
          `port ${port} is in use (an etcd left running?); the 3-member etcd needs ` +
            ETCD_CLUSTER_PORTS.map((ports) => `${ports.client}/${ports.peer}`).join(', '),
        );
      }
    }
  }
  const peerUrl = (port: number): string => `http://127.0.0.1:${port}`;
  const initialCluster = ETCD_CLUSTER_PORTS.map((ports, i) => `n${i + 1}=${peerUrl(ports.peer)}`).join(',');
  const members = ETCD_CLUSTER_PORTS.map((ports, i) => {
    const id = `n${i + 1}`;
    const dataDir = join(workDir, 'etcd', id);
    mkdirSync(dataDir, { recursive: true });
    const client = `http://127.0.0.1:${ports.client}`;
    const args = [
      ...['--name', id, '--data-dir', dataDir],
      ...['--listen-client-urls', client, '--advertise-client-urls', client],
      ...['--listen-peer-urls', peerUrl(ports.peer), '--initial-advertise-peer-urls', peerUrl(ports.peer)],
      ...['--initial-cluster', initialCluster, '--initial-cluster-state', 'new'],
      ...['--initial-cluster-token', 'bench-3', '--logger', 'zap', '--log-level', 'warn'],
    ];
    return new EtcdMember(id, client, dataDir, args, join(workDir, `etcd-${id}.log`));
  });
  const cluster = new EtcdCluster(members);
  try {
    await cluster.waitForLeader(deadlineMs);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
