/**
 * `npm run bench:dns`: Cairn's DNS interface beside dnsmasq serving the same records, both driven
 * by dnsperf with the same query mix in the same invocation. 1,000 services × 3 instances; half
 * the queries `svc-N.service.consul A`, half `_svc-N._tcp.service.consul SRV`. Prints one table,
 * then the same as markdown for docs/benchmarks.md. A benchmark, not a test: it reports PASS/FAIL
 * against the targets (≥ 40,000 queries/s, ≥ 0.5× dnsmasq) and exits 1 only when something could
 * not be measured or a server's answers were not the expected ones.
 *
 *   --rounds=N       measured rounds per server, alternating servers (default 3); medians reported
 *   --duration=S     seconds per round (default 15)
 *   --warmup=S       one unmeasured dnsperf run per server first (default 3)
 *   --services=N     services, each with one instance on each of 3 nodes (default 1000)
 *   --clients=N      dnsperf -c: UDP sockets (default 4)
 *   --outstanding=N  dnsperf -q: queries in flight at most (default 100)
 *   --pin=MODE       split: each server on CPU 0, dnsperf on the others (default, with ≥ 2 CPUs);
 *                    none: no pinning
 *   --only=LIST      any of cairn,dnsmasq (default both)
 *   --by-type=S      then one run of S seconds per server with A queries alone, and one with SRV
 *                    queries alone, to show where the time goes (default 5; 0 skips them)
 *   --quick          1 round of 3 s, 1 s warm-up, 2 s by type: a smoke check
 *   --keep           keep the scratch directory (logs, dnsmasq.conf, queries.txt) even on success
 *
 * Runs from dist/ like the other benches (the agent it starts is dist/src/cli/main.js):
 * `npm run -s build && node dist/bench/dns.js`. Needs Debian's dnsperf, dnsmasq-base and
 * bind9-dnsutils (dig).
 *
 * Method (docs/benchmarks.md): a dev agent with `-dns-port <free>`; the instances registered
 * through `PUT /v1/catalog/register` (32 in flight), each with a passing service check; dnsmasq
 * with `host-record`/`srv-host` lines for the same records (bench/lib/dns-dataset.ts). Before
 * measuring, `dig` (UDP, no EDNS, as dnsperf sends) checks both servers' A and SRV answers
 * against the expected records. dnsperf then runs over UDP without EDNS with the same flags for
 * both; CPU from /proc (dnsperf's from this process's reaped-children times).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type CairnAgent, startCairnAgent } from './lib/cairn.ts';
import { log, positiveFlag, runBench } from './lib/cli.ts';
import { type Dataset, expectedAnswer, queryFile, registerBody, serviceName } from './lib/dns-dataset.ts';
import { type DnsperfResult, dnsperfVersion, failedResponses, runDnsperf } from './lib/dns-dnsperf.ts';
import {
  checkServer,
  DIG,
  type DnsServer,
  dnsmasqVersion,
  pinProcess,
  startDnsmasq,
  waitForAnswers,
} from './lib/dns-servers.ts';
import { closeIdleSockets, forEachConcurrently, httpRequestOk } from './lib/http-client.ts';
import { describeMachine } from './lib/machine.ts';
import { NoiseGuard } from './lib/noise-guard.ts';
import {
  findFreePort,
  installCleanup,
  type ManagedProcess,
  machineCpuSeconds,
  processCpuSeconds,
  procStatusBytes,
} from './lib/processes.ts';
import { formatCount, formatMiB, formatMs, median } from './lib/stats.ts';
import { markdownTable, textTable } from './lib/table.ts';

const SIDES = ['cairn', 'dnsmasq'] as const;
type Side = (typeof SIDES)[number];

interface Settings {
  rounds: number;
  durationSeconds: number;
  warmupSeconds: number;
  services: number;
  clients: number;
  outstanding: number;
  pin: 'split' | 'none';
  sides: readonly Side[];
  /** Seconds of the extra A-only and SRV-only runs; 0 for none. */
  typeSeconds: number;
  keep: boolean;
}

