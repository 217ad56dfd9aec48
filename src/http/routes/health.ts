import { hasAllTags, matchesNodeMeta, withoutNonPassing } from '../../discovery/filters.ts';
import type { BoundFilter } from '../../lib/filter/filter.ts';
import type { HealthCheck, HealthStatus } from '../../model/records.ts';
import type { CheckServiceNode } from '../../state/catalog.ts';
import type { Read, StateStore } from '../../state/store.ts';
import { filterParam, keepMatching, nodeMetaFilters, passingOnly, tagFilters } from '../catalog-filters.ts';
import type { HttpContext } from '../context.ts';
import {
  CHECK_SERVICE_NODE_FILTER_SCHEMA,
  checkServiceNodeFilterView,
  HEALTH_CHECK_FILTER_SCHEMA,
} from '../filter-schemas.ts';
import { read } from '../read.ts';
import { type ApiRequest, pathName } from '../request.ts';
import { rawJson } from '../response.ts';
import { type RouteDefinition, route } from '../route.ts';
import { checkServiceNodesJson, healthChecksJson } from '../serialize-catalog.ts';

/**
 * `/v1/health/*` (Consul's `agent/health_endpoint.go` and the `Health` RPC): checks by node, by
 * service and by state, and service instances joined with their node and every check that
 * bears on them. All block; `?near=` is accepted and ignored. `?filter=` applies, as in the
 * `Health` RPC, after `?tag=` and `?node-meta=`, inside the blocking query (the index stays the
 * query's).
 */
export function healthRoutes(_context: HttpContext): RouteDefinition[] {
  return [
    route('/v1/health/node/*', { GET: nodeChecks }),
    route('/v1/health/checks/*', { GET: serviceChecks }),
    route('/v1/health/state/*', { GET: checksInState }),
    route('/v1/health/service/*', { GET: serviceInstances }),
  ];
}

/**
 * `GET /v1/health/node/<node>[?filter=]`: the node's checks by check ID (`serfHealth` before
 * `service:…`).
 */
async function nodeChecks(request: ApiRequest, context: HttpContext) {
  const node = pathName(request, 'Missing node name');
  const filter = filterParam(request, HEALTH_CHECK_FILTER_SCHEMA);
  const answer = await read(context, request, (store) => matching(store.catalog.nodeChecks(node), filter));
  return rawJson(healthChecksJson(answer.value), answer.headers);
}

/** `GET /v1/health/checks/<service>[?node-meta=][&filter=]`: the checks bound to the service's instances. */
async function serviceChecks(request: ApiRequest, context: HttpContext) {
  const service = pathName(request, 'Missing service name');
  const filters = nodeMetaFilters(request);
  const filter = filterParam(request, HEALTH_CHECK_FILTER_SCHEMA);
  const answer = await read(context, request, (store) =>
    matching(onMatchingNodes(store, store.catalog.serviceChecks(service), filters), filter),
  );
  return rawJson(healthChecksJson(answer.value), answer.headers);
}

/**
 * `GET /v1/health/state/<state>[?node-meta=][&filter=]`: `any` or checks in one state. Consul
 * checks only that a state is given: an unknown one matches no check and answers `[]`.
 */
async function checksInState(request: ApiRequest, context: HttpContext) {
  const state = pathName(request, 'Missing check state') as HealthStatus | 'any';
  const filters = nodeMetaFilters(request);
  const filter = filterParam(request, HEALTH_CHECK_FILTER_SCHEMA);
  const answer = await read(context, request, (store) =>
    matching(onMatchingNodes(store, store.catalog.checksInState(state), filters), filter),
  );
  return rawJson(healthChecksJson(answer.value), answer.headers);
}

/**
 * `GET /v1/health/service/<name>[?passing][&tag=…][&node-meta=…][&filter=]`:
 * `[{Node, Service, Checks}]`, node checks included. `?passing` drops every instance with a
 * check that is not passing; it comes after `?filter=`, as Consul's HTTP handler applies it to
 * the RPC's (filtered) answer, which matters because it reorders the survivors.
 */
async function serviceInstances(request: ApiRequest, context: HttpContext) {
  const name = pathName(request, 'Missing service name');
  const tags = tagFilters(request);
  const filters = nodeMetaFilters(request);
  const filter = filterParam(request, CHECK_SERVICE_NODE_FILTER_SCHEMA);
  const passing = passingOnly(request);
  // Everything that shapes the answer; `filters` is a Map, which JSON.stringify would drop.
  const key = JSON.stringify([
    name,
    tags,
    filters && [...filters],
    request.query.get('filter') ?? '',
    passing,
  ]);
  const answer = await read(context, request, (store) => {
    const version = store.catalog.serviceVersion(name);
    const body = context.answers.answer(key, store, version.index, () => {
      let entries: readonly CheckServiceNode[] = store.catalog.checkServiceNodes(name).value;
      if (tags !== undefined || filters !== undefined) {
        entries = entries.filter(
          ({ node, service }) => hasAllTags(service, tags) && matchesNodeMeta(node, filters),
        );
      }
      entries = keepMatching(entries, filter, checkServiceNodeFilterView);
      if (passing) entries = withoutNonPassing(entries);
      return checkServiceNodesJson(entries);
    });
    return { ...version, value: body };
  });
  return rawJson(answer.value, answer.headers);
}

/** The checks the filter keeps. */
function matching(
  checks: Read<HealthCheck[]>,
  filter: BoundFilter | undefined,
): Read<readonly HealthCheck[]> {
  return { ...checks, value: keepMatching(checks.value, filter) };
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
