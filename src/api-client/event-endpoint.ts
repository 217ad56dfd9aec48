/** `/v1/event/*`: user events, gossiped to every agent; payloads travel base64. */

import { decodeBase64 } from '../lib/base64.ts';
import type { UserEvent } from '../model/records.ts';
import { escapePath, type HttpTransport } from './http-transport.ts';
import {
  type QueryOptions,
  type QueryParameters,
  type QueryResult,
  queryParameters,
  type WriteOptions,
  writeParameters,
} from './query.ts';

export interface UserEventJson extends Omit<UserEvent, 'Payload'> {
  Payload: string | null;
}

export interface EventFilter {
  /** Regular expressions the receiving agents must match. */
  node?: string;
  service?: string;
  tag?: string;
}

export class EventEndpoint {
  constructor(private readonly http: HttpTransport) {}

  async fire(
    name: string,
    payload?: Uint8Array | string,
    options: EventFilter & WriteOptions = {},
  ): Promise<UserEvent> {
    const query = writeParameters(options);
    if (options.node) query.push(['node', options.node]);
    if (options.service) query.push(['service', options.service]);
    if (options.tag) query.push(['tag', options.tag]);
    const body = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    const event = await this.http.json<UserEventJson>({
      method: 'PUT',
      path: `/v1/event/fire/${escapePath(name)}`,
      query,
      ...(body === undefined ? {} : { body }),
      signal: options.signal,
    });
    return decodeUserEvent(event);
  }

  /** The most recent events (up to 256), optionally only those with this name. */
  async list(options: QueryOptions & { name?: string } = {}): Promise<QueryResult<UserEvent[]>> {
    const query: QueryParameters = options.name ? [['name', options.name]] : [];
    query.push(...queryParameters(options));
    const { value, meta } = await this.http.query<UserEventJson[] | null>({
      method: 'GET',
      path: '/v1/event/list',
      query,
      signal: options.signal,
    });
    return { value: (value ?? []).map(decodeUserEvent), meta };
  }
}

export function decodeUserEvent(event: UserEventJson): UserEvent {
  return { ...event, Payload: event.Payload ? decodeBase64(event.Payload) : null };
}
