import { silentLogger } from '../ports/logger.ts';
import type { RaftTransport } from '../ports/raft-transport.ts';
import type { Raft, RaftOptions } from '../raft/raft.ts';
import { type Configuration, type Entry, type Message, Role, Suffrage } from '../raft/types.ts';
import { RaftNode, type StateMachine } from '../server/raft-node.ts';
import { SegmentStorage } from '../storage/segment-storage.ts';
import {
  checkLinearizable,
  describeHistory,
  type KvInput,
  type KvOperation,
  type KvOutput,
} from './linearizability.ts';
import { SimScheduler } from './scheduler.ts';
import { SeededRandom } from './seeded-random.ts';
import { SimFileSystem } from './sim-file-system.ts';

/**
 * A whole Raft cluster under deterministic simulation (after FoundationDB's simulator and
 * TigerBeetle's VOPR): the real core, driver (`RaftNode`) and segment storage, over a simulated
 * network (delay, loss, duplication, reordering, symmetric and one-way partitions) and simulated
 * disks (crashes drop unsynced data or tear it), on simulated time. Clients record a history of
 * KV operations; safety invariants are checked after every event, linearizability at the end.
 * A run is a function of its seed: `npm run sim -- --seed N` replays one exactly.
 */

export interface SimulationOptions {
  seed: number;
  servers?: number;
  clients?: number;
  keys?: number;
  /** Virtual milliseconds of client load under faults. */
  durationMs?: number;
  /** Mean virtual milliseconds between fault actions; 0 disables faults. */
  faultIntervalMs?: number;
  /** Deliberate core bugs, to show the checkers catch them. */
  unsafe?: RaftOptions['unsafe'];
  /** Entries per append message; random per run when absent. */
  maxAppendEntries?: number;
}

/**
 * A scripted run: instead of random clients and faults, `script` drives the cluster through a
 * chosen interleaving (e.g. the thesis's Figure 3.7); invariants are still checked after every
 * event, and the run still ends with healing, a liveness check and the linearizability check.
 */
export type Scenario = (cluster: ScenarioControls) => Promise<void>;

export interface ScenarioControls {
  readonly ids: readonly string[];
  /** The up server that believes it leads the highest term, if any. */
  leader(): string | undefined;
  raft(id: string): Raft | undefined;
  /** Cuts every link to and from `id`. */
  isolate(id: string): void;
  /** Restores both directions between `a` and `b`. */
  connect(a: string, b: string): void;
  crash(id: string): void;
  restart(id: string): Promise<void>;
  /** A client put through server `id`, recorded in the history. */
  write(id: string, key: string, value: string): void;
  /** Runs events until `condition` holds (true) or `maxMs` of virtual time pass (false). */
  runUntil(condition: () => boolean, maxMs: number): Promise<boolean>;
}

export interface SimulationResult {
  seed: number;
  ok: boolean;
  failure?: string;
  stats: {
    eventsRun: number;
    virtualMs: number;
    operations: number;
    writesAcknowledged: number;
    readsServed: number;
    unknownOutcomes: number;
    crashes: number;
    partitions: number;
    leaders: number;
    snapshotsTaken: number;
  };
}

class InvariantViolation extends Error {
  override name = 'InvariantViolation';
}

const TICK_MS = 10;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Command =
  | { op: 'put'; key: string; value: string }
  | { op: 'cas'; key: string; from: string | null; to: string };

/** The replicated register the clients use; reports every apply for state-machine safety. */
class SimKv implements StateMachine<{ ok: boolean }> {
  values = new Map<string, string>();
  constructor(
    private readonly onApply: (index: number, data: Uint8Array, value: string, ok: boolean) => void,
  ) {}

  apply(data: Uint8Array, index: number): { ok: boolean } {
    const command = JSON.parse(decoder.decode(data)) as Command;
    let ok = true;
    if (command.op === 'put') this.values.set(command.key, command.value);
    else if ((this.values.get(command.key) ?? null) !== command.from) ok = false;
    else this.values.set(command.key, command.to);
    this.onApply(index, data, command.op === 'put' ? command.value : command.to, ok);
    return { ok };
  }
  snapshot(): Uint8Array {
    return encoder.encode(JSON.stringify([...this.values]));
  }
  restore(data: Uint8Array): void {
    this.values = new Map(JSON.parse(decoder.decode(data)) as [string, string][]);
  }
}

