import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createRequire } from 'node:module';
import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, it } from 'node:test';
import type { DnsHandler, DnsTransport } from '../ports/dns.ts';
import { silentLogger } from '../ports/logger.ts';
import { DnsFrameReader, DnsListener, type DnsListenerOptions } from './dns-listener.ts';

/** The part of dns-packet 5.6.1 these tests use (it ships no types). */
const dnsPacket = createRequire(import.meta.url)('dns-packet') as {
  encode(packet: object): Buffer;
  decode(bytes: Uint8Array): { id: number; flag_qr: boolean; questions: { name: string; type: string }[] };
};

const DEADLINE_MS = 5000;

/** Polls `predicate` until it holds or the deadline passes; never a fixed sleep. */
async function until(what: string, predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function query(id: number, name = 'web.service.consul'): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: 0x0100, questions: [{ name, type: 'A' }] });
}

const idOf = (message: Uint8Array) => (message[0]! << 8) | message[1]!;

function framed(...messages: Uint8Array[]): Buffer {
  return Buffer.concat(
    messages.flatMap((message) => [Buffer.of(message.byteLength >> 8, message.byteLength & 0xff), message]),
  );
}

interface Deferred {
  resolve(reply: Uint8Array | undefined): void;
  reject(error: Error): void;
}

/**
 * Echoes the query with the QR bit set. The first label of the question picks a behaviour:
 * `throw`, `reject`, `drop` (undefined), `hold` (a promise the test settles), `big` (a 65535-byte
 * reply), `huge` (65536 bytes, unsendable over TCP), `async` (a promise settled at once).
 */
class TestHandler {
  readonly calls: { id: number; transport: DnsTransport }[] = [];
  readonly held = new Map<number, Deferred>();

  readonly handle: DnsHandler = (packet, transport) => {
    const id = idOf(packet);
    this.calls.push({ id, transport });
    const name =
      packet.byteLength > 12
        ? dnsPacket.decode(Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength)).questions[0]
            ?.name
        : undefined;
    const label = name?.split('.')[0];
    const reply = packet.slice();
    reply[2]! |= 0x80;
    switch (label) {
      case 'throw':
        throw new Error('handler bug');
      case 'reject':
        return Promise.reject(new Error('handler bug'));
      case 'drop':
        return undefined;
      case 'async':
        return Promise.resolve(reply);
      case 'hold':
        return new Promise((resolve, reject) => this.held.set(id, { resolve, reject }));
      case 'big':
      case 'huge': {
        const large = new Uint8Array(label === 'big' ? 0xffff : 0x10000);
        large.set(reply);
        large[large.byteLength - 1] = 0xab;
        return large;
      }
      default:
        return reply;
    }
  };
}

class UdpClient {
  readonly replies: Buffer[] = [];
  private constructor(readonly socket: UdpSocket) {
    socket.on('message', (message) => this.replies.push(message));
  }
  static async open(port: number, host = '127.0.0.1'): Promise<UdpClient> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve) => socket.connect(port, host, resolve));
    return new UdpClient(socket);
  }
  send(bytes: Uint8Array): void {
    this.socket.send(bytes);
  }
  close(): void {
    this.socket.close();
  }
}

/** A raw TCP connection that splits what it reads into DNS frames and notes when it closes. */
class TcpClient {
  readonly frames: Buffer[] = [];
  closed = false;
  private buffered = Buffer.alloc(0);
  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 2) {
        const length = this.buffered.readUInt16BE(0);
        if (this.buffered.length < 2 + length) break;
        this.frames.push(this.buffered.subarray(2, 2 + length));
        this.buffered = this.buffered.subarray(2 + length);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => (this.closed = true));
  }
  static open(port: number, host = '127.0.0.1'): Promise<TcpClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true }, () => resolve(new TcpClient(socket)));
      socket.once('error', reject);
    });
  }
  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.write(bytes, (error) => (error ? reject(error) : resolve())),
    );
  }
}

