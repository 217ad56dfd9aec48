import type { ApplyResult, Fsm } from '../fsm/fsm.ts';
import { assert } from '../lib/assert.ts';
import {
  type Consensus,
  type ConsensusStatus,
  NoLeaderError,
  RaftRole,
  type RaftServer,
} from './consensus.ts';

interface Pending {
  data: Uint8Array;
  resolve: (result: ApplyResult) => void;
  reject: (error: Error) => void;
}

/**
 * A Raft cluster of one voter, for `-dev` and `-bootstrap` single servers: it is its own
 * quorum, so it elects itself at start (term 1, with the bootstrap configuration at index 1; a
 * restart begins a new term and continues the log) and an entry is committed as soon as it is
 * appended. Proposals made in the same turn of the event loop are appended and applied as one
 * batch, as the full Raft batches them per Ready.
 *
 * The log is not kept: with no followers nothing ever reads it back, and the in-memory dev agent
 * has nothing to recover. The durable, replicated Raft replaces this class behind `Consensus`.
 */
export class SingleVoterRaft implements Consensus {
  private term = 0;
  private lastIndex = 0;
  private appliedIndex = 0;
  private running = false;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private readonly listeners: ((isLeader: boolean) => void)[] = [];

  constructor(
    private readonly fsm: Fsm,
    private readonly self: { id: string; node: string; address: string },
  ) {}

  async start(): Promise<void> {
    assert(!this.running, 'consensus already started');
    this.running = true;
    this.term += 1;
    // The bootstrap configuration entry. A restart keeps the log's position: the FSM still holds
    // every index applied so far, and new writes must not stamp lower ones.
    if (this.lastIndex === 0) {
      this.lastIndex = 1;
      this.appliedIndex = 1;
    }
    for (const listener of this.listeners) listener(true);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.flush();
    for (const listener of this.listeners) listener(false);
  }

  propose(data: Uint8Array): Promise<ApplyResult> {
    if (!this.running) return Promise.reject(new NoLeaderError());
    return new Promise((resolve, reject) => {
      this.queue.push({ data, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    let failed = false;
    let lostLeadership = false;
    for (const pending of batch) {
      if (failed) {
        // Never appended: the replica stopped at the failed entry before it.
        pending.reject(new NoLeaderError());
        continue;
      }
      const index = ++this.lastIndex;
      try {
        const result = this.fsm.apply(pending.data, index);
        this.appliedIndex = index;
        pending.resolve(result);
      } catch (error) {
        // An FSM failure is fatal for a replica: stop taking writes rather than diverge.
        failed = true;
        lostLeadership = this.running; // stop() reports its own loss
        this.running = false;
        pending.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
    if (lostLeadership) for (const listener of this.listeners) listener(false);
  }

  async readBarrier(): Promise<void> {
    if (!this.running) throw new NoLeaderError();
  }

  status(): ConsensusStatus {
    return {
      role: this.running ? RaftRole.leader : RaftRole.follower,
      leaderAddress: this.running ? this.self.address : '',
      term: this.term,
      commitIndex: this.lastIndex,
      appliedIndex: this.appliedIndex,
      lastLogIndex: this.lastIndex,
      lastContactMs: 0,
    };
  }

  configuration(): { servers: RaftServer[]; index: number } {
    const server = {
      ID: this.self.id,
      Node: this.self.node,
      Address: this.self.address,
      Leader: this.running,
      Voter: true,
    };
    return { servers: [server], index: 1 };
  }

  onLeadershipChange(listener: (isLeader: boolean) => void): void {
    this.listeners.push(listener);
  }
}