interface SimServer {
  id: string;
  fileSystem: SimFileSystem;
  up: boolean;
  incarnation: number;
  node?: RaftNode<{ ok: boolean }>;
  kv?: SimKv;
  handler?: (message: Message) => void;
  /** Committed entries of this incarnation already checked against the cluster's record. */
  checkedThrough: number;
  lastCommit: number;
}

export async function runRaftSimulation(
  options: SimulationOptions,
  scenario?: Scenario,
): Promise<SimulationResult> {
  return new RaftSimulation(options).run(scenario);
}

class RaftSimulation {
  private readonly random: SeededRandom;
  private readonly scheduler = new SimScheduler();
  private readonly servers: SimServer[] = [];
  private readonly configuration: Configuration;
  private readonly blockedLinks = new Set<string>();
  private lossRate = 0;
  private duplicateRate = 0;
  private readonly history: KvOperation[] = [];
  private readonly staleReads: { value: string | undefined; key: string; returnMs: number }[] = [];
  private readonly writtenValues = new Map<string, number>(); // value → call time
  /** The cluster's record of committed entries (index → identity) and applied commands. */
  private readonly committed = new Map<number, string>();
  private readonly appliedCommands = new Map<number, string>();
  /** Every written value (unique per operation) that some replica applied, and its CAS result. */
  private readonly appliedOutcomes = new Map<string, boolean>();
  private readonly leadersByTerm = new Map<number, string>();
  private readonly stats: SimulationResult['stats'] = {
    eventsRun: 0,
    virtualMs: 0,
    operations: 0,
    writesAcknowledged: 0,
    readsServed: 0,
    unknownOutcomes: 0,
    crashes: 0,
    partitions: 0,
    leaders: 0,
    snapshotsTaken: 0,
  };
  private violation: string | undefined;
  /** Small batches in some runs, so a new leader's old entries and its no-op travel apart. */
  private readonly maxAppendEntries: number;
  private loadRunning = true;
  private readonly pendingScriptWrites: (() => void)[] = [];

  constructor(private readonly options: SimulationOptions) {
    this.random = new SeededRandom(options.seed * 2654435761 + 1);
    this.maxAppendEntries =
      options.maxAppendEntries ?? (this.random.next() < 0.5 ? 1 + Math.floor(this.random.next() * 3) : 64);
    const count = options.servers ?? 3;
    this.configuration = {
      servers: Array.from({ length: count }, (_, i) => ({
        id: `s${i + 1}`,
        address: `s${i + 1}`,
        suffrage: Suffrage.voter,
      })),
    };
    for (const server of this.configuration.servers) {
      this.servers.push({
        id: server.id,
        fileSystem: new SimFileSystem(),
        up: false,
        incarnation: 0,
        checkedThrough: 0,
        lastCommit: 0,
      });
    }
  }

  async run(scenario?: Scenario): Promise<SimulationResult> {
    const seed = this.options.seed;
    try {
      for (const server of this.servers) await this.boot(server);
      if (scenario !== undefined) {
        await scenario(this.controls());
      } else {
        const duration = this.options.durationMs ?? 10_000;
        const clients = this.options.clients ?? 6;
        for (let client = 0; client < clients; client++)
          this.scheduler.after(this.int(0, 50), () => this.clientStep(client));
        if ((this.options.faultIntervalMs ?? 400) > 0) this.scheduleFault();
        await this.runUntil(duration);
      }
      // Heal everything and require progress: safety without liveness proves nothing.
      this.loadRunning = false;
      this.blockedLinks.clear();
      this.lossRate = 0;
      this.duplicateRate = 0;
      for (const server of this.servers) if (!server.up) await this.boot(server);
      await this.requireProgress(this.scheduler.nowMs);
      this.checkHistory();
    } catch (error) {
      if (!(error instanceof InvariantViolation)) {
        this.violation = `crashed: ${(error as Error).stack ?? String(error)}`;
      } else {
        this.violation = error.message;
      }
    }
    this.stats.eventsRun = this.scheduler.eventsRun;
    this.stats.virtualMs = this.scheduler.nowMs;
    for (const server of this.servers) this.stats.snapshotsTaken += server.node?.metrics.snapshotsTaken ?? 0;
    const result: SimulationResult = { seed, ok: this.violation === undefined, stats: this.stats };
    if (this.violation !== undefined) result.failure = this.violation;
    return result;
  }

