import { assert } from '../lib/assert.ts';
import type { Clock, Timer } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { RaftTransport } from '../ports/raft-transport.ts';
import { isVoter, voterIds } from '../raft/configuration.ts';
import { bootstrapEntries, defaultRaftOptions, Raft, type RaftOptions } from '../raft/raft.ts';
import {
  type Configuration,
  EntryKind,
  type Message,
  MessageType,
  NO_SERVER,
  ProposalRefusal,
  type Ready,
  Role,
  type ServerId,
  type Snapshot,
  Suffrage,
} from '../raft/types.ts';
import type { RaftStorage } from '../storage/raft-storage.ts';
import { type ConsensusStatus, NoLeaderError, RaftRole, type RaftServer } from './consensus.ts';

/** The replicated state machine Raft drives (Cairn's `Fsm`, or the simulator's register). */
export interface StateMachine<Result> {
  apply(data: Uint8Array, index: number): Result;
  snapshot(): Uint8Array;
  restore(data: Uint8Array): void;
}

export interface RaftNodeOptions<Result> {
  id: ServerId;
  /** This server's node name, for `configuration()`. */
  nodeName: string;
  /** This server's Raft address (`host:port`). */
  address: string;
  stateMachine: StateMachine<Result>;
  storage: RaftStorage;
  /** Absent for a server that is, and stays, a cluster of one (the dev agent). */
  transport?: RaftTransport;
  clock: Clock;
  random: { next(): number };
  logger: Logger;
  /** Runs `task` after the current batch of IO callbacks (setImmediate in production). */
  schedule: (task: () => void) => void;
  /** The configuration a fresh server starts with; ignored when storage holds state. */
  bootstrap?: Configuration;
  /** Milliseconds per Raft tick; elections after 10–20 ticks without a leader. */
  tickMs?: number;
  /** Take a snapshot after this many applied entries (hashicorp SnapshotThreshold). */
  snapshotThreshold?: number;
  /**
   * Snapshots are considered at most this often (hashicorp SnapshotInterval, jittered), so a busy
   * server does not pause for one every few thousand writes; past 8 × the threshold one is taken
   * at once, because the log is kept in memory.
   */
  snapshotIntervalMs?: number;
  /** Entries kept behind a snapshot for slow followers (hashicorp TrailingLogs). */
  trailingLogs?: number;
  /** How long a read waits for its ReadIndex confirmation before failing. */
  readTimeoutMs?: number;
  raft?: Partial<Omit<RaftOptions, 'id' | 'random'>>;
}

/** A write whose fate is unknown: the leader lost leadership before it committed. */
export class LeadershipLostError extends Error {
  override name = 'LeadershipLostError';
  constructor() {
    super('leadership lost while committing log');
  }
}

/** The leader refused a write because too much is uncommitted: the client should back off. */
export class RaftOverloadedError extends Error {
  override name = 'RaftOverloadedError';
  constructor(reason: string) {
    super(`Raft is overloaded (${reason}); retry later`);
  }
}

/** Durable storage failed: this server no longer acknowledges anything. */
export class RaftHaltedError extends Error {
  override name = 'RaftHaltedError';
}

interface PendingProposal<Result> {
  term: number;
  resolve: (result: Result) => void;
  reject: (error: Error) => void;
}

interface PendingRead {
  context: number;
  /** Set once the ReadIndex is confirmed: serve when the FSM has applied it. */
  index?: number;
  deadlineMs: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export interface RaftNodeMetrics {
  readyBatches: number;
  entriesPersisted: number;
  syncs: number;
  snapshotsTaken: number;
}

/**
 * The IO shell around the pure Raft core: it persists, then sends, then applies, then advances
 * (the Ready contract in src/raft/types.ts), ticks the core on a clock, resolves proposals by
 * (term, index) once applied and reads once their ReadIndex is applied, takes snapshots and
 * compacts the log. It implements `Consensus` for the write path.
 */
export class RaftNode<Result> {
  private core: Raft | undefined;
  private readonly options: RaftNodeOptions<Result>;
  private readonly tickMs: number;
  private readonly snapshotThreshold: number;
  private readonly snapshotIntervalMs: number;
  private nextSnapshotCheckMs: number;
  private readonly trailingLogs: number;
  private readonly readTimeoutMs: number;
  private tickTimer: Timer | undefined;
  private processScheduled = false;
  private running = false;
  private failure: Error | undefined;
  private readonly proposals = new Map<number, PendingProposal<Result>>();
  private readonly reads = new Map<number, PendingRead>();
  private nextReadContext = 1;
  private lastSnapshotIndex = 0;
  private lastLeaderContactMs: number;
  private readonly startedMs: number;
  private isLeader = false;
  /** Leadership is announced once this term's first entry is applied (a Raft barrier). */
  private leadershipAnnouncedTerm = 0;
  private readonly listeners: ((isLeader: boolean) => void)[] = [];
  readonly metrics: RaftNodeMetrics = { readyBatches: 0, entriesPersisted: 0, syncs: 0, snapshotsTaken: 0 };