function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      services: { type: 'string' },
      clients: { type: 'string' },
      outstanding: { type: 'string' },
      pin: { type: 'string' },
      only: { type: 'string' },
      'by-type': { type: 'string' },
      quick: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const quick = values.quick;
  const pin = values.pin ?? (os.availableParallelism() >= 2 ? 'split' : 'none');
  if (pin !== 'split' && pin !== 'none') throw new Error(`--pin: expected split or none, got "${pin}"`);
  if (pin === 'split' && os.availableParallelism() < 2) throw new Error('--pin=split needs at least 2 CPUs');
  const sides = (values.only ?? SIDES.join(',')).split(',').map((name) => {
    const side = SIDES.find((candidate) => candidate === name.trim());
    if (side === undefined) throw new Error(`--only: unknown "${name}"; expected some of ${SIDES.join(',')}`);
    return side;
  });
  return {
    rounds: Math.round(positiveFlag(values.rounds, quick ? 1 : 3, 'rounds')),
    durationSeconds: Math.round(positiveFlag(values.duration, quick ? 3 : 15, 'duration')),
    warmupSeconds:
      values.warmup === '0' ? 0 : Math.round(positiveFlag(values.warmup, quick ? 1 : 3, 'warmup')),
    services: Math.round(positiveFlag(values.services, 1_000, 'services')),
    clients: Math.round(positiveFlag(values.clients, 4, 'clients')),
    outstanding: Math.round(positiveFlag(values.outstanding, 100, 'outstanding')),
    pin,
    sides: [...new Set(sides)],
    typeSeconds:
      values['by-type'] === '0' ? 0 : Math.round(positiveFlag(values['by-type'], quick ? 2 : 5, 'by-type')),
    keep: values.keep,
  };
}

/** The issue's targets. */
const TARGETS = { queriesPerSecond: 40_000, ratio: 0.5 };
const REGISTER_IN_FLIGHT = 32;
const QUERY_LINES = 100_000;
const QUERY_SEED = 6;
/** Services whose answers `dig` checks on both servers before measuring (and a few seeded more). */
const checkedServices = (dataset: Dataset): number[] => {
  const last = dataset.services - 1;
  return [...new Set([0, 1, Math.floor(last / 2), last, 37 % dataset.services, 613 % dataset.services])];
};
const DNSPERF_TIMEOUT_SECONDS = 2;
/** CPUs for the servers and for dnsperf with --pin=split. */
const SERVER_CPUS = '0';
const clientCpus = (): string =>
  os.availableParallelism() === 2 ? '1' : `1-${os.availableParallelism() - 1}`;

// ---------------------------------------------------------------------------------------------
// Cairn set-up

async function startCairn(
  workDir: string,
  dataset: Dataset,
  track: (process: ManagedProcess) => void,
): Promise<{ server: DnsServer; agent: CairnAgent }> {
  const dnsPort = await findFreePort();
  const agent = await startCairnAgent(workDir, 'cairn-agent', [
    '-dns-port',
    String(dnsPort),
    '-log-level',
    'warn',
  ]);
  track(agent.process);
  log(`Cairn agent up at ${agent.origin} (pid ${agent.process.pid}), DNS on 127.0.0.1:${dnsPort}`);
  const instances = dataset.services * 3;
  const start = performance.now();
  await forEachConcurrently(instances, REGISTER_IN_FLIGHT, async (index) => {
    const body = registerBody(dataset, Math.floor(index / 3), index % 3);
    await httpRequestOk('PUT', `${agent.origin}/v1/catalog/register`, body);
  });
  log(
    `registered ${formatCount(instances)} instances (${formatCount(dataset.services)} services × 3 nodes) ` +
      `in ${((performance.now() - start) / 1000).toFixed(1)} s`,
  );
  const probe = serviceName(dataset, 1 % dataset.services);
  const passing = JSON.parse(
    (await httpRequestOk('GET', `${agent.origin}/v1/health/service/${probe}?passing`)).body,
  ) as unknown[];
  if (passing.length !== 3)
    throw new Error(`/v1/health/service/${probe}?passing lists ${passing.length} instances, expected 3`);
  const server: DnsServer = { name: 'Cairn', port: dnsPort, process: agent.process };
  await waitForAnswers(server, expectedAnswer(dataset, 0, 'A'));
  return { server, agent };
}

