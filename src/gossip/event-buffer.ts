import type { UserEventCollection } from './serf-wire.ts';

/**
 * serf's de-duplication windows (reference §9.3, §10): 512 slots indexed by `LTime % 512`.
 * A message older than the window (its time more than 512 behind the clock) is dropped, as is
 * one already in its slot. Gossip delivers every message many times, so these windows are what
 * makes "each node sees each user event and query once" true.
 */

/** serf's EventBuffer and QueryBuffer size. */
export const DEDUP_WINDOW_SLOTS = 512;

/** The user-event window; also what push/pull sends as `Events`. */
export class UserEventBuffer {
  private readonly slots: (UserEventCollection | null)[] = new Array(DEDUP_WINDOW_SLOTS).fill(null);
  /** Events below this time are ignored (a join with "ignore old events"). */
  minTime = 0;

  /**
   * Records an event unless it is too old or already seen; true when new (deliver and re-gossip).
   * `clockTime` is the event clock after witnessing this event's time.
   */
  record(lTime: number, name: string, payload: Uint8Array, clockTime: number): boolean {
    if (lTime < this.minTime) return false;
    if (isOutsideWindow(lTime, clockTime)) return false;
    const index = lTime % DEDUP_WINDOW_SLOTS;
    let slot = this.slots[index] ?? null;
    if (slot !== null && slot.lTime === lTime) {
      if (slot.events.some((seen) => seen.name === name && bytesEqual(seen.payload, payload))) return false;
    } else {
      slot = { lTime, events: [] };
      this.slots[index] = slot;
    }
    slot.events.push({ name, payload: payload.slice() });
    return true;
  }

  /** The 512 slots (null where empty), for the push/pull user state. */
  snapshot(): (UserEventCollection | null)[] {
    return this.slots.map((slot) =>
      slot === null ? null : { lTime: slot.lTime, events: slot.events.map((e) => ({ ...e })) },
    );
  }
}

/** The query window: which query IDs were seen at each time. */
export class QueryBuffer {
  private readonly slots: ({ lTime: number; ids: number[] } | null)[] = new Array(DEDUP_WINDOW_SLOTS).fill(
    null,
  );

  /** Records a query unless too old or already seen; true when new. */
  record(lTime: number, id: number, clockTime: number): boolean {
    if (isOutsideWindow(lTime, clockTime)) return false;
    const index = lTime % DEDUP_WINDOW_SLOTS;
    let slot = this.slots[index] ?? null;
    if (slot !== null && slot.lTime === lTime) {
      if (slot.ids.includes(id)) return false;
    } else {
      slot = { lTime, ids: [] };
      this.slots[index] = slot;
    }
    slot.ids.push(id);
    return true;
  }
}

function isOutsideWindow(lTime: number, clockTime: number): boolean {
  return clockTime > DEDUP_WINDOW_SLOTS && lTime < clockTime - DEDUP_WINDOW_SLOTS;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
