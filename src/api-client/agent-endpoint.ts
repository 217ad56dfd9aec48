/** `/v1/agent/*`: the local agent's view (members, services, checks) and its membership. */

import type { HealthCheck, Member } from '../model/records.ts';
import { escapePath, type HttpTransport } from './http-transport.ts';
import type { QueryParameters } from './query.ts';
import type { AgentSelf, AgentService, ServiceRegistration } from './types.ts';

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
}
