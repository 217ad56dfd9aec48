/**
 * `npm run bench:health`: one Cairn dev agent running N HTTP checks (default 10,000) every
 * interval (default 10 s) against a local HTTP server in its own process. Measures, over a
 * steady window, the agent's CPU, its check-scheduling lateness (from the target's arrival times
 * and from the agent's own gauges) and its memory; prints one table, then the same as markdown
 * for docs/benchmarks.md. A benchmark, not a test: it reports PASS/FAIL against the issue's
 * targets and exits 1 only when something could not be measured.
 *
 *   --checks=N      HTTP checks registered (default 10000)
 *   --interval=S    their interval in seconds (default 10)
 *   --window=S      measuring window in seconds (default 60)
 *   --runs=N        repetitions, each with a fresh agent and target (default 3); medians reported
 *   --settle=S      pause between "all checks passing" and the window (default 5)
 *   --quiet-wait=S  before each run, wait up to this long for other processes to use < 0.1 core
 *                   (default 180; 0 does not wait); a run disturbed anyway is flagged
 *   --cpu-prof      write a V8 CPU profile of each agent's window into the scratch directory (kept)
 *   --keep          keep the scratch directory (agent and target logs) even on success
 *
 * Runs from dist/ like the other benches (the agent it starts is dist/src/cli/main.js):
 * `npm run -s build && node dist/bench/health.js`.
 *
 * Method (docs/benchmarks.md): the target (bench/lib/health-target.ts) answers `GET /check/<n>`
 * with 200 and records each arrival on its own clock; checks `c<n>` are registered through
 * `PUT /v1/agent/check/register`, 32 in flight; once `/v1/health/state/passing` lists all of
 * them (each has run at least once) and `--settle` has passed, the window opens: agent CPU from
 * /proc/<pid>/stat, VmRSS every second, the target's arrivals (bench/lib/health-window.ts) and
 * the agent's `cairn.health.*` gauges before and after.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type CairnAgent, startCairnAgent } from './lib/cairn.ts';
import { log, positiveFlag, runBench } from './lib/cli.ts';
import type { HealthTargetStats, HealthTargetWindow, WindowAnalysis } from './lib/health-window.ts';
import { analyseWindow } from './lib/health-window.ts';
import { closeIdleSockets, forEachConcurrently, httpRequest, httpRequestOk } from './lib/http-client.ts';
import { describeMachine } from './lib/machine.ts';
import {
  delay,
  findFreePort,
  installCleanup,
  type ManagedProcess,
  machineCpuSeconds,
  processCpuSeconds,
  procStatusBytes,
  spawnManaged,
  waitUntil,
} from './lib/processes.ts';
import { formatCount, formatMs, median } from './lib/stats.ts';
import { markdownTable, textTable } from './lib/table.ts';

interface Settings {
  checks: number;
  intervalSeconds: number;
  windowSeconds: number;
  runs: number;
  settleSeconds: number;
  quietWaitSeconds: number;
  cpuProfile: boolean;
  keep: boolean;
}

function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      checks: { type: 'string' },
      interval: { type: 'string' },
      window: { type: 'string' },
      runs: { type: 'string' },
      settle: { type: 'string' },
      'quiet-wait': { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
  });
  return {
    checks: Math.round(positiveFlag(values.checks, 10_000, 'checks')),
    intervalSeconds: positiveFlag(values.interval, 10, 'interval'),
    windowSeconds: positiveFlag(values.window, 60, 'window'),
    runs: Math.round(positiveFlag(values.runs, 3, 'runs')),
    settleSeconds: values.settle === '0' ? 0 : positiveFlag(values.settle, 5, 'settle'),
    quietWaitSeconds:
      values['quiet-wait'] === '0' ? 0 : positiveFlag(values['quiet-wait'], 180, 'quiet-wait'),
    cpuProfile: values['cpu-prof'],
    keep: values.keep,
  };
}

/** The targets. "300 MB" is read as MiB, as the memory row of bench:http reads "500 MB". */
const TARGETS = { agentCoreShare: 0.25, latenessP99Ms: 100, rssBytes: 300 * 2 ** 20 };
const REGISTER_IN_FLIGHT = 32;
/** Other processes' CPU (cores) under which the machine counts as quiet, and above which a run is flagged. */
const QUIET_CORES = 0.1;
const checkId = (index: number): string => `c${index}`;
const OUR_CHECK = /^c\d+$/;

