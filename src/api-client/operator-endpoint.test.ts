/** `client.operator.raftConfiguration` against the real route on a loopback socket. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { operatorRoutes } from '../http/routes/operator.ts';
import { createTestApi } from '../http/testing/test-local-agent.ts';
import { CairnClient } from './client.ts';

describe('client.operator.raftConfiguration', () => {
  it('reads the servers, the leader and the configuration index', async (t) => {
    const api = await createTestApi(() => operatorRoutes());
    t.after(() => api.close());
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = api.app.server.address() as { port: number };
    const client = new CairnClient({ address: `127.0.0.1:${port}` });

    const { Servers, Index } = await client.operator.raftConfiguration({ stale: true });
    assert.equal(Servers.length, 1);
    const [server] = Servers;
    assert.equal(server?.Leader, true);
    assert.equal(server?.Voter, true);
    assert.equal(server?.ProtocolVersion, '3');
    assert.equal(typeof server?.Address, 'string');
    assert.ok(Index > 0);
  });
});
