import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import type { HttpProbeSpec } from '../../ports/check-probe.ts';
import { ABORTED_RESULT } from './deadline.ts';
import { probeHttp } from './http-probe.ts';
import {
  assertStoppedAtTimeout,
  closedTcpPort,
  listenOnLoopback,
  NO_OPENSSL,
  selfSignedCertificate,
  until,
} from './testing/probe-targets.ts';

function spec(url: string, overrides: Partial<HttpProbeSpec> = {}): HttpProbeSpec {
  return {
    kind: 'http',
    url,
    method: '',
    header: {},
    body: '',
    tlsServerName: '',
    tlsSkipVerify: false,
    disableRedirects: false,
    timeoutMs: 2000,
    outputMaxBytes: 4096,
    ...overrides,
  };
}

const never = new AbortController().signal;

/** Time taken by `work`, in ms, with its result. */
async function timed<T>(work: () => Promise<T>): Promise<{ value: T; elapsedMs: number }> {
  const start = performance.now();
  const value = await work();
  return { value, elapsedMs: performance.now() - start };
}

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
  remotePort: number;
}

describe('probeHttp against a real HTTP server', () => {
  let server: Server;
  let base: string;
  /** What /health answers; the tests change it between probes. */
  let answer = { code: 200, body: 'ok' };
  const seen: Seen[] = [];
  const open = new Set<Socket>();
  let connections = 0;
  const hanging: ServerResponse[] = [];
  let floodClosed = 0;

  before(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        seen.push({
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          rawHeaders: request.rawHeaders,
          body: Buffer.concat(chunks).toString(),
          remotePort: request.socket.remotePort ?? 0,
        });
        route(request.url ?? '', response);
      });
    });
    server.on('connection', (socket) => {
      connections += 1;
      open.add(socket);
      socket.on('close', () => open.delete(socket));
    });
    base = `http://127.0.0.1:${await listenOnLoopback(server)}`;
  });

  after(async () => {
    for (const response of hanging) response.destroy();
    for (const socket of open) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  function route(path: string, response: ServerResponse): void {
    switch (path) {
      case '/health':
        response.writeHead(answer.code).end(answer.body);
        return;
      case '/slow':
        setTimeout(() => response.end('late but in time'), 100);
        return;
      case '/hang':
        hanging.push(response);
        return;
      case '/flood': {
        // An endless body: numbered lines, as fast as the client reads them.
        response.writeHead(200);
        let line = 0;
        const pump = () => {
          while (!response.destroyed && response.write(`line ${line++}\n`)) {}
          if (!response.destroyed) response.once('drain', pump);
        };
        response.on('close', () => {
          floodClosed += 1;
        });
        pump();
        return;
      }
      case '/big':
        response.end(Buffer.from(Array.from({ length: 10_000 }, (_, i) => 'abcdefghij'[i % 10]).join('')));
        return;
      case '/close-mid-body':
        response.writeHead(200, { 'content-length': '100' });
        response.write('0123456789', () => response.socket?.destroy());
        return;
      case '/close-before-answer':
        response.socket?.destroy();
        return;
      case '/redirect':
        response.writeHead(302, { location: '/health' }).end('moved');
        return;
      case '/redirect-absolute':
        response.writeHead(301, { location: `${base}/health` }).end();
        return;
      case '/redirect-307':
        response.writeHead(307, { location: '/echo' }).end();
        return;
      case '/redirect-no-location':
        response.writeHead(302).end('nowhere');
        return;
      case '/loop':
        response.writeHead(302, { location: '/loop' }).end();
        return;
      default:
        response.writeHead(200).end(path);
    }
  }

  it('is passing on 2xx, warning on 429, critical otherwise, with Consul output', async () => {
    const url = `${base}/health`;
    answer = { code: 200, body: 'all good' };
    assert.deepEqual(await probeHttp(spec(url), never), {
      status: 'passing',
      output: `HTTP GET ${url}: 200 OK Output: all good`,
    });
    answer = { code: 204, body: '' };
    assert.deepEqual(await probeHttp(spec(url), never), {
      status: 'passing',
      output: `HTTP GET ${url}: 204 No Content Output: `,
    });
    answer = { code: 429, body: 'slow down' };
    assert.deepEqual(await probeHttp(spec(url), never), {
      status: 'warning',
      output: `HTTP GET ${url}: 429 Too Many Requests Output: slow down`,
    });
    answer = { code: 503, body: 'down' };
    assert.deepEqual(await probeHttp(spec(url), never), {
      status: 'critical',
      output: `HTTP GET ${url}: 503 Service Unavailable Output: down`,
    });
    answer = { code: 200, body: 'ok' };
  });

  it("sends Consul's User-Agent and Accept, the given headers, method and body, on a new connection", async () => {
    seen.length = 0;
    const result = await probeHttp(
      spec(`${base}/echo`, { method: 'POST', body: '{"ping":1}', header: { 'X-Check': ['a', 'b'] } }),
      never,
    );
    assert.equal(result.output, `HTTP POST ${base}/echo: 200 OK Output: /echo`);
    await probeHttp(spec(`${base}/echo`), never);
    const [post, get] = seen;
    assert.equal(post?.method, 'POST');
    assert.equal(post?.body, '{"ping":1}');
    assert.equal(post?.headers['content-length'], '10');
    assert.equal(post?.headers['user-agent'], 'Consul Health Check');
    assert.equal(post?.headers.accept, 'text/plain, text/*, */*');
    assert.equal(post?.headers['x-check'], 'a, b');
    assert.equal(post?.headers.connection, 'close');
    assert.equal(get?.method, 'GET');
    assert.notEqual(post?.remotePort, get?.remotePort, 'each probe opens its own connection');
  });

  it('lets the definition set User-Agent, Accept and Host', async () => {
    seen.length = 0;
    await probeHttp(
      spec(`${base}/echo`, {
        header: { 'user-agent': ['probe/1'], Accept: ['application/json'], Host: ['service.example'] },
      }),
      never,
    );
    assert.equal(seen[0]?.headers['user-agent'], 'probe/1');
    assert.equal(seen[0]?.headers.accept, 'application/json');
    assert.equal(seen[0]?.headers.host, 'service.example');
    assert.equal(seen[0]?.rawHeaders.filter((name) => name.toLowerCase() === 'user-agent').length, 1);
  });

  it('keeps the last outputMaxBytes bytes of the body', async () => {
    const result = await probeHttp(spec(`${base}/big`, { outputMaxBytes: 25 }), never);
    assert.equal(result.output, `HTTP GET ${base}/big: 200 OK Output: ${'fghijabcdefghijabcdefghij'}`);
  });

  it('answers a slow server that is in time', async () => {
    const result = await probeHttp(spec(`${base}/slow`), never);
    assert.equal(result.status, 'passing');
    assert.match(result.output, /Output: late but in time$/);
  });

  it('is critical at the timeout when no answer comes, in Go client wording', async () => {
    const url = `${base}/hang`;
    const { value, elapsedMs } = await timed(() => probeHttp(spec(url, { timeoutMs: 300 }), never));
    assert.deepEqual(value, {
      status: 'critical',
      output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    });
    assertStoppedAtTimeout(elapsedMs, 300);
  });

  it('stops an endless body at the timeout, keeping a bounded tail and the status (as Consul)', async () => {
    const closedBefore = floodClosed;
    const { value, elapsedMs } = await timed(() =>
      probeHttp(spec(`${base}/flood`, { timeoutMs: 1000, outputMaxBytes: 64 }), never),
    );
    assert.equal(value.status, 'passing');
    const prefix = `HTTP GET ${base}/flood: 200 OK Output: `;
    assert.ok(value.output.startsWith(prefix));
    const tail = value.output.slice(prefix.length);
    assert.equal(Buffer.byteLength(tail), 64);
    assert.match(tail, /line \d+\n$/, 'the tail is the latest bytes, cut at the end of a line written');
    assertStoppedAtTimeout(elapsedMs, 1000);
    await until('the server to see the flood connection closed', () => floodClosed > closedBefore);
  });

  it('reports the status and the partial body when the server closes mid-body (as Consul)', async () => {
    const result = await probeHttp(spec(`${base}/close-mid-body`), never);
    assert.deepEqual(result, {
      status: 'passing',
      output: `HTTP GET ${base}/close-mid-body: 200 OK Output: 0123456789`,
    });
  });

  it('is critical with EOF when the server closes before answering', async () => {
    const url = `${base}/close-before-answer`;
    assert.deepEqual(await probeHttp(spec(url), never), { status: 'critical', output: `Get "${url}": EOF` });
  });

  it('follows redirects, reporting the URL it was given', async () => {
    answer = { code: 200, body: 'landed' };
    const url = `${base}/redirect`;
    assert.deepEqual(await probeHttp(spec(url), never), {
      status: 'passing',
      output: `HTTP GET ${url}: 200 OK Output: landed`,
    });
    const absolute = `${base}/redirect-absolute`;
    assert.equal(
      (await probeHttp(spec(absolute), never)).output,
      `HTTP GET ${absolute}: 200 OK Output: landed`,
    );
  });

  it('sends the Referer and turns POST into GET on 302, keeps POST and body on 307', async () => {
    seen.length = 0;
    await probeHttp(spec(`${base}/redirect`, { method: 'POST', body: 'data' }), never);
    assert.deepEqual(
      seen.map((request) => [request.method, request.url, request.body]),
      [
        ['POST', '/redirect', 'data'],
        ['GET', '/health', ''],
      ],
    );
    assert.equal(seen[1]?.headers.referer, `${base}/redirect`);
    assert.equal(seen[1]?.headers['user-agent'], 'Consul Health Check');
    seen.length = 0;
    await probeHttp(spec(`${base}/redirect-307`, { method: 'POST', body: 'data' }), never);
    assert.deepEqual(
      seen.map((request) => [request.method, request.url, request.body]),
      [
        ['POST', '/redirect-307', 'data'],
        ['POST', '/echo', 'data'],
      ],
    );
  });

  it('does not follow redirects when told not to: the 3xx is critical', async () => {
    const url = `${base}/redirect`;
    assert.deepEqual(await probeHttp(spec(url, { disableRedirects: true }), never), {
      status: 'critical',
      output: `HTTP GET ${url}: 302 Found Output: moved`,
    });
  });

  it('takes a 3xx without Location as the answer', async () => {
    const url = `${base}/redirect-no-location`;
    assert.deepEqual(await probeHttp(spec(url), never), {
      status: 'critical',
      output: `HTTP GET ${url}: 302 Found Output: nowhere`,
    });
  });

  it('gives up after 10 redirects, as Go does', async () => {
    seen.length = 0;
    const url = `${base}/loop`;
    assert.deepEqual(await probeHttp(spec(url), never), {
      status: 'critical',
      output: `Get "${url}": stopped after 10 redirects`,
    });
    assert.equal(seen.length, 10);
  });

  it('is critical with Go dial wording when the port is closed', async () => {
    const port = await closedTcpPort();
    const url = `http://127.0.0.1:${port}/`;
    assert.deepEqual(await probeHttp(spec(url, { method: 'PUT' }), never), {
      status: 'critical',
      output: `Put "${url}": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
  });

  it('sends URL credentials as basic auth and hides the password in errors, as Go', async () => {
    seen.length = 0;
    await probeHttp(spec(`http://user:secret@${base.slice('http://'.length)}/echo`), never);
    assert.equal(seen[0]?.headers.authorization, `Basic ${Buffer.from('user:secret').toString('base64')}`);
    const port = await closedTcpPort();
    assert.deepEqual(await probeHttp(spec(`http://user:secret@127.0.0.1:${port}/`), never), {
      status: 'critical',
      output: `Get "http://user:***@127.0.0.1:${port}/": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
  });

  it('rejects unparsable URLs and other schemes without sending', async () => {
    assert.deepEqual(await probeHttp(spec('http://[bad'), never), {
      status: 'critical',
      output: 'parse "http://[bad": invalid URL',
    });
    assert.deepEqual(await probeHttp(spec('ftp://127.0.0.1/'), never), {
      status: 'critical',
      output: 'Get "ftp://127.0.0.1/": unsupported protocol scheme "ftp"',
    });
  });

  it('opens and closes one connection per run, and leaves nothing on a long-lived signal', async () => {
    const check = spec(`${base}/health`, { timeoutMs: 60_000 });
    const controller = new AbortController();
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const timersBefore = timers();
    const connectionsBefore = connections;
    const openBefore = open.size;
    answer = { code: 200, body: 'ok' };
    const runs = 60;
    // Ten at a time, as a busy agent runs checks side by side; the same spec and signal every run.
    for (let batch = 0; batch < runs / 10; batch += 1) {
      const results = await Promise.all(
        Array.from({ length: 10 }, () => probeHttp(check, controller.signal)),
      );
      for (const result of results) assert.equal(result.status, 'passing');
    }
    assert.equal(connections - connectionsBefore, runs, 'a new connection per run');
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0, 'no abort listener left');
    assert.equal(timers(), timersBefore, 'no deadline timer left');
    await until('the server to see every connection closed', () => open.size === openBefore);
  });

  it('stops at once on abort and releases the connection', async () => {
    const controller = new AbortController();
    const openBefore = open.size;
    const probing = probeHttp(spec(`${base}/hang`, { timeoutMs: 60_000 }), controller.signal);
    await until('the hanging request to reach the server', () => open.size > openBefore);
    controller.abort();
    const { value, elapsedMs } = await timed(() => probing);
    assert.deepEqual(value, ABORTED_RESULT);
    assert.ok(elapsedMs < 1000, `took ${elapsedMs} ms`);
    await until('the server to see the connection closed', () => open.size === openBefore);
  });
});

describe('probeHttp against servers that are not HTTP', () => {
  it('is critical with Go wording for a malformed status line', async () => {
    const garbage = createTcpServer((socket) => {
      // Read, so the client's close is seen and the server can close.
      socket.resume();
      socket.end('garbage\r\n\r\n');
    });
    const port = await listenOnLoopback(garbage);
    try {
      const url = `http://127.0.0.1:${port}/`;
      assert.deepEqual(await probeHttp(spec(url), never), {
        status: 'critical',
        output: `Get "${url}": net/http: HTTP/1.x transport connection broken: malformed HTTP response "garbage"`,
      });
    } finally {
      await new Promise((resolve) => garbage.close(resolve));
    }
  });
});

describe('probeHttp over TLS', () => {
  const certificate = selfSignedCertificate();
  const skip = certificate === undefined ? NO_OPENSSL : false;
  let server: ReturnType<typeof createHttpsServer> | undefined;
  let base = '';
  const serverNames: (string | false | null)[] = [];

  before(async () => {
    if (certificate === undefined) return;
    server = createHttpsServer(certificate, (_request, response) => response.end('secure'));
    server.on('secureConnection', (socket: TLSSocket) => serverNames.push(socket.servername));
    // A failed handshake is the test's point, not the server's problem.
    server.on('tlsClientError', () => {});
    base = `https://127.0.0.1:${await listenOnLoopback(server)}`;
  });

  after(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  it('is passing with skip-verify against a self-signed certificate', { skip }, async () => {
    assert.deepEqual(await probeHttp(spec(`${base}/`, { tlsSkipVerify: true }), never), {
      status: 'passing',
      output: `HTTP GET ${base}/: 200 OK Output: secure`,
    });
  });

  it('is critical with Go x509 wording when verifying', { skip }, async () => {
    assert.deepEqual(await probeHttp(spec(`${base}/`), never), {
      status: 'critical',
      output: `Get "${base}/": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
    });
  });

  it('sends the TLS server name as SNI, not the Host header', { skip }, async () => {
    serverNames.length = 0;
    await probeHttp(spec(`${base}/`, { tlsSkipVerify: true, tlsServerName: 'check.example' }), never);
    await probeHttp(spec(`${base}/`, { tlsSkipVerify: true, header: { Host: ['other.example'] } }), never);
    assert.deepEqual(serverNames, ['check.example', false]);
  });
});
