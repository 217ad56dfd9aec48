import type { HttpContext } from '../context.ts';
import type { RouteDefinition } from '../route.ts';
import { agentRoutes } from './agent.ts';
import { catalogRoutes } from './catalog.ts';
import { eventRoutes } from './event.ts';
import { healthRoutes } from './health.ts';
import { internalRoutes } from './internal.ts';
import { kvRoutes } from './kv.ts';
import { metricsRoutes } from './metrics.ts';
import { operatorRoutes } from './operator.ts';
import { rootRoutes } from './root.ts';
import { sessionRoutes } from './session.ts';
import { statusRoutes } from './status.ts';
import { txnRoutes } from './txn.ts';
import { uiRoutes } from './ui.ts';

/** Every endpoint of the HTTP API v1, as Consul's `http_register.go` lists them, `/` and the web UI. */
export function allRoutes(context: HttpContext): RouteDefinition[] {
  return [
    ...rootRoutes(context.ui),
    ...agentRoutes(context),
    ...catalogRoutes(context),
    ...healthRoutes(context),
    ...kvRoutes(context),
    ...txnRoutes(context),
    ...sessionRoutes(context),
    ...statusRoutes(),
    ...eventRoutes(),
    ...operatorRoutes(),
    ...metricsRoutes(),
    ...internalRoutes(context),
    ...uiRoutes(context.ui),
  ];
}
