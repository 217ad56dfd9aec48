import { type Command, CommandType, encodeCommand, type KvOp, type TxnKvOperation } from '../fsm/commands.ts';
import type { ApplyResult, Fsm, TxnOutcome } from '../fsm/fsm.ts';
import { assert } from '../lib/assert.ts';
import { nsToMs, SECOND } from '../lib/duration.ts';
import type { Session } from '../model/records.ts';
import type { Clock, Timer } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { Random } from '../ports/random.ts';
import type { Registration } from '../state/catalog.ts';
import type { KvWrite } from '../state/kv.ts';
import type { StateStore } from '../state/store.ts';
import type { Consensus } from './consensus.ts';
import { SessionTimers } from './session-timers.ts';
import { TombstoneGc } from './tombstone-gc.ts';

/** Consul's `structs.MaxLockDelay`. */
export const MAX_LOCK_DELAY_NS = 60 * SECOND;

/** An error the FSM returned for a well-formed write (HTTP 500 with this text, as Consul). */
export class ApplyError extends Error {
  override name = 'ApplyError';
}

export interface ServerOptions {
  fsm: Fsm;
  consensus: Consensus;
  clock: Clock;
  random: Random;
  logger: Logger;
  /** How long tombstones are kept before the leader reaps them (Consul: 15 min). */
  tombstoneTtlMs?: number;
}

/**
 * A server's write path and leader duties. Every write is a command proposed to Raft and applied
 * by the FSM at its index; this class adds what only the leader does around that: lock-delay
 * checks before an acquire, session TTL timers, tombstone reaping.
 */
export class Server {
  readonly fsm: Fsm;
  readonly consensus: Consensus;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly logger: Logger;
  /** key → monotonic ms until which acquires are refused (Consul's `KVSLockDelay`). */
  private readonly lockDelays = new Map<string, number>();
  private readonly lockDelayTimers = new Map<string, Timer>();
  readonly sessionTimers: SessionTimers;
  private readonly tombstoneGc: TombstoneGc;

  constructor(options: ServerOptions) {
    this.fsm = options.fsm;
    this.consensus = options.consensus;
    this.clock = options.clock;
    this.random = options.random;
    this.logger = options.logger;
    this.sessionTimers = new SessionTimers(options.clock, (id) => this.expireSession(id));
    this.tombstoneGc = new TombstoneGc(options.clock, options.tombstoneTtlMs ?? 15 * 60_000, (upToIndex) =>
      this.propose({ type: CommandType.tombstoneReap, upToIndex }).then(
        () => {},
        // Leadership lost mid-way: the next leader's collector reaps them.
        (error: unknown) => this.logger.warn({ error: String(error) }, 'tombstone reap failed'),
      ),
    );
    this.consensus.onLeadershipChange((isLeader) =>
      isLeader ? this.establishLeadership() : this.revokeLeadership(),
    );
  }

  /** The live state store (a restore replaces it, so never keep a reference). */
  get store(): StateStore {
    return this.fsm.store;
  }

  /**
   * Called by the FSM's store when an invalidated session's keys get a lock-delay. A delay beyond
   * Consul's `MaxLockDelay` (60 s) is not respected: it is cut to 60 s, as Consul's state store does.
   */
  armLockDelay(keys: readonly string[], lockDelayNs: number): void {
    const delayMs = nsToMs(Math.min(lockDelayNs, MAX_LOCK_DELAY_NS));
    const until = this.clock.nowMs() + delayMs;
    for (const key of keys) {
      this.lockDelays.set(key, until);
      this.lockDelayTimers.get(key)?.cancel();
      this.lockDelayTimers.set(
        key,
        this.clock.setTimer(delayMs, () => {
          this.lockDelays.delete(key);
          this.lockDelayTimers.delete(key);
        }),
      );
    }
  }

  async propose(command: Command): Promise<ApplyResult> {
    return this.consensus.propose(encodeCommand(command));
  }

