/**
 * `npm run bench:http`: Cairn's HTTP API beside a single-member etcd 3.4 on the same machine and
 * the same closed-loop driver (autocannon, keep-alive HTTP/1.1). Prints one table, then the same
 * as markdown for docs/benchmarks.md. A benchmark, not a test: it reports PASS/MISS against the
 * targets and exits 0 unless something could not be measured.
 *
 *   --runs=N        measured runs per row and target (default 5); medians are reported
 *   --duration=S    seconds per run (default 5)
 *   --quick         1 run of 2 s per row, 10x fewer keys and services in the memory row: a smoke check
 *   --only=LIST     any of put,get,health,watch,memory (default all)
 *   --watchers=N    blocked watchers in the fan-out row (default 10,000)
 *   --keep          keep the scratch directory (logs, etcd data) even on success
 *
 * Method: ../docs/benchmarks.md. Reference figures and etcd set-up: reference/raft.md §8–9.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { addressFor, type CairnAgent, catalogRegisterBody, startCairnAgent } from './lib/cairn.ts';
import { log, positiveFlag, runBench } from './lib/cli.ts';
import {
  ETCD_INSTALL_HINT,
  type Etcd,
  etcdPutBody,
  etcdRangeBody,
  etcdVersion,
  startEtcd,
} from './lib/etcd.ts';
import { closeIdleSockets, forEachConcurrently, httpRequestOk } from './lib/http-client.ts';
import {
  describeProblems,
  type LoadRequest,
  type LoadResult,
  type LoadSummary,
  runLoad,
  stopAllLoad,
  summarise,
} from './lib/load.ts';
import { describeMachine } from './lib/machine.ts';
import { type MemoryOutcome, measureMemory } from './lib/memory.ts';
import { NoiseGuard, withCpuShares } from './lib/noise-guard.ts';
import { installCleanup, logTail, type ManagedProcess, openFilesLimit } from './lib/processes.ts';
import { formatCount, formatMiB, formatMs } from './lib/stats.ts';
import { measureWatchFanOut, type WatchOutcome } from './lib/watchers.ts';

const STAGES = ['put', 'get', 'health', 'watch', 'memory'] as const;
type Stage = (typeof STAGES)[number];

interface Settings {
  runs: number;
  durationSeconds: number;
  warmupSeconds: number;
  stages: ReadonlySet<Stage>;
  watchers: number;
  memoryKeys: number;
  memoryServices: number;
  memoryNodes: number;
  healthInstances: number;
  putKeys: number;
  keep: boolean;
}

function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string' },
      duration: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      watchers: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const stages = new Set<Stage>();
  for (const name of (values.only ?? STAGES.join(',')).split(',')) {
    const stage = STAGES.find((candidate) => candidate === name.trim());
    if (stage === undefined)
      throw new Error(`--only: unknown stage "${name}"; expected some of ${STAGES.join(',')}`);
    stages.add(stage);
  }
  const quick = values.quick;
  const durationSeconds = positiveFlag(values.duration, quick ? 2 : 5, 'duration');
  return {
    runs: Math.round(positiveFlag(values.runs, quick ? 1 : 5, 'runs')),
    durationSeconds,
    warmupSeconds: Math.min(1, durationSeconds),
    stages,
    watchers: Math.round(positiveFlag(values.watchers, 10_000, 'watchers')),
    memoryKeys: quick ? 10_000 : 100_000,
    memoryServices: quick ? 1_000 : 10_000,
    memoryNodes: quick ? 100 : 1_000,
    healthInstances: 1_000,
    putKeys: 10_000,
    keep: values.keep,
  };
}

// ---------------------------------------------------------------------------------------------
// Rows: each sends the same kind of operation to Cairn and, where one exists, to etcd.

interface RowSpec {
  stage: Stage;
  label: string;
  connections: number;
  cairn: LoadRequest | ((sequence: number) => LoadRequest);
  etcd?: LoadRequest | ((sequence: number) => LoadRequest);
  /** Cairn req/s ÷ etcd req/s must reach this. */
  targetRatio?: number;
}

interface SideSummary extends LoadSummary {
  /** Runs kept although other CPU use disturbed them (after NOISY_RETRIES repeats). */
  noisyRuns: number;
}

