/**
 * `npm run bench:raft`: a 3-process Cairn Raft cluster (bench/raft-kv-node.ts) beside a 3-member
 * etcd 3.4 on the same machine, the same closed-loop driver (autocannon, keep-alive HTTP/1.1) and
 * the same rows, in one invocation. Prints one table (then the same as markdown) with Cairn, etcd
 * and their ratio per row, and PASS/FAIL against the targets. A benchmark, not a test: it exits 0
 * unless something asked for could not be measured.
 *
 *   --runs=N        measured runs per row and cluster (default 5); medians are reported
 *   --duration=S    seconds per measured run (default 5)
 *   --warmup=S      seconds of warm-up load before each row's runs (default 1)
 *   --failovers=N   leader-kill repetitions per cluster (default 5)
 *   --quick         1 run of 2 s per row, 0.5 s warm-up, 2 failovers: a smoke check of ~1 minute
 *   --only=LIST     any of cairn,etcd (clusters) and put,get,failover (rows); a category left
 *                   out means all of it: --only=etcd, --only=cairn,failover
 *   --keep          keep the scratch directory (logs, data dirs) even on success
 *
 * Method (../shared/reference/raft.md §8; etcd set-up §9): 8-byte keys over 10,000 keys and
 * 256-byte values; gets read one pre-written key; C connections, connection i to endpoint i mod n
 * ("→ leader" rows: the leader only; "→ all 3": every member); warm-up, then measured runs whose
 * medians are reported; a run disturbed by other CPU use is repeated. Entries per leader fsync
 * are taken around every measured put run. The clusters run one at a time (on a 2-core machine
 * an idle second cluster would take CPU from the one measured), each on a fresh scratch dir on a
 * real disk, the same rows in the same order.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { log, positiveFlag, runBench } from './lib/cli.ts';
import { type BenchCluster, type ClusterMember, memberPids, pollUntil } from './lib/cluster.ts';
import { etcdVersion } from './lib/etcd.ts';
import { startEtcdCluster } from './lib/etcd-cluster.ts';
import { type FailoverOutcome, type FailoverSettings, measureFailovers } from './lib/failover.ts';
import { closeIdleSockets, httpRequest, httpRequestOk } from './lib/http-client.ts';
import {
  describeProblems,
  type LoadRequest,
  type LoadResult,
  type LoadSummary,
  runLoad,
  stopAllLoad,
  summarise,
} from './lib/load.ts';
import { describeMachine, makeScratchDir, probeFdatasync } from './lib/machine.ts';
import { NoiseGuard, withCpuShares } from './lib/noise-guard.ts';
import { installCleanup } from './lib/processes.ts';
import { startRaftKvCluster } from './lib/raft-kv-cluster.ts';
import { formatCount, formatMs, median } from './lib/stats.ts';
import { markdownTable, textTable } from './lib/table.ts';

const SIDES = ['cairn', 'etcd'] as const;
type SideName = (typeof SIDES)[number];
const SIDE_TITLES = { cairn: 'Cairn', etcd: 'etcd' } as const satisfies Record<SideName, string>;

const STAGES = ['put', 'get', 'failover'] as const;
type Stage = (typeof STAGES)[number];

interface Settings {
  runs: number;
  durationSeconds: number;
  warmupSeconds: number;
  sides: readonly SideName[];
  stages: ReadonlySet<Stage>;
  failover: FailoverSettings;
  noiseBudgetMs: number;
  keep: boolean;
}

function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      failovers: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const sides = new Set<SideName>();
  const stages = new Set<Stage>();
  for (const name of (values.only ?? '').split(',').map((each) => each.trim())) {
    if (name === '') continue;
    const side = SIDES.find((candidate) => candidate === name);
    const stage = STAGES.find((candidate) => candidate === name);
    if (side !== undefined) sides.add(side);
    else if (stage !== undefined) stages.add(stage);
    else
      throw new Error(`--only: unknown name "${name}"; expected some of ${[...SIDES, ...STAGES].join(',')}`);
  }
  const quick = values.quick;
  return {
    runs: Math.round(positiveFlag(values.runs, quick ? 1 : 5, 'runs')),
    durationSeconds: positiveFlag(values.duration, quick ? 2 : 5, 'duration'),
    warmupSeconds: positiveFlag(values.warmup, quick ? 0.5 : 1, 'warmup'),
    // etcd first: the reference, and the cluster that is always there to compare with.
    sides:
      sides.size === 0 ? ['etcd', 'cairn'] : (['etcd', 'cairn'] as const).filter((side) => sides.has(side)),
    stages: stages.size === 0 ? new Set(STAGES) : stages,
    failover: {
      repetitions: Math.round(positiveFlag(values.failovers, quick ? 2 : 5, 'failovers')),
      killAfterMs: 2_000,
      requestTimeoutMs: 200,
      settleMs: 4_000,
      recoveryDeadlineMs: 30_000,
      catchUpDeadlineMs: 30_000,
    },
    noiseBudgetMs: quick ? 10_000 : 60_000,
    keep: values.keep,
  };
}

// ---------------------------------------------------------------------------------------------
// Rows: the same kind of operation sent to each cluster in its own request shape.

const KEY_COUNT = 10_000;
/** k0000000 … k0009999: 8 bytes each (raft.md §8). */
const putKey = (index: number): string => `k${String(index).padStart(7, '0')}`;
const VALUE_256_BYTES = Buffer.alloc(256, 'v');
/** The one pre-written key the get rows read (8 bytes, outside the put keys). */
const GET_KEY = 'g0000000';

