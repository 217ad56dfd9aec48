/**
 * The real `GossipTransport`: one UDP socket and one TCP listener on the same port, as memberlist's
 * `NetTransport` (reference §2). The transport moves bytes and knows nothing of the protocol: an
 * inbound stream is buffered until the handler's `streamFrameLength` says the message at its start
 * is complete, then handed to `onStream`, the reply (if any) written, and the connection ended
 * (memberlist sends one message per connection).
 *
 * Bad input never escapes: a stream that does not frame, grows past `maxStreamBytes`, or is not
 * complete within `tcpTimeoutMs` (a slow-loris peer) is destroyed alone; a packet that cannot be
 * sent (EMSGSIZE, unreachable) is dropped. Each is counted in `stats.errors` by reason, which the
 * agent exports as a metric.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { type AddressInfo, connect, createServer, isIPv6, type Server, type Socket } from 'node:net';
import type {
  GossipAddress,
  GossipTransport,
  GossipTransportHandler,
  StreamRequestOptions,
} from '../ports/gossip-transport.ts';
import type { Logger } from '../ports/logger.ts';

export interface NetGossipTransportOptions {
  /** IP literal to bind both sockets to (`0.0.0.0` / `::` for every interface). */
  bindAddress: string;
  /** 0 = an ephemeral port, the same for UDP and TCP. */
  port: number;
  logger: Logger;
  /** An inbound stream must deliver its whole message within this; default 10 s (memberlist `TCPTimeout`). */
  tcpTimeoutMs?: number;
  /** Largest stream message accepted or read as a reply; default 20 MiB (memberlist's push/pull cap). */
  maxStreamBytes?: number;
  /** SO_RCVBUF / SO_SNDBUF asked for the UDP socket; default 2 MiB (memberlist asks for 2 MB). */
  udpBufferBytes?: number;
  /** Inbound streams open at once; more are refused. Default 128 (memberlist's push/pull limit). */
  maxInboundStreams?: number;
}

/** Counters, read by the agent's metrics. `errors` is keyed by reason. */
export interface GossipTransportStats {
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  streamsIn: number;
  streamsOut: number;
  errors: Record<string, number>;
}

export const DEFAULT_TCP_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_STREAM_BYTES = 20 * 1024 * 1024;
const DEFAULT_UDP_BUFFER_BYTES = 2 * 1024 * 1024;
const DEFAULT_MAX_INBOUND_STREAMS = 128;
/** Ephemeral-port attempts: the TCP port the kernel picked may already be taken for UDP. */
const EPHEMERAL_BIND_ATTEMPTS = 8;

