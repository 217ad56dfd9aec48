/** `cairn info`: the agent's `Stats`, section by section, keys sorted, as `consul info` prints them. */

import type { AgentSelf, CairnClient } from '../../api-client/client.ts';
import type { Output } from '../output.ts';
import { reportFailure } from '../report-error.ts';

export async function runInfo(client: CairnClient, output: Output): Promise<number> {
  let self: AgentSelf;
  try {
    self = await client.agent.self();
  } catch (error) {
    return reportFailure(output, 'Error querying agent', error);
  }
  const stats: unknown = self.Stats;
  if (!isRecord(stats)) {
    output.error(`Agent response did not contain 'Stats' key: ${JSON.stringify(self)}`);
    return 1;
  }
  for (const section of Object.keys(stats).sort()) {
    const values = stats[section];
    if (!isRecord(values)) {
      output.error(`Got invalid subkey in stats: ${JSON.stringify(values)}`);
      return 1;
    }
    output.line(`${section}:`);
    for (const key of Object.keys(values).sort()) {
      const value = values[key];
      output.line(`\t${key} = ${typeof value === 'string' ? value : JSON.stringify(value)}`);
    }
  }
  return 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
