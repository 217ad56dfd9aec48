/**
 * The DNS server's sockets: one UDP socket and one TCP listener on the same `host:port`, handing
 * each message to the `DnsHandler` and sending back what it returns. The listener knows nothing of
 * DNS beyond TCP's framing (RFC 1035 §4.2.2: a 2-byte big-endian length before each message).
 *
 * TCP follows RFC 7766: queries may be pipelined and are handed to the handler as they arrive;
 * each reply is written as soon as it is ready, so replies may come back out of order (§6.2.1.1).
 * Timeouts are miekg/dns's (the server Consul uses): the first message and every message once
 * begun must arrive within `tcpReadTimeoutMs` (2 s), and a connection with nothing outstanding
 * is closed after `tcpIdleTimeoutMs` (8 s, RFC 7766 §6.2.3). Unlike miekg, a connection is not
 * closed after 128 queries (RFC 7766 §6.2.1 asks servers not to cap them).
 *
 * Bad input never escapes: a throwing handler, a failed send, a zero-length frame or a stalled
 * message costs that query or that connection, is counted in `stats`, and is never logged per
 * packet (the UDP path must sustain tens of thousands of queries per second).
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { lookup } from 'node:dns';
import { createServer, isIP, isIPv6, type Server, type Socket } from 'node:net';
import type { DnsHandler } from '../ports/dns.ts';
import type { Logger } from '../ports/logger.ts';

export interface DnsListenerOptions {
  /** IP literal to bind both sockets to (`0.0.0.0` / `::` for every interface). */
  host: string;
  /** 0 = an ephemeral port, the same for UDP and TCP. */
  port: number;
  handler: DnsHandler;
  logger: Logger;
  /** A TCP connection with no message in progress and no reply owed is closed after this; default 8 s. */
  tcpIdleTimeoutMs?: number;
  /** The first message on a connection, and any message once its first byte arrived, must be whole within this; default 2 s. */
  tcpReadTimeoutMs?: number;
  /** TCP connections open at once; more are closed on accept. Default 1024. */
  maxTcpConnections?: number;
}

/** Counters, read by the agent's metrics. */
export interface DnsListenerStats {
  /** Datagrams received (each handed to the handler). */
  udpQueries: number;
  /** TCP messages received (each handed to the handler). */
  tcpQueries: number;
  /**
   * Left unanswered on purpose: the handler returned nothing, a connection was refused at the
   * limit, or closed by a zero-length frame or a message not completed in time.
   */
  dropped: number;
  /** The handler threw, rejected or returned something else than bytes; a reply could not be sent; a socket failed. */
  errors: number;
}

export const DEFAULT_TCP_IDLE_TIMEOUT_MS = 8_000;
export const DEFAULT_TCP_READ_TIMEOUT_MS = 2_000;
/**
 * Each connection costs a file descriptor and a few KiB, Node raises the descriptor limit to the
 * hard limit, and idle ones are reaped after 8 s; refusing early would turn clients' TCP retries
 * after a truncated answer into failures. (BIND's `tcp-clients` is 150 for an Internet-facing
 * server; Cairn's DNS listens on loopback by default.)
 */
export const DEFAULT_MAX_TCP_CONNECTIONS = 1024;
/** SO_RCVBUF / SO_SNDBUF asked for the UDP socket, so a burst is queued rather than dropped. */
const UDP_BUFFER_BYTES = 4 * 1024 * 1024;
/** Replies owed on one connection before it stops reading more queries. */
const MAX_PENDING_REPLIES_PER_CONNECTION = 128;
/** Largest message TCP's 2-byte length can frame. */
export const MAX_TCP_MESSAGE_BYTES = 0xffff;
/** Ephemeral-port attempts: the port the kernel picked for UDP may already be taken for TCP. */
const EPHEMERAL_BIND_ATTEMPTS = 8;

export class DnsListener {
  readonly stats: DnsListenerStats = { udpQueries: 0, tcpQueries: 0, dropped: 0, errors: 0 };
  readonly tcpIdleTimeoutMs: number;
  readonly tcpReadTimeoutMs: number;
  private readonly maxTcpConnections: number;
  private readonly handler: DnsHandler;
  private readonly logger: Logger;
  private readonly host: string;
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private boundPort = 0;
  private closing: Promise<void> | undefined;
  /** Open TCP connections; each removes itself when it closes. */
  readonly connections = new Set<TcpConnection>();

  /** Binds UDP and TCP on `options.host:options.port`; rejects (Go's wording) when either cannot bind. */
  static async listen(options: DnsListenerOptions): Promise<DnsListener> {
    const listener = new DnsListener(options);
    await listener.bind(options.port);
    return listener;
  }

