/**
 * Predicates over service instances shared by the HTTP API and DNS: tag and node-meta matches,
 * Consul's two health filters, and a check list's aggregated status.
 */
import {
  type CatalogNode,
  type HealthCheck,
  NODE_MAINTENANCE_CHECK_ID,
  type NodeService,
  SERVICE_MAINTENANCE_CHECK_PREFIX,
} from '../model/records.ts';
import type { CheckServiceNode } from '../state/catalog.ts';

/** Whether the node carries every `key → value` of `filters` (all of them when undefined). */
export function matchesNodeMeta(node: CatalogNode, filters: Map<string, string> | undefined): boolean {
  if (filters === undefined) return true;
  for (const [key, value] of filters) if (node.Meta[key] !== value) return false;
  return true;
}

/** Whether the service carries every tag asked for, ignoring case (Consul's `serviceTagsFilter`). */
export function hasAllTags(service: NodeService, tags: readonly string[] | undefined): boolean {
  if (tags === undefined) return true;
  const own = new Set(service.Tags.map((tag) => tag.toLowerCase()));
  return tags.every((tag) => own.has(tag.toLowerCase()));
}

/**
 * Drops every entry with a check that is not passing, node checks included (so maintenance
 * hides an instance): the HTTP `?passing`. Like Consul's `filterNonPassing` it swaps the last
 * survivor into each gap, so survivors can change order.
 */
export function withoutNonPassing(entries: readonly CheckServiceNode[]): CheckServiceNode[] {
  return dropWhere(entries, (check) => check.Status !== 'passing');
}

/**
 * Consul's `CheckServiceNodes.Filter(onlyPassing)`, the DNS filter: drops every entry with a
 * critical check (maintenance is critical), and with `onlyPassing` every entry with a check that
 * is not passing. Survivors can change order, as in Consul.
 */
export function withoutCritical(
  entries: readonly CheckServiceNode[],
  onlyPassing: boolean,
): CheckServiceNode[] {
  return onlyPassing
    ? withoutNonPassing(entries)
    : dropWhere(entries, (check) => check.Status === 'critical');
}

function dropWhere(
  entries: readonly CheckServiceNode[],
  bad: (check: HealthCheck) => boolean,
): CheckServiceNode[] {
  const out = [...entries];
  let length = out.length;
  for (let i = 0; i < length; i++) {
    if (out[i]!.checks.some(bad)) {
      out[i] = out[length - 1]!;
      length--;
      i--;
    }
  }
  out.length = length;
  return out;
}

export type AggregatedStatus = 'passing' | 'warning' | 'critical' | 'maintenance';

/** Consul's `api.HealthChecks.AggregatedStatus`: maintenance, then critical, then warning. */
export function aggregatedStatus(
  checks: readonly Pick<HealthCheck, 'CheckID' | 'Status'>[],
): AggregatedStatus {
  let critical = false;
  let warning = false;
  for (const check of checks) {
    if (
      check.CheckID === NODE_MAINTENANCE_CHECK_ID ||
      check.CheckID.startsWith(SERVICE_MAINTENANCE_CHECK_PREFIX)
    ) {
      return 'maintenance';
    }
    if (check.Status === 'critical') critical = true;
    else if (check.Status === 'warning') warning = true;
  }
  return critical ? 'critical' : warning ? 'warning' : 'passing';
}
