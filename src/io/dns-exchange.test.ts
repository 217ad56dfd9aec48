import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { silentLogger } from '../ports/logger.ts';
import { NetDnsExchange } from './dns-exchange.ts';
import { DnsListener } from './dns-listener.ts';

const DEADLINE_MS = 5000;
/** For exchanges that must not time out: a timer left behind would outlive the whole run. */
const LONG_TIMEOUT_MS = 600_000;

/** Polls `predicate` until it holds or the deadline passes; never a fixed sleep. */
async function until(what: string, predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** A 12-byte header-only query with `id`, enough for the exchange (it reads only the ID). */
function message(id: number, flags = 0x0100): Uint8Array {
  return Uint8Array.of(id >> 8, id & 0xff, flags >> 8, flags & 0xff, 0, 0, 0, 0, 0, 0, 0, 0);
}

/** A copy of `packet` with the QR bit set (a copy even of a Buffer, whose `slice` is a view). */
const asReply = (packet: Uint8Array) => {
  const reply = new Uint8Array(packet);
  reply[2]! |= 0x80;
  return reply;
};

function framed(bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.of(bytes.byteLength >> 8, bytes.byteLength & 0xff), bytes]);
}

/**
 * Sockets, servers and timers alive in this process, by kind, once handles being closed are gone
 * (libuv finishes a close in the loop iteration after `close()` is called).
 */
async function settledResources(): Promise<Map<string, number>> {
  for (let turn = 0; turn < 2; turn += 1) await new Promise((resolve) => setImmediate(resolve));
  return activeResources();
}

function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** True when no kind of resource has more instances than in `baseline`. */
function backTo(baseline: Map<string, number>): boolean {
  for (const [kind, count] of activeResources()) if (count > (baseline.get(kind) ?? 0)) return false;
  return true;
}

/** A port nothing listens on (bound then released). */
async function unusedUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

