import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import type { GossipAddress, GossipTransportHandler } from '../ports/gossip-transport.ts';
import { silentLogger } from '../ports/logger.ts';
import { NetGossipTransport, type NetGossipTransportOptions } from './net-gossip-transport.ts';

const DEADLINE_MS = 5000;

/** Polls `predicate` until it holds or the deadline passes; never a fixed sleep. */
async function until(what: string, predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** `[u32 length][body]`; a first byte 0xFF is "not a message" (the handler throws). */
function frame(body: Uint8Array | string): Uint8Array {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const framed = new Uint8Array(4 + bytes.byteLength);
  new DataView(framed.buffer).setUint32(0, bytes.byteLength);
  framed.set(bytes, 4);
  return framed;
}

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes?.subarray(4));

/** A handler that records packets and streams and answers a stream `reply:<body>` unless told not to. */
class FakeHandler implements GossipTransportHandler {
  readonly packets: { from: GossipAddress; packet: Uint8Array }[] = [];
  readonly streams: { from: GossipAddress; message: Uint8Array }[] = [];
  reply = true;
  /** Set to a promise that never resolves to make the handler hang. */
  onStreamHook: (() => Promise<void>) | undefined;

  onPacket(from: GossipAddress, packet: Uint8Array): void {
    if (packet[0] === 0xff) throw new Error('garbage packet');
    this.packets.push({ from, packet: packet.slice() });
  }

  async onStream(from: GossipAddress, message: Uint8Array): Promise<Uint8Array | undefined> {
    this.streams.push({ from, message });
    await this.onStreamHook?.();
    return this.reply ? frame(`reply:${text(message)}`) : undefined;
  }

  streamFrameLength(buffered: Uint8Array): number | undefined {
    if (buffered.byteLength > 0 && buffered[0] === 0xff) throw new Error('not a message');
    if (buffered.byteLength < 4) return undefined;
    return 4 + new DataView(buffered.buffer, buffered.byteOffset).getUint32(0);
  }
}

