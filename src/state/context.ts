import sortedBtree from 'sorted-btree';
import type { CatalogNode, HealthCheck, KvEntry, NodeService, Session } from '../model/records.ts';
import type { Journal } from './journal.ts';
import type { WatchSet } from './watch.ts';

const BTree = sortedBtree.default;
export type SortedMap<K, V> = InstanceType<typeof sortedBtree.default<K, V>>;

/** The answer of every state-store read: the value, the index it reflects, what to watch. */
export interface Read<T> {
  value: T;
  index: number;
  watches: WatchSet;
}

/** Table names whose highest write index is tracked (Consul's `index` table). */
export const Table = {
  nodes: 'nodes',
  services: 'services',
  checks: 'checks',
  kvs: 'kvs',
  tombstones: 'tombstones',
  sessions: 'sessions',
} as const;
export type Table = (typeof Table)[keyof typeof Table];

/** A service instance as the per-service index holds it. */
export interface ServiceInstance {
  node: string;
  service: NodeService;
}

/** The raw tables. Only the table classes write them, and only through the journal. */
export class Tables {
  readonly kv: SortedMap<string, KvEntry> = new BTree<string, KvEntry>();
  /** Deleted keys and the Raft index of their deletion, so list indexes never go backwards. */
  readonly tombstones: SortedMap<string, number> = new BTree<string, number>();
  readonly nodes: SortedMap<string, CatalogNode> = new BTree<string, CatalogNode>();
  /** node → service ID → service. */
  readonly services = new Map<string, Map<string, NodeService>>();
  /** node → check ID → check. */
  readonly checks = new Map<string, Map<string, HealthCheck>>();
  /** service name → `node\0serviceID` → instance, sorted as Consul's service index is. */
  readonly serviceInstances = new Map<string, SortedMap<string, ServiceInstance>>();
  readonly sessions = new Map<string, Session>();
  /** session ID → keys it holds (derived from `kv`). */
  readonly sessionLocks = new Map<string, Set<string>>();
  /** table or `service.<name>` → highest Raft index that wrote it. */
  readonly indexes = new Map<string, number>();

  newSortedMap<K, V>(): SortedMap<K, V> {
    return new BTree<K, V>();
  }
}

export interface StateStoreOptions {
  /**
   * Called after commit when a session that held locks is invalidated, with the keys and the
   * session's lock-delay. Lock-delay is wall-clock state kept by the leader (Consul's
   * `KVSLockDelay`), not replicated state, so the store only reports it.
   */
  onLockDelay?: (keys: readonly string[], lockDelayNs: number) => void;
}

/**
 * What the table classes need of the store they belong to. Declared here, by the users, so the
 * tables do not import the store that composes them.
 */
export interface StoreContext {
  readonly tables: Tables;
  readonly options: StateStoreOptions;
  readonly kv: { releaseForSession(key: string): void; deleteForSession(key: string): void };
  readonly sessions: {
    destroyForNode(node: string): void;
    destroyForCheck(node: string, checkId: string): void;
  };
  journal(): Journal;
  index(...names: string[]): number;
  touch(name: string): void;
  touchKey(key: string): void;
  watchKey(key: string): WatchSet;
  watchPrefix(prefix: string): WatchSet;
  watchTopics(...names: string[]): WatchSet;
}