interface RowSpec {
  stage: 'put' | 'get';
  label: string;
  connections: number;
  /** "leader": every connection to the leader; "all": connection i to member i mod 3. */
  endpoints: 'leader' | 'all';
  request: (cluster: BenchCluster) => LoadRequest | ((sequence: number) => LoadRequest);
  /** Read the leader's fsync counters around each run. */
  countsSyncs: boolean;
}

function putRequests(cluster: BenchCluster): (sequence: number) => LoadRequest {
  const requests = Array.from({ length: KEY_COUNT }, (_, i) =>
    cluster.putRequest(putKey(i), VALUE_256_BYTES),
  );
  return (sequence) => requests[sequence % KEY_COUNT]!;
}

const put = (connections: number): RowSpec => ({
  stage: 'put',
  label: `put c=${connections} → leader`,
  connections,
  endpoints: 'leader',
  request: putRequests,
  countsSyncs: true,
});

const ROWS: readonly RowSpec[] = [
  put(1),
  put(64),
  put(256),
  ...[1, 64].map(
    (connections): RowSpec => ({
      stage: 'get',
      label: `linearizable get c=${connections} → leader`,
      connections,
      endpoints: 'leader',
      request: (cluster) => cluster.getRequest(GET_KEY, 'linearizable'),
      countsSyncs: false,
    }),
  ),
  {
    stage: 'get',
    label: 'serializable / stale get c=64 → all 3',
    connections: 64,
    endpoints: 'all',
    request: (cluster) => cluster.getRequest(GET_KEY, 'serializable'),
    countsSyncs: false,
  },
];

const TARGET_ROW = put(64).label;

// ---------------------------------------------------------------------------------------------
// Measuring one cluster.

interface RowOutcome extends LoadSummary {
  /** Median over runs of Δentries / Δsyncs on the leader; NaN when not counted. */
  entriesPerSync: number;
  noisyRuns: number;
  /** Runs during which the leader changed (their entries per sync are left out). */
  leaderChanges: number;
}

interface SideOutcome {
  /** Set when the cluster could not be started or measured; rows not measured read n/a. */
  missing?: string;
  rows: Map<string, RowOutcome>;
  failover?: FailoverOutcome;
}

const LEADER_DEADLINE_MS = 10_000;

