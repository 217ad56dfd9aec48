/**
 * One of serf's three broadcast queues (intents, queries, user events; reference §7.5): a
 * transmit-limited queue in memberlist's manner. Each retrieval counts as a transmit; an item is
 * dropped once it has been sent `retransmitLimit` times, which is also when a waiter learns it
 * has "gone out" (a graceful leave waits for that). Retrieval prefers the fewest transmits, then
 * the larger message, then the newer. serf's messages are never invalidated by later ones, but
 * the queue is capped (serf MaxQueueDepth 4096): beyond it the most-sent, oldest items go.
 */

export const MAX_QUEUE_DEPTH = 4096;

interface QueuedBroadcast {
  message: Uint8Array;
  transmits: number;
  sequence: number;
  onFinished: (() => void) | undefined;
}

export { retransmitLimit } from './broadcast-queue.ts';

export class SerfBroadcastQueue {
  private items: QueuedBroadcast[] = [];
  private sequence = 0;

  constructor(private readonly maxDepth = MAX_QUEUE_DEPTH) {}

  get length(): number {
    return this.items.length;
  }

  /** Queues a message; `onFinished` runs once it has been sent enough times (or was dropped). */
  queue(message: Uint8Array, onFinished?: () => void): void {
    this.items.push({ message, transmits: 0, sequence: this.sequence++, onFinished });
    this.items.sort(byPriority);
    while (this.items.length > this.maxDepth) this.items.pop()?.onFinished?.();
  }

  /**
   * Messages for one packet: each costs its length plus `overhead`, within `limit` bytes in all.
   * Counts a transmit for each; drops those that reached `limit` transmits.
   */
  take(overhead: number, limit: number, transmitLimit: number): Uint8Array[] {
    const taken: Uint8Array[] = [];
    let used = 0;
    const finished: QueuedBroadcast[] = [];
    for (const item of this.items) {
      const cost = item.message.length + overhead;
      if (used + cost > limit) continue;
      used += cost;
      taken.push(item.message);
      item.transmits += 1;
      if (item.transmits >= transmitLimit) finished.push(item);
    }
    if (taken.length === 0) return taken;
    if (finished.length > 0) this.items = this.items.filter((item) => !finished.includes(item));
    this.items.sort(byPriority);
    for (const item of finished) item.onFinished?.();
    return taken;
  }

  /** Empties the queue (shutdown); waiters are released so nothing hangs on a dead queue. */
  clear(): void {
    const items = this.items;
    this.items = [];
    for (const item of items) item.onFinished?.();
  }
}

function byPriority(a: QueuedBroadcast, b: QueuedBroadcast): number {
  return a.transmits - b.transmits || b.message.length - a.message.length || b.sequence - a.sequence;
}