// ---------------------------------------------------------------------------------------------
// Rounds

/** The query mix of a run: the measured A+SRV mix, or one type alone (an extra, shorter run). */
type Mix = 'A+SRV' | 'A' | 'SRV';

interface Round {
  side: Side;
  mix: Mix;
  round: number;
  result: DnsperfResult;
  serverCores: number;
  /** dnsperf. */
  clientCores: number;
  /** Everything but the server under test, dnsperf and this process. */
  otherCores: number;
  noisy: boolean;
}

/** CPU seconds of this process's reaped children (cutime + cstime): dnsperf's, once it has exited. */
function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

const noiseGuard = new NoiseGuard(60_000, (line) => log(line));

interface RunSpec {
  side: Side;
  mix: Mix;
  round: number;
  seconds: number;
  queries: string;
}

async function measureRound(
  spec: RunSpec,
  server: DnsServer,
  settings: Settings,
  workDir: string,
  track: (process: ManagedProcess) => void,
): Promise<Round> {
  const { side, mix, round } = spec;
  const label = mix === 'A+SRV' ? `round ${round}/${settings.rounds}` : `${mix} only`;
  for (let attempt = 1; ; attempt++) {
    await noiseGuard.waitForQuiet([server.process.pid]);
    const before = {
      server: processCpuSeconds(server.process.pid),
      children: childrenCpuSeconds(),
      self: processCpuSeconds('self'),
      machine: machineCpuSeconds(),
      wallMs: performance.now(),
    };
    const result = await runDnsperf({
      port: server.port,
      queryFile: spec.queries,
      seconds: spec.seconds,
      clients: settings.clients,
      outstanding: settings.outstanding,
      timeoutSeconds: DNSPERF_TIMEOUT_SECONDS,
      cpus: settings.pin === 'split' ? clientCpus() : undefined,
      workDir,
      name: `dnsperf-${side}-${mix === 'A+SRV' ? round : mix}${attempt > 1 ? `-${attempt}` : ''}`,
      track,
    });
    const seconds = (performance.now() - before.wallMs) / 1000;
    const serverSeconds = processCpuSeconds(server.process.pid) - before.server;
    const clientSeconds = childrenCpuSeconds() - before.children;
    const selfSeconds = processCpuSeconds('self') - before.self;
    const machine = machineCpuSeconds();
    const machineSeconds = machine.busy - before.machine.busy + (machine.steal - before.machine.steal);
    const shares = {
      clientCores: clientSeconds / seconds,
      serverCores: serverSeconds / seconds,
      otherCores: Math.max(0, machineSeconds - serverSeconds - clientSeconds - selfSeconds) / seconds,
    };
    const reason = server.process.exitReason();
    if (reason !== undefined) throw new Error(`${server.name} exited (${reason}) during ${label}`);
    const noisy = noiseGuard.isNoisy(shares);
    const repeat = noiseGuard.shouldRepeat(shares, attempt, seconds * 1000);
    const failed = failedResponses(result);
    log(
      `${server.name} ${label}: ${formatCount(result.queriesPerSecond)} queries/s, ` +
        `latency avg ${formatMs(result.latencyAverageMs)} ms, max ${formatMs(result.latencyMaxMs)} ms; ` +
        `lost ${result.lost}, not NOERROR ${failed}; CPU cores: ${server.name} ${shares.serverCores.toFixed(2)}, ` +
        `dnsperf ${shares.clientCores.toFixed(2)}, other ${shares.otherCores.toFixed(2)}` +
        (noisy ? (repeat ? ' — noisy, repeating' : ' — noisy, kept') : ''),
    );
    if (repeat) continue;
    return { side, mix, round, result, ...shares, noisy };
  }
}

