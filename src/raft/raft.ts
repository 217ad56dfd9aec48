import { assert } from '../lib/assert.ts';
import { applyConfigurationChange, hasServer, isVoter, voterIds } from './configuration.ts';
import { Progress, ProgressState } from './progress.ts';
import { majorityMatchIndex, tallyVotes, VoteOutcome } from './quorum.ts';
import { RaftLog } from './raft-log.ts';
import { ReadIndexRounds, type ReadRequest } from './read-index.ts';
import {
  type Configuration,
  type ConfigurationChange,
  ConfigurationChangeKind,
  type Entry,
  EntryKind,
  type HardState,
  type Message,
  MessageType,
  NO_SERVER,
  ProposalRefusal,
  type ProposeResult,
  type ReadState,
  type Ready,
  Role,
  type ServerId,
  type Snapshot,
  type SoftState,
  Suffrage,
} from './types.ts';

export interface RaftOptions {
  id: ServerId;
  /** Ticks without hearing from a leader before campaigning; randomised in [n, 2n). */
  electionTicks: number;
  heartbeatTicks: number;
  preVote: boolean;
  checkQuorum: boolean;
  /** Unacknowledged appends per follower in replicate state (hashicorp: 2 RPCs in flight). */
  maxInflightAppends: number;
  /** Command bytes per append message (etcd MaxSizePerMsg). */
  maxAppendBytes: number;
  /** Entries per append message (hashicorp MaxAppendEntries). */
  maxAppendEntries: number;
  /** Uncommitted command bytes beyond which proposals are refused (etcd MaxUncommittedEntriesSize). */
  maxUncommittedBytes: number;
  /** Election jitter, injected so a run is a function of its seed. */
  random: { next(): number };
  /**
   * Deliberate bugs, for proving that the simulation's checkers catch them. Never set outside
   * tests: `commitPreviousTermEntries` counts replicas of older-term entries (thesis Fig. 8);
   * `readWithoutQuorum` answers ReadIndex without a leadership check.
   */
  unsafe?: { commitPreviousTermEntries?: boolean; readWithoutQuorum?: boolean };
}

export const defaultRaftOptions = {
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  maxInflightAppends: 4,
  maxAppendBytes: 1024 * 1024,
  maxAppendEntries: 1024,
  maxUncommittedBytes: 64 * 1024 * 1024,
} as const;

/** What a server starts from: its recovered durable state. */
export interface RaftStart {
  hardState: HardState;
  snapshot?: Snapshot;
  entries: Entry[];
}

/** The log a fresh cluster starts from: its configuration as entry 1 of term 1 (hashicorp BootstrapCluster). */
export function bootstrapEntries(configuration: Configuration): Entry[] {
  return [{ index: 1, term: 1, kind: EntryKind.configuration, data: new Uint8Array(0), configuration }];
}

const EMPTY_CONFIGURATION: Configuration = { servers: [] };

/**
 * The Raft consensus algorithm as a deterministic state machine (Ongaro's thesis; the shape of
 * etcd-io/raft's RawNode). It never does IO, reads a clock or draws randomness of its own: the
 * shell feeds it `tick()`s, peers' messages through `step()`, and client requests through
 * `propose()` / `readIndex()`, then collects the work with `ready()` and reports it done with
 * `advance()` (see `Ready` for the order that work must be done in).
 *
 * Beyond the basic algorithm: PreVote and CheckQuorum, flow control per follower, ReadIndex,
 * leadership transfer, single-server membership changes with non-voters promoted once caught up,
 * snapshots and log compaction.
 */
export class Raft {
  readonly id: ServerId;
  private readonly options: RaftOptions;
  private readonly log: RaftLog;

  term: number;
  vote: ServerId;
  role: Role = Role.follower;
  leader: ServerId = NO_SERVER;

  /** The configuration in effect: the newest one in the log, committed or not (thesis §4.1). */
  private configuration: Configuration;
  private configurationIndex: number;
  /** The configuration at the log's compaction point (the snapshot's). */
  private baseConfiguration: Configuration;
  private baseConfigurationIndex: number;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;

  private readonly progress = new Map<ServerId, Progress>();
  private readonly votes = new Map<ServerId, boolean>();
  /** Non-voters to promote once caught up (added with addVoter). */
  private readonly promoteWhenCaughtUp = new Set<ServerId>();
  private leadTransferee: ServerId = NO_SERVER;
  private uncommittedBytes = 0;
  /** New entries appended since the last ready(): followers get them then, in one batch. */
  private appendsPending = false;

  private readonly readRounds = new ReadIndexRounds();
  /** ReadIndex requests received before this leader committed an entry of its term. */
  private readsAwaitingFirstCommit: ReadRequest[] = [];

  /** The newest snapshot, kept to send to followers that fell behind the compaction point. */
  private latestSnapshot: Snapshot | undefined;
  /** A snapshot from the leader, to be persisted and restored by the shell. */
  private pendingSnapshot: Snapshot | undefined;

  private messages: Message[] = [];
  private readStates: ReadState[] = [];
  private persistedHardState: HardState;
  private reportedSoftState: SoftState;
  /** Set between ready() and advance(): what that Ready handed out. */
  private outstanding: { stableThrough: number; appliedThrough: number; snapshotIndex: number } | undefined;

