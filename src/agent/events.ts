import { compileGoRegexp } from '../lib/filter/go-regexp.ts';
import type { UserEvent } from '../model/records.ts';
import type { Random } from '../ports/random.ts';

/** How many events the list keeps, as Consul's agent does. */
export const EVENT_BUFFER_SIZE = 256;

/** The only `UserEvent.Version` Consul emits and accepts (`userEventMaxVersion`). */
export const USER_EVENT_VERSION = 1;

/** Serf user events carrying Consul events are named this prefix + the event name. */
export const CONSUL_EVENT_PREFIX = 'consul:event:';

/**
 * The user events this agent has seen, newest last (Consul's `eventBuf`). Events travel by gossip:
 * `fire` hands a new event to `broadcast` (a serf user event), and the log fills only from what
 * gossip delivers, through `ingest`, so the firing agent lists its own event when serf delivers
 * it back, with the Lamport time serf gave it.
 */
export class EventLog {
  private readonly buffer: UserEvent[] = [];
  private listeners = new Set<() => void>();

  constructor(
    private readonly random: Random,
    private readonly broadcast: (event: UserEvent) => void,
  ) {}

  /**
   * Consul's `agent.UserEvent`: a fresh ID, version 1, LTime 0 (serf assigns the real one on
   * delivery), then out by gossip. Throws what the broadcast throws (an event over serf's size
   * limit).
   */
  fire(event: Omit<UserEvent, 'ID' | 'LTime' | 'Version'>): UserEvent {
    const fired: UserEvent = { ...event, ID: this.random.uuid(), Version: USER_EVENT_VERSION, LTime: 0 };
    this.broadcast(fired);
    return fired;
  }

  /** An event gossip delivered and this agent accepted (`ingestUserEvent`). */
  ingest(event: UserEvent): void {
    this.buffer.push(event);
    if (this.buffer.length > EVENT_BUFFER_SIZE) this.buffer.shift();
    const listeners = this.listeners;
    this.listeners = new Set();
    for (const listener of listeners) listener();
  }

  list(): { events: UserEvent[]; watch: (listener: () => void) => () => void } {
    return {
      events: [...this.buffer],
      watch: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
    };
  }
}

/** What an agent's local state offers to the event filters: node name, and services by ID. */
export interface EventTarget {
  nodeName: string;
  services: readonly { ID: string; Tags: readonly string[] }[];
}

/**
 * Consul's `shouldProcessUserEvent`: an event is for this agent when its version is known and its
 * filters (Go regular expressions, unanchored) match: `NodeFilter` the node name; `ServiceFilter`
 * the ID of some local service and, with `TagFilter`, one of that service's tags. A filter that
 * does not compile rejects the event, as in Consul.
 */
export function shouldProcessUserEvent(event: UserEvent, target: EventTarget): boolean {
  if (event.Version !== USER_EVENT_VERSION) return false;
  if (event.NodeFilter !== '') {
    const node = compileGoRegexp(event.NodeFilter);
    if (typeof node === 'string' || !node.test(target.nodeName)) return false;
  }
  if (event.ServiceFilter !== '') {
    const service = compileGoRegexp(event.ServiceFilter);
    if (typeof service === 'string') return false;
    const tag = event.TagFilter === '' ? undefined : compileGoRegexp(event.TagFilter);
    if (typeof tag === 'string') return false;
    const found = target.services.some(
      (candidate) =>
        service.test(candidate.ID) && (tag === undefined || candidate.Tags.some((value) => tag.test(value))),
    );
    if (!found) return false;
  }
  return true;
}
