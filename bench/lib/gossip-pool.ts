/**
 * Gossip pools of real agent processes on loopback for bench:gossip: Cairn agents (`cairn agent`
 * in client mode, the lightest real agent) or serf agents (Debian `serf` 0.9.4), each on its own
 * free ports, all stopped on exit. Both kinds answer "who do you list, in which state?" — Cairn
 * through `GET /v1/agent/members`, serf through its RPC (bench/lib/serf-rpc.ts) — so one poller
 * measures both the same way.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpRequest } from './http-client.ts';
import { findFreePort, type ManagedProcess, spawnManaged, waitUntil } from './processes.ts';
import { SerfRpcClient, type SerfStatus } from './serf-rpc.ts';

export type PoolKind = 'cairn' | 'serf';
export type MemberStatus = SerfStatus;

export interface PoolAgent {
  readonly name: string;
  readonly gossipPort: number;
  readonly process: ManagedProcess;
  /** name → status of every member this agent lists. */
  members(): Promise<Map<string, MemberStatus>>;
  /** Asks this agent to join the pool through `address` (host:port). */
  join(address: string): Promise<void>;
  /** Closes the bench's connections to it (not the agent). */
  disconnect(): void;
}

/** dist/bench/lib/gossip-pool.js → dist/src/cli/main.js */
const mainScript = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Consul's `/v1/agent/members` Status numbers (serf.MemberStatus). */
const CONSUL_STATUS: Record<number, MemberStatus> = { 1: 'alive', 2: 'leaving', 3: 'left', 4: 'failed' };

export async function startPoolAgent(
  kind: PoolKind,
  workDir: string,
  name: string,
  joinAddress?: string,
): Promise<PoolAgent> {
  return kind === 'cairn' ? startCairn(workDir, name, joinAddress) : startSerf(workDir, name, joinAddress);
}

async function startCairn(workDir: string, name: string, joinAddress?: string): Promise<PoolAgent> {
  const httpPort = await findFreePort();
  const gossipPort = await findFreePort();
  const dataDir = join(workDir, name);
  mkdirSync(dataDir, { recursive: true });
  const args = [
    mainScript,
    'agent',
    ...['-node', name, '-data-dir', dataDir, '-bind', '127.0.0.1'],
    ...['-http-port', String(httpPort), '-dns-port', '-1'],
    ...['-server-port', String(await findFreePort())],
    ...['-serf-lan-port', String(gossipPort), '-serf-wan-port', String(await findFreePort())],
    ...['-log-level', 'error'],
    ...(joinAddress === undefined ? [] : ['-join', joinAddress]),
  ];
  const agentProcess = spawnManaged({
    name,
    command: process.execPath,
    args,
    logPath: join(workDir, `${name}.log`),
  });
  const origin = `http://127.0.0.1:${httpPort}`;
  const agent: PoolAgent = {
    name,
    gossipPort,
    process: agentProcess,
    async members() {
      const response = await httpRequest('GET', `${origin}/v1/agent/members`, undefined, 5_000);
      if (response.status !== 200) throw new Error(`${name}: /v1/agent/members: HTTP ${response.status}`);
      const members = JSON.parse(response.body) as Array<{ Name: string; Status: number }>;
      return new Map(members.map((member) => [member.Name, CONSUL_STATUS[member.Status] ?? 'failed']));
    },
    async join(address) {
      const response = await httpRequest('PUT', `${origin}/v1/agent/join/${address}`, '', 15_000);
      if (response.status !== 200)
        throw new Error(`${name}: join ${address}: HTTP ${response.status} ${response.body}`);
    },
    disconnect() {},
  };
  await waitUntil(async () => (await agent.members()).get(name) === 'alive', {
    what: `Cairn agent ${name} to list itself alive on ${origin}/v1/agent/members`,
    deadlineMs: 30_000,
    process: agentProcess,
  });
  return agent;
}

/**
 * The tags a Consul (and Cairn) client agent gossips in its LAN pool (`/v1/agent/members` of a
 * Cairn client). serf agents carry the same set, so that both pools gossip the same meta and
 * the bytes/s row compares the protocols, not the payloads (a bare serf agent's meta is 2 bytes,
 * a Consul client's ~150).
 */
function consulClientTags(): string[] {
  return [
    'role=node',
    'dc=dc1',
    'segment=',
    `id=${randomUUID()}`,
    'vsn=2',
    'vsn_min=2',
    'vsn_max=3',
    'build=1.18.0:cairn-0.1.0',
    'ft_fs=1',
    'ft_si=1',
  ];
}

async function startSerf(workDir: string, name: string, joinAddress?: string): Promise<PoolAgent> {
  const gossipPort = await findFreePort();
  const rpcPort = await findFreePort();
  const agentProcess = spawnManaged({
    name,
    command: 'serf',
    args: [
      'agent',
      `-node=${name}`,
      `-bind=127.0.0.1:${gossipPort}`,
      `-rpc-addr=127.0.0.1:${rpcPort}`,
      '-log-level=err',
      ...consulClientTags().map((tag) => `-tag=${tag}`),
      ...(joinAddress === undefined ? [] : [`-join=${joinAddress}`]),
    ],
    logPath: join(workDir, `${name}.log`),
  });
  let client: SerfRpcClient | undefined;
  const connected = async (): Promise<SerfRpcClient> => {
    client ??= await SerfRpcClient.connect(rpcPort);
    return client;
  };
  const agent: PoolAgent = {
    name,
    gossipPort,
    process: agentProcess,
    async members() {
      try {
        return await (await connected()).members();
      } catch (error) {
        client?.close();
        client = undefined;
        throw error;
      }
    },
    async join(address) {
      await (await connected()).join([address]);
    },
    disconnect() {
      client?.close();
      client = undefined;
    },
  };
  await waitUntil(async () => (await agent.members()).get(name) === 'alive', {
    what: `serf agent ${name} to answer RPC on 127.0.0.1:${rpcPort}`,
    deadlineMs: 30_000,
    process: agentProcess,
  });
  return agent;
}

/**
 * Polls every agent in `observers` (in parallel, each every `intervalMs`) until each one's view
 * satisfies `seen`; resolves with the ms from `startMs` (performance.now()) at which each did.
 * Throws after `deadlineMs`, naming the agents still waiting.
 */
export async function timeUntilAllSee(
  observers: readonly PoolAgent[],
  seen: (members: Map<string, MemberStatus>) => boolean,
  options: { startMs: number; deadlineMs: number; intervalMs?: number; what: string },
): Promise<number[]> {
  const intervalMs = options.intervalMs ?? 50;
  const waiting = new Set(observers.map((agent) => agent.name));
  const times = await Promise.all(
    observers.map(async (agent) => {
      for (;;) {
        const reason = agent.process.exitReason();
        if (reason !== undefined)
          throw new Error(`${agent.name} exited (${reason}) while waiting for ${options.what}`);
        try {
          if (seen(await agent.members())) {
            waiting.delete(agent.name);
            return performance.now() - options.startMs;
          }
        } catch {
          // Not answering right now: poll again.
        }
        if (performance.now() - options.startMs > options.deadlineMs)
          throw new Error(
            `timed out after ${options.deadlineMs} ms waiting for ${options.what}; still waiting: ${[...waiting].slice(0, 8).join(', ')}${waiting.size > 8 ? ', …' : ''}`,
          );
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    }),
  );
  return times;
}
