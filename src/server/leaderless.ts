import type { ApplyResult } from '../fsm/fsm.ts';
import {
  type Consensus,
  type ConsensusStatus,
  NoLeaderError,
  RaftRole,
  type RaftServer,
} from './consensus.ts';

/** Consul's answer when a client agent has no server to forward to. */
export class NoServersError extends Error {
  override name = 'NoServersError';
  constructor() {
    super('No known Consul servers');
  }
}

/**
 * Consensus where there is no leader to be had, so every write and leader read fails with
 * Consul's words for why:
 * - a client agent before it knows any server: `No known Consul servers` (the default);
 * - a server that must not elect itself alone (`-server` without `-bootstrap`, or
 *   `-bootstrap-expect` above 1) while multi-server Raft is not there: `No cluster leader`,
 *   which is what Consul answers until enough servers have joined.
 * Forwarding to servers, and the replicated Raft, replace this in their own issues.
 */
export class Leaderless implements Consensus {
  constructor(private readonly failure: () => Error = () => new NoServersError()) {}

  /** A server waiting for the peers `bootstrap_expect` names. */
  static awaitingPeers(): Leaderless {
    return new Leaderless(() => new NoLeaderError());
  }

  propose(_data: Uint8Array): Promise<ApplyResult> {
    return Promise.reject(this.failure());
  }
  readBarrier(): Promise<void> {
    return Promise.reject(this.failure());
  }
  status(): ConsensusStatus {
    const none = { commitIndex: 0, appliedIndex: 0, lastLogIndex: 0, term: 0, lastContactMs: 0 };
    return { role: RaftRole.follower, leaderAddress: '', ...none };
  }
  configuration(): { servers: RaftServer[]; index: number } {
    return { servers: [], index: 0 };
  }
  onLeadershipChange(): void {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}
