/**
 * `client.internal` against the real HTTP API (the production routes on a loopback socket, over
 * a single-server state store), so the client's types are checked against what the agent sends.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { agentRoutes } from '../http/routes/agent.ts';
import { internalRoutes } from '../http/routes/internal.ts';
import { settle } from '../http/testing/test-context.ts';
import { createTestApi, type TestApi } from '../http/testing/test-local-agent.ts';
import { CairnClient } from './client.ts';

async function listening(t: TestContext): Promise<{ api: TestApi; client: CairnClient }> {
  const api = await createTestApi((context) => [...internalRoutes(context), ...agentRoutes(context)]);
  t.after(() => api.close());
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = api.app.server.address() as { port: number };
  return { api, client: new CairnClient({ address: `127.0.0.1:${port}`, datacenter: 'dc1' }) };
}

describe('client.internal.uiServices', () => {
  it('reads the services list with its counts and the index', async (t) => {
    const { api, client } = await listening(t);
    await api.put('/v1/agent/service/register', { Name: 'web', Tags: ['v1'], Check: { TTL: '1m' } });
    const { value, meta } = await client.internal.uiServices();
    assert.deepEqual(
      value.map((summary) => summary.Name),
      ['consul', 'web'],
    );
    const web = value[1]!;
    assert.deepEqual(web, {
      Name: 'web',
      Datacenter: 'dc1',
      Tags: ['v1'],
      Nodes: ['node1'],
      ExternalSources: null,
      InstanceCount: 1,
      ChecksPassing: 1,
      ChecksWarning: 0,
      ChecksCritical: 1,
      GatewayConfig: {},
      TransparentProxy: false,
      ConnectNative: false,
      ConnectedWithProxy: false,
      ConnectedWithGateway: false,
    });
    assert.ok(meta.lastIndex > 0);
    assert.equal(meta.knownLeader, true);
  });

  it('blocks on the index it is given until a check flips', async (t) => {
    const { api, client } = await listening(t);
    await api.put('/v1/agent/service/register', { Name: 'web', Check: { TTL: '1m' } });
    const first = await client.internal.uiServices();
    let answered = false;
    const waiting = client.internal
      .uiServices({ index: first.meta.lastIndex, waitMs: 5_000 })
      .then((result) => {
        answered = true;
        return result;
      });
    await settle();
    assert.equal(answered, false);
    await api.put('/v1/agent/check/pass/service:web');
    const next = await waiting;
    assert.ok(next.meta.lastIndex > first.meta.lastIndex);
    assert.equal(next.value.find((summary) => summary.Name === 'web')?.ChecksCritical, 0);
  });

  it('sends filter, dc and stale', async (t) => {
    const { api, client } = await listening(t);
    await api.put('/v1/agent/service/register', { Name: 'web', ID: 'web1', Tags: ['v1'] });
    await api.put('/v1/agent/service/register', { Name: 'db', Tags: ['v2'] });
    const { value } = await client.internal.uiServices({ filter: '"v1" in Service.Tags', stale: true });
    assert.deepEqual(
      value.map((summary) => summary.Name),
      ['web'],
    );
    await assert.rejects(client.internal.uiServices({ dc: 'dc9' }), /No path to datacenter/);
  });
});
