/**
 * Cairn agent processes in one gossip pool on loopback: a -dev server and a client joined with
 * -join see each other, carry user events, see a graceful leave, and share an encrypted pool.
 * Waits on conditions with deadlines, never fixed sleeps.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Member, UserEvent } from '../src/model/records.ts';
import { AgentProcess, freeGossipPort, freePort, runCli, waitFor } from './agent-harness.ts';

const JOIN_DEADLINE_MS = 15_000;

interface StartedAgent {
  process: AgentProcess;
  http: string;
  lanPort: number;
  env: NodeJS.ProcessEnv;
  dataDir: string;
}

async function startServer(node: string, extra: string[] = []): Promise<StartedAgent> {
  return start(['-dev', '-node', node], extra);
}

async function startClient(node: string, extra: string[] = []): Promise<StartedAgent> {
  // A client needs a data dir (only -dev may run without one) and no server flags.
  return start(['-node', node], extra);
}

async function start(base: string[], extra: string[]): Promise<StartedAgent> {
  const lanPort = await freeGossipPort();
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-gossip-'));
  const process = AgentProcess.spawn([
    ...base,
    '-data-dir',
    dataDir,
    '-http-port',
    String(await freePort()),
    '-dns-port',
    '-1',
    '-serf-lan-port',
    String(lanPort),
    '-serf-wan-port',
    String(await freeGossipPort()),
    ...extra,
  ]);
  const http = await process.httpAddress();
  return { process, http, lanPort, env: { CAIRN_HTTP_ADDR: http, CONSUL_HTTP_ADDR: http }, dataDir };
}

async function members(agent: StartedAgent, query = ''): Promise<Member[]> {
  return (await (await fetch(`http://${agent.http}/v1/agent/members${query}`)).json()) as Member[];
}

/** Waits until `agent` lists `node` with `status` (1 alive, 3 left); returns the member. */
function memberWithStatus(agent: StartedAgent, node: string, status: number): Promise<Member> {
  return waitFor(
    `${node} with status ${status} at ${agent.http}`,
    async () => (await members(agent)).find((member) => member.Name === node && member.Status === status),
    JOIN_DEADLINE_MS,
  );
}

describe('gossip between a dev server and a client agent process', () => {
  let server: StartedAgent;
  let client: StartedAgent;

  before(async () => {
    server = await startServer('gossip-server');
    client = await startClient('gossip-client', ['-join', `127.0.0.1:${server.lanPort}`]);
  });
  after(() => {
    server?.process.kill('SIGKILL');
    client?.process.kill('SIGKILL');
  });

  it('each lists the other alive, with Consul tags, in /v1/agent/members', async () => {
    const seenByServer = await memberWithStatus(server, 'gossip-client', 1);
    assert.equal(seenByServer.Addr, '127.0.0.1');
    assert.equal(seenByServer.Port, client.lanPort);
    assert.equal(seenByServer.Tags.role, 'node');
    const seenByClient = await memberWithStatus(client, 'gossip-server', 1);
    assert.equal(seenByClient.Tags.role, 'consul');
    assert.equal(seenByClient.Tags.dc, 'dc1');
    const self = (await (await fetch(`http://${client.http}/v1/agent/self`)).json()) as {
      Member: Member;
      Stats: { serf_lan: Record<string, string> };
    };
    assert.equal(self.Member.Name, 'gossip-client');
    assert.equal(self.Member.Port, client.lanPort);
    assert.equal(self.Stats.serf_lan.encrypted, 'false');
  });

  it('`cairn members` on the server shows both, servers first', async () => {
    await memberWithStatus(server, 'gossip-client', 1);
    const result = await runCli(['members'], server.env);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.match(lines[0]!, /^Node\s+Address\s+Status\s+Type\s+Build\s+Protocol\s+DC\s+Partition\s+Segment$/);
    assert.match(
      lines[1]!,
      new RegExp(`^gossip-server\\s+127\\.0\\.0\\.1:${server.lanPort}\\s+alive\\s+server`),
    );
    assert.match(
      lines[2]!,
      new RegExp(`^gossip-client\\s+127\\.0\\.0\\.1:${client.lanPort}\\s+alive\\s+client`),
    );
    const wan = await runCli(['members', '-wan'], server.env);
    assert.match(wan.stdout, /gossip-server\.dc1\s/);
  });

  it('an event fired with `cairn event` on the server is listed by the client', async () => {
    await memberWithStatus(client, 'gossip-server', 1);
    const fired = await runCli(['event', '-name', 'deploy', 'v2'], server.env);
    assert.equal(fired.code, 0, fired.stderr);
    const id = fired.stdout.match(/^Event ID: (\S+)$/m)?.[1];
    assert.ok(id, fired.stdout);
    const received = await waitFor(
      'the event at the client',
      async () => {
        const events = (await (
          await fetch(`http://${client.http}/v1/event/list?name=deploy`)
        ).json()) as (Omit<UserEvent, 'Payload'> & { Payload: string | null })[];
        return events.find((event) => event.ID === id);
      },
      JOIN_DEADLINE_MS,
    );
    assert.equal(received.Payload, Buffer.from('v2').toString('base64'));
    assert.ok(received.LTime > 0, 'serf gives the event its Lamport time');
  });

  it('an event filtered to another node is not listed by the client', async () => {
    const fired = await runCli(['event', '-name', 'only-server', '-node', '^gossip-server$'], server.env);
    const id = fired.stdout.match(/^Event ID: (\S+)$/m)?.[1];
    assert.ok(id, fired.stderr);
    // The server lists it (it matches the filter), so gossip has delivered it by then; a marker
    // event fired after it reaches the client after it would have.
    await waitFor('the filtered event at the server', async () => {
      const events = (await (await fetch(`http://${server.http}/v1/event/list?name=only-server`)).json()) as {
        ID: string;
      }[];
      return events.some((event) => event.ID === id) || undefined;
    });
    const marker = (await runCli(['event', '-name', 'marker'], server.env)).stdout.match(
      /Event ID: (\S+)/,
    )?.[1];
    await waitFor('the marker at the client', async () => {
      const events = (await (await fetch(`http://${client.http}/v1/event/list`)).json()) as { ID: string }[];
      return events.some((event) => event.ID === marker) || undefined;
    });
    const atClient = (await (
      await fetch(`http://${client.http}/v1/event/list?name=only-server`)
    ).json()) as unknown[];
    assert.deepEqual(atClient, []);
  });

  it('a graceful leave of the client shows it left (status 3) on the server', async () => {
    await memberWithStatus(server, 'gossip-client', 1);
    const left = await runCli(['leave'], client.env);
    assert.equal(left.code, 0, left.stderr);
    assert.equal(await client.process.exited, 0);
    await memberWithStatus(server, 'gossip-client', 3);
    const listed = await runCli(['members', '-status', 'left'], server.env);
    assert.match(listed.stdout, /gossip-client\s+\S+\s+left\s+client/);
  });
});

