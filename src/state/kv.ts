import type { KvEntry } from '../model/records.ts';
import { type Read, type StoreContext, Table } from './context.ts';
import { StateError } from './errors.ts';

/** What a KV write carries. `Session` matters only for lock and unlock. */
export interface KvWrite {
  Key: string;
  Flags: number;
  Value: Uint8Array | null;
  Session?: string;
}

/** Go's `bytes.Equal`, which Consul's `DirEntry.Equal` uses: nil and empty are equal. */
function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if ((a?.length ?? 0) !== (b?.length ?? 0)) return false;
  if (a === null || b === null) return true;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameEntry(a: KvEntry, b: KvEntry): boolean {
  return (
    a.Key === b.Key &&
    a.Flags === b.Flags &&
    a.LockIndex === b.LockIndex &&
    a.Session === b.Session &&
    sameBytes(a.Value, b.Value)
  );
}

/**
 * The KV table, after Consul's `agent/consul/state/kvs.go`: entries sorted by key, tombstones
 * for deleted keys, per-result indexes, and the lock rules sessions rely on.
 */
export class KvTable {
  constructor(private readonly store: StoreContext) {}

  // --- reads ---------------------------------------------------------------------------------

  /** One key. A missing key answers with the table index (tombstones included). */
  get(key: string): Read<KvEntry | undefined> {
    const entry = this.store.tables.kv.get(key);
    return {
      value: entry,
      index: entry?.ModifyIndex ?? this.store.index(Table.kvs, Table.tombstones),
      watches: this.store.watchKey(key),
    };
  }

  /** Every key under `prefix`, sorted. */
  list(prefix: string): Read<KvEntry[]> {
    const entries: KvEntry[] = [];
    for (const [key, entry] of this.store.tables.kv.entries(prefix)) {
      if (!key.startsWith(prefix)) break;
      entries.push(entry);
    }
    return {
      value: entries,
      index: this.prefixIndex(prefix, entries),
      watches: this.store.watchPrefix(prefix),
    };
  }

  /**
   * Key names under `prefix`. With a separator, a key is cut after the first separator past the
   * prefix, and repeats are folded (`a/` with `/` → `a/x/`, `a/y/`).
   */
  keys(prefix: string, separator: string): Read<string[]> {
    const keys: string[] = [];
    const entries: KvEntry[] = [];
    let last: string | undefined;
    for (const [key, entry] of this.store.tables.kv.entries(prefix)) {
      if (!key.startsWith(prefix)) break;
      entries.push(entry);
      let name = key;
      if (separator !== '') {
        const at = key.indexOf(separator, prefix.length);
        if (at >= 0) name = key.slice(0, at + separator.length);
      }
      if (name !== last) keys.push(name);
      last = name;
    }
    return { value: keys, index: this.prefixIndex(prefix, entries), watches: this.store.watchPrefix(prefix) };
  }

  /**
   * Consul's `kvsListTxn` rule: the highest index among the entries and tombstones under the
   * prefix; the whole table's for the empty prefix or when nothing is there.
   */
  private prefixIndex(prefix: string, entries: readonly KvEntry[]): number {
    const tableIndex = this.store.index(Table.kvs, Table.tombstones);
    if (prefix === '') return tableIndex;
    let max = 0;
    for (const entry of entries) max = Math.max(max, entry.ModifyIndex);
    for (const [key, deletedAt] of this.store.tables.tombstones.entries(prefix)) {
      if (!key.startsWith(prefix)) break;
      max = Math.max(max, deletedAt);
    }
    return max === 0 ? tableIndex : max;
  }

  /** The session holding `key`, or '' (for lock checks before proposing). */
  holder(key: string): string {
    return this.store.tables.kv.get(key)?.Session ?? '';
  }

  // --- writes (inside StateStore.transact) ----------------------------------------------------

  /**
   * Plain set. Keeps an existing lock holder; an unchanged entry changes nothing. LockIndex is
   * the request's, 0, as in Consul's `kvsSetTxn`: a plain PUT on a key once locked resets it.
   */
  set(write: KvWrite): boolean {
    const existing = this.store.tables.kv.get(write.Key);
    this.put({
      Key: write.Key,
      Flags: write.Flags,
      Value: write.Value,
      LockIndex: 0,
      Session: existing?.Session ?? '',
      CreateIndex: existing?.CreateIndex ?? 0,
      ModifyIndex: 0,
    });
    return true;
  }

  /** Check-and-set: `cas` 0 creates only; otherwise the key's ModifyIndex must equal `cas`. */
  setCas(write: KvWrite, cas: number): boolean {
    const existing = this.store.tables.kv.get(write.Key);
    if (cas === 0 ? existing !== undefined : existing?.ModifyIndex !== cas) return false;
    return this.set(write);
  }

