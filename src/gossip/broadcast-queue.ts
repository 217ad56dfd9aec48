/**
 * memberlist's transmit-limited broadcast queue (reference §7.5). Each queued message is handed
 * out on up to `retransmitMult × ceil(log10(n + 1))` gossip packets, enough for an epidemic to
 * reach every node with high probability, then dropped. Retrieval order: fewest transmits first
 * (fresh news spreads first), then the larger message (to fill the packet), then the newer. A
 * message about a node invalidates any older queued message about the same node, so stale
 * states never overtake fresh ones.
 *
 * Layout: a tier per transmit count; within a tier, one bucket per message length (few distinct
 * lengths: alive/suspect/dead about similar names), kept in descending length order; a bucket is
 * a max-heap on the queue id (newest first). Filling a packet pops from the buckets that still
 * fit, so a take costs O(picks × log m) and no step moves the whole queue (a 1,000-node join
 * keeps ~1,000 messages queued per node; sorted arrays with splice made every take O(m)).
 * Invalidated items are only flagged and dropped when they surface (or when a bucket empties or
 * fills up with them).
 */

export interface QueuedBroadcast {
  /** The node this message is about; a newer message about it replaces this one. */
  node: string;
  message: Uint8Array;
  /** Called once when the message leaves the queue (transmit limit reached or invalidated). */
  onFinished?: (() => void) | undefined;
}

/** A queued message; one shape for all (no spread), so the hot paths stay monomorphic. */
class Item implements QueuedBroadcast {
  transmits = 0;
  /** Invalidated by a newer message about the same node. */
  removed = false;
  /** Taken for a packet and not yet back in a bucket. */
  taken = false;
  readonly length: number;
  constructor(
    readonly node: string,
    readonly message: Uint8Array,
    readonly onFinished: (() => void) | undefined,
    readonly id: number,
  ) {
    this.length = message.length;
  }
}

/**
 * The items of one tier with one message length: a binary max-heap on `id`, plus removed ones
 * not yet dropped. The ids sit in their own array beside the items, so sifting compares
 * neighbouring numbers instead of visiting item objects all over the heap.
 */
class Bucket {
  private readonly ids: number[] = [];
  private readonly items: Item[] = [];
  live = 0;
  constructor(readonly length: number) {}

  push(item: Item): void {
    const { ids, items } = this;
    const id = item.id;
    let i = ids.length;
    ids.push(id);
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const parentId = ids[parent] as number;
      if (parentId > id) break;
      ids[i] = parentId;
      items[i] = items[parent] as Item;
      i = parent;
    }
    ids[i] = id;
    items[i] = item;
    this.live++;
  }

  /** The newest live item, removed from the heap; undefined when none is left. */
  pop(): Item | undefined {
    for (;;) {
      const top = this.popTop();
      if (top === undefined || !top.removed) {
        if (top !== undefined && --this.live === 0) this.clear();
        return top;
      }
    }
  }

  /** Flags `item` removed; rebuilds the heap when flagged items outnumber live ones. */
  discard(item: Item): void {
    item.removed = true;
    this.live--;
    if (this.live === 0) this.clear();
    else if (this.items.length > 2 * this.live + 32) {
      const kept = this.items.filter((each) => !each.removed);
      this.ids.length = 0;
      this.items.length = 0;
      this.live = 0;
      for (const each of kept) this.push(each);
    }
  }

  /** Only removed items are left (or none): drop them, keep the arrays for the next ones. */
  private clear(): void {
    this.ids.length = 0;
    this.items.length = 0;
  }

  private popTop(): Item | undefined {
    const { ids, items } = this;
    const top = items[0];
    if (top === undefined) return undefined;
    const lastId = ids.pop() as number;
    const last = items.pop() as Item;
    const n = ids.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      let childId = ids[child] as number;
      const right = child + 1;
      if (right < n) {
        const rightId = ids[right] as number;
        if (rightId > childId) {
          child = right;
          childId = rightId;
        }
      }
      if (childId < lastId) break;
      ids[i] = childId;
      items[i] = items[child] as Item;
      i = child;
    }
    ids[i] = lastId;
    items[i] = last;
    return top;
  }
}

/** A tier keeps up to this many buckets before it drops the empty ones. */
const MAX_IDLE_BUCKETS = 8;

/** The items transmitted a given number of times: buckets by message length, longest first. */
class Tier {
  readonly buckets: Bucket[] = [];
  live = 0;

  bucketFor(length: number): Bucket {
    const buckets = this.buckets;
    let low = 0;
    let high = buckets.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((buckets[middle] as Bucket).length > length) low = middle + 1;
      else high = middle;
    }
    let bucket = buckets[low];
    if (bucket === undefined || bucket.length !== length) {
      // Empty buckets stay for the next message of their length (lengths recur); only a
      // growing list sheds them.
      if (buckets.length >= MAX_IDLE_BUCKETS && this.dropEmpty()) return this.bucketFor(length);
      bucket = new Bucket(length);
      buckets.splice(low, 0, bucket);
    }
    return bucket;
  }

  /** Drops buckets with no items; true when there were some. */
  private dropEmpty(): boolean {
    const before = this.buckets.length;
    let kept = 0;
    for (const bucket of this.buckets) if (bucket.live > 0) this.buckets[kept++] = bucket;
    this.buckets.length = kept;
    return kept < before;
  }
}

export function retransmitLimit(retransmitMult: number, nodeCount: number): number {
  return retransmitMult * Math.ceil(Math.log10(nodeCount + 1));
}

export class BroadcastQueue {
  /** tiers[t] = items transmitted t times. */
  private readonly tiers: Tier[] = [];
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
    const item = new Item(broadcast.node, broadcast.message, broadcast.onFinished, this.nextId++);
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
    for (let t = 0; t < this.tiers.length && remaining >= overhead + 1; t++) {
      const tier = this.tiers[t] as Tier;
      if (tier.live === 0) continue;
      // Longest first, newest first within a length; shorter messages fill what is left.
      for (const bucket of tier.buckets) {
        if (remaining < overhead + 1) break;
        while (bucket.live > 0 && bucket.length <= remaining - overhead) {
          const item = bucket.pop() as Item;
          item.taken = true;
          tier.live--;
          remaining -= item.length + overhead;
          chosen.push(item);
        }
      }
    }
    const messages: Uint8Array[] = [];
    for (const item of chosen) {
      messages.push(item.message);
      item.taken = false;
      if (item.removed) continue; // replaced by a finish callback of an item before it
      item.transmits++;
      if (item.transmits >= transmitLimit) {
        this.byNode.delete(item.node);
        item.onFinished?.();
      } else {
        this.insert(item);
      }
    }
    return messages;
  }

  /** Drops everything, finishing each item (shutdown). */
  reset(): void {
    const items = [...this.byNode.values()];
    this.tiers.length = 0;
    this.byNode.clear();
    for (const item of items) item.onFinished?.();
  }

  private remove(item: Item): void {
    item.removed = true;
    const tier = item.taken ? undefined : this.tiers[item.transmits];
    if (tier !== undefined) {
      tier.bucketFor(item.length).discard(item);
      tier.live--;
    }
    this.byNode.delete(item.node);
    item.onFinished?.();
  }

  private insert(item: Item): void {
    let tier = this.tiers[item.transmits];
    if (tier === undefined) {
      for (let t = this.tiers.length; t <= item.transmits; t++) this.tiers[t] = new Tier();
      tier = this.tiers[item.transmits] as Tier;
    }
    tier.bucketFor(item.length).push(item);
    tier.live++;
  }
}
