/**
 * memberlist's transmit-limited broadcast queue (reference §7.5). Each queued message is handed
 * out on up to `retransmitMult × ceil(log10(n + 1))` gossip packets, enough for an epidemic to
 * reach every node with high probability, then dropped. Retrieval order: fewest transmits first
 * (fresh news spreads first), then the larger message (to fill the packet), then the newer. A
 * message about a node invalidates any older queued message about the same node, so stale
 * states never overtake fresh ones.
 */

export interface QueuedBroadcast {
  /** The node this message is about; a newer message about it replaces this one. */
  node: string;
  message: Uint8Array;
  /** Called once when the message leaves the queue (transmit limit reached or invalidated). */
  onFinished?: () => void;
}

interface Item extends QueuedBroadcast {
  id: number;
  transmits: number;
}

export function retransmitLimit(retransmitMult: number, nodeCount: number): number {
  return retransmitMult * Math.ceil(Math.log10(nodeCount + 1));
}

/** true when `a` goes out before `b` within the same transmit tier. */
function before(a: Item, b: Item): boolean {
  if (a.message.length !== b.message.length) return a.message.length > b.message.length;
  return a.id > b.id;
}

/** The first index ≥ `from` in a tier (sorted by length, descending) whose message is at most `maxLength` bytes. */
function firstFitting(tier: Item[], from: number, maxLength: number): number {
  let low = from;
  let high = tier.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((tier[middle] as Item).message.length > maxLength) low = middle + 1;
    else high = middle;
  }
  return low;
}

export class BroadcastQueue {
  /** tiers[t] = items transmitted t times, each sorted by `before`. */
  private readonly tiers: Item[][] = [];
  private readonly byNode = new Map<string, Item>();
  private nextId = 0;

  constructor(
    private readonly retransmitMult: number,
    private readonly nodeCount: () => number,
  ) {}

  get length(): number {
    return this.byNode.size;
  }

  queue(broadcast: QueuedBroadcast): void {
    const previous = this.byNode.get(broadcast.node);
    if (previous !== undefined) this.remove(previous);
    const item: Item = { ...broadcast, id: this.nextId++, transmits: 0 };
    this.byNode.set(item.node, item);
    this.insert(item);
  }

  /**
   * Messages for one packet: each costs its length plus `overhead`, within `limit` bytes in all.
   * Every message returned counts one transmit.
   */
  take(overhead: number, limit: number): Uint8Array[] {
    if (this.byNode.size === 0) return [];
    const transmitLimit = retransmitLimit(this.retransmitMult, this.nodeCount());
    const chosen: Item[] = [];
    let remaining = limit;
    for (const tier of this.tiers) {
      if (tier === undefined) continue;
      // A tier is sorted by length, largest first: jump to the first item that still fits,
      // so a packet is filled in O(picks × log m) rather than by walking the whole queue.
      let index = 0;
      while (remaining >= overhead + 1) {
        index = firstFitting(tier, index, remaining - overhead);
        const item = tier[index];
        if (item === undefined) break;
        remaining -= item.message.length + overhead;
        chosen.push(item);
        index++;
      }
    }
    for (const item of chosen) {
      this.removeFromTier(item);
      item.transmits++;
      if (item.transmits >= transmitLimit) {
        this.byNode.delete(item.node);
        item.onFinished?.();
      } else {
        this.insert(item);
      }
    }
    return chosen.map((item) => item.message);
  }

  /** Drops everything, finishing each item (shutdown). */
  reset(): void {
    const items = [...this.byNode.values()];
    this.tiers.length = 0;
    this.byNode.clear();
    for (const item of items) item.onFinished?.();
  }

  private remove(item: Item): void {
    this.removeFromTier(item);
    this.byNode.delete(item.node);
    item.onFinished?.();
  }

  private insert(item: Item): void {
    let tier = this.tiers[item.transmits];
    if (tier === undefined) {
      for (let t = this.tiers.length; t <= item.transmits; t++) this.tiers[t] = [];
      tier = this.tiers[item.transmits] as Item[];
    }
    let low = 0;
    let high = tier.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (before(tier[middle] as Item, item)) low = middle + 1;
      else high = middle;
    }
    tier.splice(low, 0, item);
  }

  private removeFromTier(item: Item): void {
    const tier = this.tiers[item.transmits];
    if (tier === undefined) return;
    // The tier is sorted by `before` and ids are unique: binary search, then one memmove.
    let low = 0;
    let high = tier.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (before(tier[middle] as Item, item)) low = middle + 1;
      else high = middle;
    }
    if (tier[low] === item) tier.splice(low, 1);
  }
}