async function measureRow(
  cluster: BenchCluster,
  spec: RowSpec,
  settings: Settings,
  guard: NoiseGuard,
): Promise<RowOutcome> {
  const request = spec.request(cluster);
  const originsFor = (leader: ClusterMember): string[] =>
    spec.endpoints === 'leader' ? [leader.origin] : cluster.members.map((member) => member.origin);
  const assertAllRunning = (): void => {
    for (const member of cluster.members) {
      const reason = member.process.exitReason();
      if (reason !== undefined)
        throw new Error(`${member.process.name} exited (${reason}) during ${spec.label}`);
    }
  };

  await runLoad({
    origin: originsFor(await cluster.waitForLeader(LEADER_DEADLINE_MS)),
    connections: spec.connections,
    durationSeconds: settings.warmupSeconds,
    request,
  });
  assertAllRunning();

  const results: LoadResult[] = [];
  const entriesPerSync: number[] = [];
  let noisyRuns = 0;
  let leaderChanges = 0;
  for (let run = 1; run <= settings.runs; run++) {
    for (let attempt = 1; ; attempt++) {
      const pids = memberPids(cluster);
      await guard.waitForQuiet(pids);
      const leader = await cluster.waitForLeader(LEADER_DEADLINE_MS);
      const before = spec.countsSyncs ? await cluster.fsyncCounters(leader) : undefined;
      const { value: result, shares } = await withCpuShares(pids, () =>
        runLoad({
          origin: originsFor(leader),
          connections: spec.connections,
          durationSeconds: settings.durationSeconds,
          request,
        }),
      );
      assertAllRunning();
      const leaderAfter = await cluster.waitForLeader(LEADER_DEADLINE_MS);
      const after =
        spec.countsSyncs && leaderAfter === leader ? await cluster.fsyncCounters(leader) : undefined;
      const perSync =
        before !== undefined && after !== undefined && after.syncs > before.syncs
          ? (after.entries - before.entries) / (after.syncs - before.syncs)
          : Number.NaN;

      const noisy = guard.isNoisy(shares);
      const repeat = guard.shouldRepeat(shares, attempt, result.durationSeconds * 1000);
      const problems =
        result.non2xx + result.errors > 0 ? ` (${result.non2xx} non-2xx, ${result.errors} errors)` : '';
      log(
        `${spec.label} · ${cluster.name} run ${run}/${settings.runs}: ${formatCount(result.requestsPerSecond)} ops/s, ` +
          `p50 ${formatMs(result.p50Ms)} ms, p99 ${formatMs(result.p99Ms)} ms${problems}` +
          (spec.countsSyncs ? `, ${perSync.toFixed(1)} entries/fsync on ${leader.id}` : '') +
          (leaderAfter === leader ? '' : `; leader changed ${leader.id} → ${leaderAfter.id}`) +
          `; CPU cores: client ${shares.clientCores.toFixed(2)}, ${cluster.name} ${shares.serverCores.toFixed(2)}, ` +
          `other ${shares.otherCores.toFixed(2)}` +
          (noisy ? (repeat ? ' — noisy, repeating' : ' — noisy, kept') : ''),
      );
      if (repeat) continue;
      results.push(result);
      if (noisy) noisyRuns++;
      if (leaderAfter !== leader) leaderChanges++;
      else if (!Number.isNaN(perSync)) entriesPerSync.push(perSync);
      break;
    }
  }
  return { ...summarise(results), entriesPerSync: median(entriesPerSync), noisyRuns, leaderChanges };
}

/**
 * Writes the key the get rows read, through the leader, and waits until a serializable read on
 * every member returns it: the stale row must not start while a follower still answers 404.
 */
async function prepareGetKey(cluster: BenchCluster, leader: ClusterMember): Promise<void> {
  const put = cluster.putRequest(GET_KEY, VALUE_256_BYTES);
  await httpRequestOk(put.method, `${leader.origin}${put.path}`, put.body);
  const read = cluster.getRequest(GET_KEY, 'serializable');
  const encodedValue = VALUE_256_BYTES.toString('base64');
  await pollUntil(
    async () => {
      const answers = await Promise.all(
        cluster.members.map((member) =>
          httpRequest(read.method, `${member.origin}${read.path}`, read.body, 1_000),
        ),
      );
      return (
        answers.every((answer) => answer.status === 200 && answer.body.includes(encodedValue)) || undefined
      );
    },
    {
      what: `${cluster.name}: every member to serve ${GET_KEY} locally`,
      deadlineMs: 10_000,
      members: cluster.members,
    },
  );
}