  constructor(options: RaftOptions, start: RaftStart) {
    assert(options.electionTicks > options.heartbeatTicks, 'election timeout must exceed heartbeat');
    this.id = options.id;
    this.options = options;
    const snapshot = start.snapshot?.metadata;
    this.log = new RaftLog({
      offsetIndex: snapshot?.index ?? 0,
      offsetTerm: snapshot?.term ?? 0,
      entries: [...start.entries],
      commit: start.hardState.commit,
    });
    this.latestSnapshot = start.snapshot;
    this.baseConfiguration = snapshot?.configuration ?? EMPTY_CONFIGURATION;
    this.baseConfigurationIndex = snapshot?.index ?? 0;
    this.configuration = this.baseConfiguration;
    this.configurationIndex = this.baseConfigurationIndex;
    this.recomputeConfiguration();
    this.term = start.hardState.term;
    this.vote = start.hardState.vote;
    this.persistedHardState = { ...start.hardState, commit: this.log.commit };
    this.reportedSoftState = { leader: NO_SERVER, role: Role.follower };
    this.resetRandomizedElectionTimeout();
  }

  // ---------------------------------------------------------------- observation

  get commitIndex(): number {
    return this.log.commit;
  }
  get appliedIndex(): number {
    return this.log.applied;
  }
  get lastIndex(): number {
    return this.log.lastIndex;
  }
  get firstIndex(): number {
    return this.log.firstIndex;
  }
  termAt(index: number): number | undefined {
    return this.log.term(index);
  }
  entryAt(index: number): Entry | undefined {
    return this.log.entry(index);
  }
  /** The configuration in effect (the newest in the log) and its index. */
  currentConfiguration(): { configuration: Configuration; index: number } {
    return { configuration: this.configuration, index: this.configurationIndex };
  }
  /** Whether a configuration change is appended but not yet committed. */
  get configurationChangePending(): boolean {
    return this.configurationIndex > this.log.commit;
  }
  get transferee(): ServerId {
    return this.leadTransferee;
  }
  progressOf(
    id: ServerId,
  ): { match: number; next: number; state: ProgressState; inflight: number; paused: boolean } | undefined {
    const progress = this.progress.get(id);
    return (
      progress && {
        match: progress.match,
        next: progress.next,
        state: progress.state,
        inflight: progress.inflightCount,
        paused: progress.isPaused(),
      }
    );
  }
  get pendingReadCount(): number {
    return this.readRounds.pendingCount + this.readsAwaitingFirstCommit.length;
  }

  // ---------------------------------------------------------------- inputs

  tick(): void {
    this.assertNoOutstandingReady();
    if (this.role === Role.leader) this.tickLeader();
    else this.tickElection();
  }

  /** Starts an election now (used by tests and by a lone voter at start). */
  campaign(): void {
    this.assertNoOutstandingReady();
    if (this.role === Role.leader || !this.promotable()) return;
    this.startCampaign(this.options.preVote ? 'preVote' : 'election');
  }

  propose(data: Uint8Array): ProposeResult {
    this.assertNoOutstandingReady();
    const refusal = this.refuseProposal();
    if (refusal !== undefined) return { ok: false, refusal };
    if (
      this.uncommittedBytes > 0 &&
      this.uncommittedBytes + data.byteLength > this.options.maxUncommittedBytes
    ) {
      return { ok: false, refusal: ProposalRefusal.overloaded };
    }
    const entry = this.appendEntry(EntryKind.command, data);
    return { ok: true, index: entry.index, term: entry.term };
  }

  /** A single-server membership change; one at a time (hashicorp/raft, thesis §4.1). */
  proposeConfigurationChange(change: ConfigurationChange): ProposeResult {
    this.assertNoOutstandingReady();
    const refusal = this.refuseProposal();
    if (refusal !== undefined) return { ok: false, refusal };
    // A new leader must commit an entry of its own term before changing the configuration:
    // otherwise a change it appends can be lost to a leader elected under the previous
    // configuration, and two disjoint majorities follow (Ongaro, raft-dev 2015, "bug in
    // single-server membership changes"; etcd sets pendingConfIndex = lastIndex in becomeLeader).
    if (this.configurationChangePending || !this.committedEntryInCurrentTerm()) {
      return { ok: false, refusal: ProposalRefusal.configurationChangePending };
    }
    const next = applyConfigurationChange(this.configuration, change);
    if (typeof next === 'string') {
      return { ok: false, refusal: ProposalRefusal.invalidConfigurationChange };
    }
    if (change.kind === ConfigurationChangeKind.addVoter) {
      const added = next.servers.find((server) => server.id === change.id);
      if (added?.suffrage === Suffrage.nonvoter) this.promoteWhenCaughtUp.add(change.id);
    } else {
      this.promoteWhenCaughtUp.delete(change.id);
    }
    const entry = this.appendEntry(EntryKind.configuration, new Uint8Array(0), next);
    return { ok: true, index: entry.index, term: entry.term };
  }