  private controls(): ScenarioControls {
    const byId = (id: string) => {
      const server = this.servers.find((candidate) => candidate.id === id);
      if (server === undefined) throw new Error(`no server ${id}`);
      return server;
    };
    return {
      ids: this.servers.map((server) => server.id),
      leader: () => {
        let best: SimServer | undefined;
        for (const server of this.servers) {
          const raft = server.node?.raft;
          if (!server.up || raft?.role !== Role.leader) continue;
          if (best === undefined || raft.term > (best.node?.raft?.term ?? 0)) best = server;
        }
        return best?.id;
      },
      raft: (id) => (byId(id).up ? byId(id).node?.raft : undefined),
      isolate: (id) => {
        for (const other of this.servers) {
          if (other.id === id) continue;
          this.blockedLinks.add(`${id}>${other.id}`);
          this.blockedLinks.add(`${other.id}>${id}`);
        }
      },
      connect: (a, b) => {
        this.blockedLinks.delete(`${a}>${b}`);
        this.blockedLinks.delete(`${b}>${a}`);
      },
      crash: (id) => this.crash(byId(id)),
      restart: (id) => this.boot(byId(id)),
      write: (id, key, value) => {
        const node = byId(id).node;
        if (node === undefined) throw new Error(`${id} is down`);
        const callMs = this.scheduler.nowMs;
        const input: KvInput = { kind: 'put', value };
        this.writtenValues.set(value, callMs);
        const command: Command = { op: 'put', key, value };
        let settled = false;
        node.propose(encoder.encode(JSON.stringify(command))).then(
          () => {
            settled = true;
            this.history.push({
              client: 0,
              key,
              input,
              output: { kind: 'put' },
              callMs,
              returnMs: this.scheduler.nowMs,
            });
          },
          () => {
            settled = true;
            this.recordUnknown(0, key, input, callMs);
          },
        );
        // Never answered by the end of the script: its outcome is unknown.
        this.pendingScriptWrites.push(() => {
          if (!settled) this.recordUnknown(0, key, input, callMs);
        });
      },
      runUntil: async (condition, maxMs) => {
        const deadline = this.scheduler.nowMs + maxMs;
        while (!condition()) if (!(await this.step(deadline))) return false;
        return true;
      },
    };
  }

  // ---------------------------------------------------------------- servers

  private async boot(server: SimServer): Promise<void> {
    server.incarnation++;
    const incarnation = server.incarnation;
    const alive = () => server.up && server.incarnation === incarnation;
    const transport: RaftTransport = {
      send: (message) => this.transmit(message),
      onMessage: (handler) => {
        server.handler = handler;
      },
      onUnreachable: () => {},
      start: async () => {},
      stop: async () => {},
    };
    server.kv = new SimKv((index, data, value, ok) => {
      this.recordApply(server, index, data);
      this.appliedOutcomes.set(value, ok);
    });
    server.node = new RaftNode({
      id: server.id,
      nodeName: server.id,
      address: server.id,
      stateMachine: server.kv,
      storage: new SegmentStorage({ fileSystem: server.fileSystem, directory: '/data', segmentBytes: 4096 }),
      transport,
      clock: this.scheduler.clock(alive),
      random: new SeededRandom(this.random.next() * 2 ** 32),
      logger: silentLogger,
      schedule: (task) => this.scheduler.after(0, () => alive() && task()),
      bootstrap: this.configuration,
      tickMs: TICK_MS,
      snapshotThreshold: 40,
      snapshotIntervalMs: 0,
      trailingLogs: 10,
      readTimeoutMs: 30 * TICK_MS,
      raft: {
        electionTicks: 10,
        heartbeatTicks: 1,
        maxInflightAppends: 2,
        maxAppendEntries: this.maxAppendEntries,
        ...(this.options.unsafe ? { unsafe: this.options.unsafe } : {}),
      },
    });
    server.up = true;
    server.checkedThrough = 0;
    server.lastCommit = 0;
    await server.node.start();
  }

