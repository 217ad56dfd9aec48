/**
 * `npm run bench:gossip`: a pool of N real Cairn agents (`cairn agent`, client mode) and,
 * separately, a pool of N real serf 0.9.4 agents on loopback, measured the same way, in one
 * invocation; then the seeded simulation of larger pools (src/sim/gossip-simulation.ts). Prints
 * one table (then the same as markdown) with Cairn, serf, their ratio and the issue's targets. A
 * benchmark, not a test: it exits 0 unless something asked for could not be measured (a simulated
 * size too large for this machine is reported as not run, not a failure).
 *
 *   --agents=N        agents per pool (default 32)
 *   --runs=N          join and kill -9 repetitions per pool (default 3); medians are reported
 *   --window=S        steady-state traffic window in seconds (default 60: two push/pull intervals)
 *   --warmup=S        time from pool formation to the window (default 65: every node's first
 *                     periodic push/pull comes 30–60 s after it starts, so earlier is start-up)
 *   --settle=S        quiet time between repetitions (default 10)
 *   --sim-nodes=LIST  simulated pool sizes (default 1000,10000); --sim-nodes= skips the simulation
 *   --only=LIST       any of cairn,serf,sim (default all)
 *   --quick           8 agents, 1 run, 10 s window, 3 s warm-up and settle, 1,000 simulated nodes
 *   --keep            keep the scratch directory (agent logs, data dirs)
 *
 * Method (reference gossip-wire.md §13): each pool forms by every agent joining the first. Join:
 * a fresh agent is started alone, then asked to join (Cairn `PUT /v1/agent/join/<addr>`, serf RPC
 * `join`); the time runs from that request until every agent lists it alive. Failure: SIGKILL of
 * a random original member; the time runs from the signal until every survivor lists it failed.
 * Every agent is polled in parallel every 50 ms (Cairn `/v1/agent/members`, serf RPC `members`).
 * Traffic: nftables counters on the agents' gossip ports over the window (needs root and `nft`).
 * RSS: VmRSS of every agent at the end of the window. The pools run one at a time.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runGossipPoolSimulation } from '../src/sim/gossip-simulation.ts';
import { log, positiveFlag, runBench } from './lib/cli.ts';
import { killProcess } from './lib/cluster.ts';
import { type PoolAgent, type PoolKind, startPoolAgent, timeUntilAllSee } from './lib/gossip-pool.ts';
import { closeIdleSockets } from './lib/http-client.ts';
import { describeMachine, makeScratchDir } from './lib/machine.ts';
import { PortTrafficCounter } from './lib/port-traffic.ts';
import { delay, installCleanup, procStatusBytes } from './lib/processes.ts';
import { median } from './lib/stats.ts';
import { markdownTable, textTable } from './lib/table.ts';

interface Settings {
  agents: number;
  runs: number;
  windowSeconds: number;
  warmupSeconds: number;
  settleSeconds: number;
  simNodes: number[];
  sides: PoolKind[];
  simulate: boolean;
  keep: boolean;
}

function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      agents: { type: 'string' },
      runs: { type: 'string' },
      window: { type: 'string' },
      warmup: { type: 'string' },
      settle: { type: 'string' },
      'sim-nodes': { type: 'string' },
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const quick = values.quick;
  const only = new Set((values.only ?? 'cairn,serf,sim').split(',').map((name) => name.trim()));
  for (const name of only)
    if (!['cairn', 'serf', 'sim'].includes(name))
      throw new Error(`--only: unknown "${name}"; expected cairn,serf,sim`);
  const simNodes = (values['sim-nodes'] ?? (quick ? '1000' : '1000,10000'))
    .split(',')
    .filter((text) => text.trim() !== '')
    .map((text) => Math.round(positiveFlag(text, 0, 'sim-nodes')));
  return {
    agents: Math.round(positiveFlag(values.agents, quick ? 8 : 32, 'agents')),
    runs: Math.round(positiveFlag(values.runs, quick ? 1 : 3, 'runs')),
    windowSeconds: positiveFlag(values.window, quick ? 10 : 60, 'window'),
    warmupSeconds: positiveFlag(values.warmup, quick ? 3 : 65, 'warmup'),
    settleSeconds: positiveFlag(values.settle, quick ? 3 : 10, 'settle'),
    simNodes,
    // serf first: the reference.
    sides: (['serf', 'cairn'] as const).filter((side) => only.has(side)),
    simulate: only.has('sim') && simNodes.length > 0,
    keep: values.keep,
  };
}

// ---------------------------------------------------------------------------------------------
// One pool

interface PoolOutcome {
  agents: number;
  formationMs: number;
  joinMs: number[];
  detectMs: number[];
  /** Bytes per second per node over the window, or why not measured. */
  bytesPerSecondPerNode: number | string;
  udpShare: number;
  rssBytes: number[];
  problems: string[];
}

