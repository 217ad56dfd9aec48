import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttp2Server, constants as http2Constants } from 'node:http2';
import { after, before, describe, it } from 'node:test';
import type { GrpcProbeSpec } from '../../ports/check-probe.ts';
import { ABORTED_RESULT } from './deadline.ts';
import { probeGrpc } from './grpc-probe.ts';
import { healthCheckRequest, servingStatusOf } from './grpc-wire.ts';
import { type GrpcHealthServer, ServingStatus, startGrpcHealthServer } from './testing/grpc-health-server.ts';
import {
  assertStoppedAtTimeout,
  closedTcpPort,
  listenOnLoopback,
  NO_OPENSSL,
  selfSignedCertificate,
  until,
} from './testing/probe-targets.ts';

function spec(target: string, overrides: Partial<GrpcProbeSpec> = {}): GrpcProbeSpec {
  return {
    kind: 'grpc',
    target,
    useTls: false,
    tlsServerName: '',
    tlsSkipVerify: false,
    timeoutMs: 2000,
    outputMaxBytes: 4096,
    ...overrides,
  };
}

const never = new AbortController().signal;

describe('gRPC health messages', () => {
  it('frames HealthCheckRequest with the service name in field 1', () => {
    assert.deepEqual([...healthCheckRequest('')], [0, 0, 0, 0, 0]);
    assert.deepEqual([...healthCheckRequest('db')], [0, 0, 0, 0, 4, 0x0a, 2, 0x64, 0x62]);
    const long = healthCheckRequest('s'.repeat(200));
    assert.deepEqual([...long.subarray(0, 8)], [0, 0, 0, 0, 203, 0x0a, 0xc8, 0x01]);
  });

  it('reads the status of HealthCheckResponse, absent meaning UNKNOWN, unknown fields skipped', () => {
    assert.deepEqual(servingStatusOf(Uint8Array.from([0, 0, 0, 0, 2, 0x08, 1])), { servingStatus: 1 });
    assert.deepEqual(servingStatusOf(Uint8Array.from([0, 0, 0, 0, 0])), { servingStatus: 0 });
    // field 2 (string "x"), field 3 (fixed32), then status = 2
    const withExtras = [0, 0, 0, 0, 10, 0x12, 1, 0x78, 0x1d, 1, 2, 3, 4, 0x08, 2];
    assert.deepEqual(servingStatusOf(Uint8Array.from(withExtras)), { servingStatus: 2 });
    assert.match(
      JSON.stringify(servingStatusOf(Uint8Array.from([0, 0, 0, 0, 2, 0x08]))),
      /code = Internal desc = grpc: failed to unmarshal/,
    );
    assert.match(JSON.stringify(servingStatusOf(Uint8Array.from([1, 0, 0, 0, 0]))), /compressed flag/);
  });
});

describe('probeGrpc against a grpc-js health server', () => {
  let server: GrpcHealthServer;
  let address = '';

  before(async () => {
    server = await startGrpcHealthServer();
    server.statuses.set('', ServingStatus.SERVING);
    server.statuses.set('web', ServingStatus.SERVING);
    server.statuses.set('db', ServingStatus.NOT_SERVING);
    server.statuses.set('cache', ServingStatus.UNKNOWN);
    server.statuses.set('stuck', 'hang');
    address = `127.0.0.1:${server.port}`;
  });

  after(() => server.close());

  it('is passing for SERVING, the server as a whole and a named service', async () => {
    server.asked.length = 0;
    assert.deepEqual(await probeGrpc(spec(address), never), {
      status: 'passing',
      output: `gRPC check ${address}: success`,
    });
    assert.deepEqual(await probeGrpc(spec(`${address}/web`), never), {
      status: 'passing',
      output: `gRPC check ${address}/web: success`,
    });
    assert.deepEqual(server.asked, ['', 'web']);
  });

  it('is critical for any other serving status, named as grpc-go names it', async () => {
    assert.deepEqual(await probeGrpc(spec(`${address}/db`), never), {
      status: 'critical',
      output: `gRPC ${address}/db serving status: NOT_SERVING`,
    });
    assert.deepEqual(await probeGrpc(spec(`${address}/cache`), never), {
      status: 'critical',
      output: `gRPC ${address}/cache serving status: UNKNOWN`,
    });
  });

  it('is critical with the RPC error for an unknown service', async () => {
    assert.deepEqual(await probeGrpc(spec(`${address}/nope`), never), {
      status: 'critical',
      output: 'rpc error: code = NotFound desc = unknown service',
    });
  });

  it('is critical with DeadlineExceeded when the call is never answered', async () => {
    const start = performance.now();
    assert.deepEqual(await probeGrpc(spec(`${address}/stuck`, { timeoutMs: 300 }), never), {
      status: 'critical',
      output: 'rpc error: code = DeadlineExceeded desc = context deadline exceeded',
    });
    const elapsedMs = performance.now() - start;
    assertStoppedAtTimeout(elapsedMs, 300);
  });

  it('is critical when the probe expects TLS and the server has none', async () => {
    const result = await probeGrpc(spec(address, { useTls: true, tlsSkipVerify: true }), never);
    assert.equal(result.status, 'critical');
    assert.match(
      result.output,
      /^rpc error: code = Unavailable desc = connection error: desc = "transport: authentication handshake failed: /,
    );
  });

  it('stops at once on abort', async () => {
    const controller = new AbortController();
    const asked = server.asked.length;
    const probing = probeGrpc(spec(`${address}/stuck`, { timeoutMs: 60_000 }), controller.signal);
    await until('the call to reach the server', () => server.asked.length > asked);
    controller.abort();
    assert.deepEqual(await probing, ABORTED_RESULT);
  });
});

