/**
 * The two DNS servers bench:dns compares and the checks made before measuring: dnsmasq (Debian
 * `dnsmasq-base`) in the foreground on a free loopback port with a generated configuration, `dig`
 * (Debian `bind9-dnsutils`) to see what a server answers, and CPU pinning with `taskset`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Dataset, dnsmasqConfig, type ExpectedAnswer, expectedAnswer } from './dns-dataset.ts';
import { findFreePort, type ManagedProcess, spawnManaged, waitUntil } from './processes.ts';

const execFileAsync = promisify(execFile);

export const DNSMASQ = '/usr/sbin/dnsmasq';
export const DIG = '/usr/bin/dig';

export interface DnsServer {
  name: 'Cairn' | 'dnsmasq';
  port: number;
  process: ManagedProcess;
}

/**
 * dnsmasq answering only from `dataset`'s records: no upstream servers, no /etc/hosts, bound to
 * 127.0.0.1 alone, kept as root (`--user=root`, so it does not switch to `nobody` after reading
 * its files), no pid file, its few log lines on stderr (queries are not logged). Ready once `dig`
 * gets an answer.
 */
export async function startDnsmasq(
  workDir: string,
  dataset: Dataset,
  track: (process: ManagedProcess) => void,
): Promise<DnsServer> {
  const configPath = join(workDir, 'dnsmasq.conf');
  writeFileSync(configPath, dnsmasqConfig(dataset));
  const port = await findFreePort();
  const child = spawnManaged({
    name: 'dnsmasq',
    command: DNSMASQ,
    args: [
      '--keep-in-foreground',
      '--no-resolv',
      '--no-hosts',
      '--no-poll',
      '--bind-interfaces',
      '--listen-address=127.0.0.1',
      `--port=${port}`,
      `--conf-file=${configPath}`,
      '--user=root',
      '--group=root',
      '--pid-file',
      '--log-facility=-',
    ],
    logPath: join(workDir, 'dnsmasq.log'),
  });
  track(child);
  const server: DnsServer = { name: 'dnsmasq', port, process: child };
  await waitForAnswers(server, expectedAnswer(dataset, 0, 'A'));
  return server;
}

/** Polls with `dig` until `server` answers `expected`'s question with NOERROR. */
export async function waitForAnswers(server: DnsServer, expected: ExpectedAnswer): Promise<void> {
  await waitUntil(async () => (await dig(server.port, expected.name, expected.type)).status === 'NOERROR', {
    what: `${server.name} to answer ${expected.name} ${expected.type} on 127.0.0.1:${server.port}`,
    deadlineMs: 15_000,
    intervalMs: 200,
    process: server.process,
  });
}

export interface DigReply {
  status: string;
  flags: string;
  answer: string[];
  authority: string[];
  additional: string[];
  /** "MSG SIZE rcvd". */
  bytes: number;
}

/**
 * One query over UDP without EDNS, as dnsperf sends them (recursion desired, no OPT record).
 * Records come back as `<owner in lower case> <type> <data>`, without TTL and class.
 */
export async function dig(port: number, name: string, type: string): Promise<DigReply> {
  const { stdout } = await execFileAsync(DIG, [
    '@127.0.0.1',
    '-p',
    String(port),
    '+noedns',
    '+tries=1',
    '+time=2',
    name,
    type,
  ]);
  return parseDig(stdout);
}

/** dig's default output, sections by their `;; … SECTION:` headings. */
export function parseDig(output: string): DigReply {
  const reply: DigReply = {
    status: /status:\s*([A-Z]+)/.exec(output)?.[1] ?? 'no answer',
    flags: /;; flags:\s*([^;]*);/.exec(output)?.[1]?.trim() ?? '',
    answer: [],
    authority: [],
    additional: [],
    bytes: Number(/MSG SIZE\s+rcvd:\s*(\d+)/.exec(output)?.[1] ?? Number.NaN),
  };
  let section: string[] | undefined;
  for (const line of output.split('\n')) {
    const heading = /^;; (ANSWER|AUTHORITY|ADDITIONAL) SECTION:/.exec(line);
    if (heading !== null) {
      section =
        heading[1] === 'ANSWER'
          ? reply.answer
          : heading[1] === 'AUTHORITY'
            ? reply.authority
            : reply.additional;
      continue;
    }
    if (line.trim() === '' || line.startsWith(';')) {
      if (line.trim() === '') section = undefined;
      continue;
    }
    if (section === undefined) continue;
    const [owner, , , type, ...data] = line.trim().split(/\s+/);
    if (owner !== undefined && type !== undefined)
      section.push(`${owner.toLowerCase()} ${type} ${data.join(' ')}`);
  }
  return reply;
}

/** What differs between `reply` and `expected` (order ignored), as sentences; empty when they agree. */
export function compareAnswer(reply: DigReply, expected: ExpectedAnswer): string[] {
  const problems: string[] = [];
  const question = `${expected.name} ${expected.type}`;
  if (reply.status !== 'NOERROR') problems.push(`${question}: status ${reply.status}`);
  const sameSet = (got: string[], want: string[]): boolean =>
    got.length === want.length && [...got].sort().every((record, index) => record === want[index]);
  if (!sameSet(reply.answer, expected.answer))
    problems.push(
      `${question}: answer [${reply.answer.join('; ')}], expected [${expected.answer.join('; ')}]`,
    );
  if (!sameSet(reply.additional, expected.additional))
    problems.push(
      `${question}: additional [${reply.additional.join('; ')}], expected [${expected.additional.join('; ')}]`,
    );
  if (reply.flags.split(' ').includes('tc')) problems.push(`${question}: truncated (TC set)`);
  return problems;
}

/**
 * Asks `server` for the A and SRV records of each service in `indexes` and compares them with
 * what the dataset says. Returns the problems (empty when all agree) and the reply sizes seen.
 */
export async function checkServer(
  server: DnsServer,
  dataset: Dataset,
  indexes: readonly number[],
): Promise<{ problems: string[]; bytes: { A: number; SRV: number } }> {
  const problems: string[] = [];
  const bytes = { A: Number.NaN, SRV: Number.NaN };
  for (const index of indexes) {
    for (const type of ['A', 'SRV'] as const) {
      const expected = expectedAnswer(dataset, index, type);
      const reply = await dig(server.port, expected.name, expected.type);
      problems.push(...compareAnswer(reply, expected).map((problem) => `${server.name}: ${problem}`));
      bytes[type] = reply.bytes;
    }
  }
  return { problems, bytes };
}

/** Pins every thread of `pid` to `cpus` (`taskset -a -p -c`). */
export function pinProcess(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

/** "2.90", or undefined when dnsmasq is not installed. */
export function dnsmasqVersion(): string | undefined {
  try {
    const output = execFileSync(DNSMASQ, ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return /version\s+(\S+)/i.exec(output)?.[1];
  } catch {
    return undefined;
  }
}
