/** `cairn catalog services`: service names (and tags with `-tags`), sorted, as Consul prints them. */

import type { CairnClient } from '../../api-client/client.ts';
import { formatColumns } from '../columns.ts';
import type { Output } from '../output.ts';
import { attempt } from '../report-error.ts';

export interface CatalogServicesOptions {
  tags?: boolean;
  /** Only services on the node with this name. */
  node?: string | undefined;
  stale?: boolean;
}

export async function runCatalogServices(
  client: CairnClient,
  options: CatalogServicesOptions,
  output: Output,
): Promise<number> {
  const readOptions = { stale: options.stale ?? false };
  let services: Record<string, string[]>;
  if (options.node) {
    const node = options.node;
    const found = await attempt(output, 'Error listing services for node', () =>
      client.catalog.node(node, readOptions),
    );
    if (!found.ok) return found.exitCode;
    services = {};
    for (const service of Object.values(found.value.value?.Services ?? {})) {
      services[service.Service] = [...(services[service.Service] ?? []), ...(service.Tags ?? [])];
    }
  } else {
    const listed = await attempt(output, 'Error listing services', () =>
      client.catalog.services(readOptions),
    );
    if (!listed.ok) return listed.exitCode;
    services = listed.value.value;
  }
  const names = Object.keys(services).sort();
  if (names.length === 0) {
    output.error('No services match the given query - try expanding your search.');
    return 0;
  }
  if (options.tags) {
    const rows = names.map((name) => [name, [...(services[name] ?? [])].sort().join(',')]);
    output.line(formatColumns(rows, 6));
  } else {
    for (const name of names) output.line(name);
  }
  return 0;
}
