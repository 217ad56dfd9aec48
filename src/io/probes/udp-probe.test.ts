import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { platform } from 'node:os';
import { after, before, describe, it } from 'node:test';
import type { UdpProbeSpec } from '../../ports/check-probe.ts';
import { ABORTED_RESULT } from './deadline.ts';
import { assertStoppedAtTimeout, closedUdpPort } from './testing/probe-targets.ts';
import { probeUdp } from './udp-probe.ts';

function spec(address: string, overrides: Partial<UdpProbeSpec> = {}): UdpProbeSpec {
  return { kind: 'udp', address, timeoutMs: 2000, outputMaxBytes: 4096, ...overrides };
}

const never = new AbortController().signal;
const linuxOnly = platform() === 'linux' ? false : 'ICMP port-unreachable reporting is checked on Linux only';

async function bound(
  onMessage: (socket: Socket, message: Buffer, from: { address: string; port: number }) => void,
) {
  const socket = createSocket('udp4');
  socket.on('message', (message, from) => onMessage(socket, message, from));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port };
}

describe('Node dgram on a connected socket', () => {
  it('reports ECONNREFUSED when the loopback port is closed (the ICMP answer)', {
    skip: linuxOnly,
  }, async () => {
    const port = await closedUdpPort();
    const socket = createSocket('udp4');
    try {
      const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
        socket.on('error', resolve);
        socket.connect(port, '127.0.0.1', () => socket.send(new Uint8Array(0)));
      });
      assert.equal(error.code, 'ECONNREFUSED');
      assert.equal(error.syscall, 'recvmsg');
    } finally {
      socket.close();
    }
  });
});

describe('probeUdp', () => {
  const received: Buffer[] = [];
  let echo: { socket: Socket; port: number };
  let silent: { socket: Socket; port: number };

  before(async () => {
    echo = await bound((socket, message, from) => {
      received.push(message);
      socket.send('healthy', from.port, from.address);
    });
    silent = await bound((_socket, message) => received.push(message));
  });

  after(() => {
    echo.socket.close();
    silent.socket.close();
  });

  it('is passing as soon as the target answers, having sent one empty datagram (as Consul)', async () => {
    received.length = 0;
    const start = performance.now();
    assert.deepEqual(await probeUdp(spec(`127.0.0.1:${echo.port}`, { timeoutMs: 5000 }), never), {
      status: 'passing',
      output: `UDP connect 127.0.0.1:${echo.port}: Success`,
    });
    assert.ok(performance.now() - start < 2000, 'did not wait for the timeout');
    assert.deepEqual(
      received.map((message) => message.byteLength),
      [0],
    );
  });

  it('is passing when the target stays silent until the timeout', async () => {
    const start = performance.now();
    assert.deepEqual(await probeUdp(spec(`127.0.0.1:${silent.port}`, { timeoutMs: 300 }), never), {
      status: 'passing',
      output: `UDP connect 127.0.0.1:${silent.port}: Success`,
    });
    const elapsedMs = performance.now() - start;
    assertStoppedAtTimeout(elapsedMs, 300);
  });

  it('is critical with Go read wording when the port refuses', { skip: linuxOnly }, async () => {
    const port = await closedUdpPort();
    const result = await probeUdp(spec(`127.0.0.1:${port}`, { timeoutMs: 5000 }), never);
    assert.equal(result.status, 'critical');
    assert.match(
      result.output,
      new RegExp(`^read udp 127\\.0\\.0\\.1:\\d+->127\\.0\\.0\\.1:${port}: read: connection refused$`),
    );
  });

  it('is critical for an address without a port', async () => {
    assert.deepEqual(await probeUdp(spec('127.0.0.1'), never), {
      status: 'critical',
      output: 'dial udp: address 127.0.0.1: missing port in address',
    });
  });

  it('stops at once on abort', async () => {
    const controller = new AbortController();
    const probing = probeUdp(spec(`127.0.0.1:${silent.port}`, { timeoutMs: 60_000 }), controller.signal);
    controller.abort();
    const start = performance.now();
    assert.deepEqual(await probing, ABORTED_RESULT);
    assert.ok(performance.now() - start < 500);
  });
});
