/**
 * `dig` (Debian bind9-dnsutils) as a real DNS client for the end-to-end tests: one query, its
 * reply read back from dig's presentation output (header flags, status, the three sections).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const DIG = '/usr/bin/dig';

/** One resource record as dig prints it: `name ttl class type data`. */
export interface DigRecord {
  /** As printed, fully qualified (`web.service.consul.`). */
  name: string;
  ttl: number;
  class: string;
  type: string;
  /** The rest of the line: `10.0.0.1`, `1 10 8080 node1.node.dc1.consul.`, `"env=prod"`. */
  data: string;
}

export interface DigReply {
  status: string;
  opcode: string;
  /** Header flags as printed: `qr`, `aa`, `tc`, `rd`, `ra`, … */
  flags: string[];
  answer: DigRecord[];
  authority: DigRecord[];
  additional: DigRecord[];
  /** The transport of the reply dig printed: `UDP` or `TCP`. */
  transport: string;
  /** The reply's OPT record: its UDP payload size, and the client subnet as dig prints it. */
  edns: { udpSize: number; clientSubnet?: string } | undefined;
  /** dig saw TC over UDP and asked again over TCP (the reply above is then the TCP one). */
  retriedOverTcp: boolean;
  /** Milliseconds from spawning dig to its exit. */
  elapsedMs: number;
  output: string;
}

export interface DigOptions {
  tcp?: boolean;
  /** `false` for `+noedns`; a number for `+bufsize=N`; dig's default (EDNS, 1232) otherwise. */
  edns?: false | number;
  /** `+ignore`: keep a truncated UDP reply instead of retrying over TCP. */
  ignoreTruncation?: boolean;
  /** dig's `+time`, seconds. */
  timeSeconds?: number;
  /** More dig options, such as `+subnet=10.0.0.0/24`. */
  extra?: string[];
}

/** The dig command line for `query` (`['web.service.consul', 'SRV']` or `['-x', '10.0.0.1']`). */
export function digArgs(port: number, query: string[], options: DigOptions = {}): string[] {
  const args = ['@127.0.0.1', '-p', String(port), '+tries=1', `+time=${options.timeSeconds ?? 2}`];
  if (options.tcp) args.push('+tcp');
  if (options.edns === false) args.push('+noedns');
  else if (typeof options.edns === 'number') args.push(`+bufsize=${options.edns}`);
  if (options.ignoreTruncation) args.push('+ignore');
  return [...args, ...(options.extra ?? []), ...query];
}

/** Runs dig; rejects when dig is missing or gets no reply (its output says why). */
export async function dig(port: number, query: string[], options: DigOptions = {}): Promise<DigReply> {
  const { code, output, elapsedMs } = await runDig(digArgs(port, query, options));
  const reply = parseDigOutput(output);
  if (reply === undefined) throw new Error(`dig ${query.join(' ')} got no reply (exit ${code}):\n${output}`);
  return { ...reply, elapsedMs };
}

/** Runs dig with `args`, whatever the outcome. */
export async function runDig(
  args: string[],
): Promise<{ code: number | null; output: string; elapsedMs: number }> {
  if (!existsSync(DIG)) throw new Error(`${DIG} not found: apt-get install bind9-dnsutils`);
  const started = Date.now();
  const child = spawn(DIG, args);
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  return { code, output, elapsedMs: Date.now() - started };
}

const SECTIONS = {
  'ANSWER SECTION:': 'answer',
  'AUTHORITY SECTION:': 'authority',
  'ADDITIONAL SECTION:': 'additional',
} as const;

/**
 * Reads dig's output; undefined when it shows no reply. When dig retried over TCP, the last
 * reply printed is the one read.
 */
export function parseDigOutput(output: string): Omit<DigReply, 'elapsedMs'> | undefined {
  const start = output.lastIndexOf(';; ->>HEADER<<-');
  if (start < 0) return undefined;
  const lines = output.slice(start).split('\n');
  const header = lines[0]!.match(/opcode: (\S+), status: (\S+), id: \d+/);
  const flagLine = lines.find((line) => line.startsWith(';; flags:'));
  if (header === null || flagLine === undefined) throw new Error(`unreadable dig output:\n${output}`);
  const flags = flagLine
    .slice(';; flags:'.length, flagLine.indexOf(';', ';; flags:'.length))
    .trim()
    .split(/\s+/)
    .filter((flag) => flag !== '');
  const reply: Omit<DigReply, 'elapsedMs'> = {
    status: header[2]!,
    opcode: header[1]!,
    flags,
    answer: [],
    authority: [],
    additional: [],
    edns: readEdns(output.slice(start)),
    transport: output.match(/;; SERVER: \S+ \((UDP|TCP)\)/)?.[1] ?? '',
    retriedOverTcp: output.includes(';; Truncated, retrying in TCP mode.'),
    output,
  };
  let section: DigRecord[] | undefined;
  for (const line of lines) {
    if (line.startsWith(';; ')) {
      const name = line.slice(3).trim() as keyof typeof SECTIONS;
      section = name in SECTIONS ? reply[SECTIONS[name]] : undefined;
      continue;
    }
    if (line.trim() === '' || line.startsWith(';')) continue;
    if (section === undefined) continue;
    const fields = line.match(/^(\S+)\s+(\d+)\s+(\S+)\s+(\S+)\s*(.*)$/);
    if (fields === null) throw new Error(`unreadable record line ${JSON.stringify(line)} in:\n${output}`);
    section.push({
      name: fields[1]!,
      ttl: Number(fields[2]),
      class: fields[3]!,
      type: fields[4]!,
      data: fields[5]!.trim(),
    });
  }
  return reply;
}

function readEdns(reply: string): DigReply['edns'] {
  const udp = reply.match(/^; EDNS: version: \d+, flags:[^;]*; udp: (\d+)$/m);
  if (udp === null) return undefined;
  const subnet = reply.match(/^; CLIENT-SUBNET: (\S+)$/m)?.[1];
  return { udpSize: Number(udp[1]), ...(subnet === undefined ? {} : { clientSubnet: subnet }) };
}

/** The data of the records of `type` in `records`, sorted. */
export function dataOf(records: DigRecord[], type: string): string[] {
  return records
    .filter((record) => record.type === type)
    .map((record) => record.data)
    .sort();
}
