/**
 * The real `serf` agent (Debian package `serf`, 0.9.4) as a test oracle on loopback, and an
 * in-process Cairn `Serf` on the real UDP+TCP transport to pair it with (reference
 * gossip-wire.md §13.1). Ports come from the kernel (never 7946/7373, which the packaged
 * service may hold); every wait polls a condition against a deadline, never a fixed sleep.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { findFreePort } from '../../bench/lib/processes.ts';
import { LAN_PROFILE } from '../../src/gossip/config.ts';
import { Keyring } from '../../src/gossip/keyring.ts';
import { Serf, type SerfEvent, type SerfMember } from '../../src/gossip/serf.ts';
import { NetGossipTransport } from '../../src/io/net-gossip-transport.ts';
import { nodeAead } from '../../src/io/node-aead.ts';
import { systemClock } from '../../src/io/system-clock.ts';
import { systemRandom } from '../../src/io/system-random.ts';
import type { Logger } from '../../src/ports/logger.ts';
import { waitFor } from '../agent-harness.ts';

export { findFreePort, waitFor };

/** The serf binary, or undefined when it is not installed. */
export function findSerf(): string | undefined {
  const found = spawnSync('serf', ['version'], { encoding: 'utf8' });
  return found.status === 0 ? 'serf' : undefined;
}

/** A member as `serf members -format=json` prints it. */
export interface SerfCliMember {
  name: string;
  addr: string;
  port: number;
  tags: Record<string, string>;
  status: 'alive' | 'leaving' | 'left' | 'failed';
  protocol: { min: number; max: number; version: number };
}

export interface SerfAgentOptions {
  name: string;
  tags?: Record<string, string>;
  /** Base64 gossip key (`-encrypt`). */
  encrypt?: string;
  /** `-event-handler` spec, e.g. `user=cat >> file`. */
  eventHandler?: string;
  extraArgs?: string[];
}

/** Every serf agent and Cairn node started by this module, so a failed test leaves none behind. */
const started = new Set<{ stop(): Promise<void> }>();

export async function stopAll(): Promise<void> {
  await Promise.all([...started].map((each) => each.stop()));
}

export class SerfAgent {
  output = '';
  private readonly exited: Promise<unknown>;

  private constructor(
    readonly name: string,
    readonly bindPort: number,
    readonly rpcPort: number,
    readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (chunk) => (this.output += chunk));
    child.stderr?.on('data', (chunk) => (this.output += chunk));
    this.exited = once(child, 'exit');
  }

  get rpcAddr(): string {
    return `127.0.0.1:${this.rpcPort}`;
  }

  get gossipAddr(): string {
    return `127.0.0.1:${this.bindPort}`;
  }

  /** Starts `serf agent` and waits until its RPC answers. */
  static async start(options: SerfAgentOptions): Promise<SerfAgent> {
    const bindPort = await findFreePort();
    const rpcPort = await findFreePort();
    const args = [
      'agent',
      `-node=${options.name}`,
      `-bind=127.0.0.1:${bindPort}`,
      `-rpc-addr=127.0.0.1:${rpcPort}`,
      '-log-level=debug',
      ...Object.entries(options.tags ?? {}).map(([key, value]) => `-tag=${key}=${value}`),
      ...(options.encrypt === undefined ? [] : [`-encrypt=${options.encrypt}`]),
      ...(options.eventHandler === undefined ? [] : [`-event-handler=${options.eventHandler}`]),
      ...(options.extraArgs ?? []),
    ];
    const agent = new SerfAgent(options.name, bindPort, rpcPort, spawn('serf', args));
    started.add(agent);
    await waitFor(
      `serf agent ${options.name} to answer RPC`,
      async () => (await agent.members()).length > 0,
      15_000,
    );
    return agent;
  }

  /** `serf <command> -rpc-addr=… <args>` to completion. */
  async cli(command: string, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
    const child = spawn('serf', [command, `-rpc-addr=${this.rpcAddr}`, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    // 'close', not 'exit': the exit can be reported before the last output has been read.
    const [code] = await once(child, 'close');
    return { code: code as number, stdout, stderr };
  }

  async members(): Promise<SerfCliMember[]> {
    const result = await this.cli('members', ['-format=json']);
    if (result.code !== 0)
      throw new Error(`serf members: exit ${result.code}: ${result.stderr}${result.stdout}`);
    return (JSON.parse(result.stdout) as { members: SerfCliMember[] }).members;
  }

  async member(name: string): Promise<SerfCliMember | undefined> {
    return (await this.members()).find((member) => member.name === name);
  }

  /** Polls `serf members` until `name` has `status`; returns the member and how long it took. */
  async waitForStatus(
    name: string,
    status: SerfCliMember['status'],
    deadlineMs = 20_000,
  ): Promise<{ member: SerfCliMember; ms: number }> {
    const start = performance.now();
    const member = await waitFor(
      `serf agent ${this.name} to list ${name} as ${status} (its log: ${this.tail()})`,
      async () => {
        const found = await this.member(name);
        return found?.status === status ? found : undefined;
      },
      deadlineMs,
    );
    return { member, ms: performance.now() - start };
  }

  tail(lines = 15): string {
    return `\n    ${this.output.trimEnd().split('\n').slice(-lines).join('\n    ')}`;
  }

  /** `kill -9`: no leave, peers must detect the failure. */
  kill9(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    started.delete(this);
    this.kill9();
    await this.exited;
  }
}

/** A logger that keeps the last lines, to explain a failure. */
export class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  constructor(private readonly prefix = '') {}
  private record(level: string, fields: object, message: string): void {
    this.lines.push(`${level} ${this.prefix}${message} ${JSON.stringify(fields)}`);
    if (this.lines.length > 200) this.lines.shift();
  }
  debug(fields: object, message: string): void {
    this.record('DEBUG', fields, message);
  }
  info(fields: object, message: string): void {
    this.record('INFO', fields, message);
  }
  warn(fields: object, message: string): void {
    this.record('WARN', fields, message);
  }
  error(fields: object, message: string): void {
    this.record('ERROR', fields, message);
  }
  child(): Logger {
    return this;
  }
}

