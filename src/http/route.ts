import type { HttpContext } from './context.ts';
import type { ApiRequest } from './request.ts';
import type { ApiResponse } from './response.ts';

export type Handler = (request: ApiRequest, context: HttpContext) => Promise<ApiResponse> | ApiResponse;

export const METHODS = ['GET', 'PUT', 'POST', 'DELETE'] as const;
export type Method = (typeof METHODS)[number];

/**
 * One endpoint: a path and the handler for each method it allows. A path ending in `/*` takes
 * the rest of the path (a KV key, a service ID with `/` in it) as `request.rest`. Any other
 * method gets 405 with `Allow`, as Consul's method table does.
 */
export interface RouteDefinition {
  path: string;
  methods: Partial<Record<Method, Handler>>;
  /** Largest body accepted; beyond it 413. Defaults to the agent's general limit. */
  bodyLimitBytes?: number;
}

export function route(
  path: string,
  methods: Partial<Record<Method, Handler>>,
  bodyLimitBytes?: number,
): RouteDefinition {
  return bodyLimitBytes === undefined ? { path, methods } : { path, methods, bodyLimitBytes };
}