interface RowResult {
  spec: RowSpec;
  cairn?: SideSummary;
  etcd?: SideSummary;
  /** Why a side was not measured. */
  cairnMissing?: string;
  etcdMissing?: string;
}

const putKey = (index: number): string => `k${String(index).padStart(7, '0')}`; // 8 bytes, as raft.md §8
const VALUE_256_BYTES = Buffer.alloc(256, 'v');
const GET_KEY = 'bench/k';

function rowSpecs(settings: Settings): RowSpec[] {
  const keys = Array.from({ length: settings.putKeys }, (_, i) => putKey(i));
  const cairnPuts: LoadRequest[] = keys.map((key) => ({
    method: 'PUT',
    path: `/v1/kv/bench/${key}`,
    body: VALUE_256_BYTES,
  }));
  const etcdPuts: LoadRequest[] = keys.map((key) => ({
    method: 'POST',
    path: '/v3/kv/put',
    body: etcdPutBody(`bench/${key}`, VALUE_256_BYTES),
  }));
  const cairnPut = (sequence: number): LoadRequest => cairnPuts[sequence % cairnPuts.length]!;
  const etcdPut = (sequence: number): LoadRequest => etcdPuts[sequence % etcdPuts.length]!;
  const cairnGet: LoadRequest = { method: 'GET', path: `/v1/kv/${GET_KEY}` };
  const etcdGet: LoadRequest = { method: 'POST', path: '/v3/kv/range', body: etcdRangeBody(GET_KEY, false) };
  const cairnStale: LoadRequest = { method: 'GET', path: `/v1/kv/${GET_KEY}?stale` };
  const etcdSerializable: LoadRequest = {
    method: 'POST',
    path: '/v3/kv/range',
    body: etcdRangeBody(GET_KEY, true),
  };
  const health: LoadRequest = { method: 'GET', path: '/v1/health/service/web?passing' };
  return [
    { stage: 'put', label: 'KV PUT c=64', connections: 64, cairn: cairnPut, etcd: etcdPut, targetRatio: 1.0 },
    { stage: 'put', label: 'KV PUT c=1', connections: 1, cairn: cairnPut, etcd: etcdPut },
    {
      stage: 'get',
      label: 'KV GET c=64 (default / linearizable)',
      connections: 64,
      cairn: cairnGet,
      etcd: etcdGet,
      targetRatio: 1.5,
    },
    {
      stage: 'get',
      label: 'KV GET c=1 (default / linearizable)',
      connections: 1,
      cairn: cairnGet,
      etcd: etcdGet,
    },
    {
      stage: 'get',
      label: 'KV GET c=64 (?stale / serializable)',
      connections: 64,
      cairn: cairnStale,
      etcd: etcdSerializable,
    },
    {
      stage: 'health',
      label: `health ?passing, ${settings.healthInstances} instances, c=64`,
      connections: 64,
      cairn: health,
    },
  ];
}

type SideName = 'cairn' | 'etcd';

interface Side {
  name: SideName;
  origin: string;
  process: ManagedProcess;
  request: RowSpec['cairn'];
}

/**
 * Warm-up on each side, then `runs` measured runs alternating Cairn and etcd so drift hits both.
 * A server that exits is dropped from the row (and named in `exited`); the other goes on.
 */