// ---------------------------------------------------------------------------------------------
// The target server and the agent's gauges

interface Target {
  origin: string;
  port: number;
  process: ManagedProcess;
}

/** dist/bench/health.js → dist/bench/lib/health-target.js */
const targetScript = fileURLToPath(new URL('./lib/health-target.js', import.meta.url));
const profilerModule = new URL('./lib/health-profiler.js', import.meta.url).href;

async function startTarget(workDir: string, name: string): Promise<Target> {
  const port = await findFreePort();
  const targetProcess = spawnManaged({
    name,
    command: process.execPath,
    args: [targetScript, String(port)],
    logPath: join(workDir, `${name}.log`),
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () => (await httpRequest('GET', `${origin}/stats`, undefined, 2_000)).status === 200,
    {
      what: `the health target to answer ${origin}/stats`,
      deadlineMs: 15_000,
      process: targetProcess,
    },
  );
  return { origin, port, process: targetProcess };
}

async function targetPost<T>(target: Target, path: string): Promise<T> {
  return JSON.parse((await httpRequestOk('POST', `${target.origin}${path}`, '')).body) as T;
}

interface HealthGauges {
  checksScheduled: number;
  checkRuns: number;
  latenessP99Ms: number;
  latenessMaxMs: number;
}

/** The agent's `cairn.health.*` gauges from one `/v1/agent/metrics`; NaN for a gauge it lacks. */
async function readHealthGauges(origin: string): Promise<HealthGauges> {
  const response = await httpRequestOk('GET', `${origin}/v1/agent/metrics`);
  const metrics = JSON.parse(response.body) as { Gauges?: Array<{ Name?: string; Value?: number }> };
  const gauge = (name: string): number => {
    const value = metrics.Gauges?.find((candidate) => candidate.Name === name)?.Value;
    return typeof value === 'number' ? value : Number.NaN;
  };
  return {
    checksScheduled: gauge('cairn.health.checks_scheduled'),
    checkRuns: gauge('cairn.health.check_runs'),
    latenessP99Ms: gauge('cairn.health.lateness_p99_ms'),
    latenessMaxMs: gauge('cairn.health.lateness_max_ms'),
  };
}

/** System (kernel) CPU time of a process so far, in seconds: stime, field 15 of /proc/<pid>/stat. */
function systemCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[12]) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** USER_HZ, as in processes.ts: 100 on every Linux architecture Node runs on (`getconf CLK_TCK`). */
const CLOCK_TICKS_PER_SECOND = 100;

/** How many of our checks `/v1/health/state/passing` lists. */
async function passingChecks(origin: string): Promise<number> {
  const response = await httpRequestOk('GET', `${origin}/v1/health/state/passing`);
  const checks = JSON.parse(response.body) as Array<{ CheckID?: string }>;
  return checks.filter((check) => OUR_CHECK.test(check.CheckID ?? '')).length;
}

// ---------------------------------------------------------------------------------------------
// One run

interface RunOutcome {
  registrationSeconds: number;
  /** From the last registration answered until every check was passing. */
  allPassingSeconds: number;
  /** Cores (1 = one whole core) used on average over the window. */
  agentCores: number;
  /** The part of `agentCores` spent in the kernel (stime): sockets, loopback TCP. */
  agentSystemCores: number;
  targetCores: number;
  /** By everything on the machine but the agent, the target and this process. */
  otherCores: number;
  rssMedianBytes: number;
  rssMaxBytes: number;
  /** VmHWM at the end of the window: registration and first runs included. */
  peakRssBytes: number;
  window: WindowAnalysis;
  /** Runs per second by the agent's `check_runs` gauge over the window. */
  agentRunsPerSecond: number;
  gauges: HealthGauges;
}

