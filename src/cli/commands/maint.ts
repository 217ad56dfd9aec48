/**
 * `cairn maint [-enable | -disable] [-service <id>] [-reason <text>]`: node or service
 * maintenance mode, in `consul maint`'s words. Without -enable or -disable it lists what is in
 * maintenance, read from the agent's `_node_maintenance` and `_service_maintenance:<id>` checks.
 */

import type { CairnClient } from '../../api-client/client.ts';
import { quoteGo } from '../../lib/filter/go-strconv.ts';
import {
  type HealthCheck,
  NODE_MAINTENANCE_CHECK_ID,
  SERVICE_MAINTENANCE_CHECK_PREFIX,
} from '../../model/records.ts';
import type { Output } from '../output.ts';
import { EXIT_FAILURE, reportFailure } from '../report-error.ts';

export interface MaintOptions {
  enable?: boolean;
  disable?: boolean;
  reason?: string;
  service?: string;
}

export async function runMaint(client: CairnClient, options: MaintOptions, output: Output): Promise<number> {
  const enable = options.enable ?? false;
  const disable = options.disable ?? false;
  const reason = options.reason ?? '';
  const serviceId = options.service ?? '';
  if (enable && disable) return usageError(output, 'Only one of -enable or -disable may be provided');
  if (!enable && reason !== '') return usageError(output, 'Reason may only be provided with -enable');
  if (!enable && !disable && serviceId !== '') {
    return usageError(output, 'Service requires either -enable or -disable');
  }

  if (!enable && !disable) return listMaintenance(client, output);

  const state = enable ? 'enabled' : 'disabled';
  const verb = enable ? 'enabling' : 'disabling';
  if (serviceId === '') {
    try {
      if (enable) await client.agent.enableNodeMaintenance(reason);
      else await client.agent.disableNodeMaintenance();
    } catch (error) {
      return reportFailure(output, `Error ${verb} node maintenance`, error);
    }
    output.line(`Node maintenance is now ${state}`);
    return 0;
  }
  try {
    if (enable) await client.agent.enableServiceMaintenance(serviceId, reason);
    else await client.agent.disableServiceMaintenance(serviceId);
  } catch (error) {
    return reportFailure(output, `Error ${verb} service maintenance`, error);
  }
  output.line(`Service maintenance is now ${state} for ${quoteGo(serviceId)}`);
  return 0;
}

/** One block per node or service in maintenance, each followed by a blank line; nothing if none. */
async function listMaintenance(client: CairnClient, output: Output): Promise<number> {
  let nodeName: string;
  try {
    nodeName = (await client.agent.self()).Config.NodeName;
  } catch (error) {
    return reportFailure(output, 'Error querying Cairn agent', error);
  }
  let checks: Record<string, HealthCheck>;
  try {
    checks = await client.agent.checks();
  } catch (error) {
    return reportFailure(output, 'Error getting checks', error);
  }
  for (const check of Object.values(checks)) {
    if (check.CheckID === NODE_MAINTENANCE_CHECK_ID) {
      output.line('Node:');
      output.line(`  Name:   ${nodeName}`);
      output.line(`  Reason: ${check.Notes}`);
      output.line();
    } else if (check.CheckID.startsWith(SERVICE_MAINTENANCE_CHECK_PREFIX)) {
      output.line('Service:');
      output.line(`  ID:     ${check.ServiceID}`);
      output.line(`  Reason: ${check.Notes}`);
      output.line();
    }
  }
  return 0;
}

function usageError(output: Output, message: string): number {
  output.error(message);
  return EXIT_FAILURE;
}