/** A small seeded generator, so the same members are killed in the same order every run. */
function seededIndex(seed: number): (below: number) => number {
  let state = seed >>> 0 || 1;
  return (below) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % below;
  };
}

async function measurePool(
  kind: PoolKind,
  settings: Settings,
  workDir: string,
  track: (agent: PoolAgent) => void,
): Promise<PoolOutcome> {
  const dir = join(workDir, kind);
  mkdirSync(dir, { recursive: true });
  const prefix = kind === 'cairn' ? 'cairn' : 'serf';
  const outcome: PoolOutcome = {
    agents: settings.agents,
    formationMs: Number.NaN,
    joinMs: [],
    detectMs: [],
    bytesPerSecondPerNode: 'not measured',
    udpShare: Number.NaN,
    rssBytes: [],
    problems: [],
  };
  const start = async (name: string, joinAddress?: string): Promise<PoolAgent> => {
    const agent = await startPoolAgent(kind, dir, name, joinAddress);
    track(agent);
    return agent;
  };

  // Formation: the first agent, then the others joining it, a few at a time (a Node start takes
  // most of a core for a moment; starting 32 at once would measure the machine, not gossip).
  const formationStart = performance.now();
  const first = await start(`${prefix}-00`);
  const seed = `127.0.0.1:${first.gossipPort}`;
  const pool: PoolAgent[] = [first];
  const batch = kind === 'cairn' ? 4 : 8;
  for (let i = 1; i < settings.agents; i += batch) {
    const names = Array.from(
      { length: Math.min(batch, settings.agents - i) },
      (_, k) => `${prefix}-${String(i + k).padStart(2, '0')}`,
    );
    pool.push(...(await Promise.all(names.map((name) => start(name, seed)))));
  }
  const everyone = new Set(pool.map((agent) => agent.name));
  await timeUntilAllSee(pool, (members) => [...everyone].every((name) => members.get(name) === 'alive'), {
    startMs: formationStart,
    deadlineMs: 120_000,
    what: `all ${settings.agents} ${kind} agents to list each other alive`,
  });
  outcome.formationMs = performance.now() - formationStart;
  log(
    `${kind}: ${settings.agents} agents formed a pool in ${(outcome.formationMs / 1000).toFixed(1)} s (process starts included)`,
  );

  // Steady state: traffic and memory. The bench does not poll the agents during the window.
  for (const agent of pool) agent.disconnect();
  await delay(settings.warmupSeconds * 1000);
  const unavailable = PortTrafficCounter.unavailable();
  if (unavailable === undefined) {
    const counter = PortTrafficCounter.start(pool.map((agent) => agent.gossipPort));
    await delay(settings.windowSeconds * 1000);
    const traffic = counter.read();
    counter.remove();
    const total = traffic.udpBytes + traffic.tcpBytes;
    outcome.bytesPerSecondPerNode = total / settings.windowSeconds / pool.length;
    outcome.udpShare = total === 0 ? Number.NaN : traffic.udpBytes / total;
    log(
      `${kind}: ${(total / 1024).toFixed(1)} KiB in ${settings.windowSeconds} s over ${pool.length} agents (${traffic.packets} packets, UDP ${(outcome.udpShare * 100).toFixed(0)}%, ${traffic.tcpConnections} TCP connections)`,
    );
  } else {
    outcome.bytesPerSecondPerNode = `n/a: ${unavailable}`;
    await delay(settings.windowSeconds * 1000);
  }
  outcome.rssBytes = pool.map((agent) => procStatusBytes(agent.process.pid, 'VmRSS') ?? Number.NaN);

  // Repetitions: a new member joins, then an original member is killed.
  const pick = seededIndex(4242);
  const alive = [...pool];
  for (let run = 0; run < settings.runs; run++) {
    const newcomer = await start(`${prefix}-new-${run}`);
    const joinStart = performance.now();
    await newcomer.join(seed);
    const joinRequestMs = performance.now() - joinStart;
    alive.push(newcomer);
    const joinTimes = await timeUntilAllSee(alive, (members) => members.get(newcomer.name) === 'alive', {
      startMs: joinStart,
      deadlineMs: 60_000,
      what: `every ${kind} agent to list ${newcomer.name} alive`,
    });
    outcome.joinMs.push(Math.max(...joinTimes));
    const slowest = joinTimes.indexOf(Math.max(...joinTimes));
    log(
      `${kind}: ${newcomer.name} seen alive by ${alive[slowest]?.name} last (join request ${(joinRequestMs / 1000).toFixed(2)} s); per agent ${joinTimes.map((ms) => (ms / 1000).toFixed(2)).join(' ')} s`,
    );
    await delay(settings.settleSeconds * 500);

    // Never the first agent (the join seed) nor a newcomer.
    const candidates = alive.filter((agent) => agent !== first && !agent.name.includes('-new-'));
    const victim = candidates[pick(candidates.length)] as PoolAgent;
    alive.splice(alive.indexOf(victim), 1);
    const killStart = performance.now();
    await killProcess(victim.process);
    victim.disconnect();
    const detectTimes = await timeUntilAllSee(alive, (members) => members.get(victim.name) === 'failed', {
      startMs: killStart,
      deadlineMs: 120_000,
      what: `every surviving ${kind} agent to list ${victim.name} failed`,
    });
    outcome.detectMs.push(Math.max(...detectTimes));
    log(
      `${kind} run ${run + 1}/${settings.runs}: join seen by all ${alive.length} in ${formatSeconds(outcome.joinMs.at(-1)!)}; ` +
        `kill -9 ${victim.name} → failed at every survivor in ${formatSeconds(outcome.detectMs.at(-1)!)} (first ${formatSeconds(Math.min(...detectTimes))})`,
    );
    if (run < settings.runs - 1) await delay(settings.settleSeconds * 1000);
  }
  for (const agent of alive) agent.disconnect();
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Simulation, in a child process each: a pool too large for memory ends that child, not the bench.

interface SimOutcome {
  nodes: number;
  result?: {
    join: { converged: boolean; virtualMs: number; rounds: number; afterLastJoinMs: number };
    failure?: { firstMs: number; medianMs: number; lastMs: number; detectedBy: number; survivors: number };
    stats: { wallMs: number; events: number };
    ok: boolean;
    failures: string[];
  };
  error?: string;
  /** Why a size was not attempted (it cannot fit this machine); reported, not a failure. */
  skipped?: string;
}

const benchScript = fileURLToPath(import.meta.url);

/**
 * Every simulated node runs a real Memberlist holding an entry for every other node: memory grows
 * with N². Measured: ~1.2 GB of RSS at 1,000 nodes; a size that cannot fit is reported, not run.
 */
const SIM_BYTES_AT_1000 = 1.2 * 2 ** 30;

async function simulateInChild(nodes: number): Promise<SimOutcome> {
  const neededBytes = SIM_BYTES_AT_1000 * (nodes / 1000) ** 2;
  if (neededBytes > os.totalmem() * 0.8)
    return {
      nodes,
      skipped: `needs ~${Math.round(neededBytes / 2 ** 30)} GiB (N² node entries, one real Memberlist per node), the machine has ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    };
  const child = spawn(process.execPath, ['--max-old-space-size=16384', benchScript, `--simulate=${nodes}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    process.stderr.write(chunk);
  });
  const code = await new Promise<number | null>((resolve) =>
    child.on('exit', (exitCode) => resolve(exitCode)),
  );
  const line = stdout.trim().split('\n').at(-1);
  if (code !== 0 || line === undefined || line === '')
    return { nodes, error: `exited ${code}: ${stderr.trim().split('\n').slice(-2).join(' / ')}` };
  return { nodes, result: JSON.parse(line) as SimOutcome['result'] };
}

