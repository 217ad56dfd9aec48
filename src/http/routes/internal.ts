import { NoLeaderError } from '../../server/consensus.ts';
import { filterParam, keepMatching } from '../catalog-filters.ts';
import type { HttpContext } from '../context.ts';
import { CHECK_SERVICE_NODE_FILTER_SCHEMA, checkServiceNodeFilterView } from '../filter-schemas.ts';
import { read } from '../read.ts';
import type { ApiRequest } from '../request.ts';
import { rawJson } from '../response.ts';
import { type RouteDefinition, route } from '../route.ts';
import { summarizeServices } from '../service-summaries.ts';

/**
 * `/v1/internal/ui/*`: the aggregates Consul's web UI reads that the documented API lacks. Only
 * the services list so far; Cairn's UI reads everything else through the public endpoints.
 */
export function internalRoutes(_context: HttpContext): RouteDefinition[] {
  return [route('/v1/internal/ui/services', { GET: uiServices })];
}

/**
 * `GET /v1/internal/ui/services[?filter=]` (Consul's `UIServices` over `Internal.ServiceDump`):
 * every service with its instance and check counts (service-summaries.ts), sorted by name. A
 * blocking read whose index covers nodes, services and checks, so a check that flips wakes it.
 * `?filter=` selects instances before they are summarised, on `structs.CheckServiceNode` as in
 * Consul. Without a leader a server answers from its own state, as Consul retries with stale.
 */
async function uiServices(request: ApiRequest, context: HttpContext) {
  const filter = filterParam(request, CHECK_SERVICE_NODE_FILTER_SCHEMA);
  const key = JSON.stringify(['/v1/internal/ui/services', request.query.get('filter') ?? '']);
  // A blocking read asks for the index at every catalog change; the summaries (about 18 µs a
  // service) are built once per index and shared by every page watching them.
  const summaries = (attempt: ApiRequest) =>
    read(context, attempt, (store) => {
      const version = store.catalog.serviceDumpVersion();
      const body = context.answers.answer(key, store, version.index, () => {
        const entries = keepMatching(store.catalog.serviceDump().value, filter, checkServiceNodeFilterView);
        return JSON.stringify(summarizeServices(entries));
      });
      return { ...version, value: body };
    });
  try {
    const answer = await summaries(request);
    return rawJson(answer.value, answer.headers);
  } catch (error) {
    if (!(error instanceof NoLeaderError) || !context.config.server || request.query.has('stale'))
      throw error;
    const query = new URLSearchParams(request.query);
    query.delete('consistent');
    query.set('stale', '');
    const answer = await summaries({ ...request, query, signal: request.signal });
    return rawJson(answer.value, answer.headers);
  }
}
