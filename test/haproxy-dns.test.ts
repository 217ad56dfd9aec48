/**
 * HAProxy 2.6 (Debian) as a real DNS client: its `resolvers` section and a `server-template`
 * on `_web._tcp.service.consul`, the SRV-with-Additional setup Consul users run. HAProxy fills
 * its servers from Cairn's SRV answers and empties them when the answers change; no HAProxy
 * health check runs, so only DNS tells it where the instances are.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AgentProcess, freeGossipPort, freePort, waitFor } from './agent-harness.ts';

const HAPROXY = '/usr/sbin/haproxy';

/** A backend answering every request with its own name. */
async function backend(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((_request, response) => response.end(name));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

function haproxyConfig(dnsPort: number, frontendPort: number): string {
  return `global
  log stderr format raw local0 warning

defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s

resolvers cairn
  nameserver cairn 127.0.0.1:${dnsPort}
  accepted_payload_size 8192
  resolve_retries 3
  timeout resolve 200ms
  timeout retry 200ms
  hold valid 200ms
  hold obsolete 0s
  hold nx 200ms

frontend web
  bind 127.0.0.1:${frontendPort}
  default_backend web

backend web
  balance roundrobin
  server-template web 4 _web._tcp.service.consul resolvers cairn resolve-prefer ipv4 init-addr none
`;
}

describe('HAProxy resolving a service through Cairn DNS', () => {
  let agent: AgentProcess;
  let haproxy: ChildProcess;
  let base: string;
  let frontend: string;
  const backends: Server[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'cairn-haproxy-'));

  /** Which backends answer over `count` requests through HAProxy. */
  async function answering(count = 12): Promise<string[]> {
    const seen = new Set<string>();
    for (let i = 0; i < count; i++) {
      const response = await fetch(frontend, { headers: { connection: 'close' } });
      if (response.status === 200) seen.add(await response.text());
      else await response.text();
    }
    return [...seen].sort();
  }

  async function checkStatus(id: string, status: 'pass' | 'fail'): Promise<void> {
    const response = await fetch(`${base}/v1/agent/check/${status}/service:${id}`, { method: 'PUT' });
    assert.equal(response.status, 200, await response.text());
  }

  before(async () => {
    const version = spawnSync(HAPROXY, ['-v'], { encoding: 'utf8' });
    assert.equal(version.status, 0, `${HAPROXY} is missing: apt-get install haproxy`);
    const dnsPort = await freeGossipPort();
    agent = await AgentProcess.spawnDev(['-node', 'lb-node', '-dns-port', String(dnsPort)]);
    base = `http://${await agent.httpAddress()}`;
    for (const name of ['a', 'b']) {
      const { server, port } = await backend(name);
      backends.push(server);
      const registration = { ID: `web-${name}`, Name: 'web', Port: port, Check: { TTL: '30s' } };
      const response = await fetch(`${base}/v1/agent/service/register`, {
        method: 'PUT',
        body: JSON.stringify(registration),
      });
      assert.equal(response.status, 200, await response.text());
      await checkStatus(`web-${name}`, 'pass');
    }
    const frontendPort = await freePort();
    frontend = `http://127.0.0.1:${frontendPort}/`;
    const config = join(dir, 'haproxy.cfg');
    writeFileSync(config, haproxyConfig(dnsPort, frontendPort));
    haproxy = spawn(HAPROXY, ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    haproxy.stderr!.on('data', (chunk) => (errors += chunk));
    await waitFor(
      'HAProxy to send requests to both instances',
      async () => {
        if (haproxy.exitCode !== null) throw new Error(`haproxy exited ${haproxy.exitCode}: ${errors}`);
        return (await answering()).join(',') === 'a,b' || undefined;
      },
      30_000,
    );
  });

  after(async () => {
    haproxy?.kill('SIGKILL');
    agent?.kill('SIGKILL');
    for (const server of backends) server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fills its servers from the SRV answers: both instances take requests', async () => {
    assert.deepEqual(await answering(), ['a', 'b']);
  });

  it('drops an instance whose check goes critical, and takes it back when it passes', async () => {
    await checkStatus('web-a', 'fail');
    await waitFor(
      'HAProxy to stop sending to a',
      async () => (await answering()).join(',') === 'b' || undefined,
      30_000,
    );
    await checkStatus('web-a', 'pass');
    await waitFor(
      'HAProxy to send to a again',
      async () => (await answering()).join(',') === 'a,b' || undefined,
      30_000,
    );
  });
});
