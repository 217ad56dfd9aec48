/**
 * Raft messages between server processes over TCP (the real `RaftTransport`).
 *
 * Each server listens on its Raft address and dials one outbound connection per peer; a
 * connection carries messages one way only (a peer answers over its own outbound connection),
 * as `[u32 length][msgpack Message]` frames (./frame-decoder.ts). Delivery is best effort, as the
 * port promises: Raft retransmits, so anything this transport cannot deliver promptly it drops
 * and reports through `onUnreachable` (the core then falls back to probing that follower;
 * etcd-io/raft `ReportUnreachable`).
 *
 * Outbound, per peer: dialled lazily on the first send; messages are queued as encoded frames
 * and written without waiting for answers (pipelined), all frames queued in one tick in one
 * corked write. The queue is bounded in messages and bytes, and stops draining into the socket
 * while the socket reports backpressure. A failed dial or a lost connection drops the queue,
 * reports the peer unreachable and starts a back-off period (`backoffMs`) during which sends are
 * dropped; the first send after it redials. No timers: back-off is a deadline checked on send.
 *
 * Inbound: every accepted connection gets its own `FrameDecoder`; messages are handed to the
 * `onMessage` handler synchronously and in stream order. Malformed input closes that connection
 * (with a logged reason) and nothing else.
 */
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { assert } from '../lib/assert.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { RaftTransport } from '../ports/raft-transport.ts';
import type { Random } from '../ports/random.ts';
import type { Message, ServerId } from '../raft/types.ts';
import {
  DEFAULT_MAX_FRAME_BYTES,
  encodeFrame,
  FRAME_HEADER_BYTES,
  FrameDecoder,
  LARGEST_EXPRESSIBLE_FRAME_BYTES,
} from './frame-decoder.ts';
import { systemClock } from './system-clock.ts';
import { systemRandom } from './system-random.ts';

export interface TcpRaftTransportOptions {
  /** `host:port` (or `[v6]:port`) to listen on; port 0 picks a free port (see `listenAddress`). */
  bindAddress: string;
  self: ServerId;
  logger: Logger;
  /** Largest message payload sent or accepted; default 64 MiB. */
  maxFrameBytes?: number;
  /** Default 4096: a few heartbeat intervals' worth of pipelined appends. */
  maxQueuedMessagesPerPeer?: number;
  /** Default twice `maxFrameBytes`, so one maximal snapshot always fits behind other traffic. */
  maxQueuedBytesPerPeer?: number;
  /** Redial back-off after a failure; default 100 ms doubling to 3 s. */
  backoff?: { initialMs: number; maxMs: number };
  /** A dial that has not connected by then counts as failed; default 5 s. */
  connectTimeoutMs?: number;
  /**
   * Further inbound connections are refused; default 128. Each may hold up to `maxFrameBytes` of
   * a frame in progress, so this times that bounds inbound buffering.
   */
  maxInboundConnections?: number;
  /** Back-off deadlines; default the system clock. */
  clock?: Clock;
  /** Back-off jitter; default crypto randomness. */
  random?: Random;
}

const DEFAULT_MAX_QUEUED_MESSAGES_PER_PEER = 4096;
const DEFAULT_BACKOFF = { initialMs: 100, maxMs: 3000 } as const;
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** A cluster has a handful of servers, each holding one connection here (two while redialling). */
const DEFAULT_MAX_INBOUND_CONNECTIONS = 128;

/**
 * How long to wait before redialling after the `attempt`-th consecutive failure (0 for the
 * first): exponential from `initialMs`, capped at `maxMs`, with "equal jitter" (AWS Architecture
 * Blog, "Exponential Backoff and Jitter", 2015): half the ceiling fixed, half scaled by `random`
 * in [0, 1). The jitter keeps servers that lost the same peer at the same moment from redialling
 * it in lockstep; the fixed half keeps a wait from collapsing to nothing.
 */
export function backoffMs(attempt: number, initialMs: number, maxMs: number, random: number): number {
  assert(Number.isSafeInteger(attempt) && attempt >= 0, `attempt must be an integer ≥ 0, got ${attempt}`);
  assert(initialMs > 0 && maxMs >= initialMs, `need 0 < initialMs ≤ maxMs, got ${initialMs} and ${maxMs}`);
  assert(random >= 0 && random < 1, `random must be in [0, 1), got ${random}`);
  // 2 ** attempt overflows to Infinity for huge attempts; the cap absorbs it.
  const ceilingMs = Math.min(maxMs, initialMs * 2 ** attempt);
  return Math.floor(ceilingMs / 2 + (ceilingMs / 2) * random);
}

