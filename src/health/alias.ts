import { quoteGo } from '../lib/filter/go-strconv.ts';
import type { HealthCheck, HealthStatus } from '../model/records.ts';

export interface AliasTarget {
  /**
   * The aliased node. '' reads the checks as Consul's local alias does (`runLocal`: no node
   * filter, and the not-found output names no node); the caller may instead put the local node
   * name in, which filters nothing away and names the node.
   */
  node: string;
  /** The aliased service ID, or '' to alias the whole node. */
  serviceId: string;
}

/** The checks an alias looks at: the aliased node's (or the local agent's) checks. */
export type AliasedCheck = Pick<HealthCheck, 'Node' | 'CheckID' | 'Name' | 'Status' | 'Output' | 'ServiceID'>;

/** Output when nothing that counts was found (and the service exists, or a node is aliased). */
export const ALIAS_NO_CHECKS_OUTPUT = 'No checks found.';
/** Output when every check that counts is passing. */
export const ALIAS_ALL_PASSING_OUTPUT = 'All checks passing.';

/**
 * Consul's `CheckAlias.processChecks` (agent/checks/alias.go): the alias check's status and
 * output from the aliased node's checks.
 *
 * - Checks of other nodes are ignored (node names compare case-insensitively); so are checks of
 *   other services. The node's own checks (`ServiceID` '') always count.
 * - The first `critical` check decides: `critical`, `Aliased check "<name>" failing: <output>`.
 *   Failing here means `critical` or `warning`; any other status counts as passing.
 * - Else the last `warning` check: `warning` with the same output form.
 * - Else `passing`: `All checks passing.`, or `No checks found.` when nothing counted.
 * - When no check belongs to the aliased service (for a node alias: no node check) and
 *   `serviceExists(serviceId)` is false, the result is `critical`,
 *   `Service <id> could not be found on node <node>` instead. Consul asks the local state or the
 *   catalog (`Catalog.NodeServices`, taken as existing when that read fails); a node alias's ''
 *   never exists. Without `serviceExists`, a service no check belongs to counts as missing.
 *
 * Checks are read in the order given (Consul reads a map, in no fixed order); only the output
 * can depend on it.
 */
export function aliasResult(
  checks: readonly AliasedCheck[],
  target: AliasTarget,
  serviceExists: (serviceId: string) => boolean = () => false,
): { status: HealthStatus; output: string } {
  let status: HealthStatus = 'passing';
  let output = ALIAS_NO_CHECKS_OUTPUT;
  let serviceFound = false;
  const node = target.node.toLowerCase();
  for (const check of checks) {
    if (node !== '' && check.Node.toLowerCase() !== node) continue;
    const serviceMatch = check.ServiceID === target.serviceId;
    if (check.ServiceID !== '' && !serviceMatch) continue;
    if (serviceMatch) serviceFound = true;
    if (check.Status === 'critical' || check.Status === 'warning') {
      status = check.Status;
      output = `Aliased check ${quoteGo(check.Name)} failing: ${check.Output}`;
      if (check.Status === 'critical') break;
    } else if (status === 'passing') {
      output = ALIAS_ALL_PASSING_OUTPUT;
    }
  }
  if (!serviceFound && !serviceExists(target.serviceId)) {
    return {
      status: 'critical',
      output: `Service ${target.serviceId} could not be found on node ${target.node}`,
    };
  }
  return { status, output };
}
