import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '../bench/lib/processes.ts';
import { Agent } from '../src/agent/agent.ts';
import { ConfigError } from '../src/agent/config.ts';
import { buildRuntimeConfig } from '../src/agent/load-config.ts';
import { systemClock } from '../src/io/system-clock.ts';
import { systemRandom } from '../src/io/system-random.ts';
import { silentLogger } from '../src/ports/logger.ts';

/** Starts an in-process dev agent on an ephemeral loopback port. */
export function startDevAgent(extraArgs: string[] = []) {
  return startAgent(['-dev', '-node', 'node1', ...extraArgs]);
}

/**
 * Starts an in-process agent with `args` (plus a free HTTP port, DNS off, and free serf ports
 * unless `args` name them).
 */
export async function startAgent(
  args: string[],
): Promise<{ agent: Agent; host: string; port: number; url: string }> {
  const gossip = args.some((arg) => /^--?serf-lan-port\b/.test(arg)) ? [] : await gossipPortArgs();
  const built = buildRuntimeConfig({
    argv: [...args, '-http-port', String(await freePort()), '-dns-port', '-1', ...gossip],
    sources: [],
    hostname: 'test-host',
  });
  if (built instanceof ConfigError) throw built;
  const agent = new Agent(built.config, { clock: systemClock, random: systemRandom, logger: silentLogger });
  await agent.start();
  const address = agent.httpAddresses[0]!;
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  return { agent, host: '127.0.0.1', port, url: `http://${address}` };
}

/**
 * A loopback port free right now for TCP and UDP (bound, then released), never handed out twice
 * by this process: an HTTP port drawn here cannot collide with a DNS or gossip port drawn for
 * the same agent. Port 0 cannot be passed to the agent: Consul's flags read 0 as "disabled".
 */
export const freePort = findFreePort;

/** The same: a gossip pool needs its port free for both TCP and UDP. */
export const freeGossipPort = findFreePort;

/**
 * `-serf-lan-port` and `-serf-wan-port` flags with free ports: agents started by tests must not
 * contend for Consul's 8301/8302 (or each other's).
 */
export async function gossipPortArgs(): Promise<string[]> {
  return ['-serf-lan-port', String(await findFreePort()), '-serf-wan-port', String(await findFreePort())];
}

export const cairnBin = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));

/** Waits for `predicate` to hold, polling, until `deadlineMs`; never a fixed sleep. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  deadlineMs = 10_000,
): Promise<T> {
  const start = Date.now();
  let lastError: unknown;
  while (Date.now() - start < deadlineMs) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(
    `timed out after ${deadlineMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
  );
}

/** A `cairn agent` process; its output is collected and searchable. */
export class AgentProcess {
  output = '';
  readonly exited: Promise<number | null>;

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk) => (this.output += chunk));
    child.stderr.on('data', (chunk) => (this.output += chunk));
    this.exited = once(child, 'exit').then(([code]) => code as number | null);
  }

  static spawn(args: string[], env: NodeJS.ProcessEnv = {}): AgentProcess {
    return new AgentProcess(
      spawn(process.execPath, [cairnBin, 'agent', ...args], { env: { ...process.env, ...env } }),
    );
  }

  /**
   * `cairn agent -dev` with a free HTTP port, DNS off and free serf ports, then `args`; the
   * test's own ports never collide with another test's or with Consul's defaults.
   */
  static async spawnDev(args: string[], env: NodeJS.ProcessEnv = {}): Promise<AgentProcess> {
    const ports = ['-http-port', String(await freePort()), '-dns-port', '-1', ...(await gossipPortArgs())];
    return AgentProcess.spawn(['-dev', ...ports, ...args], env);
  }

  /**
   * Waits until the output matches `pattern`; returns the match. Fails at once, with the exit
   * code and output, if the process exits first. The deadline is generous: on a 2-core CI
   * machine a process start competes with whole-cluster simulations running beside it.
   */
  async waitForOutput(pattern: RegExp, deadlineMs = 45_000): Promise<RegExpMatchArray> {
    const outcome = await waitFor(
      `output matching ${pattern}`,
      () => {
        const match = this.output.match(pattern);
        if (match !== null) return { match };
        const { exitCode, signalCode } = this.child;
        return exitCode !== null || signalCode !== null ? { exited: exitCode ?? signalCode } : undefined;
      },
      deadlineMs,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)} (output so far: ${this.output.slice(-500)})`);
    });
    if ('exited' in outcome) {
      throw new Error(
        `agent exited (${outcome.exited}) before printing ${pattern}: ${this.output.slice(-500)}`,
      );
    }
    return outcome.match;
  }

  /** The HTTP address from the "Started HTTP server" log line. */
  async httpAddress(): Promise<string> {
    const match = await this.waitForOutput(/Started HTTP server: address=(\S+)/);
    return match[1]!;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null) this.child.kill(signal);
  }
}

/** Runs `cairn <args>` to completion. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}, input?: string) {
  const child = spawn(process.execPath, [cairnBin, ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  if (input !== undefined) child.stdin.end(input);
  else child.stdin.end();
  const [code] = await once(child, 'exit');
  return { code: code as number, stdout, stderr };
}
