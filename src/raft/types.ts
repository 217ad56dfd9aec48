/**
 * The vocabulary of the Raft core: log entries, configurations, messages, and the Ready batch
 * the core hands its shell. Everything here is plain data (structured-clone and msgpackr safe),
 * so the same values travel through the transport, the WAL and the simulator unchanged.
 */

/** A server's identity in the Raft configuration: Consul uses the node ID (a UUID). */
export type ServerId = string;

/** No server: an unset vote, an unknown leader. */
export const NO_SERVER: ServerId = '';

export const Suffrage = {
  /** Votes in elections and counts toward the commit quorum. */
  voter: 'voter',
  /** Receives the log but neither votes nor counts (hashicorp/raft `Nonvoter`, etcd learner). */
  nonvoter: 'nonvoter',
} as const;
export type Suffrage = (typeof Suffrage)[keyof typeof Suffrage];

export interface ConfigurationServer {
  id: ServerId;
  /** Transport address of the server's Raft port, `host:port`. */
  address: string;
  suffrage: Suffrage;
}

/** The cluster membership, as carried by configuration entries and snapshots. */
export interface Configuration {
  servers: ConfigurationServer[];
}

export const EntryKind = {
  /** An FSM command proposed by a client. */
  command: 'command',
  /** The empty entry a new leader appends to commit an entry of its own term (thesis §6.4). */
  noop: 'noop',
  /** A membership change; takes effect as soon as it is appended (thesis §4.1). */
  configuration: 'configuration',
} as const;
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];

export interface Entry {
  index: number;
  term: number;
  kind: EntryKind;
  /** The FSM command for `command` entries; empty otherwise. */
  data: Uint8Array;
  /** The whole new membership for `configuration` entries. */
  configuration?: Configuration;
}

/** What must survive a restart besides the log: the term, the vote cast in it, the commit index. */
export interface HardState {
  term: number;
  vote: ServerId;
  commit: number;
}

export interface SnapshotMetadata {
  /** The last log index the snapshot covers. */
  index: number;
  term: number;
  /** The configuration in effect at `index`. */
  configuration: Configuration;
}

export interface Snapshot {
  metadata: SnapshotMetadata;
  /** The FSM's serialised state. */
  data: Uint8Array;
}

export const MessageType = {
  /** PreVote request (thesis §9.6): "would you vote for me in `term`?", no state changes. */
  preVote: 'preVote',
  preVoteResponse: 'preVoteResponse',
  vote: 'vote',
  voteResponse: 'voteResponse',
  /** AppendEntries carrying entries (possibly none, for probing). */
  append: 'append',
  appendResponse: 'appendResponse',
  /** Leader liveness and commit propagation; `context` carries a ReadIndex round number. */
  heartbeat: 'heartbeat',
  heartbeatResponse: 'heartbeatResponse',
  /** InstallSnapshot: the whole snapshot in one message. */
  snapshot: 'snapshot',
  /** Leadership transfer: "campaign now, skipping PreVote and the election timeout". */
  timeoutNow: 'timeoutNow',
  /** A follower asks the leader for a read index on behalf of its client. */
  readIndex: 'readIndex',
  readIndexResponse: 'readIndexResponse',
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/**
 * One message between servers. A single flat shape (like etcd's `raftpb.Message`) keeps the
 * transport and transcripts simple; fields a type does not use are absent.
 */
export interface Message {
  type: MessageType;
  from: ServerId;
  to: ServerId;
  term: number;
  /** append: index of the entry before `entries`; responses: the index acknowledged or rejected. */
  index?: number;
  /** append: term of the entry at `index`; votes: the candidate's last log term. */
  logTerm?: number;
  entries?: Entry[];
  /** Leader's commit index (append, heartbeat). */
  commit?: number;
  /** appendResponse / vote responses: true when refused. */
  reject?: boolean;
  /** appendResponse rejects: the follower's hint for the leader's next probe (fast back-off). */
  rejectHint?: number;
  /** appendResponse rejects: the term of the follower's entry at `rejectHint`. */
  rejectHintTerm?: number;
  snapshot?: Snapshot;
  /** heartbeat(Response): ReadIndex round; readIndex(Response): the client's request number. */
  context?: number;
  /** vote / preVote: the election was started by a leadership transfer (bypasses stickiness). */
  transfer?: boolean;
}

export const Role = {
  follower: 'follower',
  preCandidate: 'preCandidate',
  candidate: 'candidate',
  leader: 'leader',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** Volatile state the shell may want to observe; reported when it changes. */
export interface SoftState {
  leader: ServerId;
  role: Role;
}

/** A confirmed linearizable read: serve request `context` once the FSM has applied `index`. */
export interface ReadState {
  index: number;
  context: number;
}

/**
 * One batch of work for the shell, in the order it must be done (etcd-io/raft's Ready contract):
 * 1. persist `snapshot` (it replaces the whole stored log), then `entries` (writing entry i
 *    discards stored entries ≥ i), then `hardState`, with one fdatasync covering all of them
 *    when `mustSync`;
 * 2. send `messages` (never before step 1 is durable: they may acknowledge it);
 * 3. restore the FSM from `snapshot`, apply `committedEntries` in order; serve `readStates`
 *    once applied;
 * 4. call `advance()`.
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  snapshot?: Snapshot;
  entries: Entry[];
  messages: Message[];
  committedEntries: Entry[];
  readStates: ReadState[];
  /** True when entries, term or vote changed: the write must be fdatasync'ed before step 2. */
  mustSync: boolean;
}

/** Why the core refused a proposal; the shell turns these into client errors. */
export const ProposalRefusal = {
  notLeader: 'notLeader',
  transferInProgress: 'transferInProgress',
  /** Too many uncommitted bytes: the leader sheds load rather than queue without bound. */
  overloaded: 'overloaded',
  /** A membership change is already pending (one at a time). */
  configurationChangePending: 'configurationChangePending',
  /** The requested membership change is not valid for the current configuration. */
  invalidConfigurationChange: 'invalidConfigurationChange',
} as const;
export type ProposalRefusal = (typeof ProposalRefusal)[keyof typeof ProposalRefusal];

export type ProposeResult =
  | { ok: true; index: number; term: number }
  | { ok: false; refusal: ProposalRefusal };

export const ConfigurationChangeKind = {
  /** Add as a non-voter; the leader promotes it to voter once it has caught up. */
  addVoter: 'addVoter',
  addNonvoter: 'addNonvoter',
  demoteVoter: 'demoteVoter',
  removeServer: 'removeServer',
} as const;
export type ConfigurationChangeKind = (typeof ConfigurationChangeKind)[keyof typeof ConfigurationChangeKind];

export interface ConfigurationChange {
  kind: ConfigurationChangeKind;
  id: ServerId;
  /** Required for additions. */
  address?: string;
}
