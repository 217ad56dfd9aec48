/** `/v1/internal/ui/*`: the aggregates Consul's web UI reads; not part of the documented API. */

import type { HttpTransport } from './http-transport.ts';
import { type QueryOptions, type QueryParameters, type QueryResult, queryParameters } from './query.ts';

/** One service of `GET /v1/internal/ui/services` (Consul's `ServiceListingSummary`). */
export interface ServiceSummary {
  /** Absent for a typical service. */
  Kind?: string;
  Name: string;
  Datacenter: string;
  /** Every instance's tags once, sorted; null when none has any. */
  Tags: string[] | null;
  /** Nodes running an instance, once each, sorted. */
  Nodes: string[];
  /** `Meta["external-source"]` values of the instances; null when none. */
  ExternalSources: string[] | null;
  InstanceCount: number;
  /** Checks by status, each node's checks counted once however many instances it runs. */
  ChecksPassing: number;
  ChecksWarning: number;
  /** Maintenance included. */
  ChecksCritical: number;
  GatewayConfig: { AssociatedServiceCount?: number; Addresses?: string[] };
  TransparentProxy: boolean;
  ConnectNative: boolean;
  ConnectedWithProxy: boolean;
  ConnectedWithGateway: boolean;
}

export class InternalEndpoint {
  constructor(private readonly http: HttpTransport) {}

  /**
   * Every service with its instance and check counts, sorted by name; blocks like any read.
   * `filter` selects instances (`Service.Tags contains "v1"`, `Node.Node == "n1"`) before they
   * are counted.
   */
  uiServices(options: QueryOptions & { filter?: string } = {}): Promise<QueryResult<ServiceSummary[]>> {
    const query: QueryParameters = options.filter ? [['filter', options.filter]] : [];
    query.push(...queryParameters(options));
    return this.http.query({
      method: 'GET',
      path: '/v1/internal/ui/services',
      query,
      signal: options.signal,
    });
  }
}