async function unusedTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('NetDnsExchange', () => {
  const exchange = new NetDnsExchange();
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A DnsListener answering every query with it echoed as a response. */
  async function echoServer(): Promise<DnsListener> {
    const listener = await DnsListener.listen({
      host: '127.0.0.1',
      port: 0,
      handler: (packet) => asReply(packet),
      logger: silentLogger,
    });
    cleanups.push(() => listener.close());
    return listener;
  }

  /** A raw UDP server that answers each datagram with what `answer` returns (in order). */
  async function udpServer(
    answer: (packet: Buffer) => Uint8Array[],
  ): Promise<{ port: number; socket: UdpSocket }> {
    const socket = createSocket('udp4');
    socket.on('message', (packet, remote) => {
      for (const reply of answer(packet)) socket.send(reply, remote.port, remote.address);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
    return { port: socket.address().port, socket };
  }

  /** A raw TCP server that calls `onConnection` for each accepted socket. */
  async function tcpServer(
    onConnection: (socket: Socket) => void,
  ): Promise<{ port: number; server: Server }> {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
      onConnection(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    return { port: (server.address() as { port: number }).port, server };
  }

  describe('UDP', () => {
    it('sends the query and resolves with the reply', async () => {
      const listener = await echoServer();
      const baseline = await settledResources();
      const reply = await exchange.exchange(listener.address, message(0x4242), 'udp', LONG_TIMEOUT_MS);
      assert.deepEqual(reply, asReply(message(0x4242)));
      assert.equal(listener.stats.udpQueries, 1);
      await until('the socket and timer released', () => backTo(baseline));
    });

    it('ignores datagrams whose ID does not match and resolves with the one that does', async () => {
      const { port } = await udpServer((packet) => {
        const wrong = asReply(packet);
        wrong[1]! ^= 0xff;
        return [wrong, Uint8Array.of(packet[0]!), asReply(packet)];
      });
      const baseline = await settledResources();
      const reply = await exchange.exchange(`127.0.0.1:${port}`, message(0x0102), 'udp', LONG_TIMEOUT_MS);
      assert.deepEqual(reply, asReply(message(0x0102)));
      await until('the socket and timer released', () => backTo(baseline));
    });

    it('rejects with an i/o timeout when no matching reply comes, and releases its socket and timer', async () => {
      const { port } = await udpServer((packet) => {
        const wrong = asReply(packet);
        wrong[0]! ^= 0xff;
        return [wrong];
      });
      const baseline = await settledResources();
      const started = Date.now();
      await assert.rejects(
        exchange.exchange(`127.0.0.1:${port}`, message(7), 'udp', 100),
        new RegExp(`^Error: read udp 127\\.0\\.0\\.1:\\d+->127\\.0\\.0\\.1:${port}: i/o timeout$`),
      );
      assert.ok(Date.now() - started >= 90, 'not before the timeout');
      await until('the socket and timer released', () => backTo(baseline));
    });

    it('rejects at once when the server refuses (ICMP port unreachable)', async () => {
      const port = await unusedUdpPort();
      const baseline = await settledResources();
      await assert.rejects(
        exchange.exchange(`127.0.0.1:${port}`, message(8), 'udp', LONG_TIMEOUT_MS),
        new RegExp(
          `^Error: read udp 127\\.0\\.0\\.1:\\d+->127\\.0\\.0\\.1:${port}: read: connection refused$`,
        ),
      );
      await until('the socket and timer released', () => backTo(baseline));
    });
  });

  describe('TCP', () => {
    it('sends the framed query and resolves with the framed reply', async () => {
      const listener = await echoServer();
      const baseline = await settledResources();
      const reply = await exchange.exchange(listener.address, message(0x5151), 'tcp', LONG_TIMEOUT_MS);
      assert.deepEqual(reply, asReply(message(0x5151)));
      assert.equal(listener.stats.tcpQueries, 1);
      await until('the socket and timer released', () => backTo(baseline));
    });

    it('skips frames with another ID and reads a reply split across writes', async () => {
      const { port } = await tcpServer((socket) => {
        socket.once('data', (chunk: Buffer) => {
          const query = chunk.subarray(2);
          const wrong = asReply(query);
          wrong[1]! ^= 0xff;
          const right = framed(asReply(query));
          socket.write(Buffer.concat([framed(wrong), right.subarray(0, 3)]));
          socket.write(right.subarray(3));
        });
      });
      const baseline = await settledResources();
      const reply = await exchange.exchange(`127.0.0.1:${port}`, message(0x0a0a), 'tcp', LONG_TIMEOUT_MS);
      assert.deepEqual(reply, asReply(message(0x0a0a)));
      await until('the socket and timer released', () => backTo(baseline));
    });

    it('rejects with an i/o timeout when the server does not answer, and releases everything', async () => {
      let accepted = 0;
      const { port } = await tcpServer((socket) => {
        accepted += 1;
        socket.resume(); // Reads (and drops) the query, so that it sees the client close.
      });
      const baseline = await settledResources();
      await assert.rejects(
        exchange.exchange(`127.0.0.1:${port}`, message(1), 'tcp', 100),
        new RegExp(`^Error: read tcp 127\\.0\\.0\\.1:\\d+->127\\.0\\.0\\.1:${port}: i/o timeout$`),
      );
      assert.equal(accepted, 1);
      await until('the socket and timer released', () => backTo(baseline));
    });

    it('rejects when the server closes before replying', async () => {
      const { port } = await tcpServer((socket) => socket.once('data', () => socket.end()));
      const baseline = await settledResources();
      await assert.rejects(
        exchange.exchange(`127.0.0.1:${port}`, message(2), 'tcp', LONG_TIMEOUT_MS),
        /: EOF$/,
      );
      await until('the socket and timer released', () => backTo(baseline));
    });

    it('rejects a zero-length reply frame', async () => {
      const { port } = await tcpServer((socket) => socket.once('data', () => socket.write(Buffer.of(0, 0))));
      const baseline = await settledResources();
      await assert.rejects(
        exchange.exchange(`127.0.0.1:${port}`, message(3), 'tcp', LONG_TIMEOUT_MS),
        /: dns: short read$/,
      );
      await until('the socket and timer released', () => backTo(baseline));
    });

    it('rejects a refused connection in Go wording', async () => {
      const port = await unusedTcpPort();
      const baseline = await settledResources();
      await assert.rejects(
        exchange.exchange(`127.0.0.1:${port}`, message(4), 'tcp', LONG_TIMEOUT_MS),
        new RegExp(`^Error: dial tcp 127\\.0\\.0\\.1:${port}: connect: connection refused$`),
      );
      await until('the socket and timer released', () => backTo(baseline));
    });
  });

  it('rejects a server address without a port, or a bad one', async () => {
    await assert.rejects(exchange.exchange('127.0.0.1', message(1), 'udp', 100), /missing port in address/);
    await assert.rejects(exchange.exchange('::1', message(1), 'udp', 100), /too many colons in address/);
    await assert.rejects(exchange.exchange('127.0.0.1:99999', message(1), 'tcp', 100), /invalid port/);
    await assert.rejects(exchange.exchange('[::1]', message(1), 'tcp', 100), /missing port in address/);
    await assert.rejects(exchange.exchange('127.0.0.1:53', Uint8Array.of(1), 'udp', 100), /at least 2 bytes/);
  });
});