async function measureRow(
  spec: RowSpec,
  settings: Settings,
  cairn: CairnAgent | undefined,
  etcd: Etcd | undefined,
  unavailable: { cairn: string; etcd: string },
): Promise<RowResult & { exited: SideName[] }> {
  const row: RowResult & { exited: SideName[] } = { spec, exited: [] };
  let sides: Side[] = [];
  if (cairn === undefined) row.cairnMissing = unavailable.cairn;
  else sides.push({ name: 'cairn', origin: cairn.origin, process: cairn.process, request: spec.cairn });
  if (spec.etcd === undefined) row.etcdMissing = 'no etcd equivalent';
  else if (etcd === undefined) row.etcdMissing = unavailable.etcd;
  else sides.push({ name: 'etcd', origin: etcd.origin, process: etcd.process, request: spec.etcd });

  const dropExited = (): void => {
    for (const side of sides) {
      const reason = side.process.exitReason();
      if (reason === undefined) continue;
      log(`${side.process.name} (pid ${side.process.pid}) exited (${reason}) during ${spec.label}`);
      log(logTail(side.process.logPath));
      const missing = `exited (${reason}) during this row`;
      if (side.name === 'cairn') row.cairnMissing = missing;
      else row.etcdMissing = missing;
      row.exited.push(side.name);
    }
    sides = sides.filter((side) => side.process.exitReason() === undefined);
  };

  const results: Record<SideName, LoadResult[]> = { cairn: [], etcd: [] };
  const noisyRuns: Record<SideName, number> = { cairn: 0, etcd: 0 };
  for (const side of sides) {
    await runLoad({
      origin: side.origin,
      connections: spec.connections,
      durationSeconds: settings.warmupSeconds,
      request: side.request,
    });
  }
  dropExited();
  for (let run = 1; run <= settings.runs; run++) {
    for (const side of sides) {
      // Noise guard (raft.md §8): CPU used on the machine by anything but the client and the
      // server under test must stay under NOISE_CORES_MAX; a noisy run is repeated.
      for (let attempt = 1; ; attempt++) {
        await noiseGuard.waitForQuiet(sides.map((other) => other.process.pid));
        const { value: result, shares } = await withCpuShares([side.process.pid], () =>
          runLoad({
            origin: side.origin,
            connections: spec.connections,
            durationSeconds: settings.durationSeconds,
            request: side.request,
          }),
        );
        if (side.process.exitReason() !== undefined) break;
        const { clientCores, serverCores, otherCores } = shares;
        const noisy = noiseGuard.isNoisy(shares);
        const repeat = noiseGuard.shouldRepeat(shares, attempt, result.durationSeconds * 1000);
        const problems =
          result.non2xx + result.errors > 0 ? ` (${result.non2xx} non-2xx, ${result.errors} errors)` : '';
        log(
          `${spec.label} · ${side.name} run ${run}/${settings.runs}: ${formatCount(result.requestsPerSecond)} req/s, ` +
            `p50 ${formatMs(result.p50Ms)} ms, p99 ${formatMs(result.p99Ms)} ms${problems}; CPU cores: ` +
            `client ${clientCores.toFixed(2)}, ${side.name} ${serverCores.toFixed(2)}, other ${otherCores.toFixed(2)}` +
            (noisy ? (repeat ? ' — noisy, repeating' : ' — noisy, kept') : ''),
        );
        if (repeat) continue;
        results[side.name].push(result);
        if (noisy) noisyRuns[side.name]++;
        break;
      }
    }
    dropExited();
  }
  // A side that exited keeps no figures: its runs before the exit do not describe the row.
  if (results.cairn.length > 0 && !row.exited.includes('cairn')) {
    row.cairn = { ...summarise(results.cairn), noisyRuns: noisyRuns.cairn };
  }
  if (results.etcd.length > 0 && !row.exited.includes('etcd')) {
    row.etcd = { ...summarise(results.etcd), noisyRuns: noisyRuns.etcd };
  }
  return row;
}

/**
 * Noise guard (raft.md §8): time the whole invocation may spend waiting for a quiet machine and
 * repeating disturbed runs; once spent, disturbed runs are kept and flagged.
 */
const noiseGuard = new NoiseGuard(60_000, (line) => log(line));

// ---------------------------------------------------------------------------------------------
// Set-up of the data the rows read.

async function prepareKeys(cairn: CairnAgent | undefined, etcd: Etcd | undefined): Promise<void> {
  if (cairn !== undefined) await httpRequestOk('PUT', `${cairn.origin}/v1/kv/${GET_KEY}`, VALUE_256_BYTES);
  if (etcd !== undefined)
    await httpRequestOk('POST', `${etcd.origin}/v3/kv/put`, etcdPutBody(GET_KEY, VALUE_256_BYTES));
}

