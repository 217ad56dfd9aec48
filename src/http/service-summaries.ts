/**
 * The services list of `/v1/internal/ui/services`: one summary per service name, after
 * Consul's `summarizeServices` and `prepSummaryOutput` (`agent/ui_endpoint.go`). Pure.
 */
import type { HealthCheck } from '../model/records.ts';
import type { CheckServiceNode } from '../state/catalog.ts';
import { isNative } from './serialize-catalog.ts';

/**
 * Consul's `ServiceListingSummary`, fields in its order. Cairn has no Connect mesh, gateways,
 * peering or namespaces: those fields keep their zero values (`GatewayConfig` is `{}`).
 */
export interface ServiceSummary {
  /** Omitted for a typical service (`json:",omitempty"`). */
  Kind?: string;
  Name: string;
  Datacenter: string;
  /** Every instance's tags once, sorted; null when no instance has any. */
  Tags: string[] | null;
  /** The nodes running an instance, once each, sorted. */
  Nodes: string[];
  /** `Meta["external-source"]` of the instances, once each, in order of appearance; null when none. */
  ExternalSources: string[] | null;
  InstanceCount: number;
  ChecksPassing: number;
  ChecksWarning: number;
  ChecksCritical: number;
  GatewayConfig: Record<string, never>;
  TransparentProxy: boolean;
  ConnectNative: boolean;
  ConnectedWithProxy: boolean;
  ConnectedWithGateway: boolean;
}

/** Consul's `structs.MetaExternalSource`. */
const EXTERNAL_SOURCE_KEY = 'external-source';

interface Summary {
  kind: string;
  datacenter: string;
  tags: Set<string>;
  nodes: Set<string>;
  externalSources: Set<string>;
  instances: number;
  connectNative: boolean;
  /** `node\0checkID` → check: a node check seen through several instances counts once. */
  checks: Map<string, HealthCheck>;
}

/**
 * Summarises instances (each with its node and the checks bearing on it) by service name,
 * sorted by name. Each check counts once per node and check ID however many of the service's
 * instances it bears on (node checks such as `serfHealth`); maintenance counts as critical.
 * Kind and datacenter are the last instance's, as in Consul.
 */
export function summarizeServices(entries: readonly CheckServiceNode[]): ServiceSummary[] {
  const summaries = new Map<string, Summary>();
  for (const { node, service, checks } of entries) {
    let summary = summaries.get(service.Service);
    if (summary === undefined) {
      summary = {
        kind: '',
        datacenter: '',
        tags: new Set(),
        nodes: new Set(),
        externalSources: new Set(),
        instances: 0,
        connectNative: false,
        checks: new Map(),
      };
      summaries.set(service.Service, summary);
    }
    summary.kind = service.Kind;
    summary.datacenter = node.Datacenter;
    summary.nodes.add(node.Node);
    summary.instances++;
    if (service.Connect !== undefined && isNative(service.Connect)) summary.connectNative = true;
    for (const tag of service.Tags) summary.tags.add(tag);
    const source = service.Meta[EXTERNAL_SOURCE_KEY];
    if (source !== undefined && source !== '') summary.externalSources.add(source);
    for (const check of checks) summary.checks.set(`${node.Node}\u0000${check.CheckID}`, check);
  }

  const names = [...summaries.keys()].sort();
  return names.map((name) => {
    const summary = summaries.get(name)!;
    let passing = 0;
    let warning = 0;
    let critical = 0;
    for (const check of summary.checks.values()) {
      if (check.Status === 'passing') passing++;
      else if (check.Status === 'warning') warning++;
      else if (check.Status === 'critical' || check.Status === 'maintenance') critical++;
    }
    return {
      ...(summary.kind === '' ? {} : { Kind: summary.kind }),
      Name: name,
      Datacenter: summary.datacenter,
      Tags: summary.tags.size === 0 ? null : [...summary.tags].sort(),
      Nodes: [...summary.nodes].sort(),
      ExternalSources: summary.externalSources.size === 0 ? null : [...summary.externalSources],
      InstanceCount: summary.instances,
      ChecksPassing: passing,
      ChecksWarning: warning,
      ChecksCritical: critical,
      GatewayConfig: {},
      TransparentProxy: false,
      ConnectNative: summary.connectNative,
      ConnectedWithProxy: false,
      ConnectedWithGateway: false,
    };
  });
}