// ---------------------------------------------------------------------------------------------
// Report

/** "median (min – max)" over rounds, or the one value. */
function spread(values: number[], format: (value: number) => string): string {
  if (values.length === 0) return 'n/a';
  if (values.length === 1) return format(values[0]!);
  return `${format(median(values))} (${format(Math.min(...values))} – ${format(Math.max(...values))})`;
}

const cores = (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');
const ratio = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a');
const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);

interface ServerFacts {
  rssBytes: number;
  peakRssBytes: number;
  replyBytes: { A: number; SRV: number };
}

const HEADER = ['measure', 'Cairn', 'dnsmasq', 'Cairn/dnsmasq', 'target', 'result'];

function reportRows(rounds: Round[], facts: Partial<Record<Side, ServerFacts>>): string[][] {
  const of = (side: Side): Round[] => rounds.filter((round) => round.side === side && round.mix === 'A+SRV');
  const single = (side: Side, mix: Mix): Round | undefined =>
    rounds.find((round) => round.side === side && round.mix === mix);
  const pick = (side: Side, read: (round: Round) => number): number[] => of(side).map(read);
  const both = (read: (round: Round) => number, format: (value: number) => string): string[] => [
    spread(pick('cairn', read), format),
    spread(pick('dnsmasq', read), format),
  ];
  const qps = (round: Round): number => round.result.queriesPerSecond;
  const cairnQps = median(pick('cairn', qps));
  const dnsmasqQps = median(pick('dnsmasq', qps));
  const perRound = of('cairn')
    .map((round) => {
      const peer = of('dnsmasq').find((other) => other.round === round.round);
      return peer === undefined ? Number.NaN : qps(round) / qps(peer);
    })
    .filter(Number.isFinite);
  const overall = cairnQps / dnsmasqQps;
  const ratioCell =
    perRound.length > 1
      ? `${ratio(overall)} (rounds ${ratio(Math.min(...perRound))} – ${ratio(Math.max(...perRound))})`
      : ratio(overall);
  const verdict = (value: number, atLeast: number): string =>
    Number.isFinite(value) ? (value >= atLeast ? 'PASS' : 'FAIL') : 'n/a';
  const ms = (value: number): string => formatMs(value);
  const total = (side: Side, read: (round: Round) => number): string =>
    of(side).length === 0 ? 'n/a' : formatCount(sum(pick(side, read)));
  const rcodes = (side: Side): string => {
    const counts: Record<string, number> = {};
    for (const round of of(side))
      for (const [rcode, n] of Object.entries(round.result.rcodes))
        if (rcode !== 'NOERROR') counts[rcode] = (counts[rcode] ?? 0) + n;
    const listed = Object.entries(counts).map(([rcode, n]) => `${rcode} ${formatCount(n)}`);
    return of(side).length === 0 ? 'n/a' : listed.length === 0 ? '0' : listed.join(', ');
  };
  const fact = (side: Side, read: (facts: ServerFacts) => string): string => {
    const value = facts[side];
    return value === undefined ? 'n/a' : read(value);
  };
  const cpuMicrosPerQuery = (round: Round): number =>
    (round.serverCores * round.result.runSeconds * 1e6) / round.result.completed;
  return [
    [
      'queries/s (50% A, 50% SRV)',
      ...both(qps, formatCount),
      ratioCell,
      `≥ ${formatCount(TARGETS.queriesPerSecond)}`,
      verdict(cairnQps, TARGETS.queriesPerSecond),
    ],
    [
      'Cairn/dnsmasq queries/s',
      '',
      '',
      ratio(overall),
      `≥ ${ratio(TARGETS.ratio)}`,
      verdict(overall, TARGETS.ratio),
    ],
    ...(['A', 'SRV'] as const)
      .filter((mix) => single('cairn', mix) !== undefined || single('dnsmasq', mix) !== undefined)
      .map((mix) => {
        const cairn = single('cairn', mix);
        const dnsmasq = single('dnsmasq', mix);
        const cell = (round: Round | undefined): string =>
          round === undefined
            ? 'n/a'
            : `${formatCount(round.result.queriesPerSecond)} (avg ${formatMs(round.result.latencyAverageMs)} ms)`;
        const seconds = (cairn ?? dnsmasq)!.result.runSeconds;
        return [
          `${mix} queries alone, one ${seconds.toFixed(0)} s run: queries/s (avg latency)`,
          cell(cairn),
          cell(dnsmasq),
          cairn === undefined || dnsmasq === undefined
            ? ''
            : ratio(cairn.result.queriesPerSecond / dnsmasq.result.queriesPerSecond),
          '',
          '',
        ];
      }),
    [
      'latency average, ms',
      ...both((round) => round.result.latencyAverageMs, ms),
      ratio(
        median(pick('cairn', (round) => round.result.latencyAverageMs)) /
          median(pick('dnsmasq', (round) => round.result.latencyAverageMs)),
      ),
      '',
      '',
    ],
    ['latency standard deviation, ms', ...both((round) => round.result.latencyStdDevMs, ms), '', '', ''],
    ['latency max, ms', ...both((round) => round.result.latencyMaxMs, ms), '', '', ''],
    [
      `queries lost (no answer in ${DNSPERF_TIMEOUT_SECONDS} s), all rounds`,
      total('cairn', (round) => round.result.lost),
      total('dnsmasq', (round) => round.result.lost),
      '',
      '0',
      '',
    ],
    ['answers other than NOERROR, all rounds', rcodes('cairn'), rcodes('dnsmasq'), '', '0', ''],
    [
      'average answer size, bytes (dnsperf)',
      ...both(
        (round) => round.result.responseBytes,
        (value) => value.toFixed(0),
      ),
      '',
      '',
      '',
    ],
    [
      'answer size A / SRV, bytes (dig)',
      fact('cairn', (value) => `${value.replyBytes.A} / ${value.replyBytes.SRV}`),
      fact('dnsmasq', (value) => `${value.replyBytes.A} / ${value.replyBytes.SRV}`),
      '',
      '',
      '',
    ],
    ['server CPU, cores', ...both((round) => round.serverCores, cores), '', '', ''],
    ['server CPU per query, µs', ...both(cpuMicrosPerQuery, (value) => value.toFixed(1)), '', '', ''],
    ['dnsperf CPU, cores', ...both((round) => round.clientCores, cores), '', '', ''],
    ['other processes CPU, cores', ...both((round) => round.otherCores, cores), '', '', ''],
    [
      'server RSS after the rounds (peak)',
      fact('cairn', (value) => `${formatMiB(value.rssBytes)} (${formatMiB(value.peakRssBytes)})`),
      fact('dnsmasq', (value) => `${formatMiB(value.rssBytes)} (${formatMiB(value.peakRssBytes)})`),
      '',
      '',
      '',
    ],
  ];
}

