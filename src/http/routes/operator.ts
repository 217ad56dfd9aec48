import { NoLeaderError } from '../../server/consensus.ts';
import { badRequest, HttpError } from '../errors.ts';
import { Consistency, checkDatacenter, queryOptions } from '../request.ts';
import { json } from '../response.ts';
import { type RouteDefinition, route } from '../route.ts';

const RAFT_PROTOCOL_VERSION = '3';

/** `/v1/operator/raft/*`: the Raft configuration, and peer removal. */
export function operatorRoutes(): RouteDefinition[] {
  return [
    route('/v1/operator/raft/configuration', {
      GET: (request, context) => {
        checkDatacenter(request, context.config.datacenter);
        const { consistency } = queryOptions(request, context.config);
        const status = context.server.consensus.status();
        if (consistency !== Consistency.stale && status.leaderAddress === '') throw new NoLeaderError();
        const { servers, index } = context.server.consensus.configuration();
        return json({
          Servers: servers.map((server) => ({
            ...server,
            ProtocolVersion: RAFT_PROTOCOL_VERSION,
            LastIndex: status.lastLogIndex,
          })),
          Index: index,
        });
      },
    }),
    route('/v1/operator/raft/peer', {
      DELETE: (request, context) => {
        checkDatacenter(request, context.config.datacenter);
        const id = request.query.get('id') ?? '';
        const address = request.query.get('address') ?? '';
        if (id === '' && address === '')
          throw badRequest(
            "Must specify either ?id with the server's ID or ?address with IP:port of peer to remove",
          );
        if (id !== '' && address !== '') throw badRequest('Must specify only one of ?id or ?address');
        const known = context.server.consensus
          .configuration()
          .servers.some((server) => (id !== '' ? server.ID === id : server.Address === address));
        if (!known) throw new HttpError(500, `id "${id || address}" was not found in the Raft configuration`);
        throw new HttpError(500, 'cannot remove the only voter of a single-server cluster');
      },
    }),
  ];
}
