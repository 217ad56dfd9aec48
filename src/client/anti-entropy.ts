import { CONSUL_SERVICE_NAME, SERF_HEALTH_CHECK_ID } from '../model/records.ts';
import type { CheckInput, NodeInput, ServiceInput } from '../state/catalog.ts';

/**
 * Anti-entropy (Consul's `agent/ae` and `local.State.updateSyncState`), the pure part: how often
 * the agent compares its own services and checks with what the catalog holds for its node, and
 * what it must write to make the catalog agree. The local agent is the source of truth.
 */

/** `ae_interval`: the time between two full syncs before scaling (Consul: 1 minute). */
export const FULL_SYNC_INTERVAL_MS = 60_000;
/** After a failed sync the agent tries again after this plus a stagger (Consul: 15 s). */
export const SYNC_RETRY_MS = 15_000;
/** Cluster size up to which intervals are not scaled; the factor doubles with every doubling past it. */
const SCALE_THRESHOLD = 128;

/** Consul's `ae.scaleFactor`: 1 up to 128 nodes, then 1 + ⌈log2(n / 128)⌉. */
export function scaleFactor(nodes: number): number {
  if (nodes <= SCALE_THRESHOLD) return 1;
  return Math.ceil(Math.log2(nodes) - Math.log2(SCALE_THRESHOLD)) + 1;
}

/**
 * The wait before the next full sync (or the next try after a failure, with `SYNC_RETRY_MS`):
 * `interval + stagger(scale × interval)`, the stagger uniform in [0, scale × interval), so that
 * the agents of a large cluster spread their syncs out (`StateSyncer` with `ClusterSizeDelayer`).
 */
export function syncDelayMs(intervalMs: number, clusterSize: number, random: () => number): number {
  return intervalMs + Math.floor(random() * scaleFactor(clusterSize) * intervalMs);
}

/** What the catalog holds for this node. `node` is undefined when the node is not registered. */
export interface RemoteNodeState {
  node: NodeInput | undefined;
  services: readonly ServiceInput[];
  checks: readonly CheckInput[];
}

/** What the local agent holds for its node. */
export interface LocalNodeState {
  node: NodeInput;
  services: readonly ServiceInput[];
  checks: readonly CheckInput[];
  /**
   * Checks whose output-only change is waiting for its deferred write (`check_update_interval`):
   * their output is not compared, the timer will write it.
   */
  deferredOutput: ReadonlySet<string>;
}

export interface SyncPlan {
  /** The node's description differs (or the node is missing): register it again. */
  nodeOutOfSync: boolean;
  /** Local services the catalog lacks or holds differently. */
  services: ServiceInput[];
  /** Local checks the catalog lacks or holds differently. */
  checks: CheckInput[];
  /** Catalog services of this node the agent does not have (never the `consul` service). */
  deleteServices: string[];
  /** Catalog checks of this node the agent does not have (never `serfHealth`). */
  deleteChecks: string[];
  /**
   * Services with `EnableTagOverride` whose catalog tags differ: the catalog's tags win and the
   * local service should take them (`updateSyncState`).
   */
  adoptTags: { id: string; tags: string[] }[];
}

/**
 * Compares the local state with the catalog's (`updateSyncState`). Records are compared whole,
 * ignoring Raft indexes and key order; a deleted service's checks go with it, so they are not
 * listed again.
 */
export function planSync(local: LocalNodeState, remote: RemoteNodeState): SyncPlan {
  const plan: SyncPlan = {
    nodeOutOfSync: remote.node === undefined || !sameNode(local.node, remote.node),
    services: [],
    checks: [],
    deleteServices: [],
    deleteChecks: [],
    adoptTags: [],
  };

  const localServices = new Map(local.services.map((service) => [service.ID, service]));
  const remoteServices = new Map(remote.services.map((service) => [service.ID, service]));
  for (const id of remoteServices.keys()) {
    // The leader registers the `consul` service of a server; it is not the agent's to remove.
    if (!localServices.has(id) && id !== CONSUL_SERVICE_NAME) plan.deleteServices.push(id);
  }
  for (const service of local.services) {
    const held = remoteServices.get(service.ID);
    let wanted = service;
    if (held !== undefined && service.EnableTagOverride && !sameRecord(service.Tags, held.Tags)) {
      plan.adoptTags.push({ id: service.ID, tags: [...held.Tags] });
      wanted = { ...service, Tags: [...held.Tags] };
    }
    if (held === undefined || !sameRecord(wanted, held)) plan.services.push(wanted);
  }

  const deletedServices = new Set(plan.deleteServices);
  const localChecks = new Map(local.checks.map((check) => [check.CheckID, check]));
  for (const check of remote.checks) {
    if (localChecks.has(check.CheckID) || check.CheckID === SERF_HEALTH_CHECK_ID) continue;
    if (deletedServices.has(check.ServiceID)) continue;
    plan.deleteChecks.push(check.CheckID);
  }
  const remoteChecks = new Map(remote.checks.map((check) => [check.CheckID, check]));
  for (const check of local.checks) {
    const held = remoteChecks.get(check.CheckID);
    if (held === undefined) {
      plan.checks.push(check);
      continue;
    }
    const deferred = local.deferredOutput.has(check.CheckID);
    const same = deferred
      ? sameRecord({ ...check, Output: '' }, { ...held, Output: '' })
      : sameRecord(check, held);
    if (!same) plan.checks.push(check);
  }
  return plan;
}

/** `true` when nothing needs writing. */
export function inSync(plan: SyncPlan): boolean {
  return (
    !plan.nodeOutOfSync &&
    plan.services.length === 0 &&
    plan.checks.length === 0 &&
    plan.deleteServices.length === 0 &&
    plan.deleteChecks.length === 0
  );
}

/** The node fields the agent owns: ID, address, tagged addresses, meta (`nodeInfoInSync`). */
function sameNode(local: NodeInput, remote: NodeInput): boolean {
  return (
    local.ID === remote.ID &&
    local.Address === remote.Address &&
    sameRecord(local.TaggedAddresses, remote.TaggedAddresses) &&
    sameRecord(local.Meta, remote.Meta)
  );
}

/**
 * Deep equality of plain JSON-like records, ignoring Raft indexes, keys whose value is
 * `undefined` (JSON leaves them out) and the order of map keys. A full sync compares every check
 * of the node with this, so it walks the records rather than serialising them.
 */
export function sameRecord(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameRecord(a[i], b[i])) return false;
    return true;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  let count = 0;
  for (const key in left) {
    if (!recordKey(key, left[key])) continue;
    count++;
    if (!sameRecord(left[key], right[key])) return false;
  }
  for (const key in right) if (recordKey(key, right[key])) count--;
  return count === 0;
}

function recordKey(key: string, value: unknown): boolean {
  return value !== undefined && key !== 'CreateIndex' && key !== 'ModifyIndex';
}

/** JSON with object keys sorted and Raft indexes left out: equal records give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (key, inner: unknown) => {
    if (key === 'CreateIndex' || key === 'ModifyIndex') return undefined;
    if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
      return Object.fromEntries(Object.entries(inner).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
    }
    return inner;
  });
}