  private constructor(options: DnsListenerOptions) {
    this.host = options.host;
    this.handler = options.handler;
    this.logger = options.logger;
    this.tcpIdleTimeoutMs = options.tcpIdleTimeoutMs ?? DEFAULT_TCP_IDLE_TIMEOUT_MS;
    this.tcpReadTimeoutMs = options.tcpReadTimeoutMs ?? DEFAULT_TCP_READ_TIMEOUT_MS;
    this.maxTcpConnections = options.maxTcpConnections ?? DEFAULT_MAX_TCP_CONNECTIONS;
  }

  /** `host:port`, the host in brackets when it is IPv6 (`[::1]:8600`). */
  get address(): string {
    return isIPv6(this.host) ? `[${this.host}]:${this.boundPort}` : `${this.host}:${this.boundPort}`;
  }

  get port(): number {
    return this.boundPort;
  }

  /** Stops both sockets and destroys open TCP connections; replies still owed are not sent. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.closeSockets();
    return this.closing;
  }

  private async closeSockets(): Promise<void> {
    for (const connection of this.connections) connection.destroy();
    this.connections.clear();
    const udp = this.udp;
    const tcp = this.tcp;
    await Promise.all([
      udp === undefined ? undefined : new Promise<void>((resolve) => udp.close(() => resolve())),
      tcp === undefined ? undefined : new Promise<void>((resolve) => tcp.close(() => resolve())),
    ]);
  }

  // --- binding -------------------------------------------------------------------------------

  private async bind(port: number): Promise<void> {
    const attempts = port === 0 ? EPHEMERAL_BIND_ATTEMPTS : 1;
    for (let attempt = 1; ; attempt += 1) {
      const udp = await this.bindUdp(port);
      const udpPort = udp.address().port;
      try {
        this.tcp = await this.bindTcp(udpPort);
        this.udp = udp;
        this.boundPort = udpPort;
        return;
      } catch (error) {
        await new Promise<void>((resolve) => udp.close(() => resolve()));
        if (errorCode(error) !== 'EADDRINUSE' || attempt >= attempts) throw error;
      }
    }
  }

  private bindUdp(port: number): Promise<UdpSocket> {
    return new Promise((resolve, reject) => {
      // Replies go to the sender's address, an IP literal: answering dgram's "lookup" at once
      // lets it send within this turn instead of after a nextTick per packet.
      const socket = createSocket({ type: isIPv6(this.host) ? 'udp6' : 'udp4', lookup: literalLookup });
      const fail = (error: Error) => reject(listenError('udp', this.host, port, error));
      socket.once('error', fail);
      socket.bind({ address: this.host, port, exclusive: true }, () => {
        socket.off('error', fail);
        // The kernel caps these at net.core.{r,w}mem_max; take what it gives.
        try {
          socket.setRecvBufferSize(UDP_BUFFER_BYTES);
          socket.setSendBufferSize(UDP_BUFFER_BYTES);
        } catch (error) {
          this.logger.warn({ error: describe(error) }, 'dns: could not size the UDP buffers');
        }
        socket.on('error', this.onUdpError);
        socket.on('message', this.onUdpMessage);
        resolve(socket);
      });
    });
  }

  private bindTcp(port: number): Promise<Server> {
    return new Promise((resolve, reject) => {
      // Half-open allowed: a client that sends its queries and shuts down its side still gets
      // the replies.
      const server = createServer({ allowHalfOpen: true, noDelay: true }, this.onTcpConnection);
      const fail = (error: Error) => reject(listenError('tcp', this.host, port, error));
      server.once('error', fail);
      server.listen({ host: this.host, port, exclusive: true }, () => {
        server.off('error', fail);
        server.on('error', (error) => {
          this.stats.errors += 1;
          this.logger.warn({ error: describe(error) }, 'dns: TCP listener error');
        });
        resolve(server);
      });
    });
  }

  // --- UDP: the hot path; one handler call and at most one send per datagram -----------------

  private readonly onUdpMessage = (message: Buffer, remote: RemoteInfo): void => {
    this.stats.udpQueries += 1;
    let reply: ReturnType<DnsHandler>;
    try {
      // A plain view: a Buffer's `slice` shares memory, which a handler expecting Uint8Array
      // semantics would not expect.
      reply = this.handler(new Uint8Array(message.buffer, message.byteOffset, message.byteLength), 'udp');
    } catch {
      this.stats.errors += 1;
      return;
    }
    if (reply === undefined) {
      this.stats.dropped += 1;
    } else if (reply instanceof Uint8Array) {
      this.sendUdp(reply, remote.port, remote.address);
    } else {
      this.sendUdpLater(reply, remote.port, remote.address);
    }
  };

  private sendUdpLater(reply: PromiseLike<Uint8Array | undefined>, port: number, address: string): void {
    Promise.resolve(reply).then(
      (bytes) => {
        if (bytes === undefined) this.stats.dropped += 1;
        else if (bytes instanceof Uint8Array) this.sendUdp(bytes, port, address);
        else this.stats.errors += 1;
      },
      () => {
        this.stats.errors += 1;
      },
    );
  }

  private sendUdp(reply: Uint8Array, port: number, address: string): void {
    if (this.closing !== undefined) return;
    try {
      this.udp!.send(reply, port, address, this.onUdpSent);
    } catch {
      this.stats.errors += 1;
    }
  }

  /** One function for every send: a failed send (EMSGSIZE, ENOBUFS) is counted, no closure per packet. */
  private readonly onUdpSent = (error: Error | null): void => {
    if (error) this.stats.errors += 1;
  };