  /**
   * Asks for a linearizable read point for request `context`. The answer arrives as a
   * `ReadState` in a later Ready; returns false when there is no leader to ask.
   */
  readIndex(context: number): boolean {
    this.assertNoOutstandingReady();
    if (this.role === Role.leader) {
      this.handleReadIndex({ index: 0, context, from: this.id });
      return true;
    }
    if (this.leader === NO_SERVER) return false;
    this.send({ type: MessageType.readIndex, to: this.leader, term: this.term, context });
    return true;
  }

  /** Hands leadership to `to` (etcd MsgTransferLeader); proposals are refused meanwhile. */
  transferLeadership(to: ServerId): boolean {
    this.assertNoOutstandingReady();
    if (this.role !== Role.leader || to === this.id || !isVoter(this.configuration, to)) return false;
    if (this.leadTransferee === to) return true;
    this.leadTransferee = to;
    // The transfer is abandoned if it has not completed within an election timeout.
    this.electionElapsed = 0;
    const progress = this.progress.get(to);
    assert(progress !== undefined, 'voter without progress');
    if (progress.match === this.log.lastIndex) this.sendTimeoutNow(to);
    else this.sendAppend(to);
    return true;
  }

  /** The transport could not reach `id`: stop pipelining to it until it answers again. */
  reportUnreachable(id: ServerId): void {
    const progress = this.progress.get(id);
    if (this.role !== Role.leader || progress === undefined) return;
    if (progress.state === ProgressState.replicate) progress.becomeProbe();
  }

  /** The outcome of sending a snapshot to `id`. */
  reportSnapshot(id: ServerId, delivered: boolean): void {
    const progress = this.progress.get(id);
    if (this.role !== Role.leader || progress?.state !== ProgressState.snapshot) return;
    if (!delivered) progress.pendingSnapshot = 0;
    progress.becomeProbe();
    // Wait for the follower's answer to the snapshot before probing again.
    progress.probeSent = delivered;
  }

  /**
   * The shell took a snapshot of the FSM at `snapshot.metadata.index` (≤ applied): keep it for
   * lagging followers and forget the log up to `compactThrough`.
   */
  compact(snapshot: Snapshot, compactThrough: number): void {
    this.assertNoOutstandingReady();
    const index = snapshot.metadata.index;
    assert(index <= this.log.applied, 'snapshot beyond applied index');
    assert(compactThrough <= index, 'compaction beyond the snapshot');
    if (this.latestSnapshot === undefined || index > this.latestSnapshot.metadata.index) {
      this.latestSnapshot = snapshot;
    }
    if (compactThrough <= this.log.compactedIndex) return;
    const base = this.configurationAt(compactThrough);
    this.log.compact(compactThrough);
    this.baseConfiguration = base.configuration;
    this.baseConfigurationIndex = base.index;
  }

  step(message: Message): void {
    this.assertNoOutstandingReady();
    if (message.to !== this.id) return;
    if (message.term > this.term) {
      if (!this.stepHigherTerm(message)) return;
    } else if (message.term < this.term) {
      this.stepLowerTerm(message);
      return;
    }
    switch (message.type) {
      case MessageType.preVote:
      case MessageType.vote:
        this.handleVoteRequest(message);
        return;
      default:
        break;
    }
    switch (this.role) {
      case Role.leader:
        this.stepLeader(message);
        return;
      case Role.candidate:
      case Role.preCandidate:
        this.stepCandidate(message);
        return;
      case Role.follower:
        this.stepFollower(message);
        return;
    }
  }

  // ---------------------------------------------------------------- Ready / advance

  hasReady(): boolean {
    if (this.outstanding !== undefined) return false;
    return (
      this.appendsPending ||
      this.messages.length > 0 ||
      this.readStates.length > 0 ||
      this.pendingSnapshot !== undefined ||
      this.log.hasUnstable() ||
      this.log.hasApplicable() ||
      this.hardStateChanged() ||
      this.softStateChanged()
    );
  }

  ready(): Ready {
    assert(this.outstanding === undefined, 'ready() called twice without advance()');
    if (this.appendsPending) {
      this.appendsPending = false;
      if (this.role === Role.leader) this.broadcastAppend(false);
    }
    const hardState = this.currentHardState();
    const hardStateChanged = this.hardStateChanged();
    const entries = this.log.unstable();
    const snapshot = this.pendingSnapshot;
    const committedEntries = snapshot === undefined ? this.log.applicable() : [];
    const ready: Ready = {
      entries,
      messages: this.messages,
      committedEntries,
      readStates: this.readStates,
      mustSync:
        entries.length > 0 ||
        snapshot !== undefined ||
        hardState.term !== this.persistedHardState.term ||
        hardState.vote !== this.persistedHardState.vote,
    };
    if (hardStateChanged) ready.hardState = hardState;
    if (snapshot !== undefined) ready.snapshot = snapshot;
    if (this.softStateChanged()) {
      this.reportedSoftState = { leader: this.leader, role: this.role };
      ready.softState = { ...this.reportedSoftState };
    }
    this.messages = [];
    this.readStates = [];
    this.readRounds.markSent();
    this.outstanding = {
      stableThrough: entries.at(-1)?.index ?? this.log.stable,
      appliedThrough: committedEntries.at(-1)?.index ?? this.log.applied,
      snapshotIndex: snapshot?.metadata.index ?? 0,
    };
    if (hardStateChanged) this.persistedHardState = hardState;
    return ready;
  }

