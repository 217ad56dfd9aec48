/**
 * Watch channels: how a blocking query learns that the data it read may have changed.
 *
 * A read registers the channels covering what it read; a write fires the channels covering what
 * it wrote, once, after its transaction commits. A fired channel wakes every listener and is
 * forgotten: the next read registers a fresh one. Spurious wake-ups are allowed by the contract
 * (the blocking query re-runs and compares indexes), missed ones are not.
 */

export type Listener = () => void;

export class WatchChannel {
  private listeners: Set<Listener> | undefined = new Set();

  constructor(private readonly onIdle?: () => void) {}

  /** Subscribes to the next fire. Returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    if (this.listeners === undefined) {
      // Already fired: the data changed between the read and the subscription.
      queueMicrotask(listener);
      return () => {};
    }
    this.listeners.add(listener);
    return () => {
      if (this.listeners?.delete(listener) && this.listeners.size === 0) this.onIdle?.();
    };
  }

  get fired(): boolean {
    return this.listeners === undefined;
  }

  get listenerCount(): number {
    return this.listeners?.size ?? 0;
  }

  fire(): void {
    const listeners = this.listeners;
    if (listeners === undefined) return;
    this.listeners = undefined;
    for (const listener of listeners) listener();
  }
}

/** Something a blocking query can wait on. */
export interface Watchable {
  subscribe(listener: Listener): () => void;
}

/**
 * What a read hands the blocking query: what to wait on. Reads are frequent and most never
 * block, so a read creates nothing; the channel comes into being when someone subscribes.
 * Contract: subscribe in the same synchronous turn as the read (no write can happen in between
 * on a single event loop), or re-run the read after subscribing.
 */
export type WatchSet = readonly Watchable[];

/**
 * Channels by topic (a KV key, a key prefix, a table, a service name). A topic's channel exists
 * only while someone listens, so an idle store holds no watch state at all.
 */
export class WatchTopics {
  private readonly channels = new Map<string, WatchChannel>();

  /** A lazy handle on `topic`: the channel exists only once subscribed to. */
  watch(topic: string): Watchable {
    return { subscribe: (listener) => this.channel(topic).subscribe(listener) };
  }

  channel(topic: string): WatchChannel {
    let channel = this.channels.get(topic);
    if (channel === undefined) {
      const created = new WatchChannel(() => {
        if (this.channels.get(topic) === created) this.channels.delete(topic);
      });
      channel = created;
      this.channels.set(topic, channel);
    }
    return channel;
  }

  fire(topic: string): void {
    const channel = this.channels.get(topic);
    if (channel === undefined) return;
    this.channels.delete(topic);
    channel.fire();
  }

  has(topic: string): boolean {
    return this.channels.has(topic);
  }

  get size(): number {
    return this.channels.size;
  }

  /** Fires every channel: used when a restore replaces the whole store. */
  fireAll(): void {
    const channels = [...this.channels.values()];
    this.channels.clear();
    for (const channel of channels) channel.fire();
  }

  topics(): IterableIterator<string> {
    return this.channels.keys();
  }
}