  private readonly onUdpError = (): void => {
    this.stats.errors += 1;
  };

  // --- TCP ------------------------------------------------------------------------------------

  private readonly onTcpConnection = (socket: Socket): void => {
    if (this.closing !== undefined || this.connections.size >= this.maxTcpConnections) {
      this.stats.dropped += 1;
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    this.connections.add(new TcpConnection(this, socket, this.handler));
  };
}

/**
 * One accepted TCP connection: frames queries, hands each to the handler, writes replies as
 * they are ready, and keeps the connection's single timer (read deadline or idle).
 */
class TcpConnection {
  private readonly reader: DnsFrameReader;
  private timer: NodeJS.Timeout | undefined;
  private pendingReplies = 0;
  private readEnded = false;
  private destroyed = false;
  private paused = false;

  constructor(
    private readonly listener: DnsListener,
    private readonly socket: Socket,
    private readonly handler: DnsHandler,
  ) {
    this.reader = new DnsFrameReader(this.onFrame);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('drain', this.onDrain);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    // miekg/dns: the first message must arrive within the read timeout.
    this.arm(listener.tcpReadTimeoutMs);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearTimeout(this.timer);
    this.socket.destroy();
  }

  private readonly onData = (chunk: Buffer): void => {
    const wasPartial = this.reader.partial;
    this.socket.cork();
    const outcome = this.reader.push(chunk);
    this.socket.uncork();
    if (this.destroyed) return;
    if (outcome.kind === 'empty-frame') {
      // A zero-length message: not DNS, and nothing after it can be framed reliably.
      this.listener.stats.dropped += 1;
      this.destroy();
      return;
    }
    if (this.reader.partial) {
      // A message began in this chunk: its deadline starts now.
      if (!wasPartial || outcome.frames > 0) this.arm(this.listener.tcpReadTimeoutMs);
    } else {
      this.settle();
    }
    if (this.pendingReplies >= MAX_PENDING_REPLIES_PER_CONNECTION) this.pause();
  };

  private readonly onFrame = (message: Uint8Array): void => {
    if (this.destroyed) return;
    const stats = this.listener.stats;
    stats.tcpQueries += 1;
    let reply: ReturnType<DnsHandler>;
    try {
      reply = this.handler(message, 'tcp');
    } catch {
      stats.errors += 1;
      return;
    }
    if (reply === undefined) {
      stats.dropped += 1;
    } else if (reply instanceof Uint8Array) {
      this.write(reply);
    } else {
      this.pendingReplies += 1;
      Promise.resolve(reply).then(this.onLateReply, this.onLateFailure);
    }
  };

  private readonly onLateReply = (reply: Uint8Array | undefined): void => {
    this.pendingReplies -= 1;
    if (this.destroyed) return;
    if (reply === undefined) this.listener.stats.dropped += 1;
    else if (reply instanceof Uint8Array) this.write(reply);
    else this.listener.stats.errors += 1;
    this.settle();
  };

  private readonly onLateFailure = (): void => {
    this.pendingReplies -= 1;
    this.listener.stats.errors += 1;
    if (!this.destroyed) this.settle();
  };

  private write(reply: Uint8Array): void {
    const length = reply.byteLength;
    if (length > MAX_TCP_MESSAGE_BYTES) {
      this.listener.stats.errors += 1;
      return;
    }
    const framed = Buffer.allocUnsafe(2 + length);
    framed[0] = length >>> 8;
    framed[1] = length & 0xff;
    framed.set(reply, 2);
    // Backpressure: a client that does not read its replies stops being read.
    if (!this.socket.write(framed)) this.pause();
  }

  /**
   * After a message completed or a reply went out: with nothing outstanding the connection is
   * idle (or, when the client has shut its side, done); otherwise it waits for the handler.
   */
  private settle(): void {
    if (this.reader.partial) return;
    if (this.pendingReplies > 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      if (this.paused && this.pendingReplies < MAX_PENDING_REPLIES_PER_CONNECTION) this.onDrain();
      return;
    }
    if (this.readEnded) {
      clearTimeout(this.timer);
      this.socket.end();
      return;
    }
    if (this.paused) this.onDrain();
    this.arm(this.listener.tcpIdleTimeoutMs);
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket.pause();
  }