  constructor(options: RaftNodeOptions<Result>) {
    this.options = options;
    this.tickMs = options.tickMs ?? 100;
    this.snapshotThreshold = options.snapshotThreshold ?? 8192;
    this.snapshotIntervalMs = options.snapshotIntervalMs ?? 10_000;
    this.nextSnapshotCheckMs = options.clock.nowMs() + this.snapshotIntervalMs;
    this.trailingLogs = options.trailingLogs ?? 10240;
    this.readTimeoutMs = options.readTimeoutMs ?? 20 * this.tickMs;
    this.startedMs = options.clock.nowMs();
    this.lastLeaderContactMs = this.startedMs;
  }

  async start(): Promise<void> {
    assert(!this.running, 'raft node already started');
    const { storage, stateMachine, transport } = this.options;
    let recovered = storage.load();
    const fresh =
      recovered.snapshot === undefined && recovered.entries.length === 0 && recovered.hardState.term === 0;
    if (fresh && this.options.bootstrap !== undefined) {
      const entries = bootstrapEntries(this.options.bootstrap);
      const hardState = { term: 1, vote: NO_SERVER, commit: 0 };
      storage.save({ entries, hardState, mustSync: true });
      recovered = { hardState, entries };
    }
    if (recovered.snapshot !== undefined) {
      stateMachine.restore(recovered.snapshot.data);
      this.lastSnapshotIndex = recovered.snapshot.metadata.index;
    }
    this.core = new Raft(
      { ...defaultRaftOptions, ...this.options.raft, id: this.options.id, random: this.options.random },
      recovered,
    );
    this.running = true;
    if (transport !== undefined) {
      transport.onMessage((message) => this.receive(message));
      transport.onUnreachable((peer) => {
        this.core?.reportUnreachable(peer);
        this.scheduleProcess();
      });
      await transport.start();
    }
    // A sole voter needs no election timeout: it is its own majority.
    const { configuration } = this.core.currentConfiguration();
    const voters = voterIds(configuration);
    if (voters.length === 1 && voters[0] === this.options.id) this.core.campaign();
    this.tickTimer = this.options.clock.setTimer(this.tickMs, () => this.tick());
    this.process();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    // Finish what is already decided: a sole voter commits its pending proposals right here.
    this.process();
    this.running = false;
    this.tickTimer?.cancel();
    this.failAll(new NoLeaderError());
    this.setLeader(false);
    await this.options.transport?.stop();
    this.options.storage.close();
  }

  propose(data: Uint8Array): Promise<Result> {
    const core = this.core;
    if (!this.running || core === undefined) return Promise.reject(new NoLeaderError());
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const result = core.propose(data);
    if (!result.ok) return Promise.reject(refusalError(result.refusal));
    this.scheduleProcess();
    return new Promise((resolve, reject) => {
      this.proposals.set(result.index, { term: result.term, resolve, reject });
    });
  }

