import { checkDatacenter } from '../request.ts';
import { json } from '../response.ts';
import { type RouteDefinition, route } from '../route.ts';

/** `/v1/status/leader` and `/v1/status/peers`: the Raft leader and voters by RPC address. */
export function statusRoutes(): RouteDefinition[] {
  return [
    route('/v1/status/leader', {
      GET: (request, context) => {
        checkDatacenter(request, context.config.datacenter);
        return json(context.server.consensus.status().leaderAddress);
      },
    }),
    route('/v1/status/peers', {
      GET: (request, context) => {
        checkDatacenter(request, context.config.datacenter);
        const { servers } = context.server.consensus.configuration();
        return json(servers.filter((server) => server.Voter).map((server) => server.Address));
      },
    }),
  ];
}
