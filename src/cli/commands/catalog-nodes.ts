/** `cairn catalog nodes`: the datacenter's nodes (or those running a service), in `consul catalog nodes` columns. */

import type { CairnClient } from '../../api-client/client.ts';
import type { CatalogNode } from '../../model/records.ts';
import { formatColumns } from '../columns.ts';
import type { Output } from '../output.ts';
import { attempt } from '../report-error.ts';

export interface CatalogNodesOptions {
  detailed?: boolean;
  /** Only nodes running the service with this name. */
  service?: string | undefined;
  stale?: boolean;
}

type ListedNode = Pick<CatalogNode, 'ID' | 'Node' | 'Address' | 'Datacenter' | 'TaggedAddresses' | 'Meta'>;

export async function runCatalogNodes(
  client: CairnClient,
  options: CatalogNodesOptions,
  output: Output,
): Promise<number> {
  const readOptions = { stale: options.stale ?? false };
  let nodes: ListedNode[];
  if (options.service) {
    const service = options.service;
    const listed = await attempt(output, 'Error listing nodes for service', () =>
      client.catalog.service(service, readOptions),
    );
    if (!listed.ok) return listed.exitCode;
    nodes = listed.value.value.map((entry) => ({
      ID: entry.ID,
      Node: entry.Node,
      Address: entry.Address,
      Datacenter: entry.Datacenter,
      TaggedAddresses: entry.TaggedAddresses,
      Meta: entry.NodeMeta,
    }));
  } else {
    const listed = await attempt(output, 'Error listing nodes', () => client.catalog.nodes(readOptions));
    if (!listed.ok) return listed.exitCode;
    nodes = listed.value.value;
  }
  if (nodes.length === 0) {
    output.error('No nodes match the given query - try expanding your search.');
    return 0;
  }
  const header = options.detailed
    ? ['Node', 'ID', 'Address', 'DC', 'TaggedAddresses', 'Meta']
    : ['Node', 'ID', 'Address', 'DC'];
  const rows = nodes.map((node) =>
    options.detailed
      ? [
          node.Node,
          node.ID,
          node.Address,
          node.Datacenter,
          pairsText(node.TaggedAddresses),
          pairsText(node.Meta),
        ]
      : [node.Node, shortNodeId(node.ID), node.Address, node.Datacenter],
  );
  output.line(formatColumns([header, ...rows]));
  return 0;
}

/** The first group of a UUID: what fits a table and still tells nodes apart. */
export function shortNodeId(id: string): string {
  const dash = id.indexOf('-');
  return dash > 0 ? id.slice(0, dash) : id;
}

/** Consul's `mapToKV`: `k=v` pairs sorted by key, joined by `, `. */
function pairsText(pairs: Record<string, string> | null | undefined): string {
  return Object.keys(pairs ?? {})
    .sort()
    .map((key) => `${key}=${pairs![key]}`)
    .join(', ');
}
