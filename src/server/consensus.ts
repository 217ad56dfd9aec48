import type { ApplyResult } from '../fsm/fsm.ts';

export const RaftRole = { leader: 'leader', follower: 'follower', candidate: 'candidate' } as const;
export type RaftRole = (typeof RaftRole)[keyof typeof RaftRole];

export interface RaftServer {
  ID: string;
  Node: string;
  Address: string;
  Leader: boolean;
  Voter: boolean;
}

export interface ConsensusStatus {
  role: RaftRole;
  /** RPC address of the leader (`127.0.0.1:8300`), '' when unknown. */
  leaderAddress: string;
  term: number;
  commitIndex: number;
  appliedIndex: number;
  lastLogIndex: number;
  /** Milliseconds since this server last heard from the leader; 0 on the leader itself. */
  lastContactMs: number;
}

/** Raised when a write or leader read reaches a server that cannot serve it. */
export class NoLeaderError extends Error {
  override name = 'NoLeaderError';
  constructor() {
    super('No cluster leader');
  }
}

/**
 * What the write path needs of Raft: `RaftNode` implements it (`Leaderless` stands in where
 * there is no server yet).
 */
export interface Consensus {
  /** Appends `data` to the log; resolves with the FSM's result once committed and applied. */
  propose(data: Uint8Array): Promise<ApplyResult>;
  /** Resolves once leadership is confirmed by a quorum and the FSM has applied the read index. */
  readBarrier(): Promise<void>;
  status(): ConsensusStatus;
  configuration(): { servers: RaftServer[]; index: number };
  /** Registers a callback for gaining (`true`) or losing (`false`) leadership. */
  onLeadershipChange(listener: (isLeader: boolean) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}
