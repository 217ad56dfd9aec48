import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createH2cServer, createSecureServer, type Http2SecureServer } from 'node:http2';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { H2PingProbeSpec } from '../../ports/check-probe.ts';
import { ABORTED_RESULT } from './deadline.ts';
import { probeH2Ping } from './h2ping-probe.ts';
import {
  assertStoppedAtTimeout,
  closedTcpPort,
  listenOnLoopback,
  NO_OPENSSL,
  selfSignedCertificate,
  until,
} from './testing/probe-targets.ts';

function spec(address: string, overrides: Partial<H2PingProbeSpec> = {}): H2PingProbeSpec {
  return {
    kind: 'h2ping',
    address,
    useTls: false,
    tlsServerName: '',
    tlsSkipVerify: false,
    timeoutMs: 2000,
    outputMaxBytes: 4096,
    ...overrides,
  };
}

const never = new AbortController().signal;

async function closing(server: { close(callback: () => void): unknown }): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('probeH2Ping over h2c (prior knowledge)', () => {
  it('is passing when an HTTP/2 server acknowledges the PING', async () => {
    const server = createH2cServer();
    let pings = 0;
    server.on('session', (session) => session.on('ping', () => (pings += 1)));
    const port = await listenOnLoopback(server);
    try {
      assert.deepEqual(await probeH2Ping(spec(`127.0.0.1:${port}`), never), {
        status: 'passing',
        output: 'HTTP2 ping was successful',
      });
      assert.equal(pings, 1);
    } finally {
      await closing(server);
    }
  });

  it('is critical against an HTTP/1 server, in Go http2 words', async () => {
    const server = createHttpServer((_request, response) => response.end('hello'));
    const port = await listenOnLoopback(server);
    try {
      assert.deepEqual(await probeH2Ping(spec(`127.0.0.1:${port}`), never), {
        status: 'critical',
        output:
          'HTTP2 ping failed: http2: failed reading the frame payload: http2: frame too large, note that the frame header looked like an HTTP/1.1 header',
      });
    } finally {
      server.closeAllConnections();
      await closing(server);
    }
  });

  it('is critical with EOF when the peer hangs up', async () => {
    const server = createTcpServer((socket) => socket.destroy());
    const port = await listenOnLoopback(server);
    try {
      assert.deepEqual(await probeH2Ping(spec(`127.0.0.1:${port}`), never), {
        status: 'critical',
        output: 'HTTP2 ping failed: EOF',
      });
    } finally {
      await closing(server);
    }
  });

  it('is critical at the timeout when the peer never answers, and releases the connection', async () => {
    const sockets = new Set<Socket>();
    const server = createTcpServer((socket) => {
      sockets.add(socket);
      socket.resume();
      socket.on('close', () => sockets.delete(socket));
    });
    const port = await listenOnLoopback(server);
    try {
      const start = performance.now();
      assert.deepEqual(await probeH2Ping(spec(`127.0.0.1:${port}`, { timeoutMs: 300 }), never), {
        status: 'critical',
        output: 'HTTP2 ping failed: context deadline exceeded',
      });
      const elapsedMs = performance.now() - start;
      assertStoppedAtTimeout(elapsedMs, 300);
      await until('the probe to release the connection', () => sockets.size === 0);
      const controller = new AbortController();
      const probing = probeH2Ping(spec(`127.0.0.1:${port}`, { timeoutMs: 60_000 }), controller.signal);
      await until('the probe to connect', () => sockets.size === 1);
      controller.abort();
      assert.deepEqual(await probing, ABORTED_RESULT);
      await until('the aborted probe to release the connection', () => sockets.size === 0);
    } finally {
      for (const socket of sockets) socket.destroy();
      await closing(server);
    }
  });

  it('is critical with the dial error when the port is closed', async () => {
    const port = await closedTcpPort();
    assert.deepEqual(await probeH2Ping(spec(`127.0.0.1:${port}`), never), {
      status: 'critical',
      output: `Failed to dial to 127.0.0.1:${port}: dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
  });
});

describe('probeH2Ping over TLS', () => {
  const certificate = selfSignedCertificate();
  const skip = certificate === undefined ? NO_OPENSSL : false;
  let server: Http2SecureServer | undefined;
  let port = 0;

  before(async () => {
    if (certificate === undefined) return;
    server = createSecureServer(certificate);
    server.on('tlsClientError', () => {});
    port = await listenOnLoopback(server);
  });

  after(async () => {
    if (server !== undefined) await closing(server);
  });

  it('is passing with skip-verify', { skip }, async () => {
    assert.deepEqual(
      await probeH2Ping(spec(`127.0.0.1:${port}`, { useTls: true, tlsSkipVerify: true }), never),
      {
        status: 'passing',
        output: 'HTTP2 ping was successful',
      },
    );
  });

  it('is critical with the x509 error when verifying a self-signed certificate', { skip }, async () => {
    assert.deepEqual(await probeH2Ping(spec(`127.0.0.1:${port}`, { useTls: true }), never), {
      status: 'critical',
      output: `Failed to dial to 127.0.0.1:${port}: tls: failed to verify certificate: x509: certificate signed by unknown authority`,
    });
  });

  it('is critical when the server speaks h2c only', async () => {
    const h2c = createH2cServer();
    const h2cPort = await listenOnLoopback(h2c);
    try {
      assert.deepEqual(
        await probeH2Ping(spec(`127.0.0.1:${h2cPort}`, { useTls: true, tlsSkipVerify: true }), never),
        {
          status: 'critical',
          output: `Failed to dial to 127.0.0.1:${h2cPort}: tls: first record does not look like a TLS handshake`,
        },
      );
    } finally {
      await closing(h2c);
    }
  });
});
