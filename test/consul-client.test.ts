/**
 * The HTTP API driven by a real Consul client: the npm `consul` package (node-consul 2.0.1),
 * against a dev agent on a loopback port. The expectations are node-consul's acceptance suite's
 * (../shared/reference/consul-http-api.md §16.1).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Consul from 'consul';
import type { Agent } from '../src/agent/agent.ts';
import { startDevAgent } from './agent-harness.ts';

// biome-ignore lint/suspicious/noExplicitAny: node-consul's bundled typings are narrower than its runtime (string keys, array or single results); these tests assert the wire values themselves.
type Untyped = any;

describe('npm consul client against a dev agent', () => {
  let agent: Agent;
  let consul: Untyped;

  before(async () => {
    const started = await startDevAgent();
    agent = started.agent;
    consul = new Consul({ host: started.host, port: started.port }) as Untyped;
  });
  after(async () => agent.shutdown());

  it('sees one leader and one peer at the server RPC address', async () => {
    assert.equal(await consul.status.leader(), '127.0.0.1:8300');
    assert.deepEqual(await consul.status.peers(), ['127.0.0.1:8300']);
  });

  it('lists the agent as the only member, and self agrees', async () => {
    const members = await consul.agent.members();
    assert.equal(members.length, 1);
    const self = await consul.agent.self();
    assert.equal(self.Config.NodeName, 'node1');
    assert.equal(self.Config.Datacenter, 'dc1');
    assert.equal(self.Config.Server, true);
    assert.equal(self.Member.Addr, '127.0.0.1');
    assert.deepEqual(self.Member, members[0]);
    assert.deepEqual(Object.keys(self).sort(), ['Config', 'Coord', 'DebugConfig', 'Member', 'Meta', 'Stats']);
  });

  it('writes, reads, lists and deletes keys', async () => {
    assert.equal(await consul.kv.set('app/config', 'x'), true);
    assert.equal(await consul.kv.set('app/other', ''), true);
    const entry = await consul.kv.get('app/config');
    assert.equal(entry.Value, 'x');
    assert.equal((await consul.kv.get('app/other')).Value, null);
    assert.deepEqual(await consul.kv.keys('app/'), ['app/config', 'app/other']);
    const listed = await consul.kv.get({ key: 'app/', recurse: true });
    assert.deepEqual(
      listed.map((e: { Key: string }) => e.Key),
      ['app/config', 'app/other'],
    );
    assert.equal(await consul.kv.get('missing'), undefined);
    await consul.kv.del({ key: 'app/', recurse: true });
    assert.equal(await consul.kv.get('app/config'), undefined);
  });

  it('watches a key through blocking queries: missing, 1, 2, deleted', async () => {
    const watch = consul.watch({ method: consul.kv.get, options: { key: 'watched', wait: '3s' } as never });
    const seen: (string | undefined)[] = [];
    const done = new Promise<void>((resolve, reject) => {
      watch.on('change', (data: { Value?: string } | undefined) => {
        seen.push(data?.Value);
        if (seen.length === 1) void consul.kv.set('watched', '1');
        else if (seen.length === 2) void consul.kv.set('watched', '2');
        else if (seen.length === 3) void consul.kv.del('watched');
        else resolve();
      });
      watch.on('error', reject);
    });
    await done;
    watch.end();
    assert.deepEqual(seen, [undefined, '1', '2', undefined]);
  });

  it('registers a service visible at once in catalog and health', async () => {
    assert.deepEqual(await consul.catalog.service.list(), { consul: [] });
    await consul.agent.service.register({ name: 'svc', tags: ['tag'], port: 80 });
    assert.deepEqual(await consul.catalog.service.list(), { consul: [], svc: ['tag'] });
    const nodes = await consul.catalog.node.list();
    assert.equal(nodes.length, 1);
    assert.equal(nodes[0].Node, 'node1');
    assert.equal(nodes[0].Address, '127.0.0.1');
    const health = await consul.health.service('svc');
    assert.equal(health.length, 1);
    assert.equal(health[0].Service.ID, 'svc');
    await consul.agent.service.deregister('svc');
    assert.deepEqual(await consul.catalog.service.list(), { consul: [] });
  });

  it('runs a TTL check: critical at registration, then pass, warn, fail', async () => {
    await consul.agent.check.register({ name: 'ttl-check', ttl: '30s' });
    const status = async () => (await consul.agent.check.list())['ttl-check'].Status;
    assert.equal(await status(), 'critical');
    assert.deepEqual(
      (await consul.health.state('critical')).map((c: { CheckID: string }) => c.CheckID),
      ['ttl-check'],
    );
    assert.equal((await consul.health.state('any')).length, 2);
    await consul.agent.check.pass('ttl-check');
    assert.equal(await status(), 'passing');
    await consul.agent.check.warn('ttl-check');
    assert.equal(await status(), 'warning');
    await consul.agent.check.fail('ttl-check');
    assert.equal(await status(), 'critical');
    const nodeChecks = await consul.health.node('node1');
    assert.equal(nodeChecks[0].CheckID, 'serfHealth');
    assert.equal(nodeChecks[0].Status, 'passing');
    await consul.agent.check.deregister('ttl-check');
  });

  it('creates, reads, renews and destroys sessions', async () => {
    const { ID } = await consul.session.create({ name: 's1', ttl: '15s' });
    assert.equal((await consul.session.info(ID)).Name, 's1');
    assert.equal((await consul.session.node('node1')).length, 1);
    assert.equal((await consul.session.list()).length, 1);
    const renewed = await consul.session.renew(ID);
    assert.ok(Array.isArray(renewed));
    assert.deepEqual(await consul.session.node('no-such-node'), []);
    assert.equal(await consul.kv.set({ key: 'lock', value: 'me', acquire: ID }), true);
    assert.equal((await consul.kv.get('lock')).Session, ID);
    await consul.session.destroy(ID);
    assert.equal((await consul.kv.get('lock')).Session, undefined);
  });

  it('runs a transaction', async () => {
    const result = await consul.transaction.create([
      { KV: { Verb: 'set', Key: 'txn/a', Value: Buffer.from('1').toString('base64') } },
      { KV: { Verb: 'get', Key: 'txn/a' } },
    ]);
    assert.equal(result.Errors, null);
    assert.equal(Buffer.from(result.Results[1].KV.Value, 'base64').toString(), '1');
  });

  it('fires and lists events with a payload', async () => {
    const fired = await consul.event.fire('deploy', 'v2');
    assert.equal(fired.Name, 'deploy');
    const events = await consul.event.list({ name: 'deploy' });
    assert.equal(events.length, 1);
    assert.equal(events[0].Payload, 'v2');
  });
});