  private readonly onDrain = (): void => {
    if (!this.paused || this.destroyed) return;
    if (this.socket.writableNeedDrain || this.pendingReplies >= MAX_PENDING_REPLIES_PER_CONNECTION) return;
    this.paused = false;
    this.socket.resume();
  };

  private arm(timeoutMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(this.onTimeout, timeoutMs);
  }

  private readonly onTimeout = (): void => {
    // A message started and not finished in time is a slow or broken client; an idle close is routine.
    if (this.reader.partial) this.listener.stats.dropped += 1;
    this.destroy();
  };

  private readonly onEnd = (): void => {
    this.readEnded = true;
    if (this.reader.partial) {
      this.listener.stats.dropped += 1;
      this.destroy();
      return;
    }
    if (this.pendingReplies === 0) this.settle();
  };

  private readonly onError = (): void => {
    this.listener.stats.errors += 1;
    this.destroy();
  };

  private readonly onClose = (): void => {
    this.destroyed = true;
    clearTimeout(this.timer);
    this.listener.connections.delete(this);
  };
}

export type FrameOutcome = { kind: 'ok'; frames: number } | { kind: 'empty-frame'; frames: number };

/**
 * Splits a TCP byte stream into DNS messages (RFC 1035 §4.2.2). A message wholly inside a chunk
 * is handed on as a view of it (no copy); one split across chunks is gathered into a buffer of
 * its announced length, so a message arriving a byte at a time still costs O(length).
 */
export class DnsFrameReader {
  /** The first length byte when only it has arrived; -1 otherwise. */
  private lengthHigh = -1;
  private frame: Uint8Array | undefined;
  private filled = 0;

  constructor(private readonly onFrame: (message: Uint8Array) => void) {}

  /** True while part of a message (even one length byte) is buffered. */
  get partial(): boolean {
    return this.lengthHigh >= 0 || this.frame !== undefined;
  }

  /** Feeds `chunk`, calling `onFrame` for each whole message; stops at a zero-length frame. */
  push(chunk: Uint8Array): FrameOutcome {
    const end = chunk.byteLength;
    let offset = 0;
    let frames = 0;
    while (offset < end) {
      const frame = this.frame;
      if (frame !== undefined) {
        const take = Math.min(frame.byteLength - this.filled, end - offset);
        frame.set(chunk.subarray(offset, offset + take), this.filled);
        this.filled += take;
        offset += take;
        if (this.filled === frame.byteLength) {
          this.frame = undefined;
          this.filled = 0;
          frames += 1;
          this.onFrame(frame);
        }
        continue;
      }
      let length: number;
      if (this.lengthHigh >= 0) {
        length = (this.lengthHigh << 8) | chunk[offset]!;
        this.lengthHigh = -1;
        offset += 1;
      } else if (end - offset >= 2) {
        length = (chunk[offset]! << 8) | chunk[offset + 1]!;
        offset += 2;
      } else {
        this.lengthHigh = chunk[offset]!;
        offset += 1;
        continue;
      }
      if (length === 0) return { kind: 'empty-frame', frames };
      if (end - offset >= length) {
        frames += 1;
        this.onFrame(new Uint8Array(chunk.buffer, chunk.byteOffset + offset, length));
        offset += length;
        continue;
      }
      this.frame = new Uint8Array(length);
      this.filled = 0;
    }
    return { kind: 'ok', frames };
  }
}

/** Go's `net.Listen` error text: `listen udp 127.0.0.1:8600: bind: address already in use`. */
function listenError(network: 'udp' | 'tcp', host: string, port: number, error: unknown): Error {
  const shown = isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
  const text = LISTEN_ERRNO_TEXT[errorCode(error) ?? ''] ?? describe(error);
  const wrapped = new Error(`listen ${network} ${shown}: ${text}`, { cause: error });
  (wrapped as NodeJS.ErrnoException).code = errorCode(error);
  return wrapped;
}

const LISTEN_ERRNO_TEXT: Record<string, string> = {
  EADDRINUSE: 'bind: address already in use',
  EADDRNOTAVAIL: 'bind: cannot assign requested address',
  EACCES: 'bind: permission denied',
};

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * dgram's `lookup` (dgram passes the family as a number, though the types say options): an IP
 * literal, which every sender's address is, at once; anything else through DNS.
 */
function literalLookup(
  address: string,
  family: unknown,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const literal = isIP(address);
  if (literal !== 0) callback(null, address, literal);
  else lookup(address, { family: family === 6 ? 6 : 4 }, callback);
}