export class NetGossipTransport implements GossipTransport {
  readonly stats: GossipTransportStats = {
    packetsIn: 0,
    packetsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    streamsIn: 0,
    streamsOut: 0,
    errors: {},
  };
  private readonly tcpTimeoutMs: number;
  private readonly maxStreamBytes: number;
  private readonly udpBufferBytes: number;
  private readonly maxInboundStreams: number;
  private readonly logger: Logger;
  private handler: GossipTransportHandler | undefined;
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private boundPort = 0;
  private binding: Promise<void> | undefined;
  private closed = false;
  private inboundStreams = 0;
  /** Every open connection, both directions, so that `close()` can end them. */
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: NetGossipTransportOptions) {
    this.tcpTimeoutMs = options.tcpTimeoutMs ?? DEFAULT_TCP_TIMEOUT_MS;
    this.maxStreamBytes = options.maxStreamBytes ?? DEFAULT_MAX_STREAM_BYTES;
    this.udpBufferBytes = options.udpBufferBytes ?? DEFAULT_UDP_BUFFER_BYTES;
    this.maxInboundStreams = options.maxInboundStreams ?? DEFAULT_MAX_INBOUND_STREAMS;
    this.logger = options.logger;
  }

  async listen(handler: GossipTransportHandler): Promise<void> {
    if (this.handler !== undefined) throw new Error('NetGossipTransport.listen called twice');
    await this.bind();
    this.handler = handler;
  }

  /**
   * Binds both sockets now, before `listen`, so that the owner learns an ephemeral port (to
   * advertise it) before the protocol starts; until `listen`, packets are dropped and streams
   * refused. Idempotent.
   */
  async bind(): Promise<GossipAddress> {
    this.binding ??= this.bindSockets();
    await this.binding;
    return this.localAddress();
  }

  private async bindSockets(): Promise<void> {
    const { bindAddress, port } = this.options;
    const attempts = port === 0 ? EPHEMERAL_BIND_ATTEMPTS : 1;
    for (let attempt = 1; ; attempt += 1) {
      const tcp = await this.bindTcp(bindAddress, port);
      const tcpPort = (tcp.address() as AddressInfo).port;
      try {
        this.udp = await this.bindUdp(bindAddress, tcpPort);
        this.tcp = tcp;
        this.boundPort = tcpPort;
        return;
      } catch (error) {
        await new Promise<void>((resolve) => tcp.close(() => resolve()));
        if (errorCode(error) !== 'EADDRINUSE' || attempt >= attempts) {
          throw new Error(
            `Failed to start gossip listener on ${bindAddress}:${tcpPort} (udp): ${describe(error)}`,
          );
        }
      }
    }
  }

  localAddress(): GossipAddress {
    return { host: this.options.bindAddress, port: this.boundPort };
  }

  sendPacket(to: GossipAddress, packet: Uint8Array): void {
    const udp = this.udp;
    if (udp === undefined || this.closed) {
      this.count(this.closed ? 'packet_send_closed' : 'packet_send_unbound');
      return;
    }
    try {
      udp.send(packet, to.port, to.host, (error) => {
        if (error) this.count(`packet_send_${errorCode(error) ?? 'error'}`);
      });
      this.stats.packetsOut += 1;
      this.stats.bytesOut += packet.byteLength;
    } catch (error) {
      // Synchronous refusals: a bad address or port, a socket closing under us.
      this.count(`packet_send_${errorCode(error) ?? 'error'}`);
    }
  }

  request(
    to: GossipAddress,
    message: Uint8Array,
    options: StreamRequestOptions,
  ): Promise<Uint8Array | undefined> {
    const handler = this.handler;
    if (handler === undefined || this.closed) {
      return Promise.reject(new Error('gossip transport is not listening'));
    }
    this.stats.streamsOut += 1;
    return new Promise((resolve, reject) => {
      const target = formatAddress(to);
      const socket = connect({ host: to.host, port: to.port });
      this.track(socket);
      let settled = false;
      const finish = (error: Error | undefined, reply?: Uint8Array) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          socket.destroy();
          reject(error);
        } else {
          resolve(reply);
        }
      };
      const timer = setTimeout(
        () =>
          finish(
            new Error(`i/o timeout: no complete exchange with ${target} within ${options.timeoutMs} ms`),
          ),
        options.timeoutMs,
      );
      let connected = false;
      // Go's words, which serf and Consul print: `dial tcp 10.0.0.1:8301: connect: connection refused`.
      socket.on('error', (error) =>
        finish(new Error(`${connected ? 'read' : 'dial'} tcp ${target}: ${goSocketError(error, connected)}`)),
      );
      socket.on('close', () => finish(new Error(`stream to ${target} closed before a reply`)));
      socket.on('connect', () => {
        connected = true;
        this.stats.bytesOut += message.byteLength;
        if (!options.expectReply) {
          socket.end(message, () => finish(undefined, undefined));
          return;
        }
        socket.write(message);
        const reader = new StreamReader(handler, this.maxStreamBytes);
        socket.on('data', (chunk: Buffer) => {
          this.stats.bytesIn += chunk.byteLength;
          const outcome = reader.push(chunk);
          if (outcome.kind === 'more') return;
          if (outcome.kind === 'complete') {
            finish(undefined, outcome.message);
            socket.destroy();
            return;
          }
          finish(new Error(`stream reply from ${target}: ${outcome.detail}`));
        });
        socket.on('end', () => finish(new Error(`stream from ${target} ended before a complete reply`)));
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    const tcp = this.tcp;
    const udp = this.udp;
    await Promise.all([
      tcp === undefined ? undefined : new Promise<void>((resolve) => tcp.close(() => resolve())),
      udp === undefined ? undefined : new Promise<void>((resolve) => udp.close(() => resolve())),
    ]);
  }

  // --- binding -------------------------------------------------------------------------------

  private bindTcp(host: string, port: number): Promise<Server> {
    return new Promise((resolve, reject) => {
      // Half-open allowed: a peer that writes its message and shuts down its side still gets the
      // reply (Go peers keep both sides open; this costs nothing).
      const server = createServer({ allowHalfOpen: true }, (socket) => this.acceptStream(socket));
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (error) => {
          this.count('listener_error');
          this.logger.warn({ error: describe(error) }, 'memberlist: TCP listener error');
        });
        resolve(server);
      });
    });
  }

  private bindUdp(host: string, port: number): Promise<UdpSocket> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
      socket.once('error', reject);
      socket.bind({ address: host, port, exclusive: true }, () => {
        socket.off('error', reject);
        // The kernel caps these at net.core.{r,w}mem_max; memberlist likewise asks and lives
        // with what it gets.
        try {
          socket.setRecvBufferSize(this.udpBufferBytes);
          socket.setSendBufferSize(this.udpBufferBytes);
        } catch (error) {
          this.logger.warn({ error: describe(error) }, 'memberlist: could not size the UDP buffers');
        }
        socket.on('error', (error) => this.count(`udp_${errorCode(error) ?? 'error'}`));
        socket.on('message', (packet, remote) => this.receivePacket(packet, remote));
        resolve(socket);
      });
    });
  }

  // --- inbound -------------------------------------------------------------------------------

  private receivePacket(packet: Buffer, remote: { address: string; port: number }): void {
    this.stats.packetsIn += 1;
    this.stats.bytesIn += packet.byteLength;
    if (this.handler === undefined) {
      this.count('packet_not_listening');
      return;
    }
    try {
      this.handler.onPacket(
        { host: remote.address, port: remote.port },
        new Uint8Array(packet.buffer, packet.byteOffset, packet.byteLength),
      );
    } catch (error) {
      // The handler is meant to count and drop bad packets itself; this is the last guard.
      this.count('packet_handler');
      this.logger.debug({ error: describe(error) }, 'memberlist: packet handler failed');
    }
  }

  private acceptStream(socket: Socket): void {
    const handler = this.handler;
    if (handler === undefined || this.closed || this.inboundStreams >= this.maxInboundStreams) {
      this.count('stream_refused');
      socket.destroy();
      return;
    }
    this.inboundStreams += 1;
    this.track(socket);
    const from: GossipAddress = { host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    let done = false;
    socket.once('close', () => {
      this.inboundStreams -= 1;
      done = true;
      clearTimeout(timer);
    });
    const drop = (reason: string, detail: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this.count(reason);
      this.logger.debug({ from: formatAddress(from), detail }, 'memberlist: dropping inbound stream');
      socket.destroy();
    };
    // One deadline for the whole exchange, as memberlist sets `TCPTimeout` on the connection.
    const timer = setTimeout(
      () => drop('stream_timeout', `incomplete after ${this.tcpTimeoutMs} ms`),
      this.tcpTimeoutMs,
    );
    socket.on('error', (error) => drop('stream_socket', describe(error)));
    const onEnd = () => drop('stream_truncated', 'closed before a complete message');
    socket.on('end', onEnd);
    const reader = new StreamReader(handler, this.maxStreamBytes);
    const onData = (chunk: Buffer) => {
      this.stats.bytesIn += chunk.byteLength;
      const outcome = reader.push(chunk);
      if (outcome.kind === 'more') return;
      if (outcome.kind !== 'complete') {
        drop(outcome.kind === 'oversized' ? 'stream_oversized' : 'stream_framing', outcome.detail);
        return;
      }
      socket.off('data', onData);
      socket.off('end', onEnd);
      this.stats.streamsIn += 1;
      handler.onStream(from, outcome.message).then(
        (reply) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          if (reply === undefined) {
            socket.end();
            return;
          }
          this.stats.bytesOut += reply.byteLength;
          socket.end(reply);
        },
        (error: unknown) => drop('stream_handler', describe(error)),
      );
    };
    socket.on('data', onData);
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private count(reason: string): void {
    this.stats.errors[reason] = (this.stats.errors[reason] ?? 0) + 1;
  }
}

