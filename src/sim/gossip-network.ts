import type {
  GossipAddress,
  GossipTransport,
  GossipTransportHandler,
  StreamRequestOptions,
} from '../ports/gossip-transport.ts';
import type { Random } from '../ports/random.ts';
import type { SimScheduler } from './scheduler.ts';

export interface SimGossipNetworkOptions {
  /** One-way latency of a packet or stream leg, drawn uniformly from [min, max]. */
  minLatencyMs?: number;
  maxLatencyMs?: number;
  /** Probability that a datagram is lost (streams are reliable, as TCP). */
  lossRate?: number;
}

/** Counters over the whole network. */
export interface SimGossipNetworkStats {
  packetsSent: number;
  packetsDelivered: number;
  /** Lost to `lossRate`, a partition, a down endpoint or a missing listener. */
  packetsDropped: number;
  bytesSent: number;
  bytesDelivered: number;
  streamsOpened: number;
  streamsRefused: number;
  streamsTimedOut: number;
}

/** Endpoint bookkeeping: one per `host:port`. */
interface Endpoint {
  key: string;
  address: GossipAddress;
  handler: GossipTransportHandler | undefined;
  /** 0 = in no partition group, 1 or 2 = side of the current partition. */
  side: 0 | 1 | 2;
  down: boolean;
  closed: boolean;
}

export function addressKey(address: GossipAddress): string {
  return `${address.host}:${address.port}`;
}

/**
 * A simulated gossip network on a SimScheduler: datagrams arrive after a seeded latency or are
 * lost, streams are request/reply exchanges with latency. Faults: packet loss, one symmetric
 * partition between two groups, and nodes that are down (they neither send nor receive; their
 * listener stays so `up` brings them back as if the network cable were replugged).
 *
 * Streams to a down node are refused after one latency (the host answers RST, as after
 * `kill -9`); streams across a partition hang until the caller's timeout (a black hole). The
 * handler's `streamFrameLength` is not consulted: the whole message is handed over.
 *
 * Every operation is O(1) in the number of endpoints, so it carries thousands of nodes. Async
 * continuations (stream replies) run as promise microtasks: drive the scheduler with
 * `runGossipSimulation` (or flush microtasks between events yourself).
 */
export class SimGossipNetwork {
  readonly stats: SimGossipNetworkStats = {
    packetsSent: 0,
    packetsDelivered: 0,
    packetsDropped: 0,
    bytesSent: 0,
    bytesDelivered: 0,
    streamsOpened: 0,
    streamsRefused: 0,
    streamsTimedOut: 0,
  };
  /**
   * Set whenever this network creates, settles or hands over a promise (streams; datagrams are
   * synchronous). A driver may flush promise continuations only after events that set it; see
   * GossipSimulation.runUntil. Cleared by the driver.
   */
  asyncActivity = false;
  private readonly endpoints = new Map<string, Endpoint>();
  /** The same endpoints by host, then port: a packet's delivery looks its target up without building a key string. */
  private readonly byHost = new Map<string, Map<number, Endpoint>>();
  private readonly minLatencyMs: number;
  private readonly maxLatencyMs: number;
  private lossRate: number;
  private partitioned = false;

  constructor(
    private readonly scheduler: SimScheduler,
    private readonly random: Random,
    options: SimGossipNetworkOptions = {},
  ) {
    this.minLatencyMs = options.minLatencyMs ?? 1;
    this.maxLatencyMs = options.maxLatencyMs ?? Math.max(this.minLatencyMs, 5);
    this.lossRate = options.lossRate ?? 0;
  }

  /** A transport bound at `address`; a second transport on the same address replaces the first (a restart). */
  transport(address: GossipAddress): GossipTransport {
    const key = addressKey(address);
    const previous = this.endpoints.get(key);
    const endpoint: Endpoint = {
      key,
      address: { ...address },
      handler: undefined,
      side: previous?.side ?? 0,
      down: previous?.down ?? false,
      closed: false,
    };
    if (previous !== undefined) previous.closed = true;
    this.register(endpoint);
    return new SimGossipTransport(this, endpoint);
  }

  setLoss(rate: number): void {
    this.lossRate = rate;
  }

  /** Cuts every path between `groupA` and `groupB` (`host:port` keys); others reach both. Replaces any earlier partition. */
  partition(groupA: string[], groupB: string[]): void {
    this.heal();
    for (const key of groupA) this.endpointFor(key).side = 1;
    for (const key of groupB) this.endpointFor(key).side = 2;
    this.partitioned = true;
  }

  heal(): void {
    if (!this.partitioned) return;
    for (const endpoint of this.endpoints.values()) endpoint.side = 0;
    this.partitioned = false;
  }

  down(key: string): void {
    this.endpointFor(key).down = true;
  }

  up(key: string): void {
    this.endpointFor(key).down = false;
  }

  isDown(key: string): boolean {
    return this.endpoints.get(key)?.down ?? false;
  }

  // ------------------------------------------------------------------ used by SimGossipTransport

  /** @internal */
  sendPacket(from: Endpoint, to: GossipAddress, packet: Uint8Array): void {
    if (from.closed || from.down) return;
    this.stats.packetsSent++;
    this.stats.bytesSent += packet.length;
    if (this.lossRate > 0 && this.random.next() < this.lossRate) {
      this.stats.packetsDropped++;
      return;
    }
    const copy = packet.slice();
    const sourceAddress = from.address;
    this.scheduler.after(this.latency(), () => {
      const target = this.lookup(to);
      if (
        target === undefined ||
        target.handler === undefined ||
        target.closed ||
        target.down ||
        from.down ||
        !this.connected(from, target)
      ) {
        this.stats.packetsDropped++;
        return;
      }
      this.stats.packetsDelivered++;
      this.stats.bytesDelivered += copy.length;
      target.handler.onPacket(sourceAddress, copy);
    });
  }

