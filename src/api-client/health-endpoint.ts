/** `/v1/health/*`: instances with their checks, for discovery that cares about health. */

import type { HealthCheck } from '../model/records.ts';
import { tagParameters } from './catalog-endpoint.ts';
import { escapePath, type HttpTransport } from './http-transport.ts';
import { type QueryOptions, type QueryParameters, type QueryResult, queryParameters } from './query.ts';
import type { ServiceHealthEntry } from './types.ts';

export type HealthState = 'any' | 'passing' | 'warning' | 'critical';

export class HealthEndpoint {
  constructor(private readonly http: HttpTransport) {}

  /** Instances of the service; `passing` drops any with a non-passing service or node check. */
  service(
    name: string,
    options: QueryOptions & { passing?: boolean; tag?: string | string[] } = {},
  ): Promise<QueryResult<ServiceHealthEntry[]>> {
    const query: QueryParameters = [...tagParameters(options.tag)];
    if (options.passing) query.push(['passing', '']);
    query.push(...queryParameters(options));
    const path = `/v1/health/service/${escapePath(name)}`;
    return this.http.query({ method: 'GET', path, query, signal: options.signal });
  }

  node(name: string, options: QueryOptions = {}): Promise<QueryResult<HealthCheck[]>> {
    const path = `/v1/health/node/${escapePath(name)}`;
    return this.http.query({ method: 'GET', path, query: queryParameters(options), signal: options.signal });
  }

  checks(service: string, options: QueryOptions = {}): Promise<QueryResult<HealthCheck[]>> {
    const path = `/v1/health/checks/${escapePath(service)}`;
    return this.http.query({ method: 'GET', path, query: queryParameters(options), signal: options.signal });
  }

  state(state: HealthState, options: QueryOptions = {}): Promise<QueryResult<HealthCheck[]>> {
    const path = `/v1/health/state/${state}`;
    return this.http.query({ method: 'GET', path, query: queryParameters(options), signal: options.signal });
  }
}