async function registerWebInstances(cairn: CairnAgent, instances: number): Promise<void> {
  log(`registering ${instances} instances of "web", each on its own node with a passing check`);
  await forEachConcurrently(instances, 32, async (index) => {
    const body = catalogRegisterBody({
      node: `web-node-${index}`,
      address: addressFor(index),
      serviceId: `web-${index}`,
      serviceName: 'web',
      port: 8080,
    });
    await httpRequestOk('PUT', `${cairn.origin}/v1/catalog/register`, body);
  });
  const answer = await httpRequestOk('GET', `${cairn.origin}/v1/health/service/web?passing`);
  const count = (JSON.parse(answer.body) as unknown[]).length;
  if (count !== instances) {
    throw new Error(
      `after registering ${instances} web instances, /v1/health/service/web?passing lists ${count}`,
    );
  }
  log(`/v1/health/service/web?passing answers ${count} entries, ${formatCount(answer.body.length)} bytes`);
}

// ---------------------------------------------------------------------------------------------
// Report.

type Cell = string;

function rowCells(row: RowResult): Cell[] {
  const side = (summary: LoadSummary | undefined, missing: string | undefined): Cell[] =>
    summary === undefined
      ? [missing === 'no etcd equivalent' ? '—' : 'n/a', '', '']
      : [formatCount(summary.requestsPerSecond), formatMs(summary.p50Ms), formatMs(summary.p99Ms)];
  const ratio =
    row.cairn !== undefined && row.etcd !== undefined
      ? row.cairn.requestsPerSecond / row.etcd.requestsPerSecond
      : undefined;
  const target = row.spec.targetRatio;
  let verdict = '';
  if (target !== undefined) verdict = ratio === undefined ? 'n/a' : ratio >= target ? 'PASS' : 'MISS';
  return [
    row.spec.label,
    ...side(row.cairn, row.cairnMissing),
    ...side(row.etcd, row.etcdMissing),
    ratio === undefined ? '' : `${ratio.toFixed(2)}×`,
    target === undefined ? '' : `≥ ${target.toFixed(1)}×`,
    verdict,
  ];
}

const ROW_HEADER = [
  'row',
  'Cairn req/s',
  'p50 ms',
  'p99 ms',
  'etcd req/s',
  'p50 ms',
  'p99 ms',
  'Cairn/etcd',
  'target',
  'result',
];

function watchCells(outcome: WatchOutcome | string): Cell[][] {
  if (typeof outcome === 'string') return [[`blocked watchers: ${outcome}`, '', '', '']];
  const clean = outcome.failures === 0 && outcome.earlyAnswers === 0 && outcome.answered === outcome.watchers;
  const verdict = clean && outcome.maxMs <= 1_000 ? 'PASS' : 'MISS';
  return [
    [
      `${formatCount(outcome.watchers)} blocked watchers, one PUT: time from sending it to each answer`,
      `p50 ${formatMs(outcome.p50Ms)} ms, p99 ${formatMs(outcome.p99Ms)} ms, max ${formatMs(outcome.maxMs)} ms`,
      'all ≤ 1,000 ms, no failures',
      verdict,
    ],
  ];
}

function memoryCells(outcome: MemoryOutcome | string): Cell[][] {
  if (typeof outcome === 'string') return [[`agent RSS: ${outcome}`, '', '', '']];
  const verdict = outcome.rssAfterBytes < 500 * 2 ** 20 && outcome.problems.length === 0 ? 'PASS' : 'MISS';
  return [
    [
      `agent RSS after ${formatCount(outcome.keys)} keys + ${formatCount(outcome.services)} services (${formatCount(outcome.nodes)} nodes)`,
      `${formatMiB(outcome.rssAfterBytes)} (idle ${formatMiB(outcome.rssBeforeBytes)}, peak ${formatMiB(outcome.peakRssBytes)})`,
      '< 500 MiB',
      verdict,
    ],
  ];
}

const OTHER_HEADER = ['measure', 'Cairn', 'target', 'result'];

