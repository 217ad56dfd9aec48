import { assert } from '../lib/assert.ts';

/** A table the journal can write: the shape shared by `Map` and `sorted-btree`. */
export interface WritableTable<K, V> {
  get(key: K): V | undefined;
  has(key: K): boolean;
  set(key: K, value: V): unknown;
  delete(key: K): boolean;
}

/**
 * The undo log of one state-store transaction. Every table write goes through it, so an aborted
 * transaction (a failed `txn` op, a thrown error) leaves the store exactly as it was, and the
 * watches and side effects a write causes happen only once it commits.
 *
 * Records are never mutated in place: a write replaces the record, so restoring the previous
 * record reference is a complete undo.
 */
export class Journal {
  private readonly undo: (() => void)[] = [];
  readonly changedKeys = new Set<string>();
  readonly changedTopics = new Set<string>();
  readonly effects: (() => void)[] = [];

  constructor(readonly raftIndex: number) {
    assert(
      Number.isSafeInteger(raftIndex) && raftIndex > 0,
      `raftIndex must be a positive integer, got ${raftIndex}`,
    );
  }

  set<K, V>(table: WritableTable<K, V>, key: K, value: V): void {
    const had = table.has(key);
    const previous = table.get(key);
    this.undo.push(had ? () => table.set(key, previous as V) : () => table.delete(key));
    table.set(key, value);
  }

  delete<K, V>(table: WritableTable<K, V>, key: K): boolean {
    if (!table.has(key)) return false;
    const previous = table.get(key) as V;
    this.undo.push(() => table.set(key, previous));
    table.delete(key);
    return true;
  }

  /** Runs `fn` only after the transaction commits (lock-delay arming, for instance). */
  afterCommit(fn: () => void): void {
    this.effects.push(fn);
  }

  rollback(): void {
    for (let i = this.undo.length - 1; i >= 0; i--) this.undo[i]!();
    this.undo.length = 0;
    this.changedKeys.clear();
    this.changedTopics.clear();
    this.effects.length = 0;
  }
}