export interface CairnSerfOptions {
  name: string;
  tags?: Record<string, string>;
  /** Gossip key (16/24/32 bytes); with it the pool is encrypted. */
  key?: Uint8Array;
  compress?: boolean;
}

/** An in-process Cairn `Serf` on a real `NetGossipTransport`, LAN profile, on a free loopback port. */
export class CairnSerf {
  readonly events: SerfEvent[] = [];
  private stopped = false;

  private constructor(
    readonly serf: Serf,
    readonly port: number,
    readonly logger: RecordingLogger,
  ) {
    serf.subscribe((event) => this.events.push(event));
  }

  get name(): string {
    return this.serf.localMember().name;
  }

  get gossipAddr(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(options: CairnSerfOptions): Promise<CairnSerf> {
    const port = await findFreePort();
    const logger = new RecordingLogger(`[${options.name}] `);
    const transport = new NetGossipTransport({ bindAddress: '127.0.0.1', port, logger });
    const serf = new Serf({
      nodeName: options.name,
      tags: options.tags ?? {},
      advertise: { host: '127.0.0.1', port },
      profile: LAN_PROFILE,
      transport,
      clock: systemClock,
      random: systemRandom,
      logger,
      ...(options.key === undefined ? {} : { keyring: new Keyring([options.key]), aead: nodeAead }),
      compress: options.compress ?? true,
    });
    const node = new CairnSerf(serf, port, logger);
    started.add(node);
    await serf.start();
    return node;
  }

  /** Joins `host:port`; resolves with the number of nodes contacted. */
  join(address: string): Promise<number> {
    const colon = address.lastIndexOf(':');
    return this.serf.join(
      [{ address: { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) } }],
      false,
    );
  }

  member(name: string): SerfMember | undefined {
    return this.serf.members().find((member) => member.name === name);
  }

  async waitForStatus(
    name: string,
    status: SerfMember['status'],
    deadlineMs = 20_000,
  ): Promise<{ member: SerfMember; ms: number }> {
    const start = performance.now();
    const member = await waitFor(
      `Cairn ${this.name} to list ${name} as ${status} (it lists ${JSON.stringify(this.serf.members().map((m) => [m.name, m.status]))}; its log:${this.tail()})`,
      () => {
        const found = this.member(name);
        return found?.status === status ? found : undefined;
      },
      deadlineMs,
    );
    return { member, ms: performance.now() - start };
  }

  tail(lines = 15): string {
    return `\n    ${this.logger.lines.slice(-lines).join('\n    ')}`;
  }

  async stop(): Promise<void> {
    started.delete(this);
    if (this.stopped) return;
    this.stopped = true;
    await this.serf.shutdown();
  }
}