async function measureRun(
  run: number,
  settings: Settings,
  workDir: string,
  track: (process: ManagedProcess) => void,
): Promise<RunOutcome> {
  const intervalMs = settings.intervalSeconds * 1000;
  const target = await startTarget(workDir, `target-${run}`);
  track(target.process);
  // A profile covers the window only: the preloaded health-profiler starts and stops on SIGUSR2.
  const profilePath = settings.cpuProfile ? join(workDir, `cairn-agent-${run}.cpuprofile`) : undefined;
  const environment = {
    NODE_OPTIONS: process.env.NODE_OPTIONS,
    CAIRN_BENCH_CPU_PROFILE: process.env.CAIRN_BENCH_CPU_PROFILE,
  };
  if (profilePath !== undefined) {
    process.env.NODE_OPTIONS = `${environment.NODE_OPTIONS ?? ''} --import=${profilerModule}`.trim();
    process.env.CAIRN_BENCH_CPU_PROFILE = profilePath;
  }
  let agent: CairnAgent;
  try {
    agent = await startCairnAgent(workDir, `cairn-agent-${run}`);
  } finally {
    for (const [name, value] of Object.entries(environment)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  track(agent.process);
  const pid = agent.process.pid;
  log(
    `run ${run}: agent pid ${pid} at ${agent.origin}, target pid ${target.process.pid} at ${target.origin}`,
  );

  const registerStart = performance.now();
  await forEachConcurrently(settings.checks, REGISTER_IN_FLIGHT, async (index) => {
    const body = JSON.stringify({
      Name: checkId(index),
      ID: checkId(index),
      HTTP: `${target.origin}/check/${index}`,
      Interval: `${settings.intervalSeconds}s`,
    });
    await httpRequestOk('PUT', `${agent.origin}/v1/agent/check/register`, body);
  });
  const registered = performance.now();
  const registrationSeconds = (registered - registerStart) / 1000;
  log(
    `run ${run}: ${formatCount(settings.checks)} checks registered in ${registrationSeconds.toFixed(1)} s ` +
      `(${formatCount(settings.checks / registrationSeconds)}/s); waiting for all to pass`,
  );

  // Each check's first run comes after a random stagger within one interval.
  let passing = 0;
  try {
    await waitUntil(
      async () => {
        passing = await passingChecks(agent.origin);
        return passing === settings.checks;
      },
      {
        what: `all ${settings.checks} checks to be passing in /v1/health/state/passing`,
        deadlineMs: intervalMs + 60_000,
        intervalMs: Math.min(2_000, intervalMs / 5),
        process: agent.process,
      },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\n(last count: ${passing} passing)`);
  }
  const allPassingSeconds = (performance.now() - registered) / 1000;
  log(`run ${run}: all passing ${allPassingSeconds.toFixed(1)} s after registration; settling`);
  await delay(settings.settleSeconds * 1000);

  const gaugesBefore = await readHealthGauges(agent.origin);
  await targetPost(target, '/window/start');
  const start = {
    wallMs: performance.now(),
    agent: processCpuSeconds(pid),
    agentSystem: systemCpuSeconds(pid),
    target: processCpuSeconds(target.process.pid),
    self: processCpuSeconds('self'),
    machine: machineCpuSeconds(),
  };
  if (profilePath !== undefined) process.kill(pid, 'SIGUSR2');
  const rssSamples: number[] = [];
  const sampler = setInterval(() => {
    const rss = procStatusBytes(pid, 'VmRSS');
    if (rss !== undefined) rssSamples.push(rss);
  }, 1_000);
  await delay(settings.windowSeconds * 1000);
  clearInterval(sampler);
  const seconds = (performance.now() - start.wallMs) / 1000;
  const agentSeconds = processCpuSeconds(pid) - start.agent;
  const agentSystemSeconds = systemCpuSeconds(pid) - start.agentSystem;
  const targetSeconds = processCpuSeconds(target.process.pid) - start.target;
  const selfSeconds = processCpuSeconds('self') - start.self;
  const machine = machineCpuSeconds();
  const peakRssBytes = procStatusBytes(pid, 'VmHWM') ?? Number.NaN;
  const window = await targetPost<HealthTargetWindow>(target, '/window/stop');
  const gaugesAfter = await readHealthGauges(agent.origin);
  if (profilePath !== undefined) {
    process.kill(pid, 'SIGUSR2');
    await waitUntil(async () => existsSync(profilePath), {
      what: `the agent to write its CPU profile to ${profilePath}`,
      deadlineMs: 30_000,
      process: agent.process,
    });
    log(`run ${run}: CPU profile of the window in ${profilePath} (the profiler adds to the CPU figure)`);
  }
  for (const candidate of [agent.process, target.process]) {
    const reason = candidate.exitReason();
    if (reason !== undefined) throw new Error(`${candidate.name} exited (${reason}) during the window`);
  }
  const stillPassing = await passingChecks(agent.origin);
  if (stillPassing !== settings.checks)
    throw new Error(`only ${stillPassing} of ${settings.checks} checks were passing after the window`);
  const targetStats = JSON.parse(
    (await httpRequestOk('GET', `${target.origin}/stats`)).body,
  ) as HealthTargetStats;

  const analysis = analyseWindow(window, intervalMs, settings.checks);
  const machineSeconds = machine.busy - start.machine.busy + (machine.steal - start.machine.steal);
  const outcome: RunOutcome = {
    registrationSeconds,
    allPassingSeconds,
    agentCores: agentSeconds / seconds,
    agentSystemCores: agentSystemSeconds / seconds,
    targetCores: targetSeconds / seconds,
    otherCores: Math.max(0, machineSeconds - agentSeconds - targetSeconds - selfSeconds) / seconds,
    rssMedianBytes: median(rssSamples),
    rssMaxBytes: rssSamples.length === 0 ? Number.NaN : Math.max(...rssSamples),
    peakRssBytes,
    window: analysis,
    agentRunsPerSecond: (gaugesAfter.checkRuns - gaugesBefore.checkRuns) / seconds,
    gauges: gaugesAfter,
  };
  log(
    `run ${run}: agent ${percent(outcome.agentCores)} of a core (kernel ${percent(outcome.agentSystemCores)}), target ${percent(outcome.targetCores)}, ` +
      `other ${percent(outcome.otherCores)}; RSS median ${mib(outcome.rssMedianBytes)}, max ${mib(outcome.rssMaxBytes)}, ` +
      `first ${mib(rssSamples[0] ?? Number.NaN)}, last ${mib(rssSamples.at(-1) ?? Number.NaN)}, peak ${mib(peakRssBytes)}`,
  );
  log(
    `run ${run}: target saw ${formatCount(analysis.runs)} runs (${analysis.runsPerSecond.toFixed(1)}/s, ` +
      `${analysis.connectionsPerRun.toFixed(2)} connections per run, ${formatCount(targetStats.checkRequests)} since start); ` +
      `lateness p50 ${formatMs(analysis.latenessP50Ms)} p99 ${formatMs(analysis.latenessP99Ms)} max ${formatMs(analysis.latenessMaxMs)} ms ` +
      `over ${formatCount(analysis.samples)} runs; skipped ticks ${analysis.skippedTicks}, checks missing ${analysis.checksMissing}, ` +
      `period − interval ${formatMs(analysis.periodDeviationMs)} ms; anchored on the first run: p99 ${formatMs(analysis.firstAnchoredP99Ms)} ms, ` +
      `${analysis.firstAnchoredEarlyRuns} runs > 5 ms early`,
  );
  log(
    `run ${run}: agent gauges: ${gaugesAfter.checksScheduled} scheduled, ${outcome.agentRunsPerSecond.toFixed(1)} runs/s in the window, ` +
      `lateness since start p99 ${formatMs(gaugesAfter.latenessP99Ms)} max ${formatMs(gaugesAfter.latenessMaxMs)} ms`,
  );
  await agent.process.stop();
  await target.process.stop();
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Report

const percent = (cores: number): string => (Number.isFinite(cores) ? `${(cores * 100).toFixed(1)}%` : 'n/a');
const mib = (bytes: number): string =>
  Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : 'n/a';
const milliseconds = (ms: number): string => `${formatMs(ms)} ms`;
const seconds = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(1)} s` : 'n/a');

/** "median (min–max)" over runs, or the one value. */
function spread(values: number[], format: (value: number) => string): string {
  if (values.length === 0) return 'n/a';
  if (values.length === 1) return format(values[0]!);
  return `${format(median(values))} (${format(Math.min(...values))} – ${format(Math.max(...values))})`;
}

function verdict(value: number, below: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value < below ? 'PASS' : 'FAIL';
}

const HEADER = ['measure', 'median (range)', 'target', 'result'];

function reportRows(outcomes: RunOutcome[], settings: Settings): string[][] {
  const pick = (read: (outcome: RunOutcome) => number): number[] => outcomes.map(read);
  const cpu = pick((outcome) => outcome.agentCores);
  const external = pick((outcome) => outcome.window.latenessP99Ms);
  const internal = pick((outcome) => outcome.gauges.latenessP99Ms);
  const rss = pick((outcome) => outcome.rssMaxBytes);
  const expectedRate = settings.checks / settings.intervalSeconds;
  return [
    [
      `agent CPU over the ${settings.windowSeconds} s window, share of one core`,
      spread(cpu, percent),
      `< ${percent(TARGETS.agentCoreShare)}`,
      verdict(median(cpu), TARGETS.agentCoreShare),
    ],
    [
      'of which in the kernel (stime: sockets, loopback TCP)',
      spread(
        pick((outcome) => outcome.agentSystemCores),
        percent,
      ),
      '',
      '',
    ],
    [
      'scheduling lateness p99: target arrivals in the window (connect included)',
      spread(external, milliseconds),
      `< ${TARGETS.latenessP99Ms} ms`,
      verdict(median(external), TARGETS.latenessP99Ms),
    ],
    [
      'agent RSS in the window, largest 1 s sample',
      spread(rss, mib),
      `< ${mib(TARGETS.rssBytes)}`,
      verdict(median(rss), TARGETS.rssBytes),
    ],
    [
      'agent RSS in the window, median sample',
      spread(
        pick((outcome) => outcome.rssMedianBytes),
        mib,
      ),
      '',
      '',
    ],
    [
      'agent peak RSS since start (VmHWM: registration and first runs included)',
      spread(
        pick((outcome) => outcome.peakRssBytes),
        mib,
      ),
      '',
      '',
    ],
    [
      'scheduling lateness p50 / max: target arrivals in the window',
      `${spread(
        pick((outcome) => outcome.window.latenessP50Ms),
        milliseconds,
      )} / ${spread(
        pick((outcome) => outcome.window.latenessMaxMs),
        milliseconds,
      )}`,
      '',
      '',
    ],
    [
      "scheduling lateness p99 / max: the agent's own gauges, since it started (registration included)",
      `${spread(internal, milliseconds)} / ${spread(
        pick((outcome) => outcome.gauges.latenessMaxMs),
        milliseconds,
      )}`,
      '',
      '',
    ],
    [
      `check runs/s at the target (expected ${formatCount(expectedRate)})`,
      spread(
        pick((outcome) => outcome.window.runsPerSecond),
        (value) => value.toFixed(1),
      ),
      '',
      '',
    ],
    [
      `registering ${formatCount(settings.checks)} checks, ${REGISTER_IN_FLIGHT} in flight`,
      spread(
        pick((outcome) => outcome.registrationSeconds),
        seconds,
      ),
      '',
      '',
    ],
    [
      'from the last registration to all passing',
      spread(
        pick((outcome) => outcome.allPassingSeconds),
        seconds,
      ),
      '',
      '',
    ],
    [
      'target server CPU / everything else on the machine',
      `${spread(
        pick((outcome) => outcome.targetCores),
        percent,
      )} / ${spread(
        pick((outcome) => outcome.otherCores),
        percent,
      )}`,
      '',
      '',
    ],
  ];
}

/** Figures that should be zero or one; printed under the table when they are not. */
function sanityNotes(outcomes: RunOutcome[]): string[] {
  const notes: string[] = [];
  outcomes.forEach((outcome, index) => {
    const run = `run ${index + 1}`;
    const window = outcome.window;
    if (window.skippedTicks > 0)
      notes.push(`${run}: ${window.skippedTicks} skipped ticks (runs that never came)`);
    if (window.checksMissing > 0)
      notes.push(`${run}: ${window.checksMissing} checks never ran in the window`);
    if (Math.abs(window.connectionsPerRun - 1) > 0.01)
      notes.push(`${run}: ${window.connectionsPerRun.toFixed(2)} TCP connections per check run (1 expected)`);
    if (Math.abs(window.periodDeviationMs) > 1)
      notes.push(
        `${run}: the median period differs from the interval by ${formatMs(window.periodDeviationMs)} ms`,
      );
    if (outcome.otherCores > QUIET_CORES)
      notes.push(`${run}: other processes used ${percent(outcome.otherCores)} of a core during the window`);
  });
  return notes;
}

// ---------------------------------------------------------------------------------------------

/**
 * Waits, up to `maxWaitMs`, for a 2 s stretch in which processes other than this one use under
 * QUIET_CORES (no child process runs between runs). Measures anyway after that, with a line.
 */
async function waitForQuietMachine(maxWaitMs: number): Promise<void> {
  const deadline = performance.now() + maxWaitMs;
  let announced = false;
  for (;;) {
    const machine = machineCpuSeconds();
    const self = processCpuSeconds('self');
    await delay(2_000);
    const after = machineCpuSeconds();
    const otherCores =
      (after.busy - machine.busy + (after.steal - machine.steal) - (processCpuSeconds('self') - self)) / 2;
    if (otherCores < QUIET_CORES) return;
    if (performance.now() > deadline) {
      log(`other processes still use ${otherCores.toFixed(2)} cores; measuring anyway`);
      return;
    }
    if (!announced) {
      log(
        `other processes use ${otherCores.toFixed(2)} cores; waiting up to ${Math.round(maxWaitMs / 1000)} s for quiet`,
      );
      announced = true;
    }
  }
}

function sysctl(name: string): string {
  try {
    return readFileSync(`/proc/sys/${name.replaceAll('.', '/')}`, 'utf8')
      .trim()
      .replaceAll('\t', ' ');
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<number> {
  if (import.meta.url.endsWith('.ts'))
    throw new Error(
      'bench:health starts the built agent (dist/src/cli/main.js): run `npm run -s build && node dist/bench/health.js`',
    );
  const settings = parseSettings(process.argv.slice(2));
  const machine = describeMachine();
  const workDir = mkdtempSync(join(os.tmpdir(), 'cairn-bench-health-'));
  const started: ManagedProcess[] = [];
  const stopAll = async (): Promise<void> => {
    closeIdleSockets();
    await Promise.all(started.map((child) => child.stop()));
  };
  installCleanup(stopAll);
  log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory}, Node ${machine.node}`);
  log(
    `${formatCount(settings.checks)} HTTP checks every ${settings.intervalSeconds} s; ${settings.runs} run(s), ` +
      `window ${settings.windowSeconds} s; scratch ${workDir}; ephemeral ports ${sysctl('net.ipv4.ip_local_port_range')}, ` +
      `tcp_tw_reuse ${sysctl('net.ipv4.tcp_tw_reuse')}`,
  );

  const outcomes: RunOutcome[] = [];
  const problems: string[] = [];
  try {
    for (let run = 1; run <= settings.runs; run++) {
      try {
        if (settings.quietWaitSeconds > 0) await waitForQuietMachine(settings.quietWaitSeconds * 1000);
        outcomes.push(await measureRun(run, settings, workDir, (child) => started.push(child)));
      } catch (error) {
        problems.push(`run ${run}: ${error instanceof Error ? error.message : String(error)}`);
        log(`run ${run} failed: ${problems.at(-1)}`);
      } finally {
        await stopAll();
        started.length = 0;
      }
    }
  } finally {
    await stopAll();
  }

  const header =
    `${machine.date} · ${machine.cpu}, ${machine.cores} cores, ${machine.memory} · Node ${machine.node} · ` +
    `${formatCount(settings.checks)} HTTP checks every ${settings.intervalSeconds} s, one dev agent, target server in its own process · ` +
    `${outcomes.length} run(s) × ${settings.windowSeconds} s window, medians (range)`;
  const rows = outcomes.length > 0 ? reportRows(outcomes, settings) : [];
  const notes = [...problems, ...sanityNotes(outcomes)];
  const out: string[] = ['', header, ''];
  if (rows.length > 0) out.push(textTable(HEADER, rows), '');
  if (notes.length > 0) out.push('Problems seen:', ...notes.map((note) => `  - ${note}`), '');
  out.push('--- markdown for docs/benchmarks.md ---', '', `**${header}**`, '');
  if (rows.length > 0) out.push(markdownTable(HEADER, rows), '');
  if (notes.length > 0) out.push(...notes.map((note) => `- ${note}`), '');
  process.stdout.write(`${out.join('\n')}\n`);

  const failed = problems.length > 0;
  if (!failed && !settings.keep && !settings.cpuProfile) rmSync(workDir, { recursive: true, force: true });
  else log(`logs kept in ${workDir}`);
  return failed ? 1 : 0;
}

runBench('bench:health', main);