/** Splits `host:port` or `[v6]:port`; undefined when it is neither or the port is not 0–65535. */
export function parseHostPort(address: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  if (match === null) return undefined;
  const host = match[1] ?? match[2];
  const port = Number(match[3]);
  if (host === undefined || port > 65535) return undefined;
  return { host, port };
}

function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** One peer's outbound side. */
interface PeerLink {
  readonly id: ServerId;
  readonly address: string;
  /** The connection being dialled or in use; undefined when idle or backing off. */
  socket: Socket | undefined;
  connected: boolean;
  /** Encoded frames not yet handed to the socket, oldest first. */
  queue: Uint8Array[];
  queuedBytes: number;
  flushScheduled: boolean;
  /** The socket's buffer is over its high-water mark: wait for 'drain' before writing more. */
  awaitingDrain: boolean;
  consecutiveFailures: number;
  /** Until this `clock.nowMs()`, sends are dropped instead of redialling. */
  backoffUntilMs: number;
}

export class TcpRaftTransport implements RaftTransport {
  private readonly bindAddress: string;
  private readonly self: ServerId;
  private readonly logger: Logger;
  private readonly maxFrameBytes: number;
  private readonly maxQueuedMessagesPerPeer: number;
  private readonly maxQueuedBytesPerPeer: number;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly connectTimeoutMs: number;
  private readonly clock: Clock;
  private readonly random: Random;

  private readonly server: Server;
  private readonly peers = new Map<ServerId, PeerLink>();
  private readonly inbound = new Set<Socket>();
  private messageHandler: ((message: Message) => void) | undefined;
  private unreachableHandler: ((peer: ServerId) => void) | undefined;
  private started = false;
  private stopping: Promise<void> | undefined;

  constructor(options: TcpRaftTransportOptions) {
    this.bindAddress = options.bindAddress;
    this.self = options.self;
    this.logger = options.logger;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.maxQueuedMessagesPerPeer = options.maxQueuedMessagesPerPeer ?? DEFAULT_MAX_QUEUED_MESSAGES_PER_PEER;
    this.maxQueuedBytesPerPeer = options.maxQueuedBytesPerPeer ?? 2 * this.maxFrameBytes;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? systemRandom;
    assert(
      Number.isSafeInteger(this.maxFrameBytes) &&
        this.maxFrameBytes > 0 &&
        this.maxFrameBytes <= LARGEST_EXPRESSIBLE_FRAME_BYTES,
      `maxFrameBytes must be an integer in [1, 2^32-1] (the u32 length prefix), got ${this.maxFrameBytes}`,
    );
    assert(this.maxQueuedMessagesPerPeer >= 1, 'maxQueuedMessagesPerPeer must be at least 1');
    assert(this.maxQueuedBytesPerPeer >= 1, 'maxQueuedBytesPerPeer must be at least 1');
    assert(
      this.backoff.initialMs > 0 && this.backoff.maxMs >= this.backoff.initialMs,
      `backoff needs 0 < initialMs ≤ maxMs, got ${this.backoff.initialMs} and ${this.backoff.maxMs}`,
    );

    this.server = createServer((socket) => this.accept(socket));
    this.server.maxConnections = options.maxInboundConnections ?? DEFAULT_MAX_INBOUND_CONNECTIONS;
  }

  onMessage(handler: (message: Message) => void): void {
    this.messageHandler = handler;
  }

  onUnreachable(handler: (peer: ServerId) => void): void {
    this.unreachableHandler = handler;
  }

  /** Listens on `bindAddress`; rejects if it is malformed or cannot be bound. */
  start(): Promise<void> {
    assert(!this.started, 'TcpRaftTransport.start called twice');
    this.started = true;
    const target = parseHostPort(this.bindAddress);
    if (target === undefined)
      return Promise.reject(
        new Error(`invalid Raft bind address "${this.bindAddress}": expected host:port or [ipv6]:port`),
      );
    return new Promise((resolve, reject) => {
      const failToListen = (error: Error) => reject(error);
      this.server.once('error', failToListen);
      this.server.listen({ host: target.host, port: target.port }, () => {
        this.server.off('error', failToListen);
        this.server.on('error', (error) =>
          this.logger.error({ error: String(error) }, 'Raft listener error'),
        );
        this.logger.info({ address: this.listenAddress() }, 'Raft transport listening');
        resolve();
      });
    });
  }

  /** The address actually bound (differs from `bindAddress` when that asked for port 0). */
  listenAddress(): string {
    const bound = this.server.address() as AddressInfo | null;
    assert(bound !== null && typeof bound === 'object', 'listenAddress called before start resolved');
    return formatHostPort(bound.address, bound.port);
  }

