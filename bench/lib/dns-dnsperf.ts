/**
 * dnsperf (DNS-OARC, Debian `dnsperf`) as bench:dns drives it: one run as a managed process, its
 * CPU time, and its closing statistics parsed. dnsperf prints no latency percentiles: average,
 * minimum, maximum and standard deviation are what it gives.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ManagedProcess, spawnManaged, waitUntil } from './processes.ts';

export const DNSPERF = '/usr/bin/dnsperf';

export interface DnsperfOptions {
  port: number;
  queryFile: string;
  seconds: number;
  /** `-c`: UDP sockets ("clients"). */
  clients: number;
  /** `-q`: queries outstanding at most. */
  outstanding: number;
  /** `-t`: seconds after which a query counts as lost. */
  timeoutSeconds: number;
  /** CPUs to run dnsperf on (`taskset -c`), or undefined for any. */
  cpus: string | undefined;
  workDir: string;
  name: string;
  track: (process: ManagedProcess) => void;
}

export interface DnsperfResult {
  sent: number;
  completed: number;
  lost: number;
  /** Outstanding when the time limit stopped the run: neither answered nor lost. */
  interrupted: number;
  /** Response count per RCODE name (NOERROR, SERVFAIL, NXDOMAIN…). */
  rcodes: Record<string, number>;
  requestBytes: number;
  responseBytes: number;
  runSeconds: number;
  queriesPerSecond: number;
  latencyAverageMs: number;
  latencyMinMs: number;
  latencyMaxMs: number;
  latencyStdDevMs: number;
}

/** The command line (argv) for one run: plain queries over UDP, no EDNS (dnsperf's default). */
export function dnsperfArgs(options: DnsperfOptions): string[] {
  const args = [
    ...['-s', '127.0.0.1', '-p', String(options.port), '-m', 'udp'],
    ...['-d', options.queryFile, '-l', String(options.seconds)],
    ...['-c', String(options.clients), '-q', String(options.outstanding)],
    ...['-t', String(options.timeoutSeconds)],
  ];
  return options.cpus === undefined ? [DNSPERF, ...args] : ['taskset', '-c', options.cpus, DNSPERF, ...args];
}

/** Runs dnsperf to the end and parses its statistics; throws with its output when there are none. */
export async function runDnsperf(options: DnsperfOptions): Promise<DnsperfResult> {
  const [command, ...args] = dnsperfArgs(options);
  const logPath = join(options.workDir, `${options.name}.log`);
  const child = spawnManaged({ name: options.name, command: command!, args, logPath });
  options.track(child);
  await waitUntil(async () => child.exitReason() !== undefined, {
    what: `${options.name} to finish`,
    deadlineMs: (options.seconds + options.timeoutSeconds + 30) * 1000,
    intervalMs: 100,
  });
  const output = readFileSync(logPath, 'utf8');
  const result = parseDnsperfOutput(output);
  if (result === undefined || child.exitReason() !== 'exit code 0') {
    throw new Error(
      `${options.name} (${child.exitReason()}) printed no statistics:\n${output.trimEnd().split('\n').slice(-15).join('\n')}`,
    );
  }
  return result;
}

const number = (text: string | undefined): number => (text === undefined ? Number.NaN : Number(text));

/** dnsperf's "Statistics:" block; undefined when it is missing or incomplete. */
export function parseDnsperfOutput(output: string): DnsperfResult | undefined {
  const start = output.lastIndexOf('Statistics:');
  if (start < 0) return undefined;
  const text = output.slice(start);
  const field = (label: string): string | undefined =>
    new RegExp(`^\\s*${label}:\\s*(.+)$`, 'm').exec(text)?.[1]?.trim();
  const count = (label: string): number => number(field(label)?.split(/\s+/)[0]);
  const rcodes: Record<string, number> = {};
  for (const part of (field('Response codes') ?? '').split(',')) {
    const match = /^\s*(\S+)\s+(\d+)/.exec(part);
    if (match !== null) rcodes[match[1]!] = Number(match[2]);
  }
  const sizes = /request\s+(\d+),\s*response\s+(\d+)/.exec(field('Average packet size') ?? '');
  const latency = /([\d.]+)\s*\(min\s+([\d.]+),\s*max\s+([\d.]+)\)/.exec(
    field('Average Latency \\(s\\)') ?? '',
  );
  const result: DnsperfResult = {
    sent: count('Queries sent'),
    completed: count('Queries completed'),
    lost: count('Queries lost'),
    interrupted: field('Queries interrupted') === undefined ? 0 : count('Queries interrupted'),
    rcodes,
    requestBytes: number(sizes?.[1]),
    responseBytes: number(sizes?.[2]),
    runSeconds: count('Run time \\(s\\)'),
    queriesPerSecond: count('Queries per second'),
    latencyAverageMs: number(latency?.[1]) * 1000,
    latencyMinMs: number(latency?.[2]) * 1000,
    latencyMaxMs: number(latency?.[3]) * 1000,
    latencyStdDevMs: count('Latency StdDev \\(s\\)') * 1000,
  };
  const required = [result.sent, result.completed, result.lost, result.queriesPerSecond, result.runSeconds];
  return required.every(Number.isFinite) ? result : undefined;
}

/** Responses with an RCODE other than NOERROR. */
export function failedResponses(result: DnsperfResult): number {
  return Object.entries(result.rcodes).reduce((sum, [rcode, n]) => (rcode === 'NOERROR' ? sum : sum + n), 0);
}

/** "2.10.0", or undefined when dnsperf is not installed. */
export function dnsperfVersion(): string | undefined {
  try {
    const output = execFileSync(DNSPERF, ['-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return /Version\s+(\S+)/.exec(output)?.[1];
  } catch (error) {
    // `-h` exits 1 on some versions; its output is still there.
    const output = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
    return /Version\s+(\S+)/.exec(output)?.[1];
  }
}
