/** `cairn reload`: asks the agent to re-read its config files, as SIGHUP does. */

import type { CairnClient } from '../../api-client/client.ts';
import type { Output } from '../output.ts';
import { reportFailure } from '../report-error.ts';

export async function runReload(client: CairnClient, output: Output): Promise<number> {
  try {
    await client.agent.reload();
  } catch (error) {
    return reportFailure(output, 'Error reloading', error);
  }
  output.line('Configuration reload triggered');
  return 0;
}