  /** Closes the listener and every connection; resolves once all are closed. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.closeEverything();
    return this.stopping;
  }

  send(message: Message, address: string): void {
    assert(message.to !== this.self, 'a Raft server never sends to itself');
    if (this.stopping !== undefined) return;

    let link = this.peers.get(message.to);
    if (link !== undefined && link.address !== address) {
      // The peer moved (or was replaced): the old connection goes somewhere it no longer is.
      this.logger.info(
        { peer: link.id, oldAddress: link.address, newAddress: address },
        'Raft peer address changed',
      );
      this.discardLink(link);
      link = undefined;
    }
    if (link === undefined) {
      link = newLink(message.to, address);
      this.peers.set(link.id, link);
    }

    if (link.socket === undefined) {
      // Backing off: drop quietly. The failure that began this period was reported, so the
      // core already knows (at most one report per period).
      if (this.clock.nowMs() < link.backoffUntilMs) return;
      this.dial(link);
      if (link.socket === undefined) return;
    }

    const frame = encodeFrame(message);
    const payloadBytes = frame.byteLength - FRAME_HEADER_BYTES;
    if (payloadBytes > this.maxFrameBytes) {
      // The receiver would refuse it (and drop the connection); nothing good comes of sending.
      this.logger.error(
        { peer: link.id, type: message.type, payloadBytes, maxFrameBytes: this.maxFrameBytes },
        'Raft message exceeds the maximum frame size; dropped',
      );
      this.reportUnreachable(link.id);
      return;
    }
    if (
      link.queue.length >= this.maxQueuedMessagesPerPeer ||
      link.queuedBytes + frame.byteLength > this.maxQueuedBytesPerPeer
    ) {
      this.logger.debug(
        { peer: link.id, queuedMessages: link.queue.length, queuedBytes: link.queuedBytes },
        'Raft send queue full; message dropped',
      );
      this.reportUnreachable(link.id);
      return;
    }
    link.queue.push(frame);
    link.queuedBytes += frame.byteLength;
    if (link.connected) this.scheduleFlush(link);
  }

  // ----- outbound -------------------------------------------------------------------------

  private dial(link: PeerLink): void {
    const target = parseHostPort(link.address);
    if (target === undefined || target.port === 0) {
      this.logger.warn({ peer: link.id, address: link.address }, 'Raft peer address is not host:port');
      this.recordFailure(link);
      return;
    }
    const socket = connect({ host: target.host, port: target.port });
    socket.setNoDelay(true);
    link.socket = socket;
    link.connected = false;
    let lastError: Error | undefined;

    socket.setTimeout(this.connectTimeoutMs, () => {
      socket.destroy(new Error(`connect timed out after ${this.connectTimeoutMs} ms`));
    });
    socket.once('connect', () => {
      socket.setTimeout(0);
      if (link.socket !== socket) return;
      link.connected = true;
      link.consecutiveFailures = 0;
      this.logger.debug({ peer: link.id, address: link.address }, 'Raft connection established');
      this.flush(link);
    });
    socket.on('drain', () => {
      if (link.socket !== socket) return;
      link.awaitingDrain = false;
      this.flush(link);
    });
    // Errors are followed by 'close'; keep the reason for its log line.
    socket.on('error', (error) => {
      lastError = error;
    });
    socket.on('close', () => {
      if (link.socket !== socket) return; // superseded, or closed by us on purpose
      this.logConnectionLoss(link, lastError);
      this.recordFailure(link);
    });
    // Peers never send on our outbound connection; reading (and discarding) notices their FIN.
    socket.resume();
  }

  private logConnectionLoss(link: PeerLink, error: Error | undefined): void {
    const fields = {
      peer: link.id,
      address: link.address,
      error: error === undefined ? undefined : error.message,
      droppedMessages: link.queue.length,
    };
    const what = link.connected ? 'Raft connection to peer lost' : 'failed to connect to Raft peer';
    // The first failure in a row is news; repeats while the peer stays down are not.
    if (link.consecutiveFailures === 0) this.logger.warn(fields, what);
    else this.logger.debug(fields, what);
  }

  /** A dial failed or a connection ended: drop the queue, back off, report. */
  private recordFailure(link: PeerLink): void {
    link.socket = undefined;
    link.connected = false;
    link.queue = [];
    link.queuedBytes = 0;
    link.awaitingDrain = false;
    link.consecutiveFailures += 1;
    if (this.stopping !== undefined) return;
    const waitMs = backoffMs(
      link.consecutiveFailures - 1,
      this.backoff.initialMs,
      this.backoff.maxMs,
      this.random.next(),
    );
    link.backoffUntilMs = this.clock.nowMs() + waitMs;
    this.reportUnreachable(link.id);
  }