  advance(): void {
    const done = this.outstanding;
    assert(done !== undefined, 'advance() without ready()');
    this.outstanding = undefined;
    if (done.snapshotIndex > 0) {
      this.pendingSnapshot = undefined;
      this.log.stable = Math.max(this.log.stable, done.snapshotIndex);
      this.log.applied = Math.max(this.log.applied, done.snapshotIndex);
    }
    this.log.stable = Math.max(this.log.stable, done.stableThrough);
    this.log.applied = Math.max(this.log.applied, done.appliedThrough);
    if (this.role === Role.leader) {
      // The leader's own copy counts toward the quorum only once it is durable (etcd #14370).
      const self = this.progress.get(this.id);
      if (self !== undefined) self.acknowledge(this.log.stable);
      if (this.maybeCommit()) this.broadcastAppend();
    }
  }

  // ---------------------------------------------------------------- elections

  private promotable(): boolean {
    return isVoter(this.configuration, this.id);
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.startCampaign(this.options.preVote ? 'preVote' : 'election');
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.options.electionTicks) {
      this.electionElapsed = 0;
      if (this.options.checkQuorum && !this.quorumActive()) {
        // Partitioned from a majority: step down so clients look elsewhere (thesis §6.2).
        this.becomeFollower(this.term, NO_SERVER);
        return;
      }
      this.leadTransferee = NO_SERVER; // a transfer that has not finished by now is abandoned
    }
    if (this.heartbeatElapsed >= this.options.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
    }
    this.promoteCaughtUpServers();
  }

  /** Whether a majority of voters was heard from since the last check; resets the marks. */
  private quorumActive(): boolean {
    const voters = voterIds(this.configuration);
    let active = 0;
    for (const id of voters) {
      if (id === this.id) {
        active++;
        continue;
      }
      const progress = this.progress.get(id);
      if (progress?.recentActive) active++;
    }
    for (const [id, progress] of this.progress) progress.recentActive = id === this.id;
    return tallyVotes(voters.length, active, 0) === VoteOutcome.won;
  }

  private startCampaign(kind: 'preVote' | 'election' | 'transfer'): void {
    const isPreVote = kind === 'preVote';
    if (isPreVote) this.becomePreCandidate();
    else this.becomeCandidate();
    const electionTerm = isPreVote ? this.term + 1 : this.term;
    const type = isPreVote ? MessageType.preVote : MessageType.vote;
    this.recordVote(this.id, true);
    if (this.concludeElection()) return;
    for (const id of voterIds(this.configuration)) {
      if (id === this.id) continue;
      const message: Omit<Message, 'from'> = {
        type,
        to: id,
        term: electionTerm,
        index: this.log.lastIndex,
        logTerm: this.log.lastTerm,
      };
      if (kind === 'transfer') message.transfer = true;
      this.send(message);
    }
  }

  private recordVote(from: ServerId, granted: boolean): void {
    if (!this.votes.has(from)) this.votes.set(from, granted);
  }

  /** Acts on the votes so far; returns true when the election is decided. */
  private concludeElection(): boolean {
    const voters = voterIds(this.configuration);
    let granted = 0;
    let refused = 0;
    for (const id of voters) {
      const vote = this.votes.get(id);
      if (vote === true) granted++;
      else if (vote === false) refused++;
    }
    const outcome = tallyVotes(voters.length, granted, refused);
    if (outcome === VoteOutcome.won) {
      if (this.role === Role.preCandidate) this.startCampaign('election');
      else this.becomeLeader();
      return true;
    }
    if (outcome === VoteOutcome.lost) {
      this.becomeFollower(this.term, NO_SERVER);
      return true;
    }
    return false;
  }

  private handleVoteRequest(message: Message): void {
    const isPreVote = message.type === MessageType.preVote;
    const canVote =
      this.vote === message.from ||
      (this.vote === NO_SERVER && this.leader === NO_SERVER) ||
      (isPreVote && message.term > this.term);
    const upToDate = this.log.isUpToDate(message.index ?? 0, message.logTerm ?? 0);
    const responseType = isPreVote ? MessageType.preVoteResponse : MessageType.voteResponse;
    if (canVote && upToDate) {
      // A PreVote grant answers in the term asked about, so the pre-candidate counts it.
      this.send({ type: responseType, to: message.from, term: message.term, reject: false });
      if (!isPreVote) {
        this.electionElapsed = 0;
        this.vote = message.from;
      }
    } else {
      this.send({ type: responseType, to: message.from, term: this.term, reject: true });
    }
  }

  /** Returns false when the message must be dropped. */
  private stepHigherTerm(message: Message): boolean {
    const isVoteRequest = message.type === MessageType.vote || message.type === MessageType.preVote;
    if (isVoteRequest) {
      // CheckQuorum stickiness: while a leader is being heard from, ignore disruptive campaigns
      // (thesis §4.2.3), unless the leader itself asked for this one by a transfer.
      const inLease =
        this.options.checkQuorum &&
        this.leader !== NO_SERVER &&
        this.electionElapsed < this.options.electionTicks;
      if (inLease && message.transfer !== true) return false;
    }
    if (message.type === MessageType.preVote) return true; // a PreVote never changes our term
    if (message.type === MessageType.preVoteResponse && message.reject !== true) return true;
    const fromLeader =
      message.type === MessageType.append ||
      message.type === MessageType.heartbeat ||
      message.type === MessageType.snapshot;
    this.becomeFollower(message.term, fromLeader ? message.from : NO_SERVER);
    return true;
  }

  private stepLowerTerm(message: Message): void {
    if (
      (this.options.checkQuorum || this.options.preVote) &&
      (message.type === MessageType.heartbeat || message.type === MessageType.append)
    ) {
      // A stale leader that cannot hear the new one (or was partitioned and is being ignored
      // by PreVote) learns the current term from this answer and steps down.
      this.send({ type: MessageType.appendResponse, to: message.from, term: this.term });
    } else if (message.type === MessageType.preVote) {
      this.send({ type: MessageType.preVoteResponse, to: message.from, term: this.term, reject: true });
    }
  }

  private becomeFollower(term: number, leader: ServerId): void {
    const wasLeader = this.role === Role.leader;
    if (term !== this.term) {
      this.term = term;
      this.vote = NO_SERVER;
    }
    this.role = Role.follower;
    this.leader = leader;
    this.resetElectionState();
    if (wasLeader) this.dropLeaderState();
  }

  private becomePreCandidate(): void {
    // A PreVote changes neither term nor vote: a partitioned server cannot inflate terms.
    this.role = Role.preCandidate;
    this.leader = NO_SERVER;
    this.resetElectionState();
  }

  private becomeCandidate(): void {
    this.term += 1;
    this.vote = this.id;
    this.role = Role.candidate;
    this.leader = NO_SERVER;
    this.resetElectionState();
  }

  private becomeLeader(): void {
    this.role = Role.leader;
    this.leader = this.id;
    this.resetElectionState();
    this.progress.clear();
    this.syncProgressWithConfiguration();
    // CheckQuorum counts only followers heard from during this leadership (etcd becomeLeader):
    // a leader elected and then cut off steps down after one election timeout, not two.
    // (Servers added later start active, so a new one is not held against the quorum at once.)
    for (const [id, progress] of this.progress) progress.recentActive = id === this.id;
    const self = this.progress.get(this.id);
    if (self !== undefined) {
      self.acknowledge(this.log.stable);
      self.becomeReplicate();
    }
    this.uncommittedBytes = 0;
    // Commit an entry of this term (thesis §6.4): until then earlier entries cannot be known
    // committed and ReadIndex requests must wait.
    this.appendEntry(EntryKind.noop, new Uint8Array(0));
  }

  private resetElectionState(): void {
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.votes.clear();
    this.leadTransferee = NO_SERVER;
    this.resetRandomizedElectionTimeout();
  }

  private dropLeaderState(): void {
    this.progress.clear();
    this.promoteWhenCaughtUp.clear();
    this.readRounds.clear();
    this.readsAwaitingFirstCommit = [];
    this.uncommittedBytes = 0;
  }

  private resetRandomizedElectionTimeout(): void {
    const ticks = this.options.electionTicks;
    this.randomizedElectionTimeout = ticks + Math.floor(this.options.random.next() * ticks);
  }

  // ---------------------------------------------------------------- leader

  private refuseProposal(): ProposalRefusal | undefined {
    if (this.role !== Role.leader) return ProposalRefusal.notLeader;
    if (this.leadTransferee !== NO_SERVER) return ProposalRefusal.transferInProgress;
    return undefined;
  }

  private appendEntry(kind: EntryKind, data: Uint8Array, configuration?: Configuration): Entry {
    const entry: Entry = { index: this.log.lastIndex + 1, term: this.term, kind, data };
    if (configuration !== undefined) entry.configuration = configuration;
    this.log.append([entry]);
    this.uncommittedBytes += data.byteLength;
    if (configuration !== undefined) this.adoptConfiguration(configuration, entry.index);
    // Replication waits for ready(), so every proposal of a turn travels in one append.
    this.appendsPending = true;
    return entry;
  }

  private stepLeader(message: Message): void {
    const progress = this.progress.get(message.from);
    switch (message.type) {
      case MessageType.appendResponse:
        if (progress === undefined) return;
        progress.recentActive = true;
        this.handleAppendResponse(message, progress);
        return;
      case MessageType.heartbeatResponse:
        if (progress === undefined) return;
        progress.recentActive = true;
        progress.resumeAfterHeartbeat();
        // A probing follower gets an append even when it lacks nothing, so that its answer moves
        // it back to replicate (etcd heartbeat_resp_recovers_from_probing.txt).
        if (progress.match < this.log.lastIndex || progress.state === ProgressState.probe) {
          this.sendAppend(message.from);
        }
        if ((message.context ?? 0) > 0) {
          const confirmed = this.readRounds.acknowledge(
            message.from,
            message.context ?? 0,
            voterIds(this.configuration),
          );
          this.answerReads(confirmed);
        }
        return;
      case MessageType.readIndex:
        this.handleReadIndex({ index: 0, context: message.context ?? 0, from: message.from });
        return;
      default:
        return;
    }
  }

  private handleAppendResponse(message: Message, progress: Progress): void {
    const index = message.index ?? 0;
    if (message.reject === true) {
      const hint =
        message.rejectHintTerm !== undefined && message.rejectHintTerm > 0
          ? this.log.findConflictByTerm(message.rejectHint ?? index, message.rejectHintTerm).index
          : (message.rejectHint ?? index);
      if (progress.decreaseTo(index, hint)) this.sendAppend(message.from);
      return;
    }
    const wasPaused = progress.isPaused();
    // An answer that only confirms the match still ends a probe (etcd handleAppendResponse).
    const confirmsProbe = index === progress.match && progress.state === ProgressState.probe;
    if (progress.acknowledge(index) || confirmsProbe) {
      if (progress.state === ProgressState.probe) progress.becomeReplicate();
      else if (progress.state === ProgressState.snapshot && progress.match >= progress.pendingSnapshot) {
        progress.becomeProbe();
        progress.becomeReplicate();
      }
      if (this.maybeCommit()) this.broadcastAppend();
      else if (wasPaused) this.sendAppend(message.from);
      // Keep the pipeline full.
      while (!progress.isPaused() && progress.next <= this.log.lastIndex) {
        if (!this.sendAppend(message.from)) break;
      }
      if (message.from === this.leadTransferee && progress.match === this.log.lastIndex) {
        this.sendTimeoutNow(message.from);
      }
      this.promoteCaughtUpServers();
    } else if (!progress.isPaused() && progress.next <= this.log.lastIndex) {
      this.sendAppend(message.from);
    }
  }

  /** Advances the commit index to what a majority of voters has (current-term entries only, §5.4.2). */
  private maybeCommit(): boolean {
    const matches = voterIds(this.configuration).map((id) => this.progress.get(id)?.match ?? 0);
    const candidate = majorityMatchIndex(matches);
    if (candidate <= this.log.commit) return false;
    const term = this.log.term(candidate);
    if (term !== this.term && this.options.unsafe?.commitPreviousTermEntries !== true) return false;
    const firstOfTerm = this.log.commit < candidate && !this.committedEntryInCurrentTerm();
    this.releaseCommittedBytes(this.log.commit, candidate);
    this.log.commitTo(candidate);
    if (firstOfTerm && this.committedEntryInCurrentTerm()) this.releaseReadsAwaitingFirstCommit();
    this.afterCommit();
    return true;
  }

  private releaseCommittedBytes(from: number, to: number): void {
    for (let index = from + 1; index <= to; index++) {
      const entry = this.log.entry(index);
      if (entry !== undefined && entry.term === this.term) this.uncommittedBytes -= entry.data.byteLength;
    }
    if (this.uncommittedBytes < 0) this.uncommittedBytes = 0;
  }

  /** Leader bookkeeping once the commit index moved. */
  private afterCommit(): void {
    // A leader removed from (or demoted in) a now-committed configuration steps down
    // (etcd StepDownOnRemoval, hashicorp membership.md).
    if (this.configurationIndex <= this.log.commit && !isVoter(this.configuration, this.id)) {
      // Tell the others first that the change is committed (etcd has broadcast the commit by
      // the time it applies the change and steps down); the progress goes with leadership.
      this.broadcastAppend();
      this.becomeFollower(this.term, NO_SERVER);
      return;
    }
    this.promoteCaughtUpServers();
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.commit) === this.term;
  }

  /** Sends each follower what it lacks; `sendIfEmpty` also carries a new commit index. */
  private broadcastAppend(sendIfEmpty = true): void {
    for (const id of this.progress.keys()) if (id !== this.id) this.sendAppend(id, sendIfEmpty);
  }

  /** Sends what `to` is missing, if flow control allows; returns whether a message went out. */
  private sendAppend(to: ServerId, sendIfEmpty = true): boolean {
    const progress = this.progress.get(to);
    if (progress === undefined || progress.isPaused()) return false;
    const previousIndex = progress.next - 1;
    const previousTerm = this.log.term(previousIndex);
    if (previousTerm === undefined) return this.sendSnapshot(to, progress);
    const entries =
      progress.next <= this.log.lastIndex
        ? this.log.slice(
            progress.next,
            Math.min(this.log.lastIndex, progress.next + this.options.maxAppendEntries - 1),
            this.options.maxAppendBytes,
          )
        : [];
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({
      type: MessageType.append,
      to,
      term: this.term,
      index: previousIndex,
      logTerm: previousTerm,
      entries,
      commit: this.log.commit,
    });
    progress.sentAppend(entries.at(-1)?.index ?? previousIndex, entries.length);
    return true;
  }

  private sendSnapshot(to: ServerId, progress: Progress): boolean {
    const snapshot = this.latestSnapshot;
    if (snapshot === undefined) return false; // nothing to send yet: the shell will compact later
    progress.becomeSnapshot(snapshot.metadata.index);
    this.send({ type: MessageType.snapshot, to, term: this.term, snapshot });
    return true;
  }

  private broadcastHeartbeat(): void {
    const context = this.readRounds.latestRound;
    for (const [id, progress] of this.progress) {
      if (id === this.id) continue;
      const message: Omit<Message, 'from'> = {
        type: MessageType.heartbeat,
        to: id,
        term: this.term,
        // Never tell a follower to commit beyond what it is known to have (etcd sendHeartbeat).
        commit: Math.min(progress.match, this.log.commit),
      };
      if (context > 0) message.context = context;
      this.send(message);
    }
  }

  private sendTimeoutNow(to: ServerId): void {
    this.send({ type: MessageType.timeoutNow, to, term: this.term });
  }

  private handleReadIndex(request: ReadRequest): void {
    if (this.options.unsafe?.readWithoutQuorum === true) {
      this.answerReads([{ ...request, index: this.log.commit }]);
      return;
    }
    if (!this.committedEntryInCurrentTerm()) {
      this.readsAwaitingFirstCommit.push(request);
      return;
    }
    const withIndex = { ...request, index: this.log.commit };
    const voters = voterIds(this.configuration);
    if (voters.length === 1 && voters[0] === this.id) {
      this.answerReads([withIndex]);
      return;
    }
    const newRound = this.readRounds.add(withIndex, this.id);
    if (newRound !== undefined) {
      for (const [id, progress] of this.progress) {
        if (id === this.id || !isVoter(this.configuration, id)) continue;
        this.send({
          type: MessageType.heartbeat,
          to: id,
          term: this.term,
          commit: Math.min(progress.match, this.log.commit),
          context: newRound,
        });
      }
    }
  }

  private releaseReadsAwaitingFirstCommit(): void {
    const waiting = this.readsAwaitingFirstCommit;
    this.readsAwaitingFirstCommit = [];
    for (const request of waiting) this.handleReadIndex(request);
  }

  private answerReads(requests: ReadRequest[]): void {
    for (const request of requests) {
      if (request.from === this.id) {
        this.readStates.push({ index: request.index, context: request.context });
      } else {
        this.send({
          type: MessageType.readIndexResponse,
          to: request.from,
          term: this.term,
          index: request.index,
          context: request.context,
        });
      }
    }
  }

  private promoteCaughtUpServers(): void {
    if (this.role !== Role.leader || this.promoteWhenCaughtUp.size === 0) return;
    if (this.configurationChangePending || this.leadTransferee !== NO_SERVER) return;
    for (const id of this.promoteWhenCaughtUp) {
      const progress = this.progress.get(id);
      if (!hasServer(this.configuration, id)) {
        this.promoteWhenCaughtUp.delete(id);
        continue;
      }
      // Caught up: it holds everything committed, so as a voter it will not stall commits.
      if (progress !== undefined && progress.match >= this.log.commit) {
        this.promoteWhenCaughtUp.delete(id);
        const next = applyConfigurationChange(this.configuration, {
          kind: ConfigurationChangeKind.addVoter,
          id,
        });
        if (typeof next !== 'string') this.appendEntry(EntryKind.configuration, new Uint8Array(0), next);
        return; // one change at a time
      }
    }
  }

  // ---------------------------------------------------------------- candidate and follower

  private stepCandidate(message: Message): void {
    switch (message.type) {
      case MessageType.append:
      case MessageType.heartbeat:
      case MessageType.snapshot:
        // A leader of this term exists: follow it (§5.2).
        this.becomeFollower(message.term, message.from);
        this.stepFollower(message);
        return;
      case MessageType.preVoteResponse:
      case MessageType.voteResponse: {
        const expected =
          this.role === Role.preCandidate ? MessageType.preVoteResponse : MessageType.voteResponse;
        if (message.type !== expected) return;
        this.recordVote(message.from, message.reject !== true);
        this.concludeElection();
        return;
      }
      default:
        return;
    }
  }

  private stepFollower(message: Message): void {
    switch (message.type) {
      case MessageType.append:
        this.heardFromLeader(message.from);
        this.handleAppend(message);
        return;
      case MessageType.heartbeat: {
        this.heardFromLeader(message.from);
        this.log.commitTo(Math.min(message.commit ?? 0, this.log.lastIndex));
        const response: Omit<Message, 'from'> = {
          type: MessageType.heartbeatResponse,
          to: message.from,
          term: this.term,
        };
        if (message.context !== undefined) response.context = message.context;
        this.send(response);
        return;
      }
      case MessageType.snapshot:
        this.heardFromLeader(message.from);
        this.handleSnapshot(message);
        return;
      case MessageType.timeoutNow:
        // The leader is handing over: campaign at once, without PreVote (etcd raft.go:1712).
        if (this.promotable()) this.startCampaign('transfer');
        return;
      case MessageType.readIndexResponse:
        this.readStates.push({ index: message.index ?? 0, context: message.context ?? 0 });
        return;
      case MessageType.readIndex:
        // Forwarded to us by mistake (we are not the leader): the asker times out and retries.
        return;
      default:
        return;
    }
  }

  private heardFromLeader(leader: ServerId): void {
    this.electionElapsed = 0;
    this.leader = leader;
  }

  private handleAppend(message: Message): void {
    const previousIndex = message.index ?? 0;
    const previousTerm = message.logTerm ?? 0;
    const entries = message.entries ?? [];
    if (previousIndex < this.log.commit) {
      // Everything up to our commit index is settled; acknowledge it so the leader moves on.
      this.send({
        type: MessageType.appendResponse,
        to: message.from,
        term: this.term,
        index: this.log.commit,
      });
      return;
    }
    if (this.log.matchTerm(previousIndex, previousTerm)) {
      const truncatedAt = this.log.appendFromLeader(entries);
      if (truncatedAt !== undefined) this.recomputeConfiguration();
      else this.adoptAppendedConfigurations(entries);
      const lastNew = previousIndex + entries.length;
      this.log.commitTo(Math.min(message.commit ?? 0, lastNew));
      this.send({ type: MessageType.appendResponse, to: message.from, term: this.term, index: lastNew });
      return;
    }
    const hint = this.log.findConflictByTerm(Math.min(previousIndex, this.log.lastIndex), previousTerm);
    this.send({
      type: MessageType.appendResponse,
      to: message.from,
      term: this.term,
      index: previousIndex,
      reject: true,
      rejectHint: hint.index,
      rejectHintTerm: hint.term,
    });
  }

  private handleSnapshot(message: Message): void {
    const snapshot = message.snapshot;
    if (snapshot === undefined) return;
    const { index, term } = snapshot.metadata;
    if (index <= this.log.commit) {
      this.send({
        type: MessageType.appendResponse,
        to: message.from,
        term: this.term,
        index: this.log.commit,
      });
      return;
    }
    if (this.log.matchTerm(index, term)) {
      // We already hold the snapshot's entries: just learn that they are committed. Acknowledge
      // only `index`: what follows it here may be an older leader's uncommitted suffix, which
      // no consistency check has vouched for (etcd answers its commit index, too).
      this.log.commitTo(index);
      this.send({ type: MessageType.appendResponse, to: message.from, term: this.term, index });
      return;
    }
    this.log.restore(index, term);
    this.latestSnapshot = snapshot;
    this.pendingSnapshot = snapshot;
    this.baseConfiguration = snapshot.metadata.configuration;
    this.baseConfigurationIndex = index;
    this.recomputeConfiguration();
    this.send({ type: MessageType.appendResponse, to: message.from, term: this.term, index });
  }

  // ---------------------------------------------------------------- configuration

  private adoptAppendedConfigurations(entries: Entry[]): void {
    for (const entry of entries) {
      if (entry.kind === EntryKind.configuration && entry.index > this.configurationIndex) {
        this.adoptConfiguration(entry.configuration ?? EMPTY_CONFIGURATION, entry.index);
      }
    }
  }

  /** After a truncation or restore: the newest configuration still in the log, or the base. */
  private recomputeConfiguration(): void {
    const entry = this.log.lastConfigurationEntry();
    if (entry !== undefined) this.adoptConfiguration(entry.configuration ?? EMPTY_CONFIGURATION, entry.index);
    else this.adoptConfiguration(this.baseConfiguration, this.baseConfigurationIndex);
  }

  private adoptConfiguration(configuration: Configuration, index: number): void {
    this.configuration = configuration;
    this.configurationIndex = index;
    if (this.role === Role.leader) this.syncProgressWithConfiguration();
  }

  private configurationAt(index: number): { configuration: Configuration; index: number } {
    const entry = this.log.lastConfigurationEntry(index);
    if (entry !== undefined) {
      return { configuration: entry.configuration ?? EMPTY_CONFIGURATION, index: entry.index };
    }
    return { configuration: this.baseConfiguration, index: this.baseConfigurationIndex };
  }

  /** The configuration at `index` (for the shell's snapshots). */
  configurationForSnapshot(index: number): Configuration {
    return this.configurationAt(index).configuration;
  }

  private syncProgressWithConfiguration(): void {
    const ids = new Set(this.configuration.servers.map((server) => server.id));
    ids.add(this.id); // a leader being removed keeps replicating until the removal commits
    for (const id of ids) {
      if (!this.progress.has(id)) {
        this.progress.set(id, new Progress(this.log.lastIndex + 1, this.options.maxInflightAppends));
      }
    }
    for (const id of [...this.progress.keys()]) if (!ids.has(id)) this.progress.delete(id);
    // A smaller quorum may already be satisfied, for commits and for waiting reads.
    if (this.role === Role.leader) {
      const voters = new Set(voterIds(this.configuration));
      this.answerReads(this.readRounds.releaseConfirmed(voters));
    }
  }

  // ---------------------------------------------------------------- plumbing

  private send(message: Omit<Message, 'from'>): void {
    this.messages.push({ ...message, from: this.id } as Message);
  }

  private currentHardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.commit };
  }

  private hardStateChanged(): boolean {
    const persisted = this.persistedHardState;
    return (
      persisted.term !== this.term || persisted.vote !== this.vote || persisted.commit !== this.log.commit
    );
  }

  private softStateChanged(): boolean {
    return this.reportedSoftState.leader !== this.leader || this.reportedSoftState.role !== this.role;
  }

  private assertNoOutstandingReady(): void {
    assert(this.outstanding === undefined, 'the core was driven between ready() and advance()');
  }
}
