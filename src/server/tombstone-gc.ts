import type { Clock, Timer } from '../ports/clock.ts';
import { Table } from '../state/context.ts';
import type { StateStore } from '../state/store.ts';

/**
 * The leader's tombstone collector (Consul's `TombstoneGC`). Tombstones keep KV list indexes
 * from going backwards; a blocking client that has not come back within the TTL has lost
 * interest, so they can go. Every `granularity` the collector notes the tombstone table's index;
 * once a note is older than the TTL it reaps tombstones up to that index, through Raft.
 */
export class TombstoneGc {
  private readonly notes: { atMs: number; index: number }[] = [];
  /**
   * The last tombstone index noted. Not `notes.at(-1)`: a reap empties the notes but leaves the
   * table's index where it was, and re-noting it would propose an empty reap every TTL forever.
   */
  private notedIndex = 0;
  private timer: Timer | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    /** Proposes the reap; never rejects (the owner logs a failure). */
    private readonly reap: (upToIndex: number) => Promise<void>,
    private readonly granularityMs = Math.max(1_000, Math.min(30_000, ttlMs / 4)),
  ) {}

  start(store: () => StateStore): void {
    this.stop();
    const tick = () => {
      this.timer = this.clock.setTimer(this.granularityMs, tick);
      const now = this.clock.nowMs();
      const index = store().index(Table.tombstones);
      if (index > 0 && index !== this.notedIndex) {
        this.notes.push({ atMs: now, index });
        this.notedIndex = index;
      }
      let upTo = 0;
      while (this.notes.length > 0 && now - this.notes[0]!.atMs >= this.ttlMs)
        upTo = this.notes.shift()!.index;
      if (upTo > 0) void this.reap(upTo);
    };
    this.timer = this.clock.setTimer(this.granularityMs, tick);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.notes.length = 0;
    this.notedIndex = 0;
  }
}
