import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer, type ServerResponse } from 'node:http';
import { createServer as createH2cServer } from 'node:http2';
import { after, before, describe, it } from 'node:test';
import type { ProbeResult, ProbeSpec } from '../../ports/check-probe.ts';
import { ABORTED_RESULT } from './deadline.ts';
import { nodeCheckProber } from './index.ts';
import { type GrpcHealthServer, ServingStatus, startGrpcHealthServer } from './testing/grpc-health-server.ts';
import { listenOnLoopback, until } from './testing/probe-targets.ts';

const never = new AbortController().signal;
const common = { timeoutMs: 2000, outputMaxBytes: 4096 };
const noTls = { useTls: false, tlsServerName: '', tlsSkipVerify: false };

describe('nodeCheckProber', () => {
  const prober = nodeCheckProber();
  const hanging: ServerResponse[] = [];
  const http = createServer((request, response) => {
    if (request.url === '/hang') hanging.push(response);
    else response.end('ok');
  });
  const h2c = createH2cServer();
  const udp = createSocket('udp4');
  let grpc: GrpcHealthServer;
  let httpPort = 0;
  let h2cPort = 0;
  let udpPort = 0;

  before(async () => {
    httpPort = await listenOnLoopback(http);
    h2cPort = await listenOnLoopback(h2c);
    udp.on('message', (_message, from) => udp.send('pong', from.port, from.address));
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    udpPort = udp.address().port;
    grpc = await startGrpcHealthServer();
    grpc.statuses.set('web', ServingStatus.SERVING);
  });

  after(async () => {
    for (const response of hanging) response.destroy();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
    await new Promise((resolve) => h2c.close(resolve));
    udp.close();
    await grpc.close();
  });

  function httpSpec(path: string, timeoutMs = common.timeoutMs): ProbeSpec {
    const url = `http://127.0.0.1:${httpPort}${path}`;
    return {
      kind: 'http',
      url,
      method: '',
      header: {},
      body: '',
      ...noTls,
      disableRedirects: false,
      ...common,
      timeoutMs,
    };
  }

  it('runs the probe each kind asks for', async () => {
    const specs: ProbeSpec[] = [
      httpSpec('/'),
      { kind: 'tcp', address: `127.0.0.1:${httpPort}`, ...noTls, ...common },
      { kind: 'udp', address: `127.0.0.1:${udpPort}`, ...common },
      { kind: 'script', args: ['/bin/sh', '-c', 'echo scripted'], ...common },
      { kind: 'grpc', target: `127.0.0.1:${grpc.port}/web`, ...noTls, ...common },
      { kind: 'h2ping', address: `127.0.0.1:${h2cPort}`, ...noTls, ...common },
    ];
    const results = await Promise.all(specs.map((spec) => prober.probe(spec, never)));
    assert.deepEqual(results, [
      { status: 'passing', output: `HTTP GET http://127.0.0.1:${httpPort}/: 200 OK Output: ok` },
      { status: 'passing', output: `TCP connect 127.0.0.1:${httpPort}: Success` },
      { status: 'passing', output: `UDP connect 127.0.0.1:${udpPort}: Success` },
      { status: 'passing', output: 'scripted\n' },
      { status: 'passing', output: `gRPC check 127.0.0.1:${grpc.port}/web: success` },
      { status: 'passing', output: 'HTTP2 ping was successful' },
    ]);
  });

  it('lets no hung target hold up another probe', async () => {
    const controller = new AbortController();
    let hungSettled = 0;
    const settle = (result: Promise<ProbeResult>) =>
      result.then((value) => {
        hungSettled += 1;
        return value;
      });
    const hung = [
      settle(prober.probe(httpSpec('/hang', 60_000), controller.signal)),
      settle(
        prober.probe(
          { kind: 'script', args: ['/bin/sh', '-c', 'sleep 60'], ...common, timeoutMs: 60_000 },
          controller.signal,
        ),
      ),
    ];
    await until('the hung request to reach the server', () => hanging.length > 0);
    for (let round = 0; round < 20; round += 1) {
      assert.equal((await prober.probe(httpSpec('/'), never)).status, 'passing');
    }
    assert.equal(hungSettled, 0, 'the hung probes are still waiting');
    controller.abort();
    assert.deepEqual(await Promise.all(hung), [ABORTED_RESULT, ABORTED_RESULT]);
  });

  it('answers at once for a signal already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    assert.deepEqual(await prober.probe(httpSpec('/hang', 60_000), controller.signal), ABORTED_RESULT);
  });

  it('never rejects, even for a spec it does not know', async () => {
    const unknown = { kind: 'docker', ...common } as unknown as ProbeSpec;
    const result = await prober.probe(unknown, never);
    assert.equal(result.status, 'critical');
  });
});
