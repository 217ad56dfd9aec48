import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import type { Logger } from '../ports/logger.ts';
import { EntryKind, type Message, MessageType, type ServerId } from '../raft/types.ts';
import { ManualClock } from '../sim/manual-clock.ts';
import { SeededRandom } from '../sim/seeded-random.ts';
import { encodeFrame, FrameDecoder } from './frame-decoder.ts';
import {
  backoffMs,
  parseHostPort,
  TcpRaftTransport,
  type TcpRaftTransportOptions,
} from './tcp-raft-transport.ts';

const DEADLINE_MS = 5000;

/** Values arriving from callbacks, with a way to wait (with a deadline) until enough have. */
class Recorder<T> {
  readonly values: T[] = [];
  private waiters: Array<() => void> = [];

  readonly record = (value: T): void => {
    this.values.push(value);
    for (const wake of this.waiters.splice(0)) wake();
  };

  async until(predicate: (values: readonly T[]) => boolean, what: string): Promise<void> {
    const deadline = Date.now() + DEADLINE_MS;
    while (!predicate(this.values)) {
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) throw new Error(`timed out waiting for ${what}; have ${this.values.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remainingMs);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  untilCount(count: number, what: string): Promise<void> {
    return this.until((values) => values.length >= count, `${count} ${what}`);
  }
}

interface LogLine {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

function recordingLogger(lines: Recorder<LogLine>): Logger {
  const at =
    (level: string) =>
    (fields: object, message: string): void =>
      lines.record({ level, message, fields: fields as Record<string, unknown> });
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return logger;
}

/** Every transport and server a test starts, stopped after the file (if a test failed early). */
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

interface Node {
  transport: TcpRaftTransport;
  received: Recorder<Message>;
  unreachable: Recorder<ServerId>;
  logs: Recorder<LogLine>;
  address: string;
}

async function startNode(self: ServerId, options: Partial<TcpRaftTransportOptions> = {}): Promise<Node> {
  const received = new Recorder<Message>();
  const unreachable = new Recorder<ServerId>();
  const logs = new Recorder<LogLine>();
  const transport = new TcpRaftTransport({
    bindAddress: '127.0.0.1:0',
    self,
    logger: recordingLogger(logs),
    ...options,
  });
  transport.onMessage(received.record);
  transport.onUnreachable(unreachable.record);
  cleanups.push(() => transport.stop());
  await transport.start();
  return { transport, received, unreachable, logs, address: transport.listenAddress() };
}

function heartbeat(from: ServerId, to: ServerId, context: number): Message {
  return { type: MessageType.heartbeat, from, to, term: 1, commit: context, context };
}

function appendWithData(from: ServerId, to: ServerId, index: number): Message {
  return {
    type: MessageType.append,
    from,
    to,
    term: 2,
    index,
    logTerm: 2,
    commit: index,
    entries: [
      {
        index: index + 1,
        term: 2,
        kind: EntryKind.command,
        data: new Uint8Array(64 + (index % 7)).map((_, i) => (i * 31 + index) & 0xff),
      },
      { index: index + 2, term: 2, kind: EntryKind.noop, data: new Uint8Array(0) },
    ],
  };
}

/** An address nothing listens on (until a test binds it). */
async function freeAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

async function rawConnect(address: string): Promise<Socket> {
  const target = parseHostPort(address);
  assert.ok(target);
  const socket = connect(target.port, target.host);
  socket.on('error', () => {}); // the transport may reset it
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  return socket;
}

function closed(socket: Socket): Promise<void> {
  return socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

describe('backoffMs', () => {
  const table: Array<[attempt: number, random: number, expectedMs: number]> = [
    [0, 0, 50],
    [0, 0.5, 75],
    [0, 0.999, 99],
    [1, 0, 100],
    [2, 0.5, 300],
    [4, 0, 800],
    [5, 0, 1500], // 100 · 2^5 = 3200, capped at 3000
    [5, 0.999, 2998],
    [60, 0.5, 2250],
    [5000, 0, 1500], // 2^5000 overflows to Infinity; still the cap
  ];
  for (const [attempt, random, expectedMs] of table) {
    it(`attempt ${attempt}, random ${random} → ${expectedMs} ms (initial 100, max 3000)`, () => {
      assert.equal(backoffMs(attempt, 100, 3000, random), expectedMs);
    });
  }

  it('refuses nonsense arguments (programmer errors)', () => {
    assert.throws(() => backoffMs(-1, 100, 3000, 0), /attempt/);
    assert.throws(() => backoffMs(0, 100, 50, 0), /initialMs ≤ maxMs/);
    assert.throws(() => backoffMs(0, 100, 3000, 1), /random/);
  });
});

describe('parseHostPort', () => {
  const table: Array<[string, { host: string; port: number } | undefined]> = [
    ['127.0.0.1:8300', { host: '127.0.0.1', port: 8300 }],
    ['server-1.dc1:0', { host: 'server-1.dc1', port: 0 }],
    ['[::1]:8300', { host: '::1', port: 8300 }],
    ['::1:8300', undefined],
    ['127.0.0.1', undefined],
    ['127.0.0.1:65536', undefined],
    [':8300', undefined],
  ];
  for (const [text, expected] of table)
    it(`${JSON.stringify(text)}`, () => assert.deepEqual(parseHostPort(text), expected));
});

describe('TcpRaftTransport', () => {
  it('exchanges messages both ways, in order, binary entry data intact', async () => {
    const a = await startNode('a');
    const b = await startNode('b');
    const toB = Array.from({ length: 200 }, (_, i) =>
      i % 2 === 0 ? appendWithData('a', 'b', i) : heartbeat('a', 'b', i),
    );
    const toA = Array.from({ length: 100 }, (_, i) => heartbeat('b', 'a', i));
    // Interleaved, in several ticks: pipelining across bursts must keep the order.
    for (let i = 0; i < toB.length; i++) {
      a.transport.send(toB[i]!, b.address);
      const back = toA[i];
      if (back !== undefined) b.transport.send(back, a.address);
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await b.received.untilCount(toB.length, 'messages at b');
    await a.received.untilCount(toA.length, 'messages at a');
    assert.deepEqual(b.received.values, toB);
    assert.deepEqual(a.received.values, toA);
    const data = b.received.values[0]?.entries?.[0]?.data;
    assert.equal(Object.getPrototypeOf(data), Uint8Array.prototype);
    assert.deepEqual(a.unreachable.values, []);
    assert.deepEqual(b.unreachable.values, []);
    await Promise.all([a.transport.stop(), b.transport.stop()]);
  });

  it('carries a message as large as the frame limit allows, and refuses a larger one locally', async () => {
    const a = await startNode('a', { maxFrameBytes: 1024 * 1024 });
    const b = await startNode('b', { maxFrameBytes: 1024 * 1024 });
    const big: Message = {
      type: MessageType.snapshot,
      from: 'a',
      to: 'b',
      term: 3,
      snapshot: {
        metadata: { index: 10, term: 3, configuration: { servers: [] } },
        data: new Uint8Array(1000 * 1000).map((_, i) => i & 0xff),
      },
    };
    const tooBig: Message = { ...big, snapshot: { ...big.snapshot!, data: new Uint8Array(1024 * 1024 + 1) } };
    a.transport.send(tooBig, b.address);
    assert.deepEqual(a.unreachable.values, ['b']);
    assert.ok(
      a.logs.values.some(
        (line) => line.level === 'error' && /exceeds the maximum frame size/.test(line.message),
      ),
    );
    a.transport.send(big, b.address);
    await b.received.untilCount(1, 'the snapshot');
    assert.deepEqual(b.received.values, [big]);
    await Promise.all([a.transport.stop(), b.transport.stop()]);
  });

  it('drops sends to a peer that is down, reports it once per back-off period, and resumes after', async () => {
    const clock = new ManualClock();
    const a = await startNode('a', {
      clock,
      random: new SeededRandom(7),
      backoff: { initialMs: 100, maxMs: 400 },
    });
    const bAddress = await freeAddress();

    // Sends made while the dial is in flight are queued, then dropped with it.
    assert.doesNotThrow(() => a.transport.send(heartbeat('a', 'b', 1), bAddress));
    a.transport.send(heartbeat('a', 'b', 2), bAddress);
    await a.unreachable.untilCount(1, 'unreachable report');
    assert.deepEqual(a.unreachable.values, ['b']);

    // Within the back-off period: dropped without dialling, and not reported again.
    a.transport.send(heartbeat('a', 'b', 3), bAddress);
    clock.advance(49); // the shortest first back-off is initialMs / 2
    a.transport.send(heartbeat('a', 'b', 4), bAddress);
    assert.deepEqual(a.unreachable.values, ['b']);

    // After it: redialled; still down, so a second failure and a second report.
    clock.advance(400);
    a.transport.send(heartbeat('a', 'b', 5), bAddress);
    await a.unreachable.untilCount(2, 'unreachable reports');
    assert.deepEqual(a.unreachable.values, ['b', 'b']);

    const b = await startNode('b', { bindAddress: bAddress });
    a.transport.send(heartbeat('a', 'b', 6), bAddress); // still backing off: dropped
    clock.advance(400);
    a.transport.send(heartbeat('a', 'b', 7), bAddress);
    a.transport.send(heartbeat('a', 'b', 8), bAddress);
    await b.received.untilCount(2, 'messages after the restart');
    assert.deepEqual(
      b.received.values.map((message) => message.context),
      [7, 8],
    );
    assert.equal(a.unreachable.values.length, 2);
    assert.ok(a.logs.values.some((line) => line.level === 'warn' && /failed to connect/.test(line.message)));
    await Promise.all([a.transport.stop(), b.transport.stop()]);
  });

  it('reports a lost connection and reconnects on a later send', async () => {
    const clock = new ManualClock();
    const a = await startNode('a', { clock, backoff: { initialMs: 10, maxMs: 10 } });
    let b = await startNode('b');
    const bAddress = b.address;
    a.transport.send(heartbeat('a', 'b', 1), bAddress);
    await b.received.untilCount(1, 'first message');
    await b.transport.stop();
    await a.unreachable.untilCount(1, 'unreachable after b stopped');
    assert.ok(
      a.logs.values.some((line) => line.level === 'warn' && /connection to peer lost/.test(line.message)),
    );

    b = await startNode('b', { bindAddress: bAddress });
    clock.advance(10);
    a.transport.send(heartbeat('a', 'b', 2), bAddress);
    await b.received.untilCount(1, 'message after reconnect');
    assert.equal(b.received.values[0]?.context, 2);
    await Promise.all([a.transport.stop(), b.transport.stop()]);
  });

  it('bounds the per-peer queue: over the bound, drops and reports', async () => {
    const b = await startNode('b');
    const a = await startNode('a', { maxQueuedMessagesPerPeer: 2 });
    // All three are sent before the connection completes, so they queue.
    for (let i = 1; i <= 3; i++) a.transport.send(heartbeat('a', 'b', i), b.address);
    assert.deepEqual(a.unreachable.values, ['b']);
    await b.received.untilCount(2, 'queued messages');
    assert.deepEqual(
      b.received.values.map((message) => message.context),
      [1, 2],
    );

    const small = await startNode('c', { maxQueuedBytesPerPeer: 100 });
    small.transport.send(appendWithData('c', 'b', 1), b.address); // ~150 bytes encoded
    assert.deepEqual(small.unreachable.values, ['b']);
    await Promise.all([a.transport.stop(), b.transport.stop(), small.transport.stop()]);
  });

  it('closes the old connection when a peer id moves to a new address', async () => {
    const old = createServer();
    const oldConnections = new Recorder<Socket>();
    old.on('connection', oldConnections.record);
    cleanups.push(() => closeServer(old));
    await new Promise<void>((resolve) => old.listen(0, '127.0.0.1', resolve));
    const oldAddress = `127.0.0.1:${(old.address() as { port: number }).port}`;

    const a = await startNode('a');
    const b = await startNode('b');
    a.transport.send(heartbeat('a', 'b', 1), oldAddress);
    await oldConnections.untilCount(1, 'connection to the old address');
    const oldSocket = oldConnections.values[0]!;
    oldSocket.resume();

    a.transport.send(heartbeat('a', 'b', 2), b.address);
    await closed(oldSocket);
    await b.received.untilCount(1, 'message at the new address');
    assert.equal(b.received.values[0]?.context, 2);
    assert.deepEqual(a.unreachable.values, [], 'a deliberate close is not a failure');
    await Promise.all([a.transport.stop(), b.transport.stop(), closeServer(old)]);
  });

  it('drops messages addressed to another server', async () => {
    const b = await startNode('b');
    const a = await startNode('a');
    a.transport.send(heartbeat('a', 'someone-else', 1), b.address);
    a.transport.send(heartbeat('a', 'b', 2), b.address);
    await b.received.untilCount(1, 'the message for b');
    assert.deepEqual(
      b.received.values.map((message) => message.context),
      [2],
    );
    assert.ok(b.logs.values.some((line) => /another server/.test(line.message)));
    await Promise.all([a.transport.stop(), b.transport.stop()]);
  });

  it('closes a connection sending bad frames, logs why, and keeps serving the others', async () => {
    const b = await startNode('b', { maxFrameBytes: 4096 });
    const a = await startNode('a');
    a.transport.send(heartbeat('a', 'b', 1), b.address);
    await b.received.untilCount(1, 'message before the garbage');

    const header = (length: number) => {
      const bytes = Buffer.alloc(4);
      bytes.writeUInt32BE(length);
      return bytes;
    };
    const attacks: Array<[name: string, bytes: Buffer, logged: RegExp]> = [
      [
        'garbage',
        Buffer.concat([header(6), Buffer.from([0xc1, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1])]),
        /undecodable/,
      ],
      ['an oversized frame', header(4097), /oversized/],
      ['a frame holding no Message', Buffer.concat([header(1), Buffer.from([0x2a])]), /malformed/],
    ];
    for (const [name, bytes, logged] of attacks) {
      const socket = await rawConnect(b.address);
      // A valid message first: what precedes the bad frame is still delivered.
      socket.write(Buffer.from(encodeFrame(heartbeat('x', 'b', 100))));
      socket.write(bytes);
      await closed(socket); // closed by b, not by us
      await b.logs.until(
        (lines) => lines.some((line) => line.level === 'warn' && logged.test(String(line.fields.problem))),
        `log line for ${name}`,
      );
    }

    const truncated = await rawConnect(b.address);
    truncated.end(Buffer.concat([header(200), Buffer.from([0x80])]));
    await b.logs.until(
      (lines) => lines.some((line) => /closed mid-frame/.test(line.message)),
      'log line for the truncated frame',
    );
    await closed(truncated);

    // The well-behaved connection was untouched.
    a.transport.send(heartbeat('a', 'b', 2), b.address);
    await b.received.untilCount(5, 'message after the garbage');
    assert.deepEqual(
      b.received.values.map((message) => message.context),
      [1, 100, 100, 100, 2],
    );
    assert.deepEqual(a.unreachable.values, []);
    await Promise.all([a.transport.stop(), b.transport.stop()]);
  });

  it('survives a message handler that throws', async () => {
    const b = await startNode('b');
    const a = await startNode('a');
    const seen = new Recorder<number>();
    b.transport.onMessage((message) => {
      seen.record(message.context ?? -1);
      if (message.context === 1) throw new Error('handler bug');
    });
    for (let i = 1; i <= 3; i++) a.transport.send(heartbeat('a', 'b', i), b.address);
    await seen.untilCount(3, 'messages seen by the handler');
    assert.deepEqual(seen.values, [1, 2, 3]);
    assert.ok(b.logs.values.some((line) => line.level === 'error' && /handler threw/.test(line.message)));
    await Promise.all([a.transport.stop(), b.transport.stop()]);
  });

  it('stops writing into a peer that does not read, bounds the queue, and drains when it reads again', async () => {
    const stalled = createServer();
    const accepted = new Recorder<Socket>();
    stalled.on('connection', (socket) => {
      socket.pause(); // read nothing: the kernel buffers fill, then the socket's, then the queue
      accepted.record(socket);
    });
    cleanups.push(() => closeServer(stalled));
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(stalled.address() as { port: number }).port}`;
    const a = await startNode('a', { maxQueuedBytesPerPeer: 1024 * 1024 });

    const payload = new Uint8Array(256 * 1024);
    const bulk = (context: number): Message => ({
      ...heartbeat('a', 'b', context),
      type: MessageType.append,
      entries: [{ index: context, term: 1, kind: EntryKind.command, data: payload }],
    });
    let sent = 0;
    const deadline = Date.now() + DEADLINE_MS;
    while (a.unreachable.values.length === 0) {
      assert.ok(Date.now() < deadline, 'the queue never filled');
      a.transport.send(bulk(sent), address);
      sent += 1;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const delivered = sent - 1; // the send that overflowed was dropped
    assert.ok(a.logs.values.some((line) => /queue full/.test(line.message)));
    assert.ok(delivered > 4, `only ${delivered} messages fitted before the queue filled`);

    await accepted.untilCount(1, 'connection');
    const socket = accepted.values[0]!;
    const decoded = new Recorder<Message>();
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      const result = decoder.push(chunk);
      assert.equal(result.error, undefined);
      for (const message of result.messages) decoded.record(message);
    });
    socket.resume();
    await decoded.untilCount(delivered, 'queued messages drained after the reader resumed');
    assert.deepEqual(
      decoded.values.map((message) => message.context),
      Array.from({ length: delivered }, (_, i) => i),
    );
    await Promise.all([a.transport.stop(), closeServer(stalled)]);
  });

  it('rejects start on a malformed or busy bind address', async () => {
    const busy = await startNode('a');
    const again = new TcpRaftTransport({
      bindAddress: busy.address,
      self: 'b',
      logger: recordingLogger(new Recorder()),
    });
    await assert.rejects(again.start(), /EADDRINUSE/);
    await again.stop();
    const malformed = new TcpRaftTransport({
      bindAddress: 'localhost',
      self: 'c',
      logger: recordingLogger(new Recorder()),
    });
    await assert.rejects(malformed.start(), /invalid Raft bind address "localhost": expected host:port/);
    await malformed.stop();
    await busy.transport.stop();
  });

  it('stop closes every socket and ignores later sends', async () => {
    const a = await startNode('a');
    const b = await startNode('b');
    a.transport.send(heartbeat('a', 'b', 1), b.address);
    b.transport.send(heartbeat('b', 'a', 1), a.address);
    await a.received.untilCount(1, 'message at a');
    await b.received.untilCount(1, 'message at b');
    await Promise.all([a.transport.stop(), b.transport.stop(), a.transport.stop()]);
    a.transport.send(heartbeat('a', 'b', 2), b.address);
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
    const tcpHandles = process.getActiveResourcesInfo().filter((resource) => resource.startsWith('TCP'));
    assert.deepEqual(tcpHandles, []);
  });
});

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