async function measureSide(
  side: SideName,
  settings: Settings,
  workDir: string,
  guard: NoiseGuard,
  onStarted: (cluster: BenchCluster) => void,
): Promise<SideOutcome> {
  const outcome: SideOutcome = { rows: new Map() };
  let cluster: BenchCluster;
  try {
    cluster = side === 'etcd' ? await startEtcdCluster(workDir) : await startRaftKvCluster(workDir);
  } catch (error) {
    outcome.missing = `did not start: ${(error as Error).message.split('\n')[0]}`;
    log(`${SIDE_TITLES[side]}: ${(error as Error).message}`);
    return outcome;
  }
  onStarted(cluster);
  try {
    const leader = await cluster.waitForLeader(LEADER_DEADLINE_MS);
    log(
      `${cluster.name}: 3 members up (${cluster.members.map((m) => `${m.id} ${m.origin} pid ${m.process.pid}`).join(', ')}); leader ${leader.id}`,
    );
    await prepareGetKey(cluster, leader);
    for (const spec of ROWS) {
      if (!settings.stages.has(spec.stage)) continue;
      outcome.rows.set(spec.label, await measureRow(cluster, spec, settings, guard));
    }
    if (settings.stages.has('failover')) {
      const writes = putRequests(cluster);
      outcome.failover = await measureFailovers(cluster, settings.failover, writes, log);
    }
  } catch (error) {
    outcome.missing = `failed: ${(error as Error).message.split('\n')[0]}`;
    log(`${cluster.name}: ${(error as Error).stack ?? (error as Error).message}`);
  } finally {
    await cluster.stop();
  }
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Report. Every ratio reads "> 1× means Cairn is better": Cairn ÷ etcd for throughput and
// batching, etcd ÷ Cairn for latency and failover time.

type Outcomes = Partial<Record<SideName, SideOutcome>>;

const ratio = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '');

function missingText(outcome: SideOutcome | undefined): string {
  return outcome === undefined ? 'not run' : 'n/a';
}

const LOAD_HEADER = [
  'row',
  'Cairn ops/s',
  'p50 ms',
  'p99 ms',
  'etcd ops/s',
  'p50 ms',
  'p99 ms',
  'ops/s C÷e',
  'p50 e÷C',
  'p99 e÷C',
];

function loadCells(outcomes: Outcomes, settings: Settings): string[][] {
  const rows: string[][] = [];
  for (const spec of ROWS) {
    if (!settings.stages.has(spec.stage)) continue;
    const cairn = outcomes.cairn?.rows.get(spec.label);
    const etcd = outcomes.etcd?.rows.get(spec.label);
    const side = (row: RowOutcome | undefined, outcome: SideOutcome | undefined): string[] =>
      row === undefined
        ? [missingText(outcome), '', '']
        : [formatCount(row.requestsPerSecond), formatMs(row.p50Ms), formatMs(row.p99Ms)];
    const both = cairn !== undefined && etcd !== undefined;
    rows.push([
      spec.label,
      ...side(cairn, outcomes.cairn),
      ...side(etcd, outcomes.etcd),
      both ? ratio(cairn.requestsPerSecond / etcd.requestsPerSecond) : '',
      both ? ratio(etcd.p50Ms / cairn.p50Ms) : '',
      both ? ratio(etcd.p99Ms / cairn.p99Ms) : '',
    ]);
  }
  return rows;
}

const OTHER_HEADER = ['measure', 'Cairn', 'etcd', 'ratio'];

function failoverText(failover: FailoverOutcome | undefined, outcome: SideOutcome | undefined): string {
  if (failover === undefined) return missingText(outcome);
  const recovered = failover.samples.length - failover.failed;
  if (recovered === 0) return `no recovery (${failover.failed} of ${failover.samples.length})`;
  const range =
    recovered > 1
      ? ` (${formatCount(failover.minMs)}–${formatCount(failover.maxMs)}, n=${recovered})`
      : ' (n=1)';
  const failed = failover.failed > 0 ? `, ${failover.failed} failed` : '';
  return `${formatCount(failover.medianMs)} ms${range}${failed}`;
}

