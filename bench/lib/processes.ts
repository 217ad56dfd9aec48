/**
 * Child processes for benchmarks: spawn with a log file, wait on a condition with a deadline
 * (never a fixed sleep), and stop for certain. Every process started here is tracked so that
 * an error, SIGINT or SIGTERM still stops it: a benchmark must leave no process and no bound
 * port behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { closeSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Set once the process has exited; the text says how (code or signal). */
  exitReason(): string | undefined;
  /** SIGTERM, then SIGKILL if it is still running after `graceMs`. Resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: readonly string[];
  logPath: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

const running = new Set<ChildProcess>();

/** Spawns `command` in its own process group with stdout and stderr appended to `logPath`. */
export function spawnManaged(options: SpawnOptions): ManagedProcess {
  const logFd = openSync(options.logPath, 'a');
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', logFd, logFd],
    // Own process group: a Ctrl-C in the terminal reaches only us, and we stop it in order.
    detached: true,
  });
  closeSync(logFd);
  if (child.pid === undefined) throw new Error(`${options.name}: spawn ${options.command} failed`);
  const pid = child.pid;
  running.add(child);
  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitReason = signal === null ? `exit code ${code}` : `signal ${signal}`;
      running.delete(child);
      resolve();
    });
    child.once('error', (error) => {
      exitReason = `spawn error: ${error.message}`;
      running.delete(child);
      resolve();
    });
  });
  return {
    name: options.name,
    pid,
    logPath: options.logPath,
    exitReason: () => exitReason,
    async stop(graceMs = 5_000) {
      if (exitReason !== undefined) return;
      signalGroup(pid, 'SIGTERM');
      // The grace timer is cleared once the process exits: left pending it would hold our own
      // exit back by up to `graceMs`.
      let graceTimer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<boolean>((resolve) => {
        graceTimer = setTimeout(() => resolve(false), graceMs);
      });
      const killed = await Promise.race([exited.then(() => true), graceOver]);
      clearTimeout(graceTimer);
      if (!killed) {
        signalGroup(pid, 'SIGKILL');
        await exited;
      }
    },
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGKILLs every process this module started and that is still running. Synchronous: safe in 'exit'. */
export function killAllSync(): void {
  for (const child of running) if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
  running.clear();
}

let cleanupInstalled = false;

/**
 * Stops child processes when we exit for any reason. `onSignal` runs first on SIGINT/SIGTERM
 * (stop child processes gracefully); after it, or if it takes over 10 s, the process exits.
 */
export function installCleanup(onSignal: () => Promise<void>): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping child processes…\n`);
      const force = setTimeout(() => process.exit(130), 10_000);
      force.unref();
      onSignal().finally(() => process.exit(130));
    });
  }
}

export interface WaitOptions {
  /** What we wait for, for the error message: "etcd to answer /health". */
  what: string;
  deadlineMs: number;
  intervalMs?: number;
  /** A process whose exit makes further waiting pointless. */
  process?: ManagedProcess;
}

/** Polls `condition` until it returns true; throws with `what` once `deadlineMs` has passed. */
export async function waitUntil(condition: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const start = performance.now();
  const intervalMs = options.intervalMs ?? 50;
  let lastError: unknown;
  for (;;) {
    const reason = options.process?.exitReason();
    if (reason !== undefined) {
      throw new Error(
        `${options.process?.name} exited (${reason}) while waiting for ${options.what}\n` +
          logTail(options.process?.logPath ?? ''),
      );
    }
    try {
      if (await condition()) return;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() - start > options.deadlineMs) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      const log = options.process === undefined ? '' : `\n${logTail(options.process.logPath)}`;
      throw new Error(`timed out after ${options.deadlineMs} ms waiting for ${options.what}${cause}${log}`);
    }
    await delay(intervalMs);
  }
}

/** The last lines of a log file, indented, for error messages. */
export function logTail(path: string, lines = 20): string {
  try {
    const text = readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines);
    return `--- last lines of ${path} ---\n${text.map((line) => `  ${line}`).join('\n')}`;
  } catch {
    return `(no log at ${path})`;
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A loopback port that is free for TCP and UDP right now (the kernel picks it by binding port 0).
 * Serf ports use both protocols, so both are checked. Ports handed out by this process are
 * never handed out twice.
 */
export async function findFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await bindTcpPortZero();
    if (handedOut.has(port)) continue;
    if (await udpPortIsFree(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port found after 50 attempts');
}

const handedOut = new Set<number>();

function bindTcpPortZero(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function udpPortIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/** True when nothing accepts TCP connections on 127.0.0.1:`port`. */
export function tcpPortIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The soft limit on open files of this process, from /proc/self/limits. */
export function openFilesLimit(pid: number | 'self' = 'self'): number | undefined {
  try {
    const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
    if (match === null) return undefined;
    return match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** A `/proc/<pid>/status` memory field in bytes: `VmRSS`, `VmHWM`. */
export function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number | 'self'): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state; utime, stime are 14, 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** USER_HZ; 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Machine-wide CPU time so far, in seconds summed over cores: busy (not idle or iowait) and steal. */
export function machineCpuSeconds(): { busy: number; steal: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal …
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0);
    return { busy: busy / CLOCK_TICKS_PER_SECOND, steal: (steal ?? 0) / CLOCK_TICKS_PER_SECOND };
  } catch {
    return { busy: Number.NaN, steal: Number.NaN };
  }
}
