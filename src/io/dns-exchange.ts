/**
 * The real `DnsExchange`: forwards one DNS message to an upstream server, as miekg/dns's
 * `Client.Exchange` does for Consul's recursors. UDP uses a fresh socket connected to the
 * server, so the kernel delivers only that server's datagrams and reports its ICMP refusal;
 * among them the first whose ID matches the query's is the reply (others are ignored, as miekg
 * ignores them). TCP connects, sends the length-prefixed message (RFC 1035 §4.2.2) and reads
 * frames until one with the query's ID. Every outcome closes the socket and clears the timer.
 *
 * Errors use Go's wording, which Consul logs: `read udp 127.0.0.1:40000->127.0.0.1:53: i/o
 * timeout`, `dial tcp 127.0.0.1:53: connect: connection refused`.
 */
import { createSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import type { DnsExchange, DnsTransport } from '../ports/dns.ts';
import { DnsFrameReader, MAX_TCP_MESSAGE_BYTES } from './dns-listener.ts';

/** A message's ID: the first two bytes of the header, which the reply must repeat. */
const ID_BYTES = 2;

export class NetDnsExchange implements DnsExchange {
  exchange(
    server: string,
    packet: Uint8Array,
    transport: DnsTransport,
    timeoutMs: number,
  ): Promise<Uint8Array> {
    if (packet.byteLength < ID_BYTES) {
      return Promise.reject(
        new Error(`dns: a message has at least ${ID_BYTES} bytes, got ${packet.byteLength}`),
      );
    }
    if (transport === 'tcp' && packet.byteLength > MAX_TCP_MESSAGE_BYTES) {
      return Promise.reject(new Error(`dns: message of ${packet.byteLength} bytes exceeds 65535`));
    }
    let target: Target;
    try {
      target = splitHostPort(server);
    } catch (error) {
      return Promise.reject(error);
    }
    return transport === 'udp'
      ? exchangeUdp(target, packet, timeoutMs)
      : exchangeTcp(target, packet, timeoutMs);
  }
}

interface Target {
  host: string;
  port: number;
  /** As given, for messages. */
  shown: string;
}

function exchangeUdp(target: Target, packet: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(target.host) ? 'udp6' : 'udp4');
    let settled = false;
    let connected = false;
    const endpoints = () => `${localAddress(socket)}->${target.shown}`;
    const finish = (error: Error | undefined, reply?: Uint8Array) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        socket.close();
      } catch {
        // Already closed: nothing to release.
      }
      if (error) reject(error);
      else resolve(reply!);
    };
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            connected ? `read udp ${endpoints()}: i/o timeout` : `dial udp ${target.shown}: i/o timeout`,
          ),
        ),
      timeoutMs,
    );
    socket.on('error', (error) => {
      const text = goErrnoText(error);
      finish(
        new Error(
          connected ? `read udp ${endpoints()}: read: ${text}` : `dial udp ${target.shown}: ${text}`,
          { cause: error },
        ),
      );
    });
    socket.on('message', (message) => {
      if (message.byteLength < ID_BYTES || message[0] !== packet[0] || message[1] !== packet[1]) return;
      finish(undefined, new Uint8Array(message.buffer, message.byteOffset, message.byteLength));
    });
    socket.connect(target.port, target.host, () => {
      connected = true;
      socket.send(packet, (error) => {
        if (error)
          finish(new Error(`write udp ${endpoints()}: write: ${goErrnoText(error)}`, { cause: error }));
      });
    });
  });
}

function exchangeTcp(target: Target, packet: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port, noDelay: true });
    let settled = false;
    let connected = false;
    const endpoints = () => `${hostPort(socket.localAddress ?? '?', socket.localPort ?? 0)}->${target.shown}`;
    const finish = (error: Error | undefined, reply?: Uint8Array) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(reply!);
    };
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            connected ? `read tcp ${endpoints()}: i/o timeout` : `dial tcp ${target.shown}: i/o timeout`,
          ),
        ),
      timeoutMs,
    );
    const reader = new DnsFrameReader((message) => {
      if (message.byteLength < ID_BYTES || message[0] !== packet[0] || message[1] !== packet[1]) return;
      // A view of the socket's chunk: copy, so the reply owns its bytes.
      finish(undefined, message.slice());
    });
    socket.on('error', (error) => {
      const text = goErrnoText(error);
      finish(
        new Error(
          connected ? `read tcp ${endpoints()}: read: ${text}` : `dial tcp ${target.shown}: connect: ${text}`,
          { cause: error },
        ),
      );
    });
    socket.on('close', () => finish(new Error(`read tcp ${target.shown}: connection closed before a reply`)));
    socket.on('end', () => finish(new Error(`read tcp ${endpoints()}: EOF`)));
    socket.on('data', (chunk: Buffer) => {
      if (reader.push(chunk).kind === 'empty-frame')
        finish(new Error(`read tcp ${endpoints()}: dns: short read`));
    });
    socket.on('connect', () => {
      connected = true;
      const framed = new Uint8Array(2 + packet.byteLength);
      framed[0] = packet.byteLength >>> 8;
      framed[1] = packet.byteLength & 0xff;
      framed.set(packet, 2);
      socket.write(framed);
    });
  });
}

/**
 * Go's `net.SplitHostPort`: `host:port` or `[ipv6]:port`; the port is required (Consul adds
 * `:53` to recursors given without one before they get here).
 */
function splitHostPort(server: string): Target {
  let host: string;
  let portText: string;
  if (server.startsWith('[')) {
    const close = server.indexOf(']');
    if (close < 0) throw new Error(`address ${server}: missing ']' in address`);
    if (server[close + 1] !== ':') throw new Error(`address ${server}: missing port in address`);
    host = server.slice(1, close);
    portText = server.slice(close + 2);
  } else {
    const colon = server.lastIndexOf(':');
    if (colon < 0) throw new Error(`address ${server}: missing port in address`);
    host = server.slice(0, colon);
    if (host.includes(':')) throw new Error(`address ${server}: too many colons in address`);
    portText = server.slice(colon + 1);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw new Error(`address ${server}: invalid port`);
  if (host === '') throw new Error(`address ${server}: missing host in address`);
  return { host, port, shown: server };
}

function localAddress(socket: ReturnType<typeof createSocket>): string {
  try {
    const { address, port } = socket.address();
    return hostPort(address, port);
  } catch {
    return '?';
  }
}

function hostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

const GO_ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  ETIMEDOUT: 'i/o timeout',
  EPIPE: 'broken pipe',
  EMSGSIZE: 'message too long',
};

function goErrnoText(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const text = typeof code === 'string' ? GO_ERRNO_TEXT[code] : undefined;
  return text ?? (error instanceof Error ? error.message : String(error));
}
