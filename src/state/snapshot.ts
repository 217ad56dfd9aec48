import type { CatalogNode, HealthCheck, KvEntry, NodeService, Session } from '../model/records.ts';

/**
 * The whole state store as plain data: what a Raft snapshot holds. Versioned so that a newer
 * Cairn can read an older snapshot; `restore` refuses versions it does not know.
 */
export interface StoreSnapshot {
  version: 1;
  indexes: [string, number][];
  nodes: CatalogNode[];
  services: { node: string; service: NodeService }[];
  checks: HealthCheck[];
  kv: KvEntry[];
  tombstones: [string, number][];
  sessions: Session[];
}
