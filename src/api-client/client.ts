/**
 * Cairn's typed HTTP client: the Consul HTTP API v1 over the global `fetch`, shaped after
 * Consul's Go `api` package (`client.kv.get`, `client.agent.members`, …). Used by the CLI, the
 * UI and users. Imports only src/lib and src/model, and no `node:*`, so it runs in browsers too.
 *
 *     const client = new CairnClient({ address: '127.0.0.1:8500' });
 *     const { value, meta } = await client.kv.get('config/db');
 */

import { AgentEndpoint } from './agent-endpoint.ts';
import { CatalogEndpoint } from './catalog-endpoint.ts';
import { EventEndpoint } from './event-endpoint.ts';
import { HealthEndpoint } from './health-endpoint.ts';
import { type ClientConfig, HttpTransport } from './http-transport.ts';
import { InternalEndpoint } from './internal-endpoint.ts';
import { KvEndpoint } from './kv-endpoint.ts';
import { OperatorEndpoint } from './operator-endpoint.ts';
import { SessionEndpoint } from './session-endpoint.ts';
import { StatusEndpoint } from './status-endpoint.ts';

export class CairnClient {
  /** The agent's base URL, e.g. `http://127.0.0.1:8500`. */
  readonly address: string;
  readonly agent: AgentEndpoint;
  readonly kv: KvEndpoint;
  readonly catalog: CatalogEndpoint;
  readonly health: HealthEndpoint;
  readonly status: StatusEndpoint;
  readonly session: SessionEndpoint;
  readonly event: EventEndpoint;
  readonly operator: OperatorEndpoint;
  /** `/v1/internal/ui/*`, what the web UI reads beyond the documented API. */
  readonly internal: InternalEndpoint;

  /** Throws when the address has a scheme other than http or https. */
  constructor(config: ClientConfig = {}) {
    const http = new HttpTransport(config);
    this.address = http.baseUrl;
    this.agent = new AgentEndpoint(http);
    this.kv = new KvEndpoint(http);
    this.catalog = new CatalogEndpoint(http);
    this.health = new HealthEndpoint(http);
    this.status = new StatusEndpoint(http);
    this.session = new SessionEndpoint(http);
    this.event = new EventEndpoint(http);
    this.operator = new OperatorEndpoint(http);
    this.internal = new InternalEndpoint(http);
  }
}

export type { AgentEndpoint } from './agent-endpoint.ts';
export type { CatalogEndpoint } from './catalog-endpoint.ts';
export { ApiError, ConnectionError } from './errors.ts';
export type { EventEndpoint } from './event-endpoint.ts';
export type { HealthEndpoint } from './health-endpoint.ts';
export { type ClientConfig, DEFAULT_ADDRESS, type FetchFunction } from './http-transport.ts';
export type { InternalEndpoint, ServiceSummary } from './internal-endpoint.ts';
export type { KvDeleteOptions, KvEndpoint, KvPutOptions } from './kv-endpoint.ts';
export type { KeyringOptions, OperatorEndpoint } from './operator-endpoint.ts';
export type { QueryMeta, QueryOptions, QueryResult, WriteOptions } from './query.ts';
export type { SessionEndpoint } from './session-endpoint.ts';
export type { StatusEndpoint } from './status-endpoint.ts';
export type * from './types.ts';
export { nextWatchIndex, type WatchOptions, watch } from './watch.ts';
