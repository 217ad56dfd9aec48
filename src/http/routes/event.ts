import { eventIndex } from '../../lib/event-index.ts';
import { compileGoRegexp } from '../../lib/filter/go-regexp.ts';
import type { UserEvent } from '../../model/records.ts';
import { blockingQuery } from '../../server/blocking-query.ts';
import { badRequest } from '../errors.ts';
import { type ApiRequest, checkDatacenter, queryOptions } from '../request.ts';
import { json } from '../response.ts';
import { type RouteDefinition, route } from '../route.ts';

function eventJson(event: UserEvent) {
  return {
    ID: event.ID,
    Name: event.Name,
    Payload: event.Payload === null ? null : Buffer.from(event.Payload).toString('base64'),
    NodeFilter: event.NodeFilter,
    ServiceFilter: event.ServiceFilter,
    TagFilter: event.TagFilter,
    Version: event.Version,
    LTime: event.LTime,
  };
}

/** A node/service/tag filter: a Go regular expression, as serf compiles it. */
function compileFilter(request: ApiRequest, name: string): string {
  const pattern = request.query.get(name) ?? '';
  if (pattern === '') return '';
  const compiled = compileGoRegexp(pattern);
  if (typeof compiled === 'string') throw badRequest(`Invalid ${name} filter: ${compiled}`);
  return pattern;
}

/**
 * User events (`/v1/event/fire`, `/v1/event/list`). Events travel by gossip in Consul; until the
 * gossip layer lands they are kept by this agent. The list's blocking index is opaque (derived
 * from the newest event ID), so a change is "different", not "greater".
 */
export function eventRoutes(): RouteDefinition[] {
  return [
    route('/v1/event/fire/*', {
      PUT: async (request, context) => {
        checkDatacenter(request, context.config.datacenter);
        const name = request.rest;
        if (name === '') throw badRequest('Missing name');
        const nodeFilter = compileFilter(request, 'node');
        const serviceFilter = compileFilter(request, 'service');
        const tagFilter = compileFilter(request, 'tag');
        if (tagFilter !== '' && serviceFilter === '')
          throw badRequest('Cannot provide tag filter without service filter.');
        const payload =
          request.body !== undefined && request.body.length > 0 ? new Uint8Array(request.body) : null;
        const event = await context.agent.fireEvent({
          Name: name,
          Payload: payload,
          NodeFilter: nodeFilter,
          ServiceFilter: serviceFilter,
          TagFilter: tagFilter,
        });
        return json(eventJson(event));
      },
    }),
    route('/v1/event/list', {
      GET: async (request, context) => {
        const options = queryOptions(request, context.config);
        const name = request.query.get('name') ?? '';
        const result = await blockingQuery(
          {
            minIndex: options.minIndex,
            waitMs: options.waitMs,
            clock: context.clock,
            random: () => context.random.next(),
            signal: request.signal,
            isNewer: (index, minIndex) => index !== minIndex,
          },
          () => {
            const { events, watch } = context.agent.events();
            const listed = name === '' ? events : events.filter((event) => event.Name === name);
            // The index of what this query lists (Consul's eventList): other names do not wake it.
            const newest = listed.at(-1);
            return {
              value: listed,
              index: newest === undefined ? 0 : eventIndex(newest.ID),
              watches: [{ subscribe: watch }],
            };
          },
        );
        return json(result.value.map(eventJson), { headers: { 'x-consul-index': String(result.index) } });
      },
    }),
  ];
}
