/** `cairn join [-wan] ADDRESS...`: asks the agent to join a gossip pool through each address. */

import type { CairnClient } from '../../api-client/client.ts';
import { ConnectionError } from '../../api-client/client.ts';
import type { Output } from '../output.ts';
import { EXIT_FAILURE, reportFailure } from '../report-error.ts';

export async function runJoin(
  client: CairnClient,
  options: { addresses: string[]; wan?: boolean },
  output: Output,
): Promise<number> {
  if (options.addresses.length === 0) {
    output.error('At least one address to join must be specified.');
    return EXIT_FAILURE;
  }
  let joined = 0;
  for (const address of options.addresses) {
    try {
      await client.agent.join(address, { wan: options.wan ?? false });
      joined += 1;
    } catch (error) {
      if (error instanceof ConnectionError) return reportFailure(output, '', error);
      if (!(error instanceof Error)) throw error;
      output.error(`Error joining address '${address}': ${error.message}`);
    }
  }
  if (joined === 0) {
    output.error('Failed to join any nodes.');
    return EXIT_FAILURE;
  }
  output.line(`Successfully joined cluster by contacting ${joined} nodes.`);
  return 0;
}