describe('NetGossipTransport', () => {
  const opened: NetGossipTransport[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await Promise.all(opened.splice(0).map((transport) => transport.close()));
  });

  async function start(options: Partial<NetGossipTransportOptions> = {}) {
    const handler = new FakeHandler();
    const transport = new NetGossipTransport({
      bindAddress: '127.0.0.1',
      port: 0,
      logger: silentLogger,
      ...options,
    });
    opened.push(transport);
    await transport.listen(handler);
    return { transport, handler, address: transport.localAddress() };
  }

  function rawConnect(address: GossipAddress): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: address.host, port: address.port }, () => resolve(socket));
      socket.on('error', reject);
      sockets.push(socket);
    });
  }

  const closed = (socket: Socket) => new Promise<void>((resolve) => socket.once('close', () => resolve()));

  it('binds UDP and TCP on the same ephemeral port', async () => {
    const { address } = await start();
    assert.equal(address.host, '127.0.0.1');
    assert.ok(address.port > 0);
    // Both are taken: neither a TCP listener nor a UDP socket can bind that port again.
    const again = new NetGossipTransport({
      bindAddress: '127.0.0.1',
      port: address.port,
      logger: silentLogger,
    });
    await assert.rejects(again.listen(new FakeHandler()), /EADDRINUSE/);
    const udp = createSocket('udp4');
    await assert.rejects(
      new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind({ address: '127.0.0.1', port: address.port, exclusive: true }, () => resolve());
      }),
      /EADDRINUSE/,
    );
    udp.close();
  });

  it('delivers packets both ways with the sender address', async () => {
    const a = await start();
    const b = await start();
    a.transport.sendPacket(b.address, Uint8Array.of(1, 2, 3));
    b.transport.sendPacket(a.address, Uint8Array.of(4, 5));
    await until('both packets', () => a.handler.packets.length === 1 && b.handler.packets.length === 1);
    assert.deepEqual(b.handler.packets[0], { from: a.address, packet: Uint8Array.of(1, 2, 3) });
    assert.deepEqual(a.handler.packets[0], { from: b.address, packet: Uint8Array.of(4, 5) });
    assert.equal(a.transport.stats.packetsOut, 1);
    assert.equal(a.transport.stats.packetsIn, 1);
    assert.equal(b.transport.stats.bytesIn, 3);
  });

  it('answers a stream request with the reply and reads one framed message back', async () => {
    const a = await start();
    const b = await start();
    const reply = await a.transport.request(b.address, frame('push-pull'), {
      timeoutMs: 2000,
      expectReply: true,
    });
    assert.equal(text(reply), 'reply:push-pull');
    assert.equal(b.handler.streams.length, 1);
    assert.equal(b.handler.streams[0]!.from.host, '127.0.0.1');
    assert.equal(b.transport.stats.streamsIn, 1);
    assert.equal(a.transport.stats.streamsOut, 1);
  });

  it('sends a stream without waiting for a reply', async () => {
    const a = await start();
    const b = await start();
    b.handler.reply = false;
    assert.equal(
      await a.transport.request(b.address, frame('user message'), { timeoutMs: 2000, expectReply: false }),
      undefined,
    );
    await until('the stream', () => b.handler.streams.length === 1);
    assert.equal(text(b.handler.streams[0]!.message), 'user message');
  });

  it('reads a message split across many writes', async () => {
    const b = await start();
    const socket = await rawConnect(b.address);
    const message = frame('x'.repeat(100_000));
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    for (let offset = 0; offset < message.byteLength; offset += 7001) {
      socket.write(message.subarray(offset, offset + 7001));
    }
    await closed(socket);
    assert.equal(text(Buffer.concat(received)), `reply:${'x'.repeat(100_000)}`);
  });

  it('drops a slow-loris stream at the read timeout and keeps serving', async () => {
    const a = await start();
    const b = await start({ tcpTimeoutMs: 150 });
    const socket = await rawConnect(b.address);
    socket.write(Uint8Array.of(0, 0)); // half a length prefix, then nothing
    await closed(socket);
    assert.equal(b.transport.stats.errors.stream_timeout, 1);
    assert.equal(b.handler.streams.length, 0);
    const reply = await a.transport.request(b.address, frame('after'), {
      timeoutMs: 2000,
      expectReply: true,
    });
    assert.equal(text(reply), 'reply:after');
  });

  it('rejects a request whose peer never answers, at its timeout', async () => {
    const a = await start();
    const b = await start();
    b.handler.onStreamHook = () => new Promise<void>(() => {});
    await assert.rejects(
      a.transport.request(b.address, frame('ping'), { timeoutMs: 100, expectReply: true }),
      /i\/o timeout/,
    );
  });

  it('rejects a request to a closed port', async () => {
    const a = await start();
    const b = await start();
    const port = b.address.port;
    await b.transport.close();
    await assert.rejects(
      a.transport.request({ host: '127.0.0.1', port }, frame('x'), { timeoutMs: 2000, expectReply: true }),
      { message: `dial tcp 127.0.0.1:${port}: connect: connection refused` },
    );
  });

  it('drops a stream that announces more than the bound, and one that grows past it unframed', async () => {
    const b = await start({ maxStreamBytes: 1024 });
    const announced = await rawConnect(b.address);
    announced.write(frame(new Uint8Array(2000)).subarray(0, 10));
    await closed(announced);
    assert.equal(b.transport.stats.errors.stream_oversized, 1);

    // A handler that can never frame: the bound still applies.
    b.handler.streamFrameLength = () => undefined;
    const endless = await rawConnect(b.address);
    endless.on('error', () => {});
    endless.write(new Uint8Array(4096));
    await closed(endless);
    assert.equal(b.transport.stats.errors.stream_oversized, 2);
    assert.equal(b.handler.streams.length, 0);
  });

  it('refuses a reply larger than the bound', async () => {
    const a = await start({ maxStreamBytes: 64 });
    const b = await start();
    await assert.rejects(
      a.transport.request(b.address, frame('y'.repeat(100)), { timeoutMs: 2000, expectReply: true }),
      /exceeds 64 bytes/,
    );
  });

  it('survives garbage: packets, unframeable and truncated streams, then serves normally', async () => {
    const a = await start();
    const b = await start();
    const udp = createSocket('udp4');
    await new Promise<void>((resolve) =>
      udp.send(Uint8Array.of(0xff, 1, 2), b.address.port, '127.0.0.1', () => resolve()),
    );
    udp.close();
    await until('the garbage packet', () => b.transport.stats.errors.packet_handler === 1);

    const garbage = await rawConnect(b.address);
    garbage.write(Uint8Array.of(0xff, 0xfe, 0xfd));
    await closed(garbage);
    assert.equal(b.transport.stats.errors.stream_framing, 1);

    const truncated = await rawConnect(b.address);
    truncated.end(frame('cut short').subarray(0, 8));
    await closed(truncated);
    assert.equal(b.transport.stats.errors.stream_truncated, 1);

    a.transport.sendPacket(b.address, Uint8Array.of(9));
    await until('a good packet', () => b.handler.packets.length === 1);
    const reply = await a.transport.request(b.address, frame('ok'), { timeoutMs: 2000, expectReply: true });
    assert.equal(text(reply), 'reply:ok');
  });

  it('counts a packet it cannot send instead of throwing', async () => {
    const a = await start();
    a.transport.sendPacket({ host: '127.0.0.1', port: a.address.port }, new Uint8Array(70_000));
    a.transport.sendPacket({ host: 'not an address', port: 1 }, Uint8Array.of(1));
    a.transport.sendPacket({ host: '127.0.0.1', port: 70_000 }, Uint8Array.of(1));
    await until(
      'three send errors',
      () =>
        Object.entries(a.transport.stats.errors).reduce(
          (sum, [reason, count]) => sum + (reason.startsWith('packet_send_') ? count : 0),
          0,
        ) === 3,
    );
    assert.equal(a.transport.stats.errors.packet_send_EMSGSIZE, 1);
  });

  it('close() ends open streams and stops listening', async () => {
    const b = await start();
    b.handler.onStreamHook = () => new Promise<void>(() => {});
    const pending = await rawConnect(b.address);
    pending.write(Uint8Array.of(0, 0, 0, 5, 1)); // incomplete
    const answered = await rawConnect(b.address);
    answered.write(frame('hangs in the handler'));
    await until('the handler to hold a stream', () => b.handler.streams.length === 1);
    await Promise.all([b.transport.close(), closed(pending), closed(answered)]);
    await assert.rejects(rawConnect(b.address), /ECONNREFUSED/);
    b.transport.sendPacket(b.address, Uint8Array.of(1));
    assert.equal(b.transport.stats.errors.packet_send_closed, 1);
  });

  it('binds before listening, refusing traffic until a handler is given', async () => {
    const a = await start();
    const early = new NetGossipTransport({ bindAddress: '127.0.0.1', port: 0, logger: silentLogger });
    opened.push(early);
    const address = await early.bind();
    assert.ok(address.port > 0);
    assert.deepEqual(await early.bind(), address);
    a.transport.sendPacket(address, Uint8Array.of(1));
    await until('the early packet to be dropped', () => early.stats.errors.packet_not_listening === 1);
    await assert.rejects(a.transport.request(address, frame('x'), { timeoutMs: 2000, expectReply: true }));
    const handler = new FakeHandler();
    await early.listen(handler);
    assert.deepEqual(early.localAddress(), address);
    a.transport.sendPacket(address, Uint8Array.of(2));
    await until('the packet after listen', () => handler.packets.length === 1);
  });

  it('binds an IPv6 address with a udp6 socket', async () => {
    const a = await start({ bindAddress: '::1' });
    const b = await start({ bindAddress: '::1' });
    a.transport.sendPacket(b.address, Uint8Array.of(6));
    await until('the IPv6 packet', () => b.handler.packets.length === 1);
    assert.equal(b.handler.packets[0]!.from.host, '::1');
    const reply = await a.transport.request(b.address, frame('v6'), { timeoutMs: 2000, expectReply: true });
    assert.equal(text(reply), 'reply:v6');
  });
});