  private scheduleFlush(link: PeerLink): void {
    if (link.flushScheduled) return;
    link.flushScheduled = true;
    // A microtask runs after the caller's synchronous burst (one Ready's messages), so the whole
    // burst goes out in one corked write.
    queueMicrotask(() => {
      link.flushScheduled = false;
      this.flush(link);
    });
  }

  private flush(link: PeerLink): void {
    const socket = link.socket;
    if (socket === undefined || !link.connected || link.awaitingDrain || socket.destroyed) return;
    if (link.queue.length === 0) return;
    let written = 0;
    socket.cork();
    for (const frame of link.queue) {
      written += 1;
      link.queuedBytes -= frame.byteLength;
      if (!socket.write(frame)) {
        link.awaitingDrain = true;
        break;
      }
    }
    socket.uncork();
    link.queue = written === link.queue.length ? [] : link.queue.slice(written);
  }

  /** Closes a link on purpose: no failure, no report. */
  private discardLink(link: PeerLink): void {
    this.peers.delete(link.id);
    const socket = link.socket;
    link.socket = undefined;
    link.queue = [];
    link.queuedBytes = 0;
    socket?.destroy();
  }

  // ----- inbound --------------------------------------------------------------------------

  private accept(socket: Socket): void {
    if (this.stopping !== undefined) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    this.inbound.add(socket);
    const remote = formatHostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0);
    const decoder = new FrameDecoder({ maxFrameBytes: this.maxFrameBytes });
    let misaddressedLogged = false;
    let refused = false;

    socket.on('data', (chunk: Buffer) => {
      const result = decoder.push(chunk);
      for (const message of result.messages) {
        if (socket.destroyed) return; // stopped by a handler
        if (message.to !== this.self) {
          // Its sender holds a stale address for some other server (an address reused after a
          // server was replaced); handing it to our core would confuse two servers' terms.
          if (!misaddressedLogged) {
            misaddressedLogged = true;
            this.logger.warn(
              { remote, to: message.to, from: message.from },
              'dropping Raft messages for another server',
            );
          }
          continue;
        }
        this.deliver(message);
      }
      if (result.error !== undefined) {
        refused = true;
        this.logger.warn(
          { remote, problem: result.error.kind, reason: result.error.reason },
          'closing Raft connection: invalid frame',
        );
        socket.destroy();
      }
    });
    socket.on('error', (error) => {
      this.logger.debug({ remote, error: error.message }, 'Raft inbound connection error');
    });
    socket.on('close', () => {
      this.inbound.delete(socket);
      if (refused || this.stopping !== undefined) return;
      const truncated = decoder.end();
      if (truncated !== undefined)
        this.logger.warn(
          { remote, problem: truncated.kind, reason: truncated.reason },
          'Raft connection closed mid-frame',
        );
    });
  }

  private deliver(message: Message): void {
    const handler = this.messageHandler;
    if (handler === undefined) return;
    try {
      handler(message);
    } catch (error) {
      // A bug in the handler, not in the input: log it loudly, but one bad message must not take
      // down the process or the connection the next messages arrive on.
      this.logger.error(
        { error: String(error), from: message.from, type: message.type },
        'Raft message handler threw',
      );
    }
  }

  private reportUnreachable(peer: ServerId): void {
    const handler = this.unreachableHandler;
    if (handler === undefined) return;
    try {
      handler(peer);
    } catch (error) {
      this.logger.error({ error: String(error), peer }, 'Raft unreachable handler threw');
    }
  }

  // ----- shutdown -------------------------------------------------------------------------

  private async closeEverything(): Promise<void> {
    const sockets: Socket[] = [...this.inbound];
    for (const link of this.peers.values()) {
      if (link.socket !== undefined) sockets.push(link.socket);
      link.socket = undefined;
      link.queue = [];
    }
    this.peers.clear();
    const closed = sockets.map((socket) => closedPromise(socket));
    for (const socket of sockets) socket.destroy();
    // server.close waits for accepted connections to end; they were destroyed just above. On a
    // server that never listened it reports ERR_SERVER_NOT_RUNNING, which is fine here.
    const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...closed, serverClosed]);
  }
}

function newLink(id: ServerId, address: string): PeerLink {
  return {
    id,
    address,
    socket: undefined,
    connected: false,
    queue: [],
    queuedBytes: 0,
    flushScheduled: false,
    awaitingDrain: false,
    consecutiveFailures: 0,
    backoffUntilMs: Number.NEGATIVE_INFINITY,
  };
}

function closedPromise(socket: Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}
