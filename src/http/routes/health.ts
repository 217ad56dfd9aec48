import type { HealthCheck, HealthStatus } from '../../model/records.ts';
import type { Read, StateStore } from '../../state/store.ts';
import {
  hasAllTags,
  matchesNodeMeta,
  nodeMetaFilters,
  passingOnly,
  pathName,
  refuseFilterExpression,
  tagFilters,
  withoutNonPassing,
} from '../catalog-filters.ts';
import type { HttpContext } from '../context.ts';
import { read } from '../read.ts';
import type { ApiRequest } from '../request.ts';
import { rawJson } from '../response.ts';
import { type RouteDefinition, route } from '../route.ts';
import { checkServiceNodesJson, healthChecksJson } from '../serialize-catalog.ts';

/**
 * `/v1/health/*` (Consul's `agent/health_endpoint.go` and the `Health` RPC): checks by node, by
 * service and by state, and service instances joined with their node and every check that
 * bears on them. All block; `?near=` is accepted and ignored; `?filter=` is refused unless empty.
 */
export function healthRoutes(_context: HttpContext): RouteDefinition[] {
  return [
    route('/v1/health/node/*', { GET: nodeChecks }),
    route('/v1/health/checks/*', { GET: serviceChecks }),
    route('/v1/health/state/*', { GET: checksInState }),
    route('/v1/health/service/*', { GET: serviceInstances }),
  ];
}

/** `GET /v1/health/node/<node>`: the node's checks by check ID (`serfHealth` before `service:…`). */
async function nodeChecks(request: ApiRequest, context: HttpContext) {
  refuseFilterExpression(request);
  const node = pathName(request, 'Missing node name');
  const answer = await read(context, request, (store) => store.catalog.nodeChecks(node));
  return rawJson(healthChecksJson(answer.value), answer.headers);
}

/** `GET /v1/health/checks/<service>[?node-meta=]`: the checks bound to the service's instances. */
async function serviceChecks(request: ApiRequest, context: HttpContext) {
  refuseFilterExpression(request);
  const service = pathName(request, 'Missing service name');
  const filters = nodeMetaFilters(request);
  const answer = await read(context, request, (store) =>
    onMatchingNodes(store, store.catalog.serviceChecks(service), filters),
  );
  return rawJson(healthChecksJson(answer.value), answer.headers);
}

/**
 * `GET /v1/health/state/<state>[?node-meta=]`: `any` or checks in one state. Consul checks only
 * that a state is given: an unknown one matches no check and answers `[]`.
 */
async function checksInState(request: ApiRequest, context: HttpContext) {
  refuseFilterExpression(request);
  const state = pathName(request, 'Missing check state') as HealthStatus | 'any';
  const filters = nodeMetaFilters(request);
  const answer = await read(context, request, (store) =>
    onMatchingNodes(store, store.catalog.checksInState(state), filters),
  );
  return rawJson(healthChecksJson(answer.value), answer.headers);
}

/**
 * `GET /v1/health/service/<name>[?passing][&tag=…][&node-meta=…]`: `[{Node, Service, Checks}]`,
 * node checks included. `?passing` drops every instance with a check that is not passing.
 */
async function serviceInstances(request: ApiRequest, context: HttpContext) {
  refuseFilterExpression(request);
  const name = pathName(request, 'Missing service name');
  const tags = tagFilters(request);
  const filters = nodeMetaFilters(request);
  const passing = passingOnly(request);
  const answer = await read(context, request, (store) => {
    const result = store.catalog.checkServiceNodes(name);
    let entries = result.value;
    if (tags !== undefined || filters !== undefined) {
      entries = entries.filter(
        ({ node, service }) => hasAllTags(service, tags) && matchesNodeMeta(node, filters),
      );
    }
    if (passing) entries = withoutNonPassing(entries);
    return { ...result, value: entries };
  });
  return rawJson(checkServiceNodesJson(answer.value), answer.headers);
}

/** Keeps the checks on nodes whose meta matches (`*ByNodeMeta`); the read also watches nodes. */
function onMatchingNodes(
  store: StateStore,
  checks: Read<HealthCheck[]>,
  filters: Map<string, string> | undefined,
): Read<HealthCheck[]> {
  if (filters === undefined) return checks;
  const nodes = store.catalog.nodes();
  const matching = new Set(
    nodes.value.filter((node) => matchesNodeMeta(node, filters)).map((node) => node.Node),
  );
  return {
    value: checks.value.filter((check) => matching.has(check.Node)),
    index: Math.max(checks.index, nodes.index),
    watches: [...checks.watches, ...nodes.watches],
  };
}