  private crash(server: SimServer): void {
    if (!server.up) return;
    server.up = false;
    this.stats.crashes++;
    server.fileSystem.crash(this.random);
    delete server.node;
    delete server.handler;
  }

  private transmit(message: Message): void {
    if (this.blockedLinks.has(`${message.from}>${message.to}`)) return;
    if (this.random.next() < this.lossRate) return;
    const copies = this.random.next() < this.duplicateRate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      // Independent delays reorder messages, as separate TCP connections and retries would.
      this.scheduler.after(this.int(1, 8), () => {
        const target = this.servers.find((server) => server.id === message.to);
        if (target?.up && !this.blockedLinks.has(`${message.from}>${message.to}`)) target.handler?.(message);
      });
    }
  }

  // ---------------------------------------------------------------- faults

  private scheduleFault(): void {
    const mean = this.options.faultIntervalMs ?? 400;
    this.scheduler.after(this.int(mean / 2, mean * 1.5), () => {
      if (!this.loadRunning) return;
      this.injectFault();
      this.scheduleFault();
    });
  }

  private injectFault(): void {
    const roll = this.random.next();
    const ids = this.servers.map((server) => server.id);
    if (roll < 0.2) {
      // Symmetric partition into two random sides.
      this.blockedLinks.clear();
      const side = new Set(ids.filter(() => this.random.next() < 0.5));
      for (const a of ids)
        for (const b of ids) if (side.has(a) !== side.has(b)) this.blockedLinks.add(`${a}>${b}`);
      this.stats.partitions++;
    } else if (roll < 0.3) {
      // One-way: a server that can send but not hear (or the reverse).
      const victim = this.pick(ids);
      const inbound = this.random.next() < 0.5;
      for (const other of ids)
        if (other !== victim) this.blockedLinks.add(inbound ? `${other}>${victim}` : `${victim}>${other}`);
      this.stats.partitions++;
    } else if (roll < 0.45) {
      this.blockedLinks.clear();
    } else if (roll < 0.6) {
      const victim = this.pick(this.servers.filter((server) => server.up));
      if (victim !== undefined) {
        this.crash(victim);
        this.scheduler.after(this.int(20, 600), () => {
          if (!victim.up)
            void this.boot(victim).catch((error) =>
              this.fail(`restart of ${victim.id} failed: ${(error as Error).message}`),
            );
        });
      }
    } else if (roll < 0.7) {
      // A disk that fails an fsync: the server must stop acknowledging; an operator restarts it.
      const victim = this.pick(this.servers.filter((server) => server.up));
      if (victim !== undefined) {
        victim.fileSystem.failNextSync();
        this.scheduler.after(this.int(100, 600), () => {
          if (victim.up) {
            this.crash(victim);
            void this.boot(victim).catch((error) =>
              this.fail(`restart of ${victim.id} failed: ${(error as Error).message}`),
            );
          }
        });
      }
    } else if (roll < 0.85) {
      this.lossRate = this.pick([0, 0, 0.02, 0.1, 0.3]) ?? 0;
      this.duplicateRate = this.pick([0, 0.02, 0.1]) ?? 0;
    } else {
      // Leadership transfer, as a graceful shutdown would do.
      const leader = this.servers.find((server) => server.up && server.node?.role === Role.leader);
      const target = this.pick(ids.filter((id) => id !== leader?.id));
      if (leader?.node !== undefined && target !== undefined) leader.node.transferLeadership(target);
    }
  }

  // ---------------------------------------------------------------- clients

  private clientStep(client: number): void {
    if (!this.loadRunning) return;
    const key = `k${this.int(0, (this.options.keys ?? 3) - 1)}`;
    const roll = this.random.next();
    let input: KvInput;
    let mode: 'default' | 'consistent' | 'stale' = 'default';
    if (roll < 0.4) {
      input = { kind: 'put', value: `c${client}-${this.stats.operations}` };
    } else if (roll < 0.55) {
      const from = this.random.next() < 0.3 ? undefined : this.pickWrittenValue();
      input = { kind: 'cas', from, to: `c${client}-${this.stats.operations}` };
    } else {
      input = { kind: 'get' };
      mode = this.pick(['default', 'default', 'consistent', 'consistent', 'stale'] as const) ?? 'default';
    }
    this.stats.operations++;
    const next = () => this.scheduler.after(this.int(0, 20), () => this.clientStep(client));
    const up = this.servers.filter((server) => server.up && server.node !== undefined);
    const leaders = up.filter((server) => server.node?.role === Role.leader);
    // Writes and default reads go to a leader (followers would forward them, a later issue);
    // consistent reads may go anywhere (followers ask the leader for a read index).
    const target = input.kind === 'get' && mode !== 'default' ? this.pick(up) : this.pick(leaders);
    if (target?.node === undefined) {
      this.scheduler.after(this.int(5, 30), () => this.clientStep(client));
      return;
    }
    const node = target.node;
    const kv = target.kv as SimKv;
    const callMs = this.scheduler.nowMs;
    let settled = false;
    const timeout = this.scheduler.after(500, () => {
      if (settled) return;
      settled = true;
      if (input.kind !== 'get') this.recordUnknown(client, key, input, callMs);
      next();
    });
    const finish = (output: KvOutput | 'failed-read' | 'unknown') => {
      if (settled) return;
      settled = true;
      timeout.cancel();
      if (output === 'unknown') this.recordUnknown(client, key, input, callMs);
      else if (output !== 'failed-read') {
        this.history.push({ client, key, input, output, callMs, returnMs: this.scheduler.nowMs });
      }
      next();
    };
    if (input.kind === 'get') {
      if (mode === 'stale') {
        const value = kv.values.get(key);
        this.staleReads.push({ key, value, returnMs: this.scheduler.nowMs });
        this.stats.readsServed++;
        finish('failed-read'); // stale reads are checked separately: they may lag by design
        return;
      }
      node.readBarrier().then(
        () => {
          if (!target.up || target.kv !== kv) return finish('failed-read');
          this.stats.readsServed++;
          finish({ kind: 'get', value: kv.values.get(key) });
        },
        () => finish('failed-read'),
      );
      return;
    }
    const value = input.kind === 'put' ? input.value : input.to;
    this.writtenValues.set(value, callMs);
    const command: Command =
      input.kind === 'put'
        ? { op: 'put', key, value: input.value }
        : { op: 'cas', key, from: input.from ?? null, to: input.to };
    node.propose(encoder.encode(JSON.stringify(command))).then(
      (result) => {
        this.stats.writesAcknowledged++;
        finish(input.kind === 'put' ? { kind: 'put' } : { kind: 'cas', ok: result.ok });
      },
      () => finish('unknown'),
    );
  }

  private recordUnknown(client: number, key: string, input: KvInput, callMs: number): void {
    this.stats.unknownOutcomes++;
    this.history.push({ client, key, input, output: undefined, callMs, returnMs: Number.POSITIVE_INFINITY });
  }

  private pickWrittenValue(): string | undefined {
    if (this.writtenValues.size === 0) return undefined;
    const values = [...this.writtenValues.keys()];
    return values[this.int(Math.max(0, values.length - 5), values.length - 1)];
  }

  // ---------------------------------------------------------------- invariants

  private async runUntil(untilMs: number): Promise<void> {
    while (await this.step(untilMs));
  }

  /** Runs the next event due by `untilMs`, then checks every invariant; false when none is due. */
  private async step(untilMs: number): Promise<boolean> {
    if (!this.scheduler.runNext(untilMs)) return false;
    // Let promise continuations (client callbacks) run before the next event: they are part of
    // the event that resolved them.
    for (let i = 0; i < 4; i++) await undefined;
    this.checkInvariants();
    if (this.violation !== undefined) throw new InvariantViolation(this.violation);
    return true;
  }

  private fail(message: string): void {
    this.violation ??= message;
  }

  private checkInvariants(): void {
    const up = this.servers.filter((server) => server.up && server.node?.raft !== undefined);
    for (const server of up) {
      const raft = server.node?.raft;
      if (raft === undefined) continue;
      // Election safety: at most one leader per term (§5.2).
      if (raft.role === Role.leader) {
        const known = this.leadersByTerm.get(raft.term);
        if (known === undefined) {
          this.leadersByTerm.set(raft.term, server.id);
          this.stats.leaders++;
          this.checkLeaderCompleteness(server);
        } else if (known !== server.id) {
          this.fail(`election safety: ${known} and ${server.id} both leaders in term ${raft.term}`);
        }
      }
      // Commit index never goes backwards within one incarnation.
      if (raft.commitIndex < server.lastCommit) {
        this.fail(`${server.id} commit index went back from ${server.lastCommit} to ${raft.commitIndex}`);
      }
      server.lastCommit = raft.commitIndex;
      // Committed entries are the same everywhere (state machine safety at the log level).
      for (
        let index = Math.max(server.checkedThrough + 1, raft.firstIndex);
        index <= raft.commitIndex;
        index++
      ) {
        const entry = raft.entryAt(index);
        if (entry === undefined) continue;
        const identity = entryIdentity(entry);
        const recorded = this.committed.get(index);
        if (recorded === undefined) this.committed.set(index, identity);
        else if (recorded !== identity) {
          this.fail(
            `committed entry ${index} differs: ${server.id} has ${identity}, the cluster committed ${recorded}`,
          );
        }
      }
      server.checkedThrough = Math.max(server.checkedThrough, raft.commitIndex);
    }
    this.checkLogMatching(up);
  }

  /** A new leader holds every entry committed so far (§5.4.3). */
  private checkLeaderCompleteness(server: SimServer): void {
    const raft = server.node?.raft;
    if (raft === undefined) return;
    for (const [index, identity] of this.committed) {
      if (index < raft.firstIndex) continue;
      const entry = raft.entryAt(index);
      if (entry === undefined || entryIdentity(entry) !== identity) {
        this.fail(
          `leader completeness: ${server.id} leads term ${raft.term} without committed entry ${index} (${identity})`,
        );
        return;
      }
    }
  }

  /** Two logs with an entry of the same index and term agree on everything before it (§5.3). */
  private checkLogMatching(up: SimServer[]): void {
    for (let a = 0; a < up.length; a++) {
      for (let b = a + 1; b < up.length; b++) {
        const left = up[a]?.node?.raft;
        const right = up[b]?.node?.raft;
        if (left === undefined || right === undefined) continue;
        const low = Math.max(left.firstIndex, right.firstIndex);
        let high = Math.min(left.lastIndex, right.lastIndex);
        while (high >= low && left.termAt(high) !== right.termAt(high)) high--;
        for (let index = low; index <= high; index++) {
          const l = left.entryAt(index);
          const r = right.entryAt(index);
          if (l === undefined || r === undefined) continue;
          if (entryIdentity(l) !== entryIdentity(r)) {
            this.fail(`log matching: ${up[a]?.id} and ${up[b]?.id} agree at ${high} but differ at ${index}`);
            return;
          }
        }
      }
    }
  }

  private recordApply(server: SimServer, index: number, data: Uint8Array): void {
    const command = decoder.decode(data);
    const recorded = this.appliedCommands.get(index);
    if (recorded === undefined) this.appliedCommands.set(index, command);
    else if (recorded !== command)
      this.fail(`state machine safety: ${server.id} applied ${command} at ${index}, others ${recorded}`);
  }

  // ---------------------------------------------------------------- end of run

  private async requireProgress(fromMs: number): Promise<void> {
    let committed = false;
    const deadline = fromMs + 10_000;
    const attempt = () => {
      if (committed) return;
      const leader = this.servers.find((server) => server.up && server.node?.role === Role.leader);
      if (leader?.node === undefined) {
        this.scheduler.after(20, attempt);
        return;
      }
      const command: Command = { op: 'put', key: 'final', value: 'done' };
      leader.node.propose(encoder.encode(JSON.stringify(command))).then(
        () => {
          committed = true;
        },
        () => this.scheduler.after(20, attempt),
      );
    };
    attempt();
    while (!committed && this.scheduler.nowMs < deadline) {
      await this.runUntil(Math.min(deadline, this.scheduler.nowMs + 100));
    }
    if (!committed) {
      throw new InvariantViolation(
        `liveness: no write committed within 10 s after healing every fault\n${this.describeServers()}`,
      );
    }
    // Let every server catch up, then their state machines must be identical.
    await this.runUntil(this.scheduler.nowMs + 1_000);
    const states = this.servers.map((server) => JSON.stringify([...(server.kv?.values ?? new Map())].sort()));
    if (new Set(states).size !== 1) {
      throw new InvariantViolation(
        `replicas diverged after healing:\n${states.join('\n')}\n${this.describeServers()}`,
      );
    }
  }

  /** Each server's Raft state, for failure reports. */
  private describeServers(): string {
    return this.servers
      .map((server) => {
        const raft = server.node?.raft;
        if (!server.up || raft === undefined) return `${server.id}: down`;
        return `${server.id}: ${raft.role} term=${raft.term} leader=${raft.leader || '-'} commit=${raft.commitIndex} applied=${raft.appliedIndex} log=${raft.firstIndex}..${raft.lastIndex}`;
      })
      .join('\n');
  }

  /**
   * Operations whose client never heard back are resolved from the replicated log: written values
   * are unique, so a value no replica applied by the end (every replica has converged) never took
   * effect, and one that was applied did, with the CAS result the replicas computed. Its return
   * stays unknown (+∞). This keeps the checker's search small without weakening it.
   */
  private resolveUnknownOutcomes(): KvOperation[] {
    for (const settle of this.pendingScriptWrites.splice(0)) settle();
    const resolved: KvOperation[] = [];
    for (const operation of this.history) {
      if (operation.output !== undefined || operation.input.kind === 'get') {
        resolved.push(operation);
        continue;
      }
      const value = operation.input.kind === 'put' ? operation.input.value : operation.input.to;
      const ok = this.appliedOutcomes.get(value);
      if (ok === undefined) continue;
      const output: KvOutput = operation.input.kind === 'put' ? { kind: 'put' } : { kind: 'cas', ok };
      resolved.push({ ...operation, output });
    }
    return resolved;
  }

  private checkHistory(): void {
    const result = checkLinearizable(this.resolveUnknownOutcomes());
    if (!result.ok) {
      throw new InvariantViolation(
        `history not linearizable (key ${result.key}): ${result.reason}\n${describeHistory(result.operations)}`,
      );
    }
    // Stale reads may lag but never invent: every value read was written by some client.
    for (const read of this.staleReads) {
      if (read.value === undefined) continue;
      const written = this.writtenValues.get(read.value);
      if (written === undefined || written > read.returnMs) {
        throw new InvariantViolation(
          `stale read of ${read.key} returned ${read.value}, which no client had written`,
        );
      }
    }
  }

  // ---------------------------------------------------------------- randomness

  private int(low: number, high: number): number {
    return Math.floor(low + this.random.next() * (high - low + 1));
  }

  private pick<T>(items: readonly T[]): T | undefined {
    if (items.length === 0) return undefined;
    return items[Math.floor(this.random.next() * items.length)];
  }
}

function entryIdentity(entry: Entry): string {
  if (entry.kind === 'command') return `${entry.term}:${decoder.decode(entry.data)}`;
  if (entry.kind === 'configuration') return `${entry.term}:config:${JSON.stringify(entry.configuration)}`;
  return `${entry.term}:${entry.kind}`;
}