describe('an encrypted pool', () => {
  let server: StartedAgent;
  let client: StartedAgent;
  let key: string;

  before(async () => {
    const keygen = await runCli(['keygen']);
    assert.equal(keygen.code, 0, keygen.stderr);
    key = keygen.stdout.trim();
    server = await startServer('crypt-server', ['-encrypt', key]);
    client = await startClient('crypt-client', ['-encrypt', key, '-join', `127.0.0.1:${server.lanPort}`]);
  });
  after(() => {
    server?.process.kill('SIGKILL');
    client?.process.kill('SIGKILL');
  });

  it('joins with the shared key and `cairn keyring -list` shows it on both nodes', async () => {
    await memberWithStatus(server, 'crypt-client', 1);
    const listed = await runCli(['keyring', '-list'], server.env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(listed.stdout.startsWith('==> Gathering installed encryption keys...\n'), listed.stdout);
    assert.ok(listed.stdout.includes(`\nWAN:\n  ${key} [1/1]`), listed.stdout);
    assert.ok(listed.stdout.includes(`\ndc1 (LAN):\n  ${key} [2/2]`), listed.stdout);
    const self = (await (await fetch(`http://${client.http}/v1/agent/self`)).json()) as {
      Stats: { serf_lan: Record<string, string> };
    };
    assert.equal(self.Stats.serf_lan.encrypted, 'true');
  });

  it('keeps the key in the client’s data dir, as Consul does', () => {
    const file = join(client.dataDir, 'serf', 'local.keyring');
    assert.ok(existsSync(file));
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), [key]);
  });

  it('refuses an agent with another key: its -join fails and it does not start', async () => {
    const other = (await runCli(['keygen'])).stdout.trim();
    const intruder = AgentProcess.spawn([
      '-node',
      'intruder',
      '-data-dir',
      mkdtempSync(join(tmpdir(), 'cairn-gossip-')),
      '-http-port',
      String(await freePort()),
      '-dns-port',
      '-1',
      '-serf-lan-port',
      String(await freeGossipPort()),
      '-encrypt',
      other,
      '-join',
      `127.0.0.1:${server.lanPort}`,
    ]);
    try {
      assert.equal(await intruder.exited, 1, intruder.output);
      assert.match(intruder.output, /Error starting agent/);
    } finally {
      intruder.kill('SIGKILL');
    }
    assert.equal(
      (await members(server)).some((member) => member.Name === 'intruder'),
      false,
    );
  });
});