function otherCells(outcomes: Outcomes, settings: Settings): string[][] {
  const rows: string[][] = [];
  if (settings.stages.has('put')) {
    for (const spec of ROWS.filter((row) => row.countsSyncs)) {
      const cairn = outcomes.cairn?.rows.get(spec.label)?.entriesPerSync;
      const etcd = outcomes.etcd?.rows.get(spec.label)?.entriesPerSync;
      const text = (value: number | undefined, outcome: SideOutcome | undefined): string =>
        value === undefined ? missingText(outcome) : Number.isFinite(value) ? value.toFixed(1) : 'n/a';
      rows.push([
        `entries per leader fsync, put c=${spec.connections}`,
        text(cairn, outcomes.cairn),
        text(etcd, outcomes.etcd),
        cairn !== undefined && etcd !== undefined ? ratio(cairn / etcd) : '',
      ]);
    }
  }
  if (settings.stages.has('failover')) {
    const cairn = outcomes.cairn?.failover;
    const etcd = outcomes.etcd?.failover;
    rows.push([
      'leader SIGKILL → first acknowledged write (median, range)',
      failoverText(cairn, outcomes.cairn),
      failoverText(etcd, outcomes.etcd),
      cairn !== undefined && etcd !== undefined ? ratio(etcd.medianMs / cairn.medianMs) : '',
    ]);
  }
  return rows;
}

const TARGET_HEADER = ['target', 'Cairn', 'etcd', 'result'];

function targetCells(outcomes: Outcomes, settings: Settings): string[][] {
  const verdict = (
    cairn: number | undefined,
    etcd: number | undefined,
    pass: (c: number, e: number) => boolean,
  ) =>
    cairn === undefined || etcd === undefined || !Number.isFinite(cairn) || !Number.isFinite(etcd)
      ? 'n/a'
      : pass(cairn, etcd)
        ? 'PASS'
        : 'FAIL';
  const rows: string[][] = [];
  if (settings.stages.has('put')) {
    const cairn = outcomes.cairn?.rows.get(TARGET_ROW);
    const etcd = outcomes.etcd?.rows.get(TARGET_ROW);
    rows.push([
      `${TARGET_ROW}: ops/s ≥ 1.0× etcd`,
      cairn === undefined ? missingText(outcomes.cairn) : formatCount(cairn.requestsPerSecond),
      etcd === undefined ? missingText(outcomes.etcd) : formatCount(etcd.requestsPerSecond),
      verdict(cairn?.requestsPerSecond, etcd?.requestsPerSecond, (c, e) => c >= e),
    ]);
    rows.push([
      `${TARGET_ROW}: p99 ≤ etcd`,
      cairn === undefined ? missingText(outcomes.cairn) : `${formatMs(cairn.p99Ms)} ms`,
      etcd === undefined ? missingText(outcomes.etcd) : `${formatMs(etcd.p99Ms)} ms`,
      verdict(cairn?.p99Ms, etcd?.p99Ms, (c, e) => c <= e),
    ]);
  }
  if (settings.stages.has('failover')) {
    const cairn = outcomes.cairn?.failover;
    const etcd = outcomes.etcd?.failover;
    rows.push([
      'failover gap (median) ≤ etcd',
      cairn === undefined ? missingText(outcomes.cairn) : `${formatCount(cairn.medianMs)} ms`,
      etcd === undefined ? missingText(outcomes.etcd) : `${formatCount(etcd.medianMs)} ms`,
      // A repetition that never recovered fails the target whatever the median says.
      cairn !== undefined && cairn.failed > 0
        ? 'FAIL'
        : verdict(cairn?.medianMs, etcd?.medianMs, (c, e) => c <= e),
    ]);
  }
  return rows;
}

function problemNotes(outcomes: Outcomes): string[] {
  const notes: string[] = [];
  for (const side of SIDES) {
    const outcome = outcomes[side];
    if (outcome === undefined) continue;
    const title = SIDE_TITLES[side];
    if (outcome.missing !== undefined) notes.push(`${title}: ${outcome.missing}`);
    for (const [label, row] of outcome.rows) {
      if (describeProblems(row) !== '') notes.push(`${label} · ${title}: ${describeProblems(row)}`);
      if (row.noisyRuns > 0)
        notes.push(`${label} · ${title}: ${row.noisyRuns} of ${row.runs} runs disturbed by other CPU use`);
      if (row.leaderChanges > 0)
        notes.push(`${label} · ${title}: the leader changed during ${row.leaderChanges} of ${row.runs} runs`);
    }
    if (outcome.failover !== undefined && outcome.failover.failed > 0) {
      notes.push(
        `failover · ${title}: ${outcome.failover.failed} of ${outcome.failover.samples.length} repetitions ` +
          'had no acknowledged write within the deadline',
      );
    }
  }
  return notes;
}

