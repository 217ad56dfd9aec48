import type { UserEvent } from '../model/records.ts';
import type { Random } from '../ports/random.ts';

/** How many events the list keeps, as Consul's agent does. */
export const EVENT_BUFFER_SIZE = 256;

/**
 * Consul's `uuidToUint64`: the opaque blocking index of the event list, the two halves of the
 * newest event's UUID XORed together. It changes with every event but does not grow, so the
 * list blocks on "different", not "greater".
 */
export function eventIndex(id: string): number {
  const hex = id.replaceAll('-', '');
  if (hex.length !== 32) return 0;
  const high = BigInt(`0x${hex.slice(0, 16)}`);
  const low = BigInt(`0x${hex.slice(16)}`);
  // Keep it within JS's safe integers; it stays opaque and changes with every event.
  return Number((high ^ low) & ((1n << 53n) - 1n));
}

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

  list(): { events: UserEvent[]; index: number; watch: (listener: () => void) => () => void } {
    const newest = this.buffer.at(-1);
    return {
      events: [...this.buffer],
      index: newest === undefined ? 0 : eventIndex(newest.ID),
      watch: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
    };
  }
}