  /** @internal */
  request(
    from: Endpoint,
    to: GossipAddress,
    message: Uint8Array,
    options: StreamRequestOptions,
  ): Promise<Uint8Array | undefined> {
    this.asyncActivity = true;
    return new Promise((resolve, reject) => {
      if (from.closed || from.down) {
        reject(new Error(`dial ${addressKey(to)}: network is down`));
        return;
      }
      this.stats.streamsOpened++;
      let settled = false;
      const settle = (outcome: () => void) => {
        this.asyncActivity = true;
        if (settled) return;
        settled = true;
        timeout.cancel();
        outcome();
      };
      const timeout = this.scheduler.after(options.timeoutMs, () =>
        settle(() => {
          this.stats.streamsTimedOut++;
          reject(new Error(`i/o timeout talking to ${addressKey(to)}`));
        }),
      );
      const copy = message.slice();
      this.scheduler.after(this.latency(), () => {
        this.asyncActivity = true;
        const target = this.lookup(to);
        if (target !== undefined && !this.connected(from, target)) return; // black hole: the timeout fires
        if (
          target === undefined ||
          target.handler === undefined ||
          target.closed ||
          target.down ||
          from.down
        ) {
          settle(() => {
            this.stats.streamsRefused++;
            reject(new Error(`dial tcp ${addressKey(to)}: connect: connection refused`));
          });
          return;
        }
        const handler = target.handler;
        let reply: Promise<Uint8Array | undefined>;
        try {
          reply = handler.onStream(from.address, copy);
        } catch (error) {
          reply = Promise.reject(error);
        }
        reply.then(
          (bytes) => {
            this.asyncActivity = true;
            this.scheduler.after(this.latency(), () => {
              if (target.down || from.down || !this.connected(from, target)) return; // lost: timeout
              settle(() => resolve(options.expectReply ? bytes?.slice() : undefined));
            });
          },
          (error: unknown) => {
            this.asyncActivity = true;
            this.scheduler.after(this.latency(), () =>
              settle(() => reject(new Error(`stream to ${addressKey(to)} closed: ${String(error)}`))),
            );
          },
        );
      });
    });
  }

  /** @internal */
  listen(endpoint: Endpoint, handler: GossipTransportHandler): void {
    endpoint.handler = handler;
  }

  /** @internal */
  close(endpoint: Endpoint): void {
    endpoint.closed = true;
    endpoint.handler = undefined;
  }

  private connected(a: Endpoint, b: Endpoint): boolean {
    return a.side === 0 || b.side === 0 || a.side === b.side;
  }

  private latency(): number {
    const spread = this.maxLatencyMs - this.minLatencyMs;
    return this.minLatencyMs + (spread > 0 ? Math.floor(this.random.next() * (spread + 1)) : 0);
  }

  private endpointFor(key: string): Endpoint {
    let endpoint = this.endpoints.get(key);
    if (endpoint === undefined) {
      const colon = key.lastIndexOf(':');
      endpoint = {
        key,
        address: { host: key.slice(0, colon), port: Number(key.slice(colon + 1)) },
        handler: undefined,
        side: 0,
        down: false,
        closed: true,
      };
      this.register(endpoint);
    }
    return endpoint;
  }

  private register(endpoint: Endpoint): void {
    this.endpoints.set(endpoint.key, endpoint);
    let ports = this.byHost.get(endpoint.address.host);
    if (ports === undefined) {
      ports = new Map();
      this.byHost.set(endpoint.address.host, ports);
    }
    ports.set(endpoint.address.port, endpoint);
  }

  private lookup(address: GossipAddress): Endpoint | undefined {
    return this.byHost.get(address.host)?.get(address.port);
  }
}

class SimGossipTransport implements GossipTransport {
  constructor(
    private readonly network: SimGossipNetwork,
    private readonly endpoint: Endpoint,
  ) {}

  async listen(handler: GossipTransportHandler): Promise<void> {
    this.network.listen(this.endpoint, handler);
  }

  localAddress(): GossipAddress {
    return { ...this.endpoint.address };
  }

  sendPacket(to: GossipAddress, packet: Uint8Array): void {
    this.network.sendPacket(this.endpoint, to, packet);
  }

  request(
    to: GossipAddress,
    message: Uint8Array,
    options: StreamRequestOptions,
  ): Promise<Uint8Array | undefined> {
    return this.network.request(this.endpoint, to, message, options);
  }

  async close(): Promise<void> {
    this.network.close(this.endpoint);
  }
}

/**
 * Runs scheduler events due by `untilMs`, letting promise continuations settle after each one
 * (they belong to the event that resolved them). Returns when no event is due by `untilMs`, or
 * as soon as `stop()` is true.
 */
export async function runGossipSimulation(
  scheduler: SimScheduler,
  untilMs: number,
  stop: () => boolean = () => false,
): Promise<boolean> {
  while (!stop()) {
    if (!scheduler.runNext(untilMs)) return false;
    for (let i = 0; i < 6; i++) await undefined;
  }
  return true;
}
