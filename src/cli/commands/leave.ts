/** `cairn leave`: asks the agent to leave the cluster gracefully and shut down. */

import type { CairnClient } from '../../api-client/client.ts';
import type { Output } from '../output.ts';
import { reportFailure } from '../report-error.ts';

export async function runLeave(client: CairnClient, output: Output): Promise<number> {
  try {
    await client.agent.leave();
  } catch (error) {
    return reportFailure(output, 'Error leaving', error);
  }
  output.line('Graceful leave complete');
  return 0;
}
