/**
 * The `cairn` binary as a user runs it: a dev agent process, then CLI processes against it.
 * Waits on conditions with deadlines, never fixed sleeps.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AgentProcess, freePort, runCli, waitFor } from './agent-harness.ts';

/** A loopback address nothing listens on. */
const closedAddress = async () => `127.0.0.1:${await freePort()}`;

describe('cairn CLI against a running dev agent process', () => {
  let agent: AgentProcess;
  let env: NodeJS.ProcessEnv;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-cli-'));
  const pidFile = join(dir, 'run', 'cairn.pid');

  before(async () => {
    agent = await AgentProcess.spawnDev(['-node', 'cli-node', '-pid-file', pidFile]);
    const address = await agent.httpAddress();
    env = { CAIRN_HTTP_ADDR: address, CONSUL_HTTP_ADDR: await closedAddress() };
    await waitFor('the pid file', () => existsSync(pidFile) || undefined);
  });
  after(() => agent.kill('SIGKILL'));

  it('prints the banner and the leader election', () => {
    assert.match(agent.output, /Node name: 'cli-node'/);
    assert.match(agent.output, /Server: true \(Bootstrap: true\)/);
    assert.match(agent.output, /entering leader state/);
    assert.equal(readFileSync(pidFile, 'utf8'), String(agent.child.pid));
  });

  it('lists members as a table', async () => {
    const result = await runCli(['members'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Node\s+Address\s+Status\s+Type/m);
    assert.match(result.stdout, /cli-node\s+127\.0\.0\.1:\d+\s+alive\s+server/);
  });

  it('puts and gets keys, recursively', async () => {
    assert.match(
      (await runCli(['kv', 'put', 'app/config', 'x'], env)).stdout,
      /Success! Data written to: app\/config/,
    );
    await runCli(['kv', 'put', 'app/db', 'y'], env);
    const recurse = await runCli(['kv', 'get', '-recurse', 'app/'], env);
    assert.equal(recurse.stdout, 'app/config:x\napp/db:y\n');
    assert.equal((await runCli(['kv', 'get', 'app/config'], env)).stdout, 'x\n');
    const missing = await runCli(['kv', 'get', 'nope'], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No key exists at: nope/);
  });

  it('reads a value from stdin and fails a stale CAS with exit 1', async () => {
    assert.equal((await runCli(['kv', 'put', 'from-stdin', '-'], env, 'piped')).code, 0);
    assert.equal((await runCli(['kv', 'get', 'from-stdin'], env)).stdout, 'piped\n');
    const cas = await runCli(['kv', 'put', '-cas', '-modify-index=1', 'from-stdin', 'z'], env);
    assert.equal(cas.code, 1);
    assert.match(cas.stderr, /CAS failed/);
  });

  it('registers a service from an HCL file and lists it in the catalog', async () => {
    const file = join(dir, 'web.hcl');
    writeFileSync(file, 'service {\n  name = "web"\n  port = 8080\n  tags = ["v1"]\n}\n');
    const registered = await runCli(['services', 'register', file], env);
    assert.equal(registered.code, 0, registered.stderr);
    assert.match(registered.stdout, /Registered service: web/);
    const services = await runCli(['catalog', 'services', '-tags'], env);
    assert.match(services.stdout, /web\s+v1/);
    assert.match((await runCli(['catalog', 'datacenters'], env)).stdout, /dc1/);
    assert.match((await runCli(['catalog', 'nodes'], env)).stdout, /cli-node/);
  });

  it('reports an unreachable agent in one line and exits non-zero', async () => {
    const result = await runCli(['kv', 'get', 'x'], {
      CAIRN_HTTP_ADDR: '',
      CONSUL_HTTP_ADDR: await closedAddress(),
    });
    assert.notEqual(result.code, 0);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.match(result.stderr, /connection refused/);
  });
});

describe('cairn agent process lifecycle', () => {
  it('shuts down cleanly on SIGTERM, says so, removes the pid file and frees the port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-life-'));
    const pidFile = join(dir, 'pid');
    const agent = await AgentProcess.spawnDev(['-pid-file', pidFile]);
    const address = await agent.httpAddress();
    await waitFor('the pid file', () => existsSync(pidFile) || undefined);
    agent.kill('SIGTERM');
    assert.equal(await agent.exited, 0);
    assert.match(agent.output, /Caught signal: SIGTERM/);
    assert.match(agent.output, /shutdown complete/);
    assert.equal(existsSync(pidFile), false);
    const port = Number(address.split(':')[1]);
    await new Promise<void>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
    });
  });

  it('exits 1 naming the file, key and value for a bad config file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-bad-'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ports: { http: 'abc' } }));
    const agent = AgentProcess.spawn(['-dev', '-config-dir', dir]);
    assert.equal(await agent.exited, 1);
    assert.match(agent.output, /bad\.json/);
    assert.match(agent.output, /ports\.http/);
    assert.match(agent.output, /abc/);
  });

  it('exits 1 for an unknown flag with Go flag wording', async () => {
    const agent = AgentProcess.spawn(['-dev', '-no-such-flag']);
    assert.equal(await agent.exited, 1);
    assert.match(agent.output, /flag provided but not defined: -no-such-flag/);
  });

  it('applies config-file services again on SIGHUP and refuses a bad reload without changing anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-reload-'));
    const write = (name: string, value: unknown) => writeFileSync(join(dir, name), JSON.stringify(value));
    write('web.json', { service: { name: 'web', port: 80 } });
    const agent = await AgentProcess.spawnDev(['-config-dir', dir]);
    try {
      const base = `http://${await agent.httpAddress()}`;
      const serviceIds = async () =>
        Object.keys((await (await fetch(`${base}/v1/agent/services`)).json()) as object).sort();
      assert.deepEqual(await serviceIds(), ['web']);

      rmSync(join(dir, 'web.json'));
      write('api.json', { service: { name: 'api', port: 81 } });
      agent.kill('SIGHUP');
      await waitFor('the reload to apply', async () =>
        (await serviceIds()).join() === 'api' ? true : undefined,
      );

      write('bad.json', { service: { port: 1 } });
      const reload = await fetch(`${base}/v1/agent/reload`, { method: 'PUT' });
      assert.equal(reload.status, 500);
      assert.match(await reload.text(), /Missing service name/);
      assert.deepEqual(await serviceIds(), ['api']);
    } finally {
      agent.kill('SIGKILL');
    }
  });
});
