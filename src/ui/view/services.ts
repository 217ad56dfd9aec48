/**
 * The services list: the health of a summary, the toolbar's filters (search over name and tags,
 * health, tag) and its order. Summaries are `/v1/internal/ui/services` entries.
 */

import { type Health, healthOfCounts } from '../health.ts';

/** The fields of a `ServiceSummary` the list reads. */
export interface ServiceRow {
  Name: string;
  Tags: readonly string[] | null;
  InstanceCount: number;
  ChecksPassing: number;
  ChecksWarning: number;
  ChecksCritical: number;
}

export const serviceStatuses = ['', 'passing', 'warning', 'critical'] as const;
export type ServiceStatusFilter = (typeof serviceStatuses)[number];

export const serviceSorts = ['name', 'name-desc', 'health'] as const;
export type ServiceSort = (typeof serviceSorts)[number];

export interface ServiceFilter {
  /** Case-insensitive substring of the name or of a tag. */
  search: string;
  /** The aggregated badge; `''` for any. */
  status: ServiceStatusFilter;
  /** An exact tag; `''` for any. */
  tag: string;
  sort: ServiceSort;
}

export const anyService: ServiceFilter = { search: '', status: '', tag: '', sort: 'name' };

/** The badge of a summary: critical if any check is, else warning if any warns, else passing. */
export function serviceHealth(row: ServiceRow): Exclude<Health, 'maintenance'> {
  return healthOfCounts({
    passing: row.ChecksPassing,
    warning: row.ChecksWarning,
    critical: row.ChecksCritical,
  });
}

/** Every tag of every service, each once, sorted. */
export function tagUnion(rows: readonly ServiceRow[]): string[] {
  const tags = new Set<string>();
  for (const row of rows) for (const tag of row.Tags ?? []) tags.add(tag);
  return [...tags].sort(compareText);
}

export function matchesService(row: ServiceRow, filter: ServiceFilter): boolean {
  if (filter.status !== '' && serviceHealth(row) !== filter.status) return false;
  const tags = row.Tags ?? [];
  if (filter.tag !== '' && !tags.includes(filter.tag)) return false;
  const needle = filter.search.trim().toLowerCase();
  if (needle === '') return true;
  return row.Name.toLowerCase().includes(needle) || tags.some((tag) => tag.toLowerCase().includes(needle));
}

/** The rows that match, in the filter's order; the input is not changed. */
export function filterServices<T extends ServiceRow>(rows: readonly T[], filter: ServiceFilter): T[] {
  const kept = rows.filter((row) => matchesService(row, filter));
  switch (filter.sort) {
    case 'name':
      return kept.sort((a, b) => compareText(a.Name, b.Name));
    case 'name-desc':
      return kept.sort((a, b) => compareText(b.Name, a.Name));
    case 'health':
      return kept.sort(
        (a, b) => severity[serviceHealth(b)] - severity[serviceHealth(a)] || compareText(a.Name, b.Name),
      );
  }
}

const severity: Record<Health, number> = { passing: 0, warning: 1, critical: 2, maintenance: 3 };

/** Names sort by code point, as Consul's API returns them, so the list does not depend on locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
