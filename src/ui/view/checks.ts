/** Checks as pages list them: worst first, and whether a check belongs to the node or a service. */

import type { HealthCheck } from '../../model/records.ts';
import { checkHealth, type Health } from '../health.ts';
import { compareText } from './services.ts';

type Check = Pick<HealthCheck, 'CheckID' | 'Name' | 'Status' | 'ServiceID'>;

const severity: Record<Health, number> = { passing: 0, warning: 1, critical: 2, maintenance: 3 };

/** Node checks have no service (`serfHealth`, node maintenance, checks registered without one). */
export function isNodeCheck(check: Pick<Check, 'ServiceID'>): boolean {
  return (check.ServiceID ?? '') === '';
}

/** Worst first, then by name and ID, so the order holds still while statuses do not change. */
export function sortChecks<T extends Check>(checks: readonly T[] | null | undefined): T[] {
  return [...(checks ?? [])].sort(
    (a, b) =>
      severity[checkHealth(b)] - severity[checkHealth(a)] ||
      compareText(a.Name, b.Name) ||
      compareText(a.CheckID, b.CheckID),
  );
}

/** A check's type as people know it; Consul leaves the gossip check's type empty. */
export function checkType(check: { CheckID: string; Type?: string | null }): string {
  if (check.Type) return check.Type;
  if (check.CheckID === 'serfHealth') return 'serf';
  if (check.CheckID === '_node_maintenance' || check.CheckID.startsWith('_service_maintenance:'))
    return 'maintenance';
  return '';
}