describe('probeGrpc against what is not a gRPC server', () => {
  it('is critical with Unavailable when the port is closed', async () => {
    const port = await closedTcpPort();
    assert.deepEqual(await probeGrpc(spec(`127.0.0.1:${port}/web`), never), {
      status: 'critical',
      output: `rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:${port}: connect: connection refused"`,
    });
  });

  it('is critical with Unavailable against an HTTP/1 server', async () => {
    const http = createHttpServer((_request, response) => response.end('hello'));
    const port = await listenOnLoopback(http);
    try {
      assert.deepEqual(await probeGrpc(spec(`127.0.0.1:${port}`), never), {
        status: 'critical',
        output:
          'rpc error: code = Unavailable desc = connection error: desc = "error reading server preface: http2: failed reading the frame payload: http2: frame too large, note that the frame header looked like an HTTP/1.1 header"',
      });
    } finally {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
  });

  it('is critical with the reset when an HTTP/2 server refuses the stream', async () => {
    const h2 = createHttp2Server();
    h2.on('stream', (stream) => {
      stream.on('error', () => {});
      stream.close(http2Constants.NGHTTP2_REFUSED_STREAM);
    });
    const port = await listenOnLoopback(h2);
    try {
      assert.deepEqual(await probeGrpc(spec(`127.0.0.1:${port}`), never), {
        status: 'critical',
        output:
          'rpc error: code = Internal desc = stream terminated by RST_STREAM with error code: REFUSED_STREAM',
      });
    } finally {
      await new Promise((resolve) => h2.close(resolve));
    }
  });

  it('is critical with the HTTP status when an HTTP/2 server does not speak gRPC', async () => {
    const h2 = createHttp2Server((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('no such path');
    });
    const port = await listenOnLoopback(h2);
    try {
      assert.deepEqual(await probeGrpc(spec(`127.0.0.1:${port}`), never), {
        status: 'critical',
        output:
          'rpc error: code = Unimplemented desc = unexpected HTTP status code received from server: 404 (Not Found); transport: received unexpected content-type "text/plain"',
      });
    } finally {
      await new Promise((resolve) => h2.close(resolve));
    }
  });
});

describe('probeGrpc over TLS', () => {
  const certificate = selfSignedCertificate();
  const skip = certificate === undefined ? NO_OPENSSL : false;
  let server: GrpcHealthServer | undefined;
  let address = '';

  before(async () => {
    if (certificate === undefined) return;
    server = await startGrpcHealthServer(certificate);
    server.statuses.set('web', ServingStatus.SERVING);
    address = `127.0.0.1:${server.port}`;
  });

  after(() => server?.close());

  it('is passing with skip-verify', { skip }, async () => {
    assert.deepEqual(await probeGrpc(spec(`${address}/web`, { useTls: true, tlsSkipVerify: true }), never), {
      status: 'passing',
      output: `gRPC check ${address}/web: success`,
    });
  });

  it('is passing with skip-verify and a server name', { skip }, async () => {
    const result = await probeGrpc(
      spec(`${address}/web`, { useTls: true, tlsSkipVerify: true, tlsServerName: 'localhost' }),
      never,
    );
    assert.equal(result.status, 'passing');
  });

  it('is critical with the handshake error when verifying a self-signed certificate', { skip }, async () => {
    assert.deepEqual(await probeGrpc(spec(`${address}/web`, { useTls: true }), never), {
      status: 'critical',
      output:
        'rpc error: code = Unavailable desc = connection error: desc = "transport: authentication handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority"',
    });
  });

  it('is critical when the probe speaks plain text to a TLS server', { skip }, async () => {
    const result = await probeGrpc(spec(`${address}/web`, { timeoutMs: 1000 }), never);
    assert.equal(result.status, 'critical');
    assert.match(result.output, /^rpc error: code = (Unavailable|DeadlineExceeded) /);
  });
});