  /**
   * Resolves once a quorum has confirmed this server's view is current (ReadIndex, thesis §6.4)
   * and the FSM has applied up to the confirmed index. Works on followers too: they ask the
   * leader for the index and wait for their own FSM to reach it.
   */
  readBarrier(): Promise<void> {
    const core = this.core;
    if (!this.running || core === undefined) return Promise.reject(new NoLeaderError());
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.servesReadsLocally(core)) return Promise.resolve();
    const context = this.nextReadContext++;
    if (!core.readIndex(context)) return Promise.reject(new NoLeaderError());
    this.scheduleProcess();
    return new Promise((resolve, reject) => {
      this.reads.set(context, {
        context,
        deadlineMs: this.options.clock.nowMs() + this.readTimeoutMs,
        resolve,
        reject,
      });
    });
  }

  /**
   * A sole voter that has committed an entry of its term and applied everything committed is
   * its own quorum: a ReadIndex round would confirm nothing new.
   */
  private servesReadsLocally(core: Raft): boolean {
    if (core.role !== Role.leader || core.appliedIndex < core.commitIndex) return false;
    if (core.termAt(core.commitIndex) !== core.term) return false;
    const voters = voterIds(core.currentConfiguration().configuration);
    return voters.length === 1 && voters[0] === this.options.id;
  }

  status(): ConsensusStatus {
    const core = this.core;
    if (core === undefined) {
      return {
        role: RaftRole.follower,
        leaderAddress: '',
        term: 0,
        commitIndex: 0,
        appliedIndex: 0,
        lastLogIndex: 0,
        lastContactMs: 0,
      };
    }
    const leader = this.running && this.failure === undefined ? core.leader : NO_SERVER;
    const leaderServer = core
      .currentConfiguration()
      .configuration.servers.find((server) => server.id === leader);
    return {
      role:
        leader === this.options.id
          ? RaftRole.leader
          : toConsensusRole(core.role === Role.leader ? Role.follower : core.role),
      leaderAddress: leader !== NO_SERVER ? (leaderServer?.address ?? '') : '',
      term: core.term,
      commitIndex: core.commitIndex,
      appliedIndex: core.appliedIndex,
      lastLogIndex: core.lastIndex,
      lastContactMs: core.role === Role.leader ? 0 : this.options.clock.nowMs() - this.lastLeaderContactMs,
    };
  }

  /** The Raft role and leader id, for harnesses and operators. */
  get role(): Role {
    return this.core?.role ?? Role.follower;
  }
  get leaderId(): ServerId {
    return this.core?.leader ?? NO_SERVER;
  }
  /** The core itself, read-only use only (the simulator's invariant checks). */
  get raft(): Raft | undefined {
    return this.core;
  }

  configuration(): { servers: RaftServer[]; index: number } {
    const core = this.core;
    if (core === undefined) return { servers: [], index: 0 };
    const { configuration, index } = core.currentConfiguration();
    const leader = this.running && this.failure === undefined ? core.leader : NO_SERVER;
    const servers = configuration.servers.map((server) => ({
      ID: server.id,
      Node: server.id === this.options.id ? this.options.nodeName : server.id,
      Address: server.address,
      Leader: server.id === leader,
      Voter: isVoter(configuration, server.id),
    }));
    return { servers, index };
  }

