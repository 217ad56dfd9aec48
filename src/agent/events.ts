import type { UserEvent } from '../model/records.ts';
import type { Random } from '../ports/random.ts';

/** How many events the list keeps, as Consul's agent does. */
export const EVENT_BUFFER_SIZE = 256;

/**
 * The user events this agent has seen, newest last. Events travel by gossip (serf user events)
 * in Consul; until the gossip layer lands, an event fired here is delivered here.
 */
export class EventLog {
  private readonly buffer: UserEvent[] = [];
  private lamportTime = 0;
  private listeners = new Set<() => void>();

  constructor(private readonly random: Random) {}

  fire(event: Omit<UserEvent, 'ID' | 'LTime' | 'Version'>): UserEvent {
    const stored: UserEvent = { ...event, ID: this.random.uuid(), Version: 1, LTime: ++this.lamportTime };
    this.buffer.push(stored);
    if (this.buffer.length > EVENT_BUFFER_SIZE) this.buffer.shift();
    const listeners = this.listeners;
    this.listeners = new Set();
    for (const listener of listeners) listener();
    return stored;
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
