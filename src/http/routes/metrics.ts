import { badRequest } from '../errors.ts';
import { json } from '../response.ts';
import { type RouteDefinition, route } from '../route.ts';

/** `/v1/agent/metrics`: Consul's JSON, or Prometheus text with `?format=prometheus`. */
export function metricsRoutes(): RouteDefinition[] {
  return [
    route('/v1/agent/metrics', {
      GET: async (request, context) => {
        const format = request.query.get('format') ?? '';
        if (format !== '' && format !== 'prometheus') throw badRequest(`Invalid format "${format}"`);
        const metrics = await context.agent.metrics();
        if (format === 'prometheus') {
          return { status: 200, headers: { 'content-type': metrics.contentType }, body: metrics.prometheus };
        }
        return json(metrics.json);
      },
    }),
  ];
}
