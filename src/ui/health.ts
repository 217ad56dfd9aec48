/**
 * Health as the UI shows it: the worst of a set of checks, with maintenance told apart from an
 * ordinary critical check (Consul stores maintenance as a critical check with a reserved ID).
 */

import type { HealthCheck } from '../model/records.ts';

export type Health = 'passing' | 'warning' | 'critical' | 'maintenance';

const NODE_MAINTENANCE = '_node_maintenance';
const SERVICE_MAINTENANCE_PREFIX = '_service_maintenance:';

export function isMaintenance(check: Pick<HealthCheck, 'CheckID'>): boolean {
  return check.CheckID === NODE_MAINTENANCE || check.CheckID.startsWith(SERVICE_MAINTENANCE_PREFIX);
}

/** One check's badge. */
export function checkHealth(check: Pick<HealthCheck, 'CheckID' | 'Status'>): Health {
  if (isMaintenance(check)) return 'maintenance';
  if (check.Status === 'passing' || check.Status === 'warning') return check.Status;
  return 'critical';
}

const rank: Record<Health, number> = { passing: 0, warning: 1, critical: 2, maintenance: 3 };

/** The worst of the checks; passing when there are none, as Consul's UI shows a check-less instance. */
export function worstHealth(checks: readonly Pick<HealthCheck, 'CheckID' | 'Status'>[]): Health {
  let worst: Health = 'passing';
  for (const check of checks) {
    const health = checkHealth(check);
    if (rank[health] > rank[worst]) worst = health;
  }
  return worst;
}

export interface HealthCounts {
  passing: number;
  warning: number;
  critical: number;
}

/** Checks by status; maintenance counts as critical, as Consul counts it. */
export function countHealth(checks: readonly Pick<HealthCheck, 'Status'>[]): HealthCounts {
  const counts: HealthCounts = { passing: 0, warning: 0, critical: 0 };
  for (const check of checks) {
    if (check.Status === 'passing') counts.passing++;
    else if (check.Status === 'warning') counts.warning++;
    else counts.critical++;
  }
  return counts;
}

/** The badge for counts: critical if any is critical, else warning if any warns, else passing. */
export function healthOfCounts(counts: HealthCounts): Exclude<Health, 'maintenance'> {
  if (counts.critical > 0) return 'critical';
  if (counts.warning > 0) return 'warning';
  return 'passing';
}
