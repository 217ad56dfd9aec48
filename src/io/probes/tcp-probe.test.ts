import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { TcpProbeSpec } from '../../ports/check-probe.ts';
import { ABORTED_RESULT } from './deadline.ts';
import { probeTcp } from './tcp-probe.ts';
import {
  assertStoppedAtTimeout,
  closedTcpPort,
  listenOnLoopback,
  NO_OPENSSL,
  selfSignedCertificate,
  until,
} from './testing/probe-targets.ts';

function spec(address: string, overrides: Partial<TcpProbeSpec> = {}): TcpProbeSpec {
  return {
    kind: 'tcp',
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

/** A server that accepts and says nothing, remembering its sockets so the test can see them close. */
async function silentServer(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.resume();
    socket.on('close', () => sockets.delete(socket));
  });
  return { server, port: await listenOnLoopback(server), sockets };
}

async function close(server: Server, sockets: Set<Socket> = new Set()): Promise<void> {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
}

describe('probeTcp', () => {
  it('is passing when the port accepts, and closes the connection at once', async () => {
    const { server, port, sockets } = await silentServer();
    try {
      let accepted = 0;
      server.on('connection', () => {
        accepted += 1;
      });
      assert.deepEqual(await probeTcp(spec(`127.0.0.1:${port}`), never), {
        status: 'passing',
        output: `TCP connect 127.0.0.1:${port}: Success`,
      });
      await until(
        'the server to accept and see the probe hang up',
        () => accepted === 1 && sockets.size === 0,
      );
    } finally {
      await close(server, sockets);
    }
  });

  it('is critical with Go dial wording when the port is closed', async () => {
    const port = await closedTcpPort();
    assert.deepEqual(await probeTcp(spec(`127.0.0.1:${port}`), never), {
      status: 'critical',
      output: `dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
  });

  it('is critical for an address without a port', async () => {
    assert.deepEqual(await probeTcp(spec('127.0.0.1'), never), {
      status: 'critical',
      output: 'dial tcp: address 127.0.0.1: missing port in address',
    });
  });

  it('stops at once on abort, releasing the connection', async () => {
    const { server, port, sockets } = await silentServer();
    try {
      const controller = new AbortController();
      // TLS against a silent server: the handshake waits for ever until the abort.
      const probing = probeTcp(
        spec(`127.0.0.1:${port}`, { useTls: true, timeoutMs: 60_000 }),
        controller.signal,
      );
      await until('the server to accept', () => sockets.size === 1);
      controller.abort();
      assert.deepEqual(await probing, ABORTED_RESULT);
      await until('the probe to release the connection', () => sockets.size === 0);
    } finally {
      await close(server, sockets);
    }
  });
});

describe('probeTcp with TLS', () => {
  const certificate = selfSignedCertificate();
  const skip = certificate === undefined ? NO_OPENSSL : false;
  let server: TlsServer | undefined;
  let port = 0;

  before(async () => {
    if (certificate === undefined) return;
    server = createTlsServer(certificate, (socket) => socket.end());
    server.on('tlsClientError', () => {});
    port = await listenOnLoopback(server);
  });

  after(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  it('is passing after the handshake with skip-verify', { skip }, async () => {
    assert.deepEqual(
      await probeTcp(spec(`127.0.0.1:${port}`, { useTls: true, tlsSkipVerify: true }), never),
      {
        status: 'passing',
        output: `TCP+TLS connect 127.0.0.1:${port}: Success`,
      },
    );
  });

  it('is critical with Go x509 wording when verifying a self-signed certificate', { skip }, async () => {
    assert.deepEqual(await probeTcp(spec(`127.0.0.1:${port}`, { useTls: true }), never), {
      status: 'critical',
      output: 'tls: failed to verify certificate: x509: certificate signed by unknown authority',
    });
  });

  it('is critical when the peer does not speak TLS', async () => {
    const http = createHttpServer((_request, response) => response.end());
    const httpPort = await listenOnLoopback(http);
    try {
      assert.deepEqual(
        await probeTcp(spec(`127.0.0.1:${httpPort}`, { useTls: true, tlsSkipVerify: true }), never),
        {
          status: 'critical',
          output: 'tls: first record does not look like a TLS handshake',
        },
      );
    } finally {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
  });

  it('is critical at the timeout when the handshake never completes', async () => {
    const { server: silent, port: silentPort, sockets } = await silentServer();
    try {
      const start = performance.now();
      const result = await probeTcp(spec(`127.0.0.1:${silentPort}`, { useTls: true, timeoutMs: 300 }), never);
      const elapsedMs = performance.now() - start;
      assert.deepEqual(result, { status: 'critical', output: 'context deadline exceeded' });
      assertStoppedAtTimeout(elapsedMs, 300);
      await until('the probe to release the connection', () => sockets.size === 0);
    } finally {
      await close(silent, sockets);
    }
  });
});