type ReadOutcome =
  | { kind: 'more' }
  | { kind: 'complete'; message: Uint8Array }
  | { kind: 'oversized' | 'framing'; detail: string };

/**
 * Accumulates a stream's bytes in one growing buffer (doubling, so a 20 MiB push/pull arriving
 * in 64 KiB chunks is copied O(n) times, not O(n²)) and asks the handler after each chunk
 * whether the message at the start is complete.
 */
class StreamReader {
  private buffer = new Uint8Array(4096);
  private length = 0;

  constructor(
    private readonly handler: GossipTransportHandler,
    private readonly maxBytes: number,
  ) {}

  push(chunk: Uint8Array): ReadOutcome {
    const needed = this.length + chunk.byteLength;
    if (needed > this.buffer.byteLength) {
      const grown = new Uint8Array(Math.max(needed, Math.min(this.buffer.byteLength * 2, this.maxBytes + 1)));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(chunk, this.length);
    this.length = needed;
    let frameBytes: number | undefined;
    try {
      frameBytes = this.handler.streamFrameLength(this.buffer.subarray(0, this.length));
    } catch (error) {
      return { kind: 'framing', detail: describe(error) };
    }
    if (frameBytes === undefined) {
      if (this.length > this.maxBytes) {
        return { kind: 'oversized', detail: `more than ${this.maxBytes} bytes without a complete message` };
      }
      return { kind: 'more' };
    }
    if (!Number.isSafeInteger(frameBytes) || frameBytes <= 0) {
      return { kind: 'framing', detail: `the handler framed ${frameBytes} bytes` };
    }
    if (frameBytes > this.maxBytes) {
      return { kind: 'oversized', detail: `a ${frameBytes}-byte message exceeds ${this.maxBytes} bytes` };
    }
    if (this.length < frameBytes) return { kind: 'more' };
    return { kind: 'complete', message: this.buffer.slice(0, frameBytes) };
  }
}

const GO_ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  ETIMEDOUT: 'i/o timeout',
  EPIPE: 'broken pipe',
};

function goSocketError(error: unknown, connected: boolean): string {
  const text = GO_ERRNO_TEXT[errorCode(error) ?? ''];
  if (text === undefined) return describe(error);
  return connected ? text : `connect: ${text}`;
}

function formatAddress(address: GossipAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