describe('DnsListener', () => {
  const listeners: DnsListener[] = [];
  const clients: (UdpClient | TcpClient)[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) {
      if (client instanceof UdpClient) client.close();
      else client.socket.destroy();
    }
    await Promise.all(listeners.splice(0).map((listener) => listener.close()));
  });

  async function start(options: Partial<DnsListenerOptions> = {}) {
    const handler = new TestHandler();
    const listener = await DnsListener.listen({
      host: '127.0.0.1',
      port: 0,
      handler: handler.handle,
      logger: silentLogger,
      ...options,
    });
    listeners.push(listener);
    return { listener, handler };
  }

  async function udpClient(listener: DnsListener, host = '127.0.0.1') {
    const client = await UdpClient.open(listener.port, host);
    clients.push(client);
    return client;
  }

  async function tcpClient(listener: DnsListener, host = '127.0.0.1') {
    const client = await TcpClient.open(listener.port, host);
    clients.push(client);
    return client;
  }

  describe('UDP', () => {
    it('answers a query with the handler reply, to the sender', async () => {
      const { listener, handler } = await start();
      assert.equal(listener.address, `127.0.0.1:${listener.port}`);
      const client = await udpClient(listener);
      client.send(query(0x1234));
      await until('the reply', () => client.replies.length === 1);
      const reply = dnsPacket.decode(client.replies[0]!);
      assert.equal(reply.id, 0x1234);
      assert.equal(reply.flag_qr, true);
      assert.deepEqual(handler.calls, [{ id: 0x1234, transport: 'udp' }]);
      assert.deepEqual(listener.stats, { udpQueries: 1, tcpQueries: 0, dropped: 0, errors: 0 });
    });

    it('sends an async reply when its promise resolves', async () => {
      const { listener, handler } = await start();
      const client = await udpClient(listener);
      client.send(query(1, 'hold.service.consul'));
      client.send(query(2, 'async.service.consul'));
      await until('the async reply', () => client.replies.length === 1);
      assert.equal(idOf(client.replies[0]!), 2);
      handler.held.get(1)!.resolve(query(1));
      await until('the held reply', () => client.replies.length === 2);
      assert.equal(idOf(client.replies[1]!), 1);
    });

    it('counts a throwing, rejecting or silent handler, sends nothing, and answers the next query', async () => {
      const { listener, handler } = await start();
      const client = await udpClient(listener);
      client.send(query(1, 'throw.service.consul'));
      client.send(query(2, 'reject.service.consul'));
      client.send(query(3, 'drop.service.consul'));
      client.send(query(4, 'hold.service.consul'));
      client.send(query(5));
      await until('the reply to the last query', () => client.replies.length === 1);
      handler.held.get(4)!.reject(new Error('late failure'));
      client.send(query(6));
      await until('the next reply', () => client.replies.length === 2);
      // Datagrams on loopback are handled in order, so a reply to 1–4 would have come first.
      assert.deepEqual(client.replies.map(idOf), [5, 6]);
      assert.deepEqual(listener.stats, { udpQueries: 6, tcpQueries: 0, dropped: 1, errors: 3 });
    });

    it('counts a reply too large to send and keeps serving', async () => {
      const { listener } = await start();
      const client = await udpClient(listener);
      client.send(query(1, 'huge.service.consul'));
      client.send(query(2));
      await until('the reply', () => client.replies.length === 1);
      await until('the failed send counted', () => listener.stats.errors === 1);
      assert.deepEqual(client.replies.map(idOf), [2]);
    });
  });

  describe('TCP', () => {
    it('binds TCP on the same port as UDP', async () => {
      const { listener } = await start();
      const client = await tcpClient(listener);
      await client.write(framed(query(7)));
      await until('the reply', () => client.frames.length === 1);
      assert.equal(idOf(client.frames[0]!), 7);
      assert.deepEqual(listener.stats, { udpQueries: 0, tcpQueries: 1, dropped: 0, errors: 0 });
    });

    it('handles pipelined queries from one write and writes each reply when it is ready', async () => {
      const { listener, handler } = await start();
      const client = await tcpClient(listener);
      await client.write(framed(query(1, 'hold.service.consul'), query(2), query(3, 'async.service.consul')));
      await until('the two ready replies', () => client.frames.length === 2);
      assert.deepEqual(client.frames.map(idOf).sort(), [2, 3]);
      handler.held.get(1)!.resolve(query(1));
      await until('the held reply', () => client.frames.length === 3);
      assert.equal(idOf(client.frames[2]!), 1);
      assert.deepEqual(
        handler.calls.map((call) => call.transport),
        ['tcp', 'tcp', 'tcp'],
      );
    });

    it('reads a message split byte by byte across writes', async () => {
      const { listener } = await start();
      const client = await tcpClient(listener);
      const bytes = framed(query(0x0a0b), query(0x0c0d));
      for (const byte of bytes) await client.write(Uint8Array.of(byte));
      await until('both replies', () => client.frames.length === 2);
      assert.deepEqual(client.frames.map(idOf), [0x0a0b, 0x0c0d]);
      assert.equal(client.closed, false);
    });

    it('frames a 65535-byte reply and counts one that does not fit', async () => {
      const { listener } = await start();
      const client = await tcpClient(listener);
      await client.write(framed(query(1, 'huge.service.consul'), query(2, 'big.service.consul'), query(3)));
      await until('two replies', () => client.frames.length === 2);
      const big = client.frames.find((frame) => idOf(frame) === 2)!;
      assert.equal(big.byteLength, 0xffff);
      assert.equal(big[0xfffe], 0xab);
      assert.equal(idOf(client.frames[1]!), 3);
      assert.equal(listener.stats.errors, 1);
    });

    it('answers queries sent before the client shut its side, then closes', async () => {
      const { listener, handler } = await start();
      const client = await tcpClient(listener);
      await client.write(framed(query(1, 'hold.service.consul'), query(2)));
      client.socket.end();
      await until('the ready reply', () => client.frames.length === 1);
      handler.held.get(1)!.resolve(query(1));
      await until('the close after the last reply', () => client.closed);
      assert.deepEqual(client.frames.map(idOf), [2, 1]);
    });

    it('closes only the connection that sends a zero-length frame', async () => {
      const { listener } = await start();
      const bad = await tcpClient(listener);
      const good = await tcpClient(listener);
      await bad.write(framed(query(1), new Uint8Array(0), query(2)));
      await until('the bad connection closed', () => bad.closed);
      assert.deepEqual(bad.frames.map(idOf), [1], 'nothing after the empty frame is read');
      await good.write(framed(query(3)));
      await until('the good reply', () => good.frames.length === 1);
      assert.equal(good.closed, false);
      assert.equal(listener.stats.dropped, 1);
    });

    it('closes a connection whose message does not complete within the read timeout', async () => {
      const { listener } = await start({ tcpReadTimeoutMs: 100 });
      const good = await tcpClient(listener);
      const garbage = await tcpClient(listener);
      await good.write(framed(query(1)));
      await until('the first reply', () => good.frames.length === 1);
      // Not DNS: `GE` reads as a 18245-byte length that never completes.
      const started = Date.now();
      await garbage.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      await until('the garbage connection closed', () => garbage.closed);
      assert.ok(Date.now() - started >= 90, 'not before the read timeout');
      assert.equal(listener.stats.dropped, 1);
      await good.write(framed(query(2)));
      await until('the good reply', () => good.frames.length === 2);
    });

    it('closes a connection idle for the idle timeout, and not one waiting on a reply', async () => {
      const { listener, handler } = await start({ tcpIdleTimeoutMs: 100 });
      const waiting = await tcpClient(listener);
      await waiting.write(framed(query(9, 'hold.service.consul')));
      await until('the held query', () => handler.held.has(9));
      // Two idle periods in a row, each seen closing another connection: the waiting one has been
      // quiet for longer than the idle timeout, but a reply is owed.
      for (const id of [1, 2]) {
        const client = await tcpClient(listener);
        await client.write(framed(query(id)));
        await until('the reply', () => client.frames.length === 1);
        const answered = Date.now();
        await until('the idle close', () => client.closed);
        assert.ok(Date.now() - answered >= 90, 'not before the idle timeout');
      }
      assert.equal(waiting.closed, false, 'a reply is owed: the connection is not idle');
      handler.held.get(9)!.resolve(query(9));
      await until('the held reply', () => waiting.frames.length === 1);
      await until('the idle close after it', () => waiting.closed);
      assert.equal(listener.stats.dropped, 0, 'an idle close is routine');
    });

    it('closes a connection that sends nothing within the read timeout', async () => {
      const { listener } = await start({ tcpReadTimeoutMs: 100, tcpIdleTimeoutMs: 60_000 });
      const client = await tcpClient(listener);
      await until('the close', () => client.closed);
    });

    it('refuses connections beyond the limit until one closes', async () => {
      const { listener } = await start({ maxTcpConnections: 2 });
      const first = await tcpClient(listener);
      const second = await tcpClient(listener);
      for (const [index, client] of [first, second].entries()) {
        await client.write(framed(query(index)));
        await until('a reply', () => client.frames.length === 1);
      }
      const third = await tcpClient(listener);
      await until('the third connection closed', () => third.closed);
      assert.equal(listener.stats.dropped, 1);
      first.socket.destroy();
      await until('a new connection served', () => listener.connections.size < 2);
      const fourth = await tcpClient(listener);
      await fourth.write(framed(query(4)));
      await until('the fourth reply', () => fourth.frames.length === 1);
    });

    it('stops reading a connection whose client does not read its replies', async () => {
      const { listener } = await start();
      const client = await tcpClient(listener);
      client.socket.pause();
      // Each query asks for 64 KiB. Once the kernel buffers between the two are full the listener
      // must stop reading; without that it would keep answering into memory.
      let written = 0;
      while (written - listener.stats.tcpQueries < 500) {
        if (written > 2000) throw new Error(`the listener kept reading (${written} written)`);
        await client.write(framed(query(written & 0xffff, 'big.service.consul')));
        written += 1;
        // Let the listener poll its socket, so that without backpressure it keeps up.
        await new Promise((resolve) => setImmediate(resolve));
      }
      client.socket.resume();
      await until('every reply', () => client.frames.length === written);
      assert.equal(listener.stats.tcpQueries, written);
    });
  });

  describe('DnsFrameReader', () => {
    it('frames messages fed a byte at a time, several per chunk, and across chunks', () => {
      const messages = [query(1), Uint8Array.of(9), query(2, 'a-longer-name.service.consul'), query(3)];
      const stream = framed(...messages);
      for (const split of [1, 2, 3, 7, stream.byteLength]) {
        const seen: number[][] = [];
        const reader = new DnsFrameReader((message) => seen.push([...message]));
        for (let offset = 0; offset < stream.byteLength; offset += split) {
          assert.equal(reader.push(stream.subarray(offset, offset + split)).kind, 'ok');
        }
        assert.equal(reader.partial, false);
        assert.deepEqual(
          seen,
          messages.map((message) => [...message]),
          `chunks of ${split}`,
        );
      }
    });

    it('stops at a zero-length frame', () => {
      const seen: Uint8Array[] = [];
      const reader = new DnsFrameReader((message) => seen.push(message));
      assert.deepEqual(reader.push(framed(query(1), new Uint8Array(0), query(2))), {
        kind: 'empty-frame',
        frames: 1,
      });
      assert.equal(seen.length, 1);
    });

    it('reports a partial message while bytes of one are buffered', () => {
      const reader = new DnsFrameReader(() => {});
      assert.equal(reader.partial, false);
      reader.push(Uint8Array.of(0));
      assert.equal(reader.partial, true);
      reader.push(Uint8Array.of(2, 0xaa));
      assert.equal(reader.partial, true);
      assert.deepEqual(reader.push(Uint8Array.of(0xbb)), { kind: 'ok', frames: 1 });
      assert.equal(reader.partial, false);
    });
  });

  describe('lifecycle', () => {
    it('close() ends open connections, is idempotent, and frees the port for both sockets', async () => {
      const { listener } = await start();
      const port = listener.port;
      const client = await tcpClient(listener);
      await Promise.all([listener.close(), listener.close()]);
      await until('the connection closed', () => client.closed);
      const again = await start({ port });
      assert.equal(again.listener.port, port);
      const udp = await udpClient(again.listener);
      udp.send(query(5));
      const tcp = await tcpClient(again.listener);
      await tcp.write(framed(query(6)));
      await until('both replies', () => udp.replies.length === 1 && tcp.frames.length === 1);
    });

    it('fails to listen on a port taken, in Go wording', async () => {
      const { listener } = await start();
      await assert.rejects(
        start({ port: listener.port }),
        new RegExp(`^Error: listen udp 127\\.0\\.0\\.1:${listener.port}: bind: address already in use$`),
      );
    });

    const hasIpv6Loopback = Object.values(networkInterfaces())
      .flat()
      .some((info) => info?.address === '::1');
    it('listens on IPv6 with the address in brackets', { skip: !hasIpv6Loopback && 'no ::1' }, async () => {
      const { listener } = await start({ host: '::1' });
      assert.equal(listener.address, `[::1]:${listener.port}`);
      const udp = await udpClient(listener, '::1');
      udp.send(query(1));
      const tcp = await tcpClient(listener, '::1');
      await tcp.write(framed(query(2)));
      await until('both replies', () => udp.replies.length === 1 && tcp.frames.length === 1);
    });
  });
});