  /**
   * Acquire: takes the lock if it is free or already held by this session (LockIndex grows only
   * on a new acquisition) and writes the value either way. An unknown session is an error.
   * Lock-delay is checked by the leader before proposing, not here.
   */
  lock(write: KvWrite): boolean {
    const session = write.Session ?? '';
    if (!this.store.tables.sessions.has(session)) throw new StateError(`invalid session "${session}"`);
    const existing = this.store.tables.kv.get(write.Key);
    if (existing !== undefined && existing.Session !== '' && existing.Session !== session) return false;
    const newlyAcquired = existing === undefined || existing.Session !== session;
    this.put({
      Key: write.Key,
      Flags: write.Flags,
      Value: write.Value,
      LockIndex: (existing?.LockIndex ?? 0) + (newlyAcquired ? 1 : 0),
      Session: session,
      CreateIndex: existing?.CreateIndex ?? 0,
      ModifyIndex: 0,
    });
    return true;
  }

  /** Release: only the holder may; anyone else (or a missing key) gets `false`. */
  unlock(write: KvWrite): boolean {
    const existing = this.store.tables.kv.get(write.Key);
    if (existing === undefined || existing.Session === '' || existing.Session !== (write.Session ?? ''))
      return false;
    this.put({ ...existing, Flags: write.Flags, Value: write.Value, Session: '', ModifyIndex: 0 });
    return true;
  }

  /** Deletes one key, leaving a tombstone. A missing key changes nothing. */
  delete(key: string): boolean {
    const existing = this.store.tables.kv.get(key);
    if (existing === undefined) return true;
    this.remove(existing);
    return true;
  }

  /** Deletes `key` if its ModifyIndex equals `cas`. A missing key answers `true`, as Consul does. */
  deleteCas(key: string, cas: number): boolean {
    const existing = this.store.tables.kv.get(key);
    if (existing === undefined) return true;
    if (existing.ModifyIndex !== cas) return false;
    this.remove(existing);
    return true;
  }

  /** Deletes every key under `prefix` ('' deletes everything). */
  deleteTree(prefix: string): boolean {
    const doomed: KvEntry[] = [];
    for (const [key, entry] of this.store.tables.kv.entries(prefix)) {
      if (!key.startsWith(prefix)) break;
      doomed.push(entry);
    }
    for (const entry of doomed) this.remove(entry);
    return true;
  }

  /** Removes tombstones at or below `upToIndex` (the leader's tombstone GC). */
  reapTombstones(upToIndex: number): number {
    const journal = this.store.journal();
    const reaped: string[] = [];
    for (const [key, deletedAt] of this.store.tables.tombstones.entries())
      if (deletedAt <= upToIndex) reaped.push(key);
    for (const key of reaped) journal.delete(this.store.tables.tombstones, key);
    return reaped.length;
  }

  /** Release (clear holder) on behalf of an invalidated session. */
  releaseForSession(key: string): void {
    const existing = this.store.tables.kv.get(key);
    if (existing === undefined) return;
    this.put({ ...existing, Session: '', ModifyIndex: 0 });
  }

  /** Delete on behalf of an invalidated session with behavior `delete`. */
  deleteForSession(key: string): void {
    const existing = this.store.tables.kv.get(key);
    if (existing !== undefined) this.remove(existing);
  }

  restoreEntry(entry: KvEntry): void {
    this.store.tables.kv.set(entry.Key, entry);
    if (entry.Session !== '') this.lockSet(entry.Session, true).add(entry.Key);
  }

  // --- internals -------------------------------------------------------------------------------

  /** Writes `entry` at the transaction's index unless it is unchanged. */
  private put(entry: KvEntry): void {
    const tables = this.store.tables;
    const journal = this.store.journal();
    const existing = tables.kv.get(entry.Key);
    if (existing !== undefined && sameEntry(existing, entry)) return;
    const stored: KvEntry = {
      ...entry,
      CreateIndex: existing?.CreateIndex ?? journal.raftIndex,
      ModifyIndex: journal.raftIndex,
    };
    journal.set(tables.kv, entry.Key, stored);
    if (existing !== undefined && existing.Session !== '' && existing.Session !== stored.Session) {
      this.updateLockSet(existing.Session, entry.Key, false);
    }
    if (stored.Session !== '' && existing?.Session !== stored.Session)
      this.updateLockSet(stored.Session, entry.Key, true);
    this.store.touch(Table.kvs);
    this.store.touchKey(entry.Key);
  }

  private remove(existing: KvEntry): void {
    const tables = this.store.tables;
    const journal = this.store.journal();
    journal.delete(tables.kv, existing.Key);
    journal.set(tables.tombstones, existing.Key, journal.raftIndex);
    if (existing.Session !== '') this.updateLockSet(existing.Session, existing.Key, false);
    this.store.touch(Table.kvs);
    this.store.touch(Table.tombstones);
    this.store.touchKey(existing.Key);
  }

  private lockSet(session: string, create: boolean): Set<string> {
    let keys = this.store.tables.sessionLocks.get(session);
    if (keys === undefined) {
      keys = new Set();
      if (create) this.store.tables.sessionLocks.set(session, keys);
    }
    return keys;
  }

  /** Copy-on-write update of a session's held keys, so rollback restores the old set. */
  private updateLockSet(session: string, key: string, held: boolean): void {
    const journal = this.store.journal();
    const keys = new Set(this.store.tables.sessionLocks.get(session));
    if (held) keys.add(key);
    else keys.delete(key);
    if (keys.size === 0) journal.delete(this.store.tables.sessionLocks, session);
    else journal.set(this.store.tables.sessionLocks, session, keys);
  }
}