function sanityNotes(rounds: Round[]): string[] {
  const notes: string[] = [];
  for (const round of rounds) {
    const name = `${round.side === 'cairn' ? 'Cairn' : 'dnsmasq'} ${round.mix === 'A+SRV' ? `round ${round.round}` : `${round.mix}-only run`}`;
    if (round.result.lost > 0) notes.push(`${name}: ${formatCount(round.result.lost)} queries lost`);
    const failed = failedResponses(round.result);
    if (failed > 0) notes.push(`${name}: ${formatCount(failed)} answers other than NOERROR`);
    if (round.noisy)
      notes.push(`${name}: disturbed by other CPU use (${cores(round.otherCores)} cores), kept`);
  }
  return notes;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  if (import.meta.url.endsWith('.ts'))
    throw new Error(
      'bench:dns starts the built agent (dist/src/cli/main.js): run `npm run -s build && node dist/bench/dns.js`',
    );
  const settings = parseSettings(process.argv.slice(2));
  const versions = { dnsperf: dnsperfVersion(), dnsmasq: dnsmasqVersion() };
  if (versions.dnsperf === undefined) throw new Error('dnsperf is not installed: apt-get install -y dnsperf');
  if (settings.sides.includes('dnsmasq') && versions.dnsmasq === undefined)
    throw new Error('dnsmasq is not installed: apt-get install -y dnsmasq-base');
  try {
    readFileSync(DIG);
  } catch {
    throw new Error('dig is not installed: apt-get install -y bind9-dnsutils');
  }
  const machine = describeMachine();
  const dataset: Dataset = { services: settings.services };
  const workDir = mkdtempSync(join(os.tmpdir(), 'cairn-bench-dns-'));
  const started: ManagedProcess[] = [];
  const track = (child: ManagedProcess): void => {
    started.push(child);
  };
  const stopAll = async (): Promise<void> => {
    closeIdleSockets();
    await Promise.all(started.map((child) => child.stop()));
  };
  installCleanup(stopAll);
  const queries = join(workDir, 'queries.txt');
  const mixed = queryFile(dataset, QUERY_LINES, QUERY_SEED);
  writeFileSync(queries, mixed);
  const typeQueries = { A: join(workDir, 'queries-a.txt'), SRV: join(workDir, 'queries-srv.txt') };
  for (const mix of ['A', 'SRV'] as const) {
    const lines = mixed.split('\n').filter((line) => line.endsWith(` ${mix}`));
    writeFileSync(typeQueries[mix], `${lines.join('\n')}\n`);
  }
  const pinning =
    settings.pin === 'split'
      ? `servers on CPU ${SERVER_CPUS}, dnsperf on CPU ${clientCpus()}`
      : 'no CPU pinning';
  log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory}, Node ${machine.node}`);
  log(
    `dnsperf ${versions.dnsperf}, dnsmasq ${versions.dnsmasq ?? 'n/a'}; ${formatCount(settings.services)} services × 3 instances; ` +
      `${settings.rounds} round(s) × ${settings.durationSeconds} s, warm-up ${settings.warmupSeconds} s, ` +
      `-c ${settings.clients} -q ${settings.outstanding}; ${pinning}; scratch ${workDir}`,
  );

  const problems: string[] = [];
  const rounds: Round[] = [];
  const facts: Partial<Record<Side, ServerFacts>> = {};
  try {
    const servers: Partial<Record<Side, DnsServer>> = {};
    if (settings.sides.includes('dnsmasq')) {
      try {
        servers.dnsmasq = await startDnsmasq(workDir, dataset, track);
        log(`dnsmasq up on 127.0.0.1:${servers.dnsmasq.port} (pid ${servers.dnsmasq.process.pid})`);
      } catch (error) {
        problems.push(`dnsmasq did not start: ${(error as Error).message}`);
      }
    }
    if (settings.sides.includes('cairn')) {
      try {
        servers.cairn = (await startCairn(workDir, dataset, track)).server;
      } catch (error) {
        problems.push(`Cairn: ${(error as Error).message}`);
      }
    }
    for (const side of SIDES) {
      const server = servers[side];
      if (server === undefined) continue;
      const check = await checkServer(server, dataset, checkedServices(dataset));
      facts[side] = { rssBytes: Number.NaN, peakRssBytes: Number.NaN, replyBytes: check.bytes };
      if (check.problems.length > 0) problems.push(...check.problems);
      else
        log(
          `${server.name}: A and SRV answers of ${checkedServices(dataset).length} services as expected ` +
            `(A ${check.bytes.A} bytes, SRV ${check.bytes.SRV} bytes)`,
        );
      if (settings.pin === 'split') pinProcess(server.process.pid, SERVER_CPUS);
    }
    const active = SIDES.filter((side) => servers[side] !== undefined);
    if (settings.warmupSeconds > 0) {
      for (const side of active) {
        const server = servers[side]!;
        const warm = await runDnsperf({
          port: server.port,
          queryFile: queries,
          seconds: settings.warmupSeconds,
          clients: settings.clients,
          outstanding: settings.outstanding,
          timeoutSeconds: DNSPERF_TIMEOUT_SECONDS,
          cpus: settings.pin === 'split' ? clientCpus() : undefined,
          workDir,
          name: `dnsperf-${side}-warmup`,
          track,
        });
        log(`${server.name} warm-up: ${formatCount(warm.queriesPerSecond)} queries/s`);
      }
    }
    for (let round = 1; round <= settings.rounds; round++) {
      // Alternate which server goes first, so drift and order hit both alike.
      const order = round % 2 === 1 ? active : [...active].reverse();
      for (const side of order) {
        const server = servers[side]!;
        if (server.process.exitReason() !== undefined) continue;
        try {
          const spec = { side, mix: 'A+SRV' as const, round, seconds: settings.durationSeconds, queries };
          rounds.push(await measureRound(spec, server, settings, workDir, track));
        } catch (error) {
          problems.push(`${server.name} round ${round}: ${(error as Error).message}`);
          log(problems.at(-1)!);
        }
      }
    }
    if (settings.typeSeconds > 0) {
      for (const mix of ['A', 'SRV'] as const) {
        for (const side of active) {
          const server = servers[side]!;
          if (server.process.exitReason() !== undefined) continue;
          try {
            const spec = { side, mix, round: 1, seconds: settings.typeSeconds, queries: typeQueries[mix] };
            rounds.push(await measureRound(spec, server, settings, workDir, track));
          } catch (error) {
            problems.push(`${server.name} ${mix} only: ${(error as Error).message}`);
            log(problems.at(-1)!);
          }
        }
      }
    }
    for (const side of active) {
      const server = servers[side]!;
      const known = facts[side];
      if (known === undefined) continue;
      known.rssBytes = procStatusBytes(server.process.pid, 'VmRSS') ?? Number.NaN;
      known.peakRssBytes = procStatusBytes(server.process.pid, 'VmHWM') ?? Number.NaN;
    }
  } finally {
    await stopAll();
  }

  const header =
    `${machine.date} · ${machine.cpu}, ${machine.cores} cores, ${machine.memory} · Node ${machine.node} · ` +
    `dnsperf ${versions.dnsperf}, dnsmasq ${versions.dnsmasq ?? 'n/a'} · ${formatCount(settings.services)} services × 3 instances, ` +
    `UDP, no EDNS, -c ${settings.clients} -q ${settings.outstanding} · ${pinning} · ` +
    `${settings.rounds} round(s) × ${settings.durationSeconds} s per server, alternating, medians (range)`;
  const rows = rounds.length > 0 ? reportRows(rounds, facts) : [];
  const notes = [...problems, ...sanityNotes(rounds)];
  const out: string[] = ['', header, ''];
  if (rows.length > 0) out.push(textTable(HEADER, rows), '');
  if (notes.length > 0) out.push('Problems seen:', ...notes.map((note) => `  - ${note}`), '');
  out.push('--- markdown for docs/benchmarks.md ---', '', `**${header}**`, '');
  if (rows.length > 0) out.push(markdownTable(HEADER, rows), '');
  if (notes.length > 0) out.push(...notes.map((note) => `- ${note}`), '');
  process.stdout.write(`${out.join('\n')}\n`);

  const failed = problems.length > 0;
  if (!failed && !settings.keep) rmSync(workDir, { recursive: true, force: true });
  else log(`logs kept in ${workDir}`);
  return failed ? 1 : 0;
}

runBench('bench:dns', main);
