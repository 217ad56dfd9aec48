/**
 * Health checks in a real `cairn agent` process against real backends on loopback: a service's
 * HTTP backend dies and the service leaves `/v1/health/service/<name>?passing` within one
 * interval; config-file TCP and script checks; a reload that keeps unchanged checks running;
 * API registrations surviving a restart through the data dir.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AgentProcess, freePort, runCli, waitFor } from './agent-harness.ts';

interface CheckJson {
  CheckID: string;
  Status: string;
  Output: string;
}

/** An HTTP backend that can be killed (every socket destroyed) and started again on its port. */
class Backend {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  hits = 0;
  constructor(readonly port: number) {}
  async start(): Promise<void> {
    const server = createServer((_request, response) => {
      this.hits++;
      response.end('ok');
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }
  async kill(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function spawnAgent(args: string[]) {
  const agent = await AgentProcess.spawnDev(args);
  const base = `http://${await agent.httpAddress()}`;
  return { agent, base };
}

async function json<T>(url: string): Promise<T> {
  const response = await fetch(url);
  assert.equal(response.status, 200, `${url}: ${response.status}`);
  return (await response.json()) as T;
}

const agentChecks = (base: string) => json<Record<string, CheckJson>>(`${base}/v1/agent/checks`);

describe('health checks in an agent process', () => {
  it('takes a service out of ?passing within one interval of its backend dying, and back when it returns', async () => {
    const backend = new Backend(await freePort());
    await backend.start();
    const dir = mkdtempSync(join(tmpdir(), 'cairn-health-'));
    writeFileSync(
      join(dir, 'web.hcl'),
      `service {
  name = "web"
  port = ${backend.port}
  check {
    http     = "http://127.0.0.1:${backend.port}/health"
    interval = "2s"
    timeout  = "500ms"
  }
}
check {
  id       = "web-port"
  name     = "web port"
  tcp      = "127.0.0.1:${backend.port}"
  interval = "2s"
}
`,
    );
    const { agent, base } = await spawnAgent(['-config-dir', dir]);
    try {
      const passing = async () => (await json<unknown[]>(`${base}/v1/health/service/web?passing`)).length;
      await waitFor('web to pass', async () => ((await passing()) === 1 ? true : undefined), 15_000);
      const checks = await agentChecks(base);
      assert.match(
        checks['service:web']!.Output,
        /^HTTP GET http:\/\/127\.0\.0\.1:\d+\/health: 200 OK Output: ok$/,
      );
      assert.equal(checks['web-port']!.Status, 'passing');

      await backend.kill();
      const killedAt = Date.now();
      await waitFor('web to leave ?passing', async () => ((await passing()) === 0 ? true : undefined), 5_000);
      const tookMs = Date.now() - killedAt;
      // Within one interval (2 s) of the HTTP check, plus slack for a loaded test machine.
      assert.ok(tookMs < 3_000, `left ?passing after ${tookMs} ms`);
      // Either check may have seen it first (the node's TCP check counts for ?passing too).
      const after = await waitFor('both checks to fail', async () => {
        const checks = await agentChecks(base);
        return checks['service:web']?.Status === 'critical' && checks['web-port']?.Status === 'critical'
          ? checks
          : undefined;
      });
      assert.match(after['service:web']!.Output, /connection refused/);
      assert.match(after['web-port']!.Output, /connection refused/);

      await backend.start();
      await waitFor('web to pass again', async () => ((await passing()) === 1 ? true : undefined), 5_000);
      assert.match(agent.output, /Check status changed/);
    } finally {
      agent.kill('SIGKILL');
      await backend.kill();
    }
  });

  it('runs script checks only when local script checks are enabled, with exit codes as statuses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-script-'));
    writeFileSync(
      join(dir, 'checks.json'),
      JSON.stringify({
        enable_local_script_checks: true,
        checks: [
          { id: 'ok', name: 'ok', args: ['/bin/sh', '-c', 'echo fine'], interval: '500ms' },
          { id: 'warn', name: 'warn', args: ['/bin/sh', '-c', 'echo meh; exit 1'], interval: '500ms' },
          { id: 'bad', name: 'bad', args: ['/bin/sh', '-c', 'exit 3'], interval: 500_000_000 },
        ],
      }),
    );
    const { agent, base } = await spawnAgent(['-config-dir', dir]);
    try {
      const seen = await waitFor('all three scripts to run', async () => {
        const checks = await agentChecks(base);
        return checks.ok?.Status === 'passing' && checks.warn?.Status === 'warning' ? checks : undefined;
      });
      assert.equal(seen.ok!.Output.trim(), 'fine');
      assert.equal(seen.warn!.Output.trim(), 'meh');
      assert.equal(seen.bad!.Status, 'critical');

      // Over HTTP, scripts need enable_script_checks.
      const refused = await fetch(`${base}/v1/agent/check/register`, {
        method: 'PUT',
        body: JSON.stringify({ Name: 'remote', Args: ['/bin/true'], Interval: '1s' }),
      });
      assert.equal(refused.status, 500);
      assert.match(await refused.text(), /Scripts are disabled on this agent from remote calls/);
    } finally {
      agent.kill('SIGKILL');
    }
  });

  it('runs the checks of a service registered with cairn services register', async () => {
    const backend = new Backend(await freePort());
    await backend.start();
    const dir = mkdtempSync(join(tmpdir(), 'cairn-cli-register-'));
    const file = join(dir, 'api.json');
    writeFileSync(
      file,
      JSON.stringify({
        service: {
          name: 'api',
          port: backend.port,
          checks: [
            { tcp: `127.0.0.1:${backend.port}`, interval: '1s' },
            { http: `http://127.0.0.1:${backend.port}/`, interval: 1_000_000_000, success_before_passing: 2 },
          ],
        },
      }),
    );
    const { agent, base } = await spawnAgent([]);
    try {
      const registered = await runCli(['services', 'register', `-http-addr=${base}`, file]);
      assert.equal(registered.code, 0, registered.stderr);
      const checks = await waitFor('both checks to pass', async () => {
        const all = await agentChecks(base);
        return all['service:api:1']?.Status === 'passing' && all['service:api:2']?.Status === 'passing'
          ? all
          : undefined;
      });
      assert.match(checks['service:api:1']!.Output, /^TCP connect 127\.0\.0\.1:\d+: Success$/);
      assert.ok(backend.hits >= 1);
    } finally {
      agent.kill('SIGKILL');
      await backend.kill();
    }
  });

  it('reloads config files without restarting unchanged checks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-reload-checks-'));
    const write = (name: string, value: unknown) => writeFileSync(join(dir, name), JSON.stringify(value));
    write('a.json', { check: { id: 'keep', name: 'keep', ttl: '1h', status: 'critical' } });
    write('b.json', { check: { id: 'gone', name: 'gone', ttl: '1h' } });
    const { agent, base } = await spawnAgent(['-config-dir', dir]);
    try {
      const pass = await fetch(`${base}/v1/agent/check/pass/keep?note=set-by-test`, { method: 'PUT' });
      assert.equal(pass.status, 200);

      rmSync(join(dir, 'b.json'));
      write('c.json', { check: { id: 'new', name: 'new', ttl: '1h' } });
      const reloaded = await runCli(['reload', `-http-addr=${base}`]);
      assert.equal(reloaded.code, 0, reloaded.stderr);
      await waitFor('the reload to apply', async () => {
        const ids = Object.keys(await agentChecks(base))
          .sort()
          .join();
        return ids === 'keep,new' ? true : undefined;
      });
      const kept = (await agentChecks(base)).keep!;
      assert.equal(kept.Status, 'passing');
      assert.equal(kept.Output, 'set-by-test');
    } finally {
      agent.kill('SIGKILL');
    }
  });

  it('keeps API-registered services and checks across a restart with the same data dir', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cairn-persist-'));
    const first = await spawnAgent(['-data-dir', dataDir, '-node', 'persist']);
    try {
      const register = await fetch(`${first.base}/v1/agent/service/register`, {
        method: 'PUT',
        body: JSON.stringify({ Name: 'api', Port: 8080, Check: { TTL: '10m' } }),
      });
      assert.equal(register.status, 200);
      assert.equal(
        (await fetch(`${first.base}/v1/agent/check/pass/service:api?note=up`, { method: 'PUT' })).status,
        200,
      );
    } finally {
      first.agent.kill('SIGKILL');
      await first.agent.exited;
    }
    const second = await spawnAgent(['-data-dir', dataDir, '-node', 'persist']);
    try {
      const services = await json<Record<string, { Port: number }>>(`${second.base}/v1/agent/services`);
      assert.equal(services.api?.Port, 8080);
      const check = (await agentChecks(second.base))['service:api']!;
      assert.equal(check.Status, 'passing');
      assert.equal(check.Output, 'up');
      const health = await json<unknown[]>(`${second.base}/v1/health/service/api?passing`);
      assert.equal(health.length, 1);
    } finally {
      second.agent.kill('SIGKILL');
    }
  });
});
