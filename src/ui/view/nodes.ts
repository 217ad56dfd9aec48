/**
 * The nodes list: each catalog node with the worst of all its checks (node and service checks,
 * from `/v1/health/state/any`), how many checks and services it has, and the toolbar's filters.
 */

import type { CatalogNode, HealthCheck } from '../../model/records.ts';
import { type Health, worstHealth } from '../health.ts';
import { compareText } from './services.ts';

export interface NodeRow {
  name: string;
  address: string;
  health: Health;
  checkCount: number;
  /** Distinct services on the node; undefined while unknown. */
  serviceCount: number | undefined;
}

export const nodeStatuses = ['', 'passing', 'warning', 'critical', 'maintenance'] as const;
export type NodeStatusFilter = (typeof nodeStatuses)[number];

export interface NodeFilter {
  /** Case-insensitive substring of the name or the address. */
  search: string;
  status: NodeStatusFilter;
}

export const anyNode: NodeFilter = { search: '', status: '' };

/**
 * One row per node, by name. `services` are service summaries (their `Nodes`), which count a
 * node's services in the same answer as the list; undefined leaves the count unknown.
 */
export function nodeRows(
  nodes: readonly Pick<CatalogNode, 'Node' | 'Address'>[] | null,
  checks: readonly Pick<HealthCheck, 'Node' | 'CheckID' | 'Status'>[] | null,
  services?: readonly { Nodes: readonly string[] | null }[] | null,
): NodeRow[] {
  const checksByNode = new Map<string, Pick<HealthCheck, 'CheckID' | 'Status'>[]>();
  for (const check of checks ?? []) {
    const list = checksByNode.get(check.Node);
    if (list) list.push(check);
    else checksByNode.set(check.Node, [check]);
  }
  let servicesByNode: Map<string, number> | undefined;
  if (services) {
    servicesByNode = new Map();
    for (const service of services) {
      for (const node of new Set(service.Nodes ?? []))
        servicesByNode.set(node, (servicesByNode.get(node) ?? 0) + 1);
    }
  }
  return (nodes ?? [])
    .map((node) => {
      const own = checksByNode.get(node.Node) ?? [];
      return {
        name: node.Node,
        address: node.Address,
        health: worstHealth(own),
        checkCount: own.length,
        serviceCount: servicesByNode ? (servicesByNode.get(node.Node) ?? 0) : undefined,
      };
    })
    .sort((a, b) => compareText(a.name, b.name));
}

export function filterNodes(rows: readonly NodeRow[], filter: NodeFilter): NodeRow[] {
  const needle = filter.search.trim().toLowerCase();
  return rows.filter(
    (row) =>
      (filter.status === '' || row.health === filter.status) &&
      (needle === '' ||
        row.name.toLowerCase().includes(needle) ||
        row.address.toLowerCase().includes(needle)),
  );
}
