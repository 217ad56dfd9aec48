/** The node page: its own checks, its service instances with their checks, its lock sessions. */

import type { HealthCheck, NodeService, Session } from '../../model/records.ts';
import { type Health, worstHealth } from '../health.ts';
import { isNodeCheck, sortChecks } from './checks.ts';
import { compareText } from './services.ts';

export interface NodeServiceView {
  service: NodeService;
  /** The instance's own checks, worst first. */
  checks: HealthCheck[];
  health: Health;
}

export function nodeOwnChecks(checks: readonly HealthCheck[] | null): HealthCheck[] {
  return sortChecks((checks ?? []).filter(isNodeCheck));
}

/** The node's instances by service name, then ID, each badged by its own checks. */
export function nodeServiceViews(
  services: Record<string, NodeService> | null | undefined,
  checks: readonly HealthCheck[] | null,
): NodeServiceView[] {
  const byService = new Map<string, HealthCheck[]>();
  for (const check of checks ?? []) {
    if (isNodeCheck(check)) continue;
    const list = byService.get(check.ServiceID);
    if (list) list.push(check);
    else byService.set(check.ServiceID, [check]);
  }
  return Object.values(services ?? {})
    .map((service) => {
      const own = sortChecks(byService.get(service.ID) ?? []);
      return { service, checks: own, health: worstHealth(own) };
    })
    .sort(
      (a, b) => compareText(a.service.Service, b.service.Service) || compareText(a.service.ID, b.service.ID),
    );
}

/** The checks a session is tied to: node checks by ID, then service checks by ID. */
export function sessionCheckIds(session: Pick<Session, 'NodeChecks' | 'ServiceChecks'>): string[] {
  return [...(session.NodeChecks ?? []), ...(session.ServiceChecks ?? []).map((check) => check.ID)];
}

/** Nanoseconds as a short duration (`15s`, `1m30s`, `250ms`, `0s`), as Go prints them. */
export function formatNanoseconds(nanoseconds: number | null | undefined): string {
  const total = Math.max(0, nanoseconds ?? 0);
  if (total === 0) return '0s';
  if (total < 1e6) return `${Math.round(total / 1e3)}µs`;
  if (total < 1e9) return `${Math.round(total / 1e6)}ms`;
  let seconds = Math.round(total / 1e9);
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}
