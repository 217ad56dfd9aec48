import { assert } from '../lib/assert.ts';
import { CatalogTable } from './catalog.ts';
import { type StateStoreOptions, type StoreContext, Tables } from './context.ts';
import { Journal } from './journal.ts';
import { KvTable } from './kv.ts';
import { SessionTable } from './sessions.ts';
import type { StoreSnapshot } from './snapshot.ts';
import { type WatchSet, WatchTopics } from './watch.ts';

export type { Read, ServiceInstance, StateStoreOptions } from './context.ts';
export { Table } from './context.ts';

function byKey([a]: [string, unknown], [b]: [string, unknown]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Cairn's state store: nodes, services, checks, KV (with tombstones) and sessions, in memory.
 *
 * Contract (after Consul's `agent/consul/state`):
 * - Every write happens at a Raft index, inside one transaction: it is applied whole or not at
 *   all, it stamps that index on every record it changes and on the tables it touches, and it
 *   fires the watches of what it changed once it commits. A write that changes nothing changes no
 *   index.
 * - Every read returns `{ value, index, watches }`: `index` is the highest Raft index of what the
 *   read covered (per result, not the store's), and `watches` fire when that may change.
 * - Indexes never go backwards: deletes leave tombstones until the leader reaps them.
 * - `snapshot()` captures the whole store; `StateStore.restore()` builds a new one.
 */
export class StateStore implements StoreContext {
  readonly tables = new Tables();
  readonly kv: KvTable;
  readonly catalog: CatalogTable;
  readonly sessions: SessionTable;
  private current: Journal | undefined;
  private readonly keyTopics = new WatchTopics();
  private readonly prefixTopics = new WatchTopics();
  private readonly topics = new WatchTopics();

  constructor(readonly options: StateStoreOptions = {}) {
    this.kv = new KvTable(this);
    this.sessions = new SessionTable(this);
    this.catalog = new CatalogTable(this);
  }

  /**
   * Runs `write` as one transaction at `raftIndex`. Nested calls join the outer transaction. If
   * `write` throws, or returns `{ abort: true }` through `abortIf`, every change is undone.
   */
  transact<T>(raftIndex: number, write: (journal: Journal) => T, abortIf?: (result: T) => boolean): T {
    if (this.current !== undefined) {
      assert(this.current.raftIndex === raftIndex, 'nested transaction at a different raftIndex');
      return write(this.current);
    }
    const journal = new Journal(raftIndex);
    this.current = journal;
    let result: T;
    try {
      result = write(journal);
    } catch (error) {
      journal.rollback();
      throw error;
    } finally {
      this.current = undefined;
    }
    if (abortIf?.(result)) {
      journal.rollback();
      return result;
    }
    this.commit(journal);
    return result;
  }

  /** The journal of the transaction in progress; table classes call this inside `transact`. */
  journal(): Journal {
    assert(this.current !== undefined, 'state store write outside a transaction');
    return this.current;
  }

  private commit(journal: Journal): void {
    for (const key of journal.changedKeys) this.fireKey(key);
    for (const topic of journal.changedTopics) this.topics.fire(topic);
    for (const effect of journal.effects) effect();
  }

  private fireKey(key: string): void {
    this.keyTopics.fire(key);
    if (this.prefixTopics.size === 0) return;
    if (this.prefixTopics.size <= key.length) {
      const matching = [...this.prefixTopics.topics()].filter((prefix) => key.startsWith(prefix));
      for (const prefix of matching) this.prefixTopics.fire(prefix);
    } else {
      for (let end = 0; end <= key.length; end++) this.prefixTopics.fire(key.slice(0, end));
    }
  }

  // --- indexes -------------------------------------------------------------------------------

  /** Highest Raft index written to any of `names` (tables or `service.<name>`); 0 if none. */
  index(...names: string[]): number {
    let max = 0;
    for (const name of names) max = Math.max(max, this.tables.indexes.get(name) ?? 0);
    return max;
  }

  /** Highest index over every table: what the store as a whole reflects. */
  lastIndex(): number {
    let max = 0;
    for (const value of this.tables.indexes.values()) max = Math.max(max, value);
    return max;
  }

  /** Stamps the current transaction's index on `name` and marks its topic changed. */
  touch(name: string): void {
    const journal = this.journal();
    journal.set(this.tables.indexes, name, journal.raftIndex);
    journal.changedTopics.add(name);
  }

  /** Marks a KV key changed (its key watch and every prefix watch above it will fire). */
  touchKey(key: string): void {
    this.journal().changedKeys.add(key);
  }

  // --- watches -------------------------------------------------------------------------------

  watchKey(key: string): WatchSet {
    return [this.keyTopics.watch(key)];
  }

  watchPrefix(prefix: string): WatchSet {
    return [this.prefixTopics.watch(prefix)];
  }

  watchTopics(...names: string[]): WatchSet {
    return names.map((name) => this.topics.watch(name));
  }

  /** Fires every watch: the store is being replaced by a restore. */
  abandon(): void {
    this.keyTopics.fireAll();
    this.prefixTopics.fireAll();
    this.topics.fireAll();
  }

  /** Number of channels with listeners, for metrics. */
  watchCount(): number {
    return this.keyTopics.size + this.prefixTopics.size + this.topics.size;
  }

  // --- snapshot ------------------------------------------------------------------------------

  /**
   * The snapshot lists the `Map` tables sorted by key: their iteration order is history (a
   * rollback re-inserts a deleted key at the end, a restore drops empty per-node maps), and equal
   * stores must give byte-identical snapshots. Per-node services and checks keep their order,
   * which copy-on-write updates and restore both preserve.
   */
  snapshot(): StoreSnapshot {
    const t = this.tables;
    return {
      version: 1,
      indexes: [...t.indexes].sort(byKey),
      nodes: [...t.nodes.values()],
      services: [...t.services]
        .sort(byKey)
        .flatMap(([node, byId]) => [...byId.values()].map((service) => ({ node, service }))),
      checks: [...t.checks].sort(byKey).flatMap(([, byId]) => [...byId.values()]),
      kv: [...t.kv.values()],
      tombstones: [...t.tombstones.entries()],
      sessions: [...t.sessions].sort(byKey).map(([, session]) => session),
    };
  }

  /** Builds a new store from a snapshot. The caller abandons the old store (firing its watches). */
  static restore(snapshot: StoreSnapshot, options: StateStoreOptions = {}): StateStore {
    assert(snapshot.version === 1, `unsupported state snapshot version ${snapshot.version}`);
    const store = new StateStore(options);
    const t = store.tables;
    for (const [name, index] of snapshot.indexes) t.indexes.set(name, index);
    for (const node of snapshot.nodes) t.nodes.set(node.Node, node);
    for (const { node, service } of snapshot.services) store.catalog.restoreService(node, service);
    for (const check of snapshot.checks) store.catalog.restoreCheck(check);
    for (const entry of snapshot.kv) store.kv.restoreEntry(entry);
    for (const [key, index] of snapshot.tombstones) t.tombstones.set(key, index);
    for (const session of snapshot.sessions) t.sessions.set(session.ID, session);
    return store;
  }
}