// ---------------------------------------------------------------------------------------------

/** dist/bench/raft.js → the repository root. */
const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

async function main(): Promise<number> {
  const settings = parseSettings(process.argv.slice(2));
  const machine = describeMachine();
  const etcd = etcdVersion() ?? 'not installed';
  const fallbackParent = join(repositoryRoot, '.bench');
  mkdirSync(fallbackParent, { recursive: true });
  const scratch = makeScratchDir('cairn-bench-raft-', fallbackParent);
  const workDir = scratch.path;
  const sync = probeFdatasync(workDir);
  const guard = new NoiseGuard(settings.noiseBudgetMs, log);

  const clusters: BenchCluster[] = [];
  const stopAll = async (): Promise<void> => {
    stopAllLoad();
    closeIdleSockets();
    await Promise.all(clusters.map((cluster) => cluster.stop()));
  };
  installCleanup(stopAll);

  log(
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory}, Node ${machine.node}, etcd ${etcd}`,
  );
  log(`scratch: ${workDir} (${scratch.filesystem})`);
  log(
    `fdatasync of 300-byte appends there: p50 ${sync.p50Us.toFixed(0)} µs, p99 ${sync.p99Us.toFixed(0)} µs (${sync.syncs} syncs)`,
  );
  log(
    `clusters ${settings.sides.join(', ')}; rows ${[...settings.stages].join(', ')}; ` +
      `${settings.runs} run(s) × ${settings.durationSeconds} s per row, warm-up ${settings.warmupSeconds} s; ` +
      `${settings.failover.repetitions} failover(s)`,
  );

  const outcomes: Outcomes = {};
  try {
    for (const side of settings.sides) {
      outcomes[side] = await measureSide(side, settings, workDir, guard, (cluster) => clusters.push(cluster));
    }
  } finally {
    await stopAll();
  }
  const failed = Object.values(outcomes).some((outcome) => outcome.missing !== undefined);

  const header =
    `${machine.date} · ${machine.cpu}, ${machine.cores} cores, ${machine.memory} · Node ${machine.node} · ` +
    `etcd ${etcd} · 3 members each · ${settings.runs} run(s) × ${settings.durationSeconds} s, medians · ` +
    `fdatasync p50 ${sync.p50Us.toFixed(0)} µs (${scratch.filesystem})`;
  const legend =
    'Ratios: > 1× means Cairn is better (ops/s and entries/fsync Cairn ÷ etcd; latency etcd ÷ Cairn).';
  const load = loadCells(outcomes, settings);
  const other = otherCells(outcomes, settings);
  const targets = targetCells(outcomes, settings);
  const notes = problemNotes(outcomes);
  const out: string[] = ['', header, legend, ''];
  if (load.length > 0) out.push(textTable(LOAD_HEADER, load), '');
  if (other.length > 0) out.push(textTable(OTHER_HEADER, other), '');
  if (targets.length > 0) out.push(textTable(TARGET_HEADER, targets), '');
  if (notes.length > 0) out.push('Problems seen:', ...notes.map((note) => `  - ${note}`), '');
  out.push('--- markdown ---', '', `**${header}**`, '', legend, '');
  if (load.length > 0) out.push(markdownTable(LOAD_HEADER, load), '');
  if (other.length > 0) out.push(markdownTable(OTHER_HEADER, other), '');
  if (targets.length > 0) out.push(markdownTable(TARGET_HEADER, targets), '');
  if (notes.length > 0) out.push(...notes.map((note) => `- ${note}`), '');
  process.stdout.write(`${out.join('\n')}\n`);

  if (!failed && !settings.keep) rmSync(workDir, { recursive: true, force: true });
  else log(`logs and data kept in ${workDir}`);
  return failed ? 1 : 0;
}

runBench('bench:raft', main);
