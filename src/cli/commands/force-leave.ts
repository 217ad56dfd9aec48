/** `cairn force-leave [-prune] [-wan] NODE`: marks a failed node left (or erases it with -prune). */

import type { CairnClient } from '../../api-client/client.ts';
import type { Output } from '../output.ts';
import { EXIT_FAILURE, reportFailure } from '../report-error.ts';

export async function runForceLeave(
  client: CairnClient,
  options: { nodes: string[]; prune?: boolean; wan?: boolean },
  output: Output,
): Promise<number> {
  if (options.nodes.length !== 1) {
    output.error('A single node name must be specified to force leave.');
    return EXIT_FAILURE;
  }
  try {
    await client.agent.forceLeave(options.nodes[0]!, {
      prune: options.prune ?? false,
      wan: options.wan ?? false,
    });
  } catch (error) {
    return reportFailure(output, 'Error force leaving', error);
  }
  return 0;
}