  onLeadershipChange(listener: (isLeader: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Hands leadership to another voter (graceful shutdown, operator request). */
  transferLeadership(to: ServerId): boolean {
    if (!this.running || this.failure !== undefined) return false;
    const done = this.core?.transferLeadership(to) ?? false;
    this.scheduleProcess();
    return done;
  }

  // ---------------------------------------------------------------- the loop

  private receive(message: Message): void {
    const core = this.core;
    if (!this.running || core === undefined || this.failure !== undefined) return;
    const fromLeader =
      message.type === MessageType.append ||
      message.type === MessageType.heartbeat ||
      message.type === MessageType.snapshot;
    core.step(message);
    if (fromLeader && core.leader === message.from && message.term === core.term) {
      this.lastLeaderContactMs = this.options.clock.nowMs();
    }
    this.scheduleProcess();
  }

  private tick(): void {
    if (!this.running) return;
    this.tickTimer = this.options.clock.setTimer(this.tickMs, () => this.tick());
    if (this.failure !== undefined) return;
    this.core?.tick();
    this.expireReads();
    this.process();
  }

  private scheduleProcess(): void {
    if (this.processScheduled) return;
    this.processScheduled = true;
    this.options.schedule(() => {
      this.processScheduled = false;
      this.process();
    });
  }

  /** Drains the core's Ready batches: persist → send → apply → advance. */
  private process(): void {
    const core = this.core;
    if (!this.running || core === undefined) return;
    try {
      this.drainReady(core);
    } catch (error) {
      // The FSM threw (a bug or an unknown command): stop rather than let replicas diverge.
      this.fail(error, 'applying the log');
    }
  }

  private drainReady(core: Raft): void {
    while (this.failure === undefined && core.hasReady()) {
      const ready = core.ready();
      // A leader's appends may leave before its own write of the same entries is durable (thesis
      // §10.2.1): the leader counts itself toward a commit only after it persisted (advance), and
      // followers acknowledge only what they persisted. The disk writes then overlap. Everything
      // that acknowledges (votes, append responses) leaves only after the fsync.
      const [early, late] = partition(ready.messages, (message) => LEADER_MESSAGES.has(message.type));
      const snapshotRecipients = this.send(early);
      if (!this.persist(ready)) return;
      this.send(late);
      if (ready.snapshot !== undefined) this.restoreSnapshot(ready.snapshot);
      for (const entry of ready.committedEntries) {
        const result =
          entry.kind === EntryKind.command
            ? this.options.stateMachine.apply(entry.data, entry.index)
            : undefined;
        this.settleProposal(entry.index, entry.term, result);
      }
      if (ready.softState !== undefined && ready.softState.role !== Role.leader) {
        // Proposals not committed by now may or may not survive under the next leader.
        this.failProposals(new LeadershipLostError());
        this.setLeader(false);
      }
      for (const read of ready.readStates) {
        const pending = this.reads.get(read.context);
        if (pending !== undefined) pending.index = read.index;
      }
      core.advance();
      for (const peer of snapshotRecipients) core.reportSnapshot(peer, true);
      this.serveReads(core.appliedIndex);
      this.announceLeadership(core);
      this.maybeSnapshot(core);
    }
  }

  private persist(ready: Ready): boolean {
    const batch = { entries: ready.entries, mustSync: ready.mustSync } as Parameters<RaftStorage['save']>[0];
    if (ready.hardState !== undefined) batch.hardState = ready.hardState;
    if (ready.snapshot !== undefined) batch.snapshot = ready.snapshot;
    try {
      this.options.storage.save(batch);
    } catch (error) {
      this.fail(error, 'persisting the log');
      return false;
    }
    this.metrics.readyBatches++;
    this.metrics.entriesPersisted += ready.entries.length;
    if (ready.mustSync) this.metrics.syncs++;
    return true;
  }

  /** Returns the peers sent a snapshot (reported to the core once it has advanced). */
  private send(messages: Message[]): ServerId[] {
    const snapshotRecipients: ServerId[] = [];
    const transport = this.options.transport;
    if (transport === undefined) return snapshotRecipients;
    const servers = this.core?.currentConfiguration().configuration.servers ?? [];
    for (const message of messages) {
      const address = servers.find((server) => server.id === message.to)?.address;
      if (address === undefined) continue;
      transport.send(message, address);
      if (message.type === MessageType.snapshot) snapshotRecipients.push(message.to);
    }
    return snapshotRecipients;
  }

  private restoreSnapshot(snapshot: Snapshot): void {
    this.options.stateMachine.restore(snapshot.data);
    this.lastSnapshotIndex = snapshot.metadata.index;
    // Our own proposals up to here were either in the snapshot (committed by a later leader)
    // or overwritten; which one is unknown here.
    for (const [index, proposal] of this.proposals) {
      if (index <= snapshot.metadata.index) {
        this.proposals.delete(index);
        proposal.reject(new LeadershipLostError());
      }
    }
  }

  private settleProposal(index: number, term: number, result: Result | undefined): void {
    const proposal = this.proposals.get(index);
    if (proposal === undefined) return;
    this.proposals.delete(index);
    if (proposal.term === term) proposal.resolve(result as Result);
    else proposal.reject(new LeadershipLostError());
  }

  private serveReads(appliedIndex: number): void {
    for (const [context, read] of this.reads) {
      if (read.index !== undefined && read.index <= appliedIndex) {
        this.reads.delete(context);
        read.resolve();
      }
    }
  }

  private expireReads(): void {
    const now = this.options.clock.nowMs();
    for (const [context, read] of this.reads) {
      if (read.deadlineMs <= now) {
        this.reads.delete(context);
        read.reject(new NoLeaderError());
      }
    }
  }

  private announceLeadership(core: Raft): void {
    if (core.role !== Role.leader) return;
    if (this.leadershipAnnouncedTerm === core.term) return;
    if (core.termAt(core.appliedIndex) !== core.term) return;
    this.leadershipAnnouncedTerm = core.term;
    this.setLeader(true);
  }

  private setLeader(isLeader: boolean): void {
    if (this.isLeader === isLeader) return;
    this.isLeader = isLeader;
    if (!isLeader) {
      this.leadershipAnnouncedTerm = 0;
      // Reads waiting on this server's leadership can no longer be confirmed by it.
      for (const [context, read] of this.reads) {
        if (read.index === undefined) {
          this.reads.delete(context);
          read.reject(new NoLeaderError());
        }
      }
    }
    for (const listener of this.listeners) listener(isLeader);
  }

  private maybeSnapshot(core: Raft): void {
    const applied = core.appliedIndex;
    const behind = applied - this.lastSnapshotIndex;
    if (behind < this.snapshotThreshold) return;
    const now = this.options.clock.nowMs();
    if (now < this.nextSnapshotCheckMs && behind < 8 * this.snapshotThreshold) return;
    this.nextSnapshotCheckMs = now + this.snapshotIntervalMs * (1 + this.options.random.next() / 8);
    const term = core.termAt(applied);
    if (term === undefined) return;
    const snapshot: Snapshot = {
      metadata: { index: applied, term, configuration: core.configurationForSnapshot(applied) },
      data: this.options.stateMachine.snapshot(),
    };
    const compactThrough = Math.max(0, applied - this.trailingLogs);
    try {
      this.options.storage.saveSnapshot(snapshot, compactThrough);
    } catch (error) {
      this.fail(error, 'saving a snapshot');
      return;
    }
    core.compact(snapshot, compactThrough);
    this.lastSnapshotIndex = applied;
    this.metrics.snapshotsTaken++;
  }

  private fail(error: unknown, during: string): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.failure = new RaftHaltedError(
      `Raft failed while ${during}: ${reason}; this server stops acknowledging writes until it is restarted`,
    );
    this.options.logger.error(
      { error: reason, during },
      'raft: failed; refusing all further writes and reads',
    );
    this.failAll(this.failure);
    this.setLeader(false);
  }

  private failAll(error: Error): void {
    this.failProposals(error);
    for (const read of this.reads.values()) read.reject(error);
    this.reads.clear();
  }

  private failProposals(error: Error): void {
    for (const proposal of this.proposals.values()) proposal.reject(error);
    this.proposals.clear();
  }
}

const LEADER_MESSAGES: ReadonlySet<MessageType> = new Set([
  MessageType.append,
  MessageType.heartbeat,
  MessageType.snapshot,
  MessageType.timeoutNow,
]);

function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}

/**
 * The Raft of a server that is the whole cluster (`-dev`, `-bootstrap`): it bootstraps itself
 * as the only voter, needs no transport, and elects itself at start.
 */
export function createSoleServerRaft<Result>(
  options: Omit<RaftNodeOptions<Result>, 'bootstrap' | 'transport'>,
): RaftNode<Result> {
  const { id, address } = options;
  return new RaftNode({ ...options, bootstrap: { servers: [{ id, address, suffrage: Suffrage.voter }] } });
}

function refusalError(refusal: ProposalRefusal): Error {
  switch (refusal) {
    case ProposalRefusal.notLeader:
    case ProposalRefusal.transferInProgress:
      return new NoLeaderError();
    case ProposalRefusal.overloaded:
      return new RaftOverloadedError('too many uncommitted entries');
    default:
      return new Error(`membership change refused: ${refusal}`);
  }
}

function toConsensusRole(role: Role): RaftRole {
  if (role === Role.leader) return RaftRole.leader;
  if (role === Role.follower) return RaftRole.follower;
  return RaftRole.candidate;
}
