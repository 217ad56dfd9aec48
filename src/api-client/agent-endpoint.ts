/** `/v1/agent/*`: the local agent's view (members, services, checks) and its membership. */

import type { HealthCheck, HealthStatus, Member } from '../model/records.ts';
import { escapePath, type HttpRequest, type HttpTransport } from './http-transport.ts';
import type { QueryParameters } from './query.ts';
import type { AgentSelf, AgentService, AgentServiceChecksInfo, ServiceRegistration } from './types.ts';

export interface RequestSignal {
  signal?: AbortSignal;
}

export class AgentEndpoint {
  constructor(private readonly http: HttpTransport) {}

  self(options: RequestSignal = {}): Promise<AgentSelf> {
    return this.http.json({ method: 'GET', path: '/v1/agent/self', signal: options.signal });
  }

  members(options: { wan?: boolean } & RequestSignal = {}): Promise<Member[]> {
    const query: QueryParameters = options.wan ? [['wan', '1']] : [];
    return this.http.json({ method: 'GET', path: '/v1/agent/members', query, signal: options.signal });
  }

  /** Graceful leave; the agent shuts down afterwards. */
  leave(options: RequestSignal = {}): Promise<void> {
    return this.http.discard({ method: 'PUT', path: '/v1/agent/leave', signal: options.signal });
  }

  join(address: string, options: { wan?: boolean } & RequestSignal = {}): Promise<void> {
    const query: QueryParameters = options.wan ? [['wan', '1']] : [];
    const path = `/v1/agent/join/${escapePath(address)}`;
    return this.http.discard({ method: 'PUT', path, query, signal: options.signal });
  }

  /** Re-reads the agent's config files; answers once the reload is done (or failed). */
  reload(options: RequestSignal = {}): Promise<void> {
    return this.http.discard({ method: 'PUT', path: '/v1/agent/reload', signal: options.signal });
  }

  /** Puts the whole node in maintenance; an empty reason leaves Consul's default note. */
  enableNodeMaintenance(reason: string, options: RequestSignal = {}): Promise<void> {
    const query: QueryParameters = [
      ['enable', 'true'],
      ['reason', reason],
    ];
    return this.http.discard({ method: 'PUT', path: '/v1/agent/maintenance', query, signal: options.signal });
  }

  disableNodeMaintenance(options: RequestSignal = {}): Promise<void> {
    const query: QueryParameters = [['enable', 'false']];
    return this.http.discard({ method: 'PUT', path: '/v1/agent/maintenance', query, signal: options.signal });
  }

  enableServiceMaintenance(serviceId: string, reason: string, options: RequestSignal = {}): Promise<void> {
    const query: QueryParameters = [
      ['enable', 'true'],
      ['reason', reason],
    ];
    const path = `/v1/agent/service/maintenance/${escapePath(serviceId)}`;
    return this.http.discard({ method: 'PUT', path, query, signal: options.signal });
  }

  disableServiceMaintenance(serviceId: string, options: RequestSignal = {}): Promise<void> {
    const query: QueryParameters = [['enable', 'false']];
    const path = `/v1/agent/service/maintenance/${escapePath(serviceId)}`;
    return this.http.discard({ method: 'PUT', path, query, signal: options.signal });
  }

  forceLeave(node: string, options: { prune?: boolean; wan?: boolean } & RequestSignal = {}): Promise<void> {
    const query: QueryParameters = [];
    if (options.prune) query.push(['prune', '']);
    if (options.wan) query.push(['wan', '']);
    const path = `/v1/agent/force-leave/${escapePath(node)}`;
    return this.http.discard({ method: 'PUT', path, query, signal: options.signal });
  }

  services(options: RequestSignal = {}): Promise<Record<string, AgentService>> {
    return this.http.json({ method: 'GET', path: '/v1/agent/services', signal: options.signal });
  }

  checks(options: RequestSignal = {}): Promise<Record<string, HealthCheck>> {
    return this.http.json({ method: 'GET', path: '/v1/agent/checks', signal: options.signal });
  }

  serviceRegister(
    definition: ServiceRegistration,
    options: { replaceExistingChecks?: boolean } & RequestSignal = {},
  ): Promise<void> {
    const query: QueryParameters = options.replaceExistingChecks ? [['replace-existing-checks', 'true']] : [];
    return this.http.discard({
      method: 'PUT',
      path: '/v1/agent/service/register',
      query,
      body: definition,
      signal: options.signal,
    });
  }

  /** The id may contain `/` (Patroni registers `demo/pg1`). */
  serviceDeregister(serviceId: string, options: RequestSignal = {}): Promise<void> {
    const path = `/v1/agent/service/deregister/${escapePath(serviceId)}`;
    return this.http.discard({ method: 'PUT', path, signal: options.signal });
  }

  /**
   * The health of one local service (`GET /v1/agent/health/service/id/<id>`), read from the
   * status code as Consul's Go client does: 200 passing, 429 warning, 503 critical (maintenance
   * too). An unknown ID is `critical` with no info.
   */
  async healthServiceById(
    serviceId: string,
    options: RequestSignal = {},
  ): Promise<{ status: HealthStatus; info: AgentServiceChecksInfo | null }> {
    const path = `/v1/agent/health/service/id/${escapePath(serviceId)}`;
    const { status, body } = await this.localHealth(path, options.signal);
    return { status, info: body === undefined ? null : (body as AgentServiceChecksInfo) };
  }

  /** Every local instance of a service (`GET /v1/agent/health/service/name/<name>`), worst status first. */
  async healthServiceByName(
    serviceName: string,
    options: RequestSignal = {},
  ): Promise<{ status: HealthStatus; infos: AgentServiceChecksInfo[] }> {
    const path = `/v1/agent/health/service/name/${escapePath(serviceName)}`;
    const { status, body } = await this.localHealth(path, options.signal);
    return { status, infos: (body as AgentServiceChecksInfo[] | undefined) ?? [] };
  }

  private async localHealth(
    path: string,
    signal: AbortSignal | undefined,
  ): Promise<{ status: HealthStatus; body: unknown }> {
    const request: HttpRequest = {
      method: 'GET',
      path,
      query: [['format', 'json']],
      signal,
      acceptStatuses: [404, 429, 503],
    };
    const response = await this.http.send(request);
    if (response.status === 404) {
      await response.body?.cancel();
      return { status: 'critical', body: undefined };
    }
    const body: unknown = await response.json();
    const status = response.status === 200 ? 'passing' : response.status === 429 ? 'warning' : 'critical';
    return { status, body };
  }
}
