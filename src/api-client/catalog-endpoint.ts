/** `/v1/catalog/*`: the datacenter-wide registry of nodes and services. */

import type { CatalogNode } from '../model/records.ts';
import { escapePath, type HttpTransport } from './http-transport.ts';
import { type QueryOptions, type QueryParameters, type QueryResult, queryParameters } from './query.ts';
import type { CatalogNodeServices, CatalogServiceNode } from './types.ts';

export interface NodeMetaFilter {
  /** Only nodes carrying all these meta pairs (`?node-meta=key:value`). */
  nodeMeta?: Record<string, string>;
}

export class CatalogEndpoint {
  constructor(private readonly http: HttpTransport) {}

  datacenters(options: { signal?: AbortSignal } = {}): Promise<string[]> {
    return this.http.json({ method: 'GET', path: '/v1/catalog/datacenters', signal: options.signal });
  }

  nodes(options: QueryOptions & NodeMetaFilter = {}): Promise<QueryResult<CatalogNode[]>> {
    const query = [...nodeMetaParameters(options), ...queryParameters(options)];
    return this.http.query({ method: 'GET', path: '/v1/catalog/nodes', query, signal: options.signal });
  }

  /** Service name → the union of its instances' tags. */
  services(options: QueryOptions & NodeMetaFilter = {}): Promise<QueryResult<Record<string, string[]>>> {
    const query = [...nodeMetaParameters(options), ...queryParameters(options)];
    return this.http.query({ method: 'GET', path: '/v1/catalog/services', query, signal: options.signal });
  }

  service(
    name: string,
    options: QueryOptions & NodeMetaFilter & { tag?: string | string[] } = {},
  ): Promise<QueryResult<CatalogServiceNode[]>> {
    const query = [
      ...tagParameters(options.tag),
      ...nodeMetaParameters(options),
      ...queryParameters(options),
    ];
    const path = `/v1/catalog/service/${escapePath(name)}`;
    return this.http.query({ method: 'GET', path, query, signal: options.signal });
  }

  /** The node and its services; `value` is null for an unknown node. */
  node(name: string, options: QueryOptions = {}): Promise<QueryResult<CatalogNodeServices | null>> {
    const path = `/v1/catalog/node/${escapePath(name)}`;
    return this.http.query({ method: 'GET', path, query: queryParameters(options), signal: options.signal });
  }
}

export function tagParameters(tag: string | string[] | undefined): QueryParameters {
  const tags = tag === undefined ? [] : Array.isArray(tag) ? tag : [tag];
  return tags.map((value) => ['tag', value]);
}

function nodeMetaParameters(options: NodeMetaFilter): QueryParameters {
  return Object.entries(options.nodeMeta ?? {}).map(([key, value]) => ['node-meta', `${key}:${value}`]);
}
