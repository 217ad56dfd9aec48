import { text } from '../response.ts';
import { type RouteDefinition, route } from '../route.ts';

/**
 * `GET /` answers 200: clients (python-consul's tests) point an HTTP check at the agent's own
 * address. The web UI, when it lands, takes `/ui/`.
 */
export function rootRoutes(): RouteDefinition[] {
  return [route('/', { GET: () => text(200, 'Cairn agent: HTTP API under /v1/\n') })];
}
