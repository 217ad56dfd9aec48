/** `cairn catalog datacenters`: one datacenter per line, nearest first. */

import type { CairnClient } from '../../api-client/client.ts';
import type { Output } from '../output.ts';
import { attempt } from '../report-error.ts';

export async function runCatalogDatacenters(client: CairnClient, output: Output): Promise<number> {
  const datacenters = await attempt(output, 'Error listing datacenters', () => client.catalog.datacenters());
  if (!datacenters.ok) return datacenters.exitCode;
  for (const datacenter of datacenters.value) output.line(datacenter);
  return 0;
}
