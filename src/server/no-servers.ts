import type { ApplyResult } from '../fsm/fsm.ts';
import { type Consensus, type ConsensusStatus, RaftRole, type RaftServer } from './consensus.ts';

/** Consul's answer when a client agent has no server to forward to. */
export class NoServersError extends Error {
  override name = 'NoServersError';
  constructor() {
    super('No known Consul servers');
  }
}

/**
 * The consensus seen by a client agent before it has joined any server: every write and leader
 * read fails with Consul's `No known Consul servers`. Forwarding to servers found through gossip
 * replaces this with the server-pool client in its own issue.
 */
export class NoServers implements Consensus {
  propose(_data: Uint8Array): Promise<ApplyResult> {
    return Promise.reject(new NoServersError());
  }
  readBarrier(): Promise<void> {
    return Promise.reject(new NoServersError());
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
