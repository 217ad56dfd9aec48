import { unreachable } from '../lib/assert.ts';
import type { KvEntry, Session } from '../model/records.ts';
import { StateError } from '../state/errors.ts';
import { StateStore, type StateStoreOptions } from '../state/store.ts';
import {
  type Command,
  CommandType,
  decodeCommand,
  decodeSnapshot,
  encodeSnapshot,
  KvOp,
  type TxnKvOperation,
  TxnKvVerb,
} from './commands.ts';
import { applyTxnRead } from './txn-read.ts';

export interface TxnError {
  OpIndex: number;
  What: string;
}

export interface TxnOutcome {
  results: KvEntry[];
  errors: TxnError[];
}

/** What applying one command produced, handed back to the proposer. */
export type ApplyResult =
  | { kind: 'ok' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'session'; session: Session }
  | { kind: 'txn'; outcome: TxnOutcome }
  | { kind: 'error'; message: string };

/**
 * The finite state machine Raft drives: it applies committed commands, in log order, to the state
 * store at their Raft index. Apply is deterministic: the same log gives the same store on every
 * replica. Operating errors (a missing node, an unknown session) are results, not exceptions;
 * an exception here is a bug or an unknown command, and stops the replica.
 */
export class Fsm {
  private current: StateStore;

  constructor(private readonly storeOptions: StateStoreOptions = {}) {
    this.current = new StateStore(storeOptions);
  }

  get store(): StateStore {
    return this.current;
  }

  apply(data: Uint8Array, raftIndex: number): ApplyResult {
    const decoded = decodeCommand(data);
    if (decoded.kind === 'ignorable') return { kind: 'ok' };
    try {
      return this.applyCommand(decoded.command, raftIndex);
    } catch (error) {
      if (error instanceof StateError) return { kind: 'error', message: error.message };
      throw error;
    }
  }

  snapshot(): Uint8Array {
    return encodeSnapshot(this.current.snapshot());
  }

  /** Replaces the store with the snapshot's; blocking queries on the old one wake and re-run. */
  restore(data: Uint8Array): void {
    const next = StateStore.restore(decodeSnapshot(data), this.storeOptions);
    const previous = this.current;
    this.current = next;
    previous.abandon();
  }

  private applyCommand(command: Command, raftIndex: number): ApplyResult {
    const store = this.current;
    switch (command.type) {
      case CommandType.register:
        store.transact(raftIndex, () => store.catalog.register(command.registration));
        return { kind: 'ok' };
      case CommandType.deregister:
        store.transact(raftIndex, () => {
          if (command.serviceId !== '') store.catalog.deleteService(command.node, command.serviceId);
          else if (command.checkId !== '') store.catalog.deleteCheck(command.node, command.checkId);
          else store.catalog.deleteNode(command.node);
        });
        return { kind: 'ok' };
      case CommandType.kv:
        return { kind: 'bool', value: store.transact(raftIndex, () => this.applyKv(command)) };
      case CommandType.session:
        if (command.op === 'create') {
          return {
            kind: 'session',
            session: store.transact(raftIndex, () => store.sessions.create(command.session)),
          };
        }
        store.transact(raftIndex, () => store.sessions.destroy(command.id));
        return { kind: 'ok' };
      case CommandType.tombstoneReap:
        store.transact(raftIndex, () => store.kv.reapTombstones(command.upToIndex));
        return { kind: 'ok' };
      case CommandType.txn:
        return {
          kind: 'txn',
          outcome: store.transact(
            raftIndex,
            () => this.applyTxn(command.ops),
            (outcome) => outcome.errors.length > 0,
          ),
        };
      default:
        return unreachable(command);
    }
  }

  private applyKv(command: Extract<Command, { type: typeof CommandType.kv }>): boolean {
    const op = command.op;
    const kv = this.current.kv;
    switch (op) {
      case KvOp.set:
        return kv.set(command.entry);
      case KvOp.cas:
        return kv.setCas(command.entry, command.cas);
      case KvOp.lock:
        return kv.lock(command.entry);
      case KvOp.unlock:
        return kv.unlock(command.entry);
      case KvOp.delete:
        return kv.delete(command.entry.Key);
      case KvOp.deleteCas:
        return kv.deleteCas(command.entry.Key, command.cas);
      case KvOp.deleteTree:
        return kv.deleteTree(command.entry.Key);
      default:
        return unreachable(op);
    }
  }

  /** Runs every op; collects results and errors. The caller rolls back when there are errors. */
  private applyTxn(ops: readonly TxnKvOperation[]): TxnOutcome {
    const outcome: TxnOutcome = { results: [], errors: [] };
    ops.forEach((op, opIndex) => {
      try {
        const what = this.applyTxnOp(op, outcome.results);
        if (what !== undefined) outcome.errors.push({ OpIndex: opIndex, What: what });
      } catch (error) {
        if (!(error instanceof StateError)) throw error;
        outcome.errors.push({ OpIndex: opIndex, What: error.message });
      }
    });
    if (outcome.errors.length > 0) outcome.results = [];
    return outcome;
  }

  /** One transaction op (Consul's `txnKVS`); returns an error text, or undefined on success. */
  private applyTxnOp(op: TxnKvOperation, results: KvEntry[]): string | undefined {
    const kv = this.current.kv;
    const entry = { Key: op.Key, Flags: op.Flags, Value: op.Value, Session: op.Session };
    const existing = () => kv.get(op.Key).value;
    const written = () => {
      const stored = existing();
      if (stored !== undefined) results.push({ ...stored, Value: null });
      return undefined;
    };
    switch (op.Verb) {
      case TxnKvVerb.set:
        kv.set(entry);
        return written();
      case TxnKvVerb.cas:
        return kv.setCas(entry, op.Index) ? written() : `failed to set key "${op.Key}", index is stale`;
      case TxnKvVerb.lock:
        return kv.lock(entry) ? written() : `failed to lock key "${op.Key}", lock is already held`;
      case TxnKvVerb.unlock:
        return kv.unlock(entry)
          ? written()
          : `failed to unlock key "${op.Key}", lock isn't held, or is held by another session`;
      case TxnKvVerb.delete:
        kv.delete(op.Key);
        return undefined;
      case TxnKvVerb.deleteTree:
        kv.deleteTree(op.Key);
        return undefined;
      case TxnKvVerb.deleteCas:
        return kv.deleteCas(op.Key, op.Index)
          ? undefined
          : `failed to delete key "${op.Key}", index is stale`;
      default:
        return applyTxnRead(kv, op, results);
    }
  }
}