async function simulationChild(nodes: number): Promise<void> {
  const result = await runGossipPoolSimulation({
    seed: 1,
    nodes,
    scenarios: ['failure'],
    log: (line) => process.stderr.write(`  [sim ${nodes}] ${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Report

function formatSeconds(ms: number): string {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a';
}

function spread(values: number[]): string {
  if (values.length === 0) return 'n/a';
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 1
    ? formatSeconds(sorted[0]!)
    : `${formatSeconds(median(sorted))} (${(sorted[0]! / 1000).toFixed(2)}–${(sorted.at(-1)! / 1000).toFixed(2)})`;
}

function ratio(cairn: number, serf: number): string {
  return Number.isFinite(cairn) && Number.isFinite(serf) && serf > 0
    ? `${(cairn / serf).toFixed(2)}×`
    : 'n/a';
}

function verdict(cairn: number, serf: number, maxRatio: number): string {
  if (!Number.isFinite(cairn) || !Number.isFinite(serf) || serf <= 0) return 'n/a';
  return cairn / serf <= maxRatio ? 'PASS' : 'FAIL';
}

const POOL_HEADER = ['measure', 'Cairn', 'serf 0.9.4', 'Cairn/serf', 'target', 'result'];
const SIM_HEADER = [
  'simulated pool (LAN, seed 1)',
  'join: virtual s',
  'gossip rounds',
  'after last join',
  'kill → dead everywhere: first / median / last',
  'wall s',
];

function poolRows(outcomes: Partial<Record<PoolKind, PoolOutcome>>, settings: Settings): string[][] {
  const cairn = outcomes.cairn;
  const serf = outcomes.serf;
  const number = (value: number | string | undefined): number =>
    typeof value === 'number' ? value : Number.NaN;
  const joinC = median(cairn?.joinMs ?? []);
  const joinS = median(serf?.joinMs ?? []);
  const detectC = median(cairn?.detectMs ?? []);
  const detectS = median(serf?.detectMs ?? []);
  const bytesC = number(cairn?.bytesPerSecondPerNode);
  const bytesS = number(serf?.bytesPerSecondPerNode);
  const rssC = median(cairn?.rssBytes ?? []);
  const rssS = median(serf?.rssBytes ?? []);
  const bytesCell = (outcome: PoolOutcome | undefined): string =>
    outcome === undefined
      ? '—'
      : typeof outcome.bytesPerSecondPerNode === 'string'
        ? outcome.bytesPerSecondPerNode
        : `${Math.round(outcome.bytesPerSecondPerNode).toLocaleString('en-US')} (UDP ${(outcome.udpShare * 100).toFixed(0)}%)`;
  const rssCell = (outcome: PoolOutcome | undefined): string =>
    outcome === undefined
      ? '—'
      : `${(median(outcome.rssBytes) / 2 ** 20).toFixed(1)} MiB (max ${(Math.max(...outcome.rssBytes) / 2 ** 20).toFixed(1)})`;
  return [
    [
      `new member seen alive by all ${settings.agents + 1} (median of ${settings.runs}, range)`,
      cairn ? spread(cairn.joinMs) : '—',
      serf ? spread(serf.joinMs) : '—',
      ratio(joinC, joinS),
      '≤ 1.0×',
      verdict(joinC, joinS, 1),
    ],
    [
      `kill -9 → failed at every survivor (median of ${settings.runs}, range)`,
      cairn ? spread(cairn.detectMs) : '—',
      serf ? spread(serf.detectMs) : '—',
      ratio(detectC, detectS),
      '≤ 1.0×',
      verdict(detectC, detectS, 1),
    ],
    [
      `gossip bytes/s per node, steady state (${settings.windowSeconds} s, nft, with IP headers)`,
      bytesCell(cairn),
      bytesCell(serf),
      ratio(bytesC, bytesS),
      '≤ 1.0×',
      verdict(bytesC, bytesS, 1),
    ],
    [
      'RSS per agent (median, max)',
      rssCell(cairn),
      rssCell(serf),
      ratio(rssC, rssS),
      '≤ 4×',
      verdict(rssC, rssS, 4),
    ],
    [
      `pool formation: ${settings.agents} agents started and all alive everywhere`,
      cairn ? formatSeconds(cairn.formationMs) : '—',
      serf ? formatSeconds(serf.formationMs) : '—',
      ratio(cairn?.formationMs ?? Number.NaN, serf?.formationMs ?? Number.NaN),
      '—',
      '',
    ],
  ];
}

function simRows(outcomes: SimOutcome[]): string[][] {
  return outcomes.map(({ nodes, result, error, skipped }) => {
    const label = `${nodes.toLocaleString('en-US')} nodes`;
    if (result === undefined) return [label, `not run: ${skipped ?? error}`, '', '', '', ''];
    const failure = result.failure;
    return [
      label,
      result.join.converged ? (result.join.virtualMs / 1000).toFixed(2) : 'not converged',
      String(result.join.rounds),
      formatSeconds(result.join.afterLastJoinMs),
      failure === undefined
        ? 'n/a'
        : `${(failure.firstMs / 1000).toFixed(2)} / ${(failure.medianMs / 1000).toFixed(2)} / ${(failure.lastMs / 1000).toFixed(2)} s (${failure.detectedBy}/${failure.survivors})`,
      (result.stats.wallMs / 1000).toFixed(0),
    ];
  });
}

// ---------------------------------------------------------------------------------------------

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

async function main(): Promise<number> {
  const simulateFlag = process.argv.find((arg) => arg.startsWith('--simulate='));
  if (simulateFlag !== undefined) {
    await simulationChild(Number(simulateFlag.slice('--simulate='.length)));
    return 0;
  }
  const settings = parseSettings(process.argv.slice(2));
  const machine = describeMachine();
  const fallbackParent = join(repositoryRoot, '.bench');
  mkdirSync(fallbackParent, { recursive: true });
  const scratch = makeScratchDir('cairn-bench-gossip-', fallbackParent);
  const agents: PoolAgent[] = [];
  const stopAll = async (): Promise<void> => {
    closeIdleSockets();
    for (const agent of agents) agent.disconnect();
    await Promise.all(agents.map((agent) => agent.process.stop(2_000)));
    agents.length = 0;
  };
  installCleanup(stopAll);
  log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory}, Node ${machine.node}`);
  log(
    `pools ${settings.sides.join(', ') || 'none'} of ${settings.agents} agents; ${settings.runs} run(s); window ${settings.windowSeconds} s; simulation ${settings.simulate ? settings.simNodes.join(', ') : 'off'}`,
  );

  const outcomes: Partial<Record<PoolKind, PoolOutcome>> = {};
  const problems: string[] = [];
  try {
    for (const side of settings.sides) {
      try {
        outcomes[side] = await measurePool(side, settings, scratch.path, (agent) => agents.push(agent));
      } catch (error) {
        problems.push(`${side}: ${error instanceof Error ? error.message : String(error)}`);
        log(`${side} pool failed: ${problems.at(-1)}`);
      } finally {
        await stopAll();
      }
    }
  } finally {
    await stopAll();
  }
  const simulations: SimOutcome[] = [];
  if (settings.simulate)
    for (const nodes of settings.simNodes) {
      log(`simulating ${nodes} nodes`);
      simulations.push(await simulateInChild(nodes));
    }

  const header = `${machine.date} · ${machine.cpu}, ${machine.cores} cores, ${machine.memory} · Node ${machine.node} · serf 0.9.4 (Debian) · ${settings.agents} agents per pool, loopback, LAN profile · ${settings.runs} run(s), medians`;
  const pool = settings.sides.length > 0 ? poolRows(outcomes, settings) : [];
  const sim = simRows(simulations);
  const out: string[] = ['', header, ''];
  if (pool.length > 0) out.push(textTable(POOL_HEADER, pool), '');
  if (sim.length > 0) out.push(textTable(SIM_HEADER, sim), '');
  if (problems.length > 0) out.push('Problems:', ...problems.map((problem) => `  - ${problem}`), '');
  out.push('--- markdown ---', '', `**${header}**`, '');
  if (pool.length > 0) out.push(markdownTable(POOL_HEADER, pool), '');
  if (sim.length > 0) out.push(markdownTable(SIM_HEADER, sim), '');
  if (problems.length > 0) out.push(...problems.map((problem) => `- ${problem}`), '');
  process.stdout.write(`${out.join('\n')}\n`);

  const failed = problems.length > 0 || simulations.some((simulation) => simulation.error !== undefined);
  if (!failed && !settings.keep) rmSync(scratch.path, { recursive: true, force: true });
  else log(`logs kept in ${scratch.path}`);
  return failed ? 1 : 0;
}

runBench('bench:gossip', main);
