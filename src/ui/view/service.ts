/** The service page: its instances, each with the worst of its node's and its own checks. */

import type { ServiceHealthEntry } from '../../api-client/client.ts';
import type { HealthCheck, NodeService } from '../../model/records.ts';
import { type Health, worstHealth } from '../health.ts';
import { hostPort } from './address.ts';
import { sortChecks } from './checks.ts';
import { compareText } from './services.ts';

export interface InstanceView {
  /** Node and service ID: a service ID is unique only on its node. */
  key: string;
  entry: ServiceHealthEntry;
  health: Health;
  /** Worst first. */
  checks: HealthCheck[];
  address: string;
}

/** Where clients reach an instance: its own address, else its node's, with the port. */
export function instanceAddress(entry: {
  Node: { Address: string } | null | undefined;
  Service: Pick<NodeService, 'Address' | 'Port' | 'SocketPath'>;
}): string {
  const service = entry.Service;
  if (service.SocketPath) return service.SocketPath;
  const host = service.Address || entry.Node?.Address || '';
  return hostPort(host, service.Port);
}

/** Instances ordered by node, then service ID. */
export function instanceViews(entries: readonly ServiceHealthEntry[] | null): InstanceView[] {
  return (entries ?? [])
    .map((entry) => {
      const checks = sortChecks(entry.Checks);
      return {
        key: `${entry.Node?.Node ?? ''}/${entry.Service.ID}`,
        entry,
        health: worstHealth(checks),
        checks,
        address: instanceAddress(entry),
      };
    })
    .sort(
      (a, b) =>
        compareText(a.entry.Node?.Node ?? '', b.entry.Node?.Node ?? '') ||
        compareText(a.entry.Service.ID, b.entry.Service.ID),
    );
}

/** The service's badge: the worst check of any instance. */
export function serviceWorstHealth(instances: readonly InstanceView[]): Health {
  return worstHealth(instances.flatMap((instance) => instance.checks));
}

/** Every instance's tags, each once, in first-seen order. */
export function instanceTags(instances: readonly InstanceView[]): string[] {
  const tags = new Set<string>();
  for (const instance of instances) for (const tag of instance.entry.Service.Tags ?? []) tags.add(tag);
  return [...tags];
}