  private async proposeChecked(command: Command): Promise<ApplyResult> {
    const result = await this.propose(command);
    if (result.kind === 'error') throw new ApplyError(result.message);
    return result;
  }

  // --- KV ----------------------------------------------------------------------------------------

  /** A KV write. An acquire during the key's lock-delay answers `false` without proposing. */
  async kv(op: KvOp, entry: KvWrite, cas = 0): Promise<boolean> {
    if (op === 'lock' && this.inLockDelay(entry.Key)) return false;
    const result = await this.proposeChecked({ type: CommandType.kv, op, entry, cas });
    assert(result.kind === 'bool', `kv command answered ${result.kind}`);
    return result.value;
  }

  private inLockDelay(key: string): boolean {
    const until = this.lockDelays.get(key);
    return until !== undefined && this.clock.nowMs() < until;
  }

  /** A transaction. A lock op on a key in its lock-delay fails it without proposing (Consul's `Txn.Apply`). */
  async txn(ops: TxnKvOperation[]): Promise<TxnOutcome> {
    const delayed = ops.flatMap((op, OpIndex) =>
      op.Verb === 'lock' && this.inLockDelay(op.Key)
        ? [{ OpIndex, What: `failed to lock key "${op.Key}" due to lock delay` }]
        : [],
    );
    if (delayed.length > 0) return { results: [], errors: delayed };
    const result = await this.proposeChecked({ type: CommandType.txn, ops });
    assert(result.kind === 'txn', `txn command answered ${result.kind}`);
    return result.outcome;
  }

  // --- catalog -----------------------------------------------------------------------------------

  async register(registration: Registration): Promise<void> {
    await this.proposeChecked({ type: CommandType.register, registration });
  }

  async deregister(node: string, serviceId = '', checkId = ''): Promise<void> {
    await this.proposeChecked({ type: CommandType.deregister, node, serviceId, checkId });
  }

  // --- sessions ----------------------------------------------------------------------------------

  /** Creates a session with a fresh unique ID and starts its TTL timer. */
  async createSession(session: Omit<Session, 'ID' | 'CreateIndex' | 'ModifyIndex'>): Promise<Session> {
    let id = this.random.uuid();
    while (this.store.sessions.get(id).value !== undefined) id = this.random.uuid();
    const result = await this.proposeChecked({
      type: CommandType.session,
      op: 'create',
      session: { ...session, ID: id },
    });
    assert(result.kind === 'session', `session create answered ${result.kind}`);
    this.sessionTimers.arm(result.session);
    return result.session;
  }

  async destroySession(id: string): Promise<void> {
    await this.proposeChecked({ type: CommandType.session, op: 'destroy', id });
    this.sessionTimers.clear(id);
  }

  /** Renews a session's TTL; undefined when the session does not exist. */
  renewSession(id: string): Session | undefined {
    const session = this.store.sessions.get(id).value;
    if (session !== undefined) this.sessionTimers.arm(session);
    return session;
  }

  private async expireSession(id: string): Promise<void> {
    if (this.store.sessions.get(id).value === undefined) return;
    this.logger.info({ session: id }, 'session TTL expired; invalidating');
    try {
      await this.destroySession(id);
    } catch (error) {
      this.logger.warn({ session: id, error: String(error) }, 'failed to invalidate expired session');
    }
  }

  // --- leadership --------------------------------------------------------------------------------

  private establishLeadership(): void {
    // Consul's initializeSessionTimers: a new leader restarts every TTL from full.
    for (const session of this.store.sessions.list().value) this.sessionTimers.arm(session);
    this.tombstoneGc.start(() => this.store);
  }

  private revokeLeadership(): void {
    this.sessionTimers.clearAll();
    this.tombstoneGc.stop();
  }

  /** Stops timers; the consensus module is stopped by its owner. */
  close(): void {
    this.revokeLeadership();
    for (const timer of this.lockDelayTimers.values()) timer.cancel();
    this.lockDelayTimers.clear();
  }
}
