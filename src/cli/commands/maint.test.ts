import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { FakeHandler } from '../../api-client/testing/fake-agent.ts';
import { type Harness, startHarness } from '../testing/cli-harness.ts';
import { type MaintOptions, runMaint } from './maint.ts';

const check = (CheckID: string, ServiceID: string, Notes: string) => ({
  Node: 'node1',
  CheckID,
  Name: CheckID,
  Status: 'critical',
  Notes,
  Output: '',
  ServiceID,
  ServiceName: ServiceID,
  ServiceTags: [],
});

describe('cairn maint', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  const unknownService: FakeHandler = (request) =>
    request.path.endsWith('/ghost')
      ? {
          status: 404,
          body: 'Unknown service ID "ghost". Ensure that the service ID is passed, not the service name.',
        }
      : {};
  const start = (routes: Record<string, FakeHandler> = {}) =>
    startHarness({
      'GET /v1/agent/self': () => ({ body: { Config: { NodeName: 'node1' } } }),
      'GET /v1/agent/checks': () => ({
        body: {
          _node_maintenance: check('_node_maintenance', '', 'kernel upgrade'),
          '_service_maintenance:web': check('_service_maintenance:web', 'web', 'bad deploy'),
          'service:web': check('service:web', 'web', ''),
        },
      }),
      'PUT /v1/agent/maintenance': () => ({}),
      'PUT /v1/agent/service/maintenance/*': unknownService,
      ...routes,
    });
  const maint = (options: MaintOptions) => runMaint(harness.client, options, harness.output);
  const lastRequest = () => {
    const { method, path, query } = harness.agent.requests.at(-1)!;
    return `${method} ${path}?${query.toString()}`;
  };

  it('lists the node and the services in maintenance with their reasons', async () => {
    harness = await start();
    assert.equal(await maint({}), 0);
    assert.equal(
      harness.stdout(),
      [
        'Node:',
        '  Name:   node1',
        '  Reason: kernel upgrade',
        '',
        'Service:',
        '  ID:     web',
        '  Reason: bad deploy',
        '',
        '',
      ].join('\n'),
    );
  });

  it('lists nothing when nothing is in maintenance', async () => {
    harness = await start({
      'GET /v1/agent/checks': () => ({ body: { 'service:web': check('service:web', 'web', '') } }),
    });
    assert.equal(await maint({}), 0);
    assert.equal(harness.stdout(), '');
  });

  it('enables and disables node maintenance, sending the reason', async () => {
    harness = await start();
    assert.equal(await maint({ enable: true, reason: 'kernel upgrade' }), 0);
    assert.equal(lastRequest(), 'PUT /v1/agent/maintenance?enable=true&reason=kernel+upgrade');
    assert.equal(await maint({ disable: true }), 0);
    assert.equal(lastRequest(), 'PUT /v1/agent/maintenance?enable=false');
    assert.equal(harness.stdout(), 'Node maintenance is now enabled\nNode maintenance is now disabled\n');
  });

  it('enables and disables maintenance of one service', async () => {
    harness = await start();
    assert.equal(await maint({ enable: true, service: 'demo/pg1' }), 0);
    assert.equal(lastRequest(), 'PUT /v1/agent/service/maintenance/demo/pg1?enable=true&reason=');
    assert.equal(await maint({ disable: true, service: 'web' }), 0);
    assert.equal(lastRequest(), 'PUT /v1/agent/service/maintenance/web?enable=false');
    assert.equal(
      harness.stdout(),
      'Service maintenance is now enabled for "demo/pg1"\nService maintenance is now disabled for "web"\n',
    );
  });

  it("reports an unknown service with the agent's answer", async () => {
    harness = await start();
    assert.equal(await maint({ enable: true, service: 'ghost' }), 1);
    assert.equal(await maint({ disable: true, service: 'ghost' }), 1);
    const answer =
      'Unexpected response code: 404 (Unknown service ID "ghost". Ensure that the service ID is passed, not the service name.)';
    assert.equal(
      harness.stderr(),
      `Error enabling service maintenance: ${answer}\nError disabling service maintenance: ${answer}\n`,
    );
    assert.equal(harness.stdout(), '');
  });

  it('reports failures to read the agent or its checks, and to change node maintenance', async () => {
    const refused = () => ({ status: 403, body: 'Permission denied' });
    harness = await start({ 'GET /v1/agent/self': refused });
    assert.equal(await maint({}), 1);
    assert.equal(
      harness.stderr(),
      'Error querying Cairn agent: Unexpected response code: 403 (Permission denied)\n',
    );
    await harness.close();
    harness = await start({ 'GET /v1/agent/checks': refused, 'PUT /v1/agent/maintenance': refused });
    assert.equal(await maint({}), 1);
    assert.equal(await maint({ enable: true }), 1);
    assert.equal(await maint({ disable: true }), 1);
    assert.equal(
      harness.stderr(),
      [
        'Error getting checks: Unexpected response code: 403 (Permission denied)',
        'Error enabling node maintenance: Unexpected response code: 403 (Permission denied)',
        'Error disabling node maintenance: Unexpected response code: 403 (Permission denied)',
        '',
      ].join('\n'),
    );
  });

  it('refuses conflicting flags as Consul does, before asking the agent', async () => {
    harness = await start();
    const cases: [MaintOptions, string][] = [
      [{ enable: true, disable: true }, 'Only one of -enable or -disable may be provided'],
      [{ disable: true, reason: 'x' }, 'Reason may only be provided with -enable'],
      [{ reason: 'x' }, 'Reason may only be provided with -enable'],
      [{ service: 'web' }, 'Service requires either -enable or -disable'],
    ];
    for (const [options] of cases) {
      assert.equal(await maint(options), 1, JSON.stringify(options));
    }
    assert.equal(harness.stderr(), cases.map(([, message]) => `${message}\n`).join(''));
    assert.equal(harness.agent.requests.length, 0);
  });
});
