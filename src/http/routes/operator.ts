import { NoLeaderError } from '../../server/consensus.ts';
import type { HttpContext, KeyringOperation, KeyringResponse } from '../context.ts';
import { badRequest, HttpError } from '../errors.ts';
import { Fields } from '../fields.ts';
import { type ApiRequest, Consistency, checkDatacenter, parseBoolText, queryOptions } from '../request.ts';
import { empty, json } from '../response.ts';
import { type RouteDefinition, route } from '../route.ts';

const RAFT_PROTOCOL_VERSION = '3';

/** `/v1/operator/raft/*`: the Raft configuration, and peer removal; `/v1/operator/keyring`. */
export function operatorRoutes(): RouteDefinition[] {
  return [
    route('/v1/operator/keyring', {
      GET: keyring('list'),
      POST: keyring('install'),
      PUT: keyring('use'),
      DELETE: keyring('remove'),
    }),
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

/** Consul's relay factor bound (`ParseRelayFactor`). */
const MAX_RELAY_FACTOR = 5;

/**
 * `/v1/operator/keyring` (Consul's `OperatorKeyringEndpoint`): GET lists the gossip keys of every
 * pool, POST installs, PUT makes primary, DELETE removes the `{"Key": "<base64>"}` of the body.
 * A pool that reports an error makes the answer a 500 listing each pool's error and node
 * messages, as go-multierror prints them; a list answers the responses otherwise, the others an
 * empty 200.
 */
function keyring(operation: KeyringOperation) {
  return async (request: ApiRequest, context: HttpContext) => {
    const key = operation === 'list' ? undefined : Fields.fromBody(request.body).string('Key');
    const relayFactor = request.query.get('relay-factor') ?? '';
    if (relayFactor !== '') {
      if (!/^[+-]?\d+$/.test(relayFactor))
        throw badRequest(
          `Error parsing relay factor: strconv.Atoi: parsing ${JSON.stringify(relayFactor)}: invalid syntax`,
        );
      const factor = Number(relayFactor);
      if (factor < 0 || factor > MAX_RELAY_FACTOR)
        throw badRequest(`Invalid relay-factor: Relay factor must be in range: [0, ${MAX_RELAY_FACTOR}]`);
    }
    const localOnly = request.query.get('local-only') ?? '';
    if (localOnly !== '') {
      const parsed = parseBoolText(localOnly);
      if (parsed === undefined)
        throw badRequest(
          `Error parsing local-only: strconv.ParseBool: parsing ${JSON.stringify(localOnly)}: invalid syntax`,
        );
      if (parsed && operation !== 'list') throw badRequest('local-only can only be used for GET requests');
    }
    const responses = await context.agent.keyring(operation, key);
    const failure = keyringErrors(responses);
    if (failure !== undefined) throw new HttpError(500, failure);
    return operation === 'list' ? json(responses) : empty();
  };
}

/** Consul's `keyringErrorsOrNil`, in go-multierror's words; `undefined` when every pool succeeded. */
export function keyringErrors(responses: readonly KeyringResponse[]): string | undefined {
  const problems: string[] = [];
  for (const response of responses) {
    if (response.Error === '') continue;
    let pool = response.WAN ? 'WAN' : `${response.Datacenter} (LAN)`;
    if (response.Segment !== '') pool += ` [segment: ${response.Segment}]`;
    problems.push(`${pool} error: ${response.Error}`);
    for (const [node, message] of Object.entries(response.Messages)) problems.push(`${node}: ${message}`);
  }
  if (problems.length === 0) return undefined;
  const lines = problems.map((problem) => `\t* ${problem}`).join('\n');
  return `${problems.length} error${problems.length === 1 ? '' : 's'} occurred:\n${lines}\n\n`;
}