function textTable(header: Cell[], rows: Cell[][]): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: Cell[]): string =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [line(header), widths.map((width) => '─'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

function markdownTable(header: Cell[], rows: Cell[][]): string {
  const line = (cells: Cell[]): string => `| ${cells.join(' | ')} |`;
  const align = header.map((_, column) => (column === 0 ? '---' : '---:'));
  return [line(header), line(align), ...rows.map(line)].join('\n');
}

function problemNotes(
  rows: readonly RowResult[],
  memory: MemoryOutcome | string | undefined,
  watch: WatchOutcome | string | undefined,
): string[] {
  const notes: string[] = [];
  for (const row of rows) {
    for (const [name, summary] of [
      ['Cairn', row.cairn],
      ['etcd', row.etcd],
    ] as const) {
      if (summary === undefined) continue;
      if (describeProblems(summary) !== '')
        notes.push(`${row.spec.label} · ${name}: ${describeProblems(summary)}`);
      if (summary.noisyRuns > 0) {
        notes.push(
          `${row.spec.label} · ${name}: ${summary.noisyRuns} of ${summary.runs} runs disturbed by other CPU use`,
        );
      }
    }
  }
  if (watch !== undefined && typeof watch !== 'string') {
    if (watch.earlyAnswers > 0) notes.push(`watchers: ${watch.earlyAnswers} answered before the PUT`);
    if (watch.failures > 0)
      notes.push(`watchers: ${watch.failures} failed: ${watch.failureSamples.join('; ')}`);
  }
  if (memory !== undefined && typeof memory !== 'string')
    notes.push(...memory.problems.map((p) => `memory: ${p}`));
  return notes;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const settings = parseSettings(process.argv.slice(2));
  const machine = { ...describeMachine(), etcd: etcdVersion() ?? 'not installed' };
  const workDir = mkdtempSync(join(os.tmpdir(), 'cairn-bench-http-'));
  const started: ManagedProcess[] = [];
  const stopAll = async (): Promise<void> => {
    stopAllLoad();
    closeIdleSockets();
    await Promise.all(started.map((p) => p.stop()));
  };
  installCleanup(stopAll);

  log(
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory}, Node ${machine.node}, etcd ${machine.etcd}`,
  );
  log(
    `runs ${settings.runs} × ${settings.durationSeconds} s per row and side, warm-up ${settings.warmupSeconds} s; scratch ${workDir}`,
  );

  let failed = false;
  const unavailable = { cairn: '', etcd: '' };
  let etcd: Etcd | undefined;
  let cairn: CairnAgent | undefined;
  const rows: RowResult[] = [];
  let watch: WatchOutcome | string | undefined;
  let memory: MemoryOutcome | string | undefined;
  const wants = (stage: Stage): boolean => settings.stages.has(stage);

  try {
    if (wants('put') || wants('get')) {
      if (etcdVersion() === undefined) {
        unavailable.etcd = 'etcd not installed';
        log(`etcd is not installed: etcd rows are n/a. Install it with: ${ETCD_INSTALL_HINT}`);
      } else {
        try {
          etcd = await startEtcd(workDir);
          started.push(etcd.process);
          log(`etcd ${etcd.version} up at ${etcd.origin} (pid ${etcd.process.pid})`);
        } catch (error) {
          unavailable.etcd = 'etcd failed to start';
          failed = true;
          log(`etcd did not start: ${(error as Error).message}`);
        }
      }
    }
    if (wants('put') || wants('get') || wants('health') || wants('watch')) {
      try {
        cairn = await startCairnAgent(workDir, 'cairn-agent');
        started.push(cairn.process);
        log(
          `Cairn agent up at ${cairn.origin} (pid ${cairn.process.pid}, open files ${cairn.openFilesLimit})`,
        );
      } catch (error) {
        unavailable.cairn = 'agent failed to start';
        failed = true;
        log(`the Cairn agent did not start: ${(error as Error).message}`);
      }
    }

    if (wants('get')) await prepareKeys(cairn, etcd);
    if (wants('health') && cairn !== undefined) await registerWebInstances(cairn, settings.healthInstances);
    for (const spec of rowSpecs(settings)) {
      if (!wants(spec.stage)) continue;
      if (cairn === undefined && (spec.etcd === undefined || etcd === undefined)) {
        rows.push({
          spec,
          cairnMissing: unavailable.cairn,
          etcdMissing: spec.etcd === undefined ? 'no etcd equivalent' : unavailable.etcd,
        });
        continue;
      }
      const row = await measureRow(spec, settings, cairn, etcd, unavailable);
      rows.push(row);
      if (row.exited.length > 0) failed = true;
      if (row.exited.includes('cairn')) {
        unavailable.cairn = `agent exited during ${spec.label}`;
        cairn = undefined;
      }
      if (row.exited.includes('etcd')) {
        unavailable.etcd = `etcd exited during ${spec.label}`;
        etcd = undefined;
      }
    }
    if (etcd !== undefined) {
      await etcd.process.stop();
      etcd = undefined;
    }

    if (wants('watch')) {
      const ownLimit = openFilesLimit() ?? 0;
      const needed = settings.watchers + 200;
      if (cairn === undefined) watch = `n/a (${unavailable.cairn})`;
      else if (ownLimit < needed) {
        watch = `skipped: open-file limit ${ownLimit} < ${needed}`;
        log(`${watch}. Raise it in the shell first: ulimit -n 65536 (as root, or up to \`ulimit -Hn\`).`);
      } else if ((cairn.openFilesLimit ?? 0) < needed) {
        watch = `skipped: the agent's open-file limit is ${cairn.openFilesLimit} < ${needed}`;
        log(`${watch}. The hard limit (\`ulimit -Hn\`) caps it; run as root or raise the hard limit.`);
      } else {
        try {
          watch = await measureWatchFanOut({
            origin: cairn.origin,
            httpPort: cairn.httpPort,
            key: 'bench/watched',
            watchers: settings.watchers,
            log,
          });
          log(
            `watchers: p99 ${formatMs(watch.p99Ms)} ms, max ${formatMs(watch.maxMs)} ms after the PUT was sent (PUT answered in ${formatMs(watch.putMs)} ms)`,
          );
        } catch (error) {
          watch = `failed: ${(error as Error).message.split('\n')[0]}`;
          failed = true;
          log(`watchers: ${(error as Error).message}`);
        }
      }
    }
    if (cairn !== undefined) {
      await cairn.process.stop();
      cairn = undefined;
    }

    if (wants('memory')) {
      try {
        const fresh = await startCairnAgent(workDir, 'cairn-agent-memory');
        started.push(fresh.process);
        memory = await measureMemory({
          agent: fresh,
          keys: settings.memoryKeys,
          services: settings.memoryServices,
          nodes: settings.memoryNodes,
          log,
        });
        log(`memory: RSS ${formatMiB(memory.rssAfterBytes)}`);
        await fresh.process.stop();
      } catch (error) {
        memory = `failed: ${(error as Error).message.split('\n')[0]}`;
        failed = true;
        log(`memory: ${(error as Error).message}`);
      }
    }
  } finally {
    await stopAll();
  }

  const header = `${machine.date} · ${machine.cpu}, ${machine.cores} cores, ${machine.memory} · Node ${machine.node} · etcd ${machine.etcd} · ${settings.runs} run(s) × ${settings.durationSeconds} s, medians`;
  const rowTable = rows.map(rowCells);
  const otherTable = [
    ...(watch === undefined ? [] : watchCells(watch)),
    ...(memory === undefined ? [] : memoryCells(memory)),
  ];
  const notes = problemNotes(rows, memory, watch);
  const out: string[] = ['', header, ''];
  if (rowTable.length > 0) out.push(textTable(ROW_HEADER, rowTable), '');
  if (otherTable.length > 0) out.push(textTable(OTHER_HEADER, otherTable), '');
  if (notes.length > 0) out.push('Problems seen:', ...notes.map((note) => `  - ${note}`), '');
  out.push('--- markdown for docs/benchmarks.md ---', '', `**${header}**`, '');
  if (rowTable.length > 0) out.push(markdownTable(ROW_HEADER, rowTable), '');
  if (otherTable.length > 0) out.push(markdownTable(OTHER_HEADER, otherTable), '');
  if (notes.length > 0) out.push(...notes.map((note) => `- ${note}`), '');
  process.stdout.write(`${out.join('\n')}\n`);

  if (!failed && !settings.keep) rmSync(workDir, { recursive: true, force: true });
  else log(`logs kept in ${workDir}`);
  return failed ? 1 : 0;
}

runBench('bench:http', main);
