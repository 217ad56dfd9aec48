import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { FakeRequest } from '../../api-client/testing/fake-agent.ts';
import { type Harness, memoryInput, startHarness } from '../testing/cli-harness.ts';
import { runServicesDeregister } from './services-deregister.ts';
import { runServicesRegister, withFlagDefaults } from './services-register.ts';

const bodyOf = (request: FakeRequest | undefined) => JSON.parse(new TextDecoder().decode(request?.body));

describe('cairn services register', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  const start = () =>
    startHarness({
      'PUT /v1/agent/service/register': (request) =>
        bodyOf(request).Name === 'bad' || bodyOf(request).name === 'bad'
          ? { status: 400, body: 'Invalid service address' }
          : {},
      'PUT /v1/agent/service/deregister/*': () => ({}),
    });

  it('registers from flags', async () => {
    harness = await start();
    const flags = { name: 'web', port: 80, address: '10.0.0.5', tag: ['a', 'b'], meta: { v: '1' } };
    assert.equal(await runServicesRegister(harness.client, flags, harness.output, memoryInput()), 0);
    assert.equal(harness.stdout(), 'Registered service: web\n');
    assert.deepEqual(bodyOf(harness.agent.requests[0]), {
      Name: 'web',
      Address: '10.0.0.5',
      Port: 80,
      Meta: { v: '1' },
      Tags: ['a', 'b'],
    });
  });

  it('registers every service of HCL and JSON files, keys as written', async () => {
    harness = await start();
    const input = memoryInput({
      'web.hcl':
        'service {\n  name = "web"\n  port = 8080\n  check { http = "http://x/health"\n interval = "5s" }\n}',
      'more.json': '{"services":[{"Name":"db","Port":5432},{"name":"cache"}]}',
    });
    const code = await runServicesRegister(
      harness.client,
      { files: ['web.hcl', 'more.json'] },
      harness.output,
      input,
    );
    assert.equal(code, 0);
    assert.equal(
      harness.stdout(),
      'Registered service: web\nRegistered service: db\nRegistered service: cache\n',
    );
    assert.deepEqual(bodyOf(harness.agent.requests[0]).check, { http: 'http://x/health', interval: '5s' });
    assert.equal(bodyOf(harness.agent.requests[1]).Port, 5432);
  });

  it('reports an unreadable or invalid file before registering anything', async () => {
    harness = await start();
    assert.equal(
      await runServicesRegister(harness.client, { files: ['missing.hcl'] }, harness.output, memoryInput()),
      1,
    );
    assert.equal(harness.stderr(), 'Error: open missing.hcl: no such file or directory\n');
    assert.equal(harness.agent.requests.length, 0);
  });

  it('needs files or -name, not both', async () => {
    harness = await start();
    assert.equal(await runServicesRegister(harness.client, {}, harness.output, memoryInput()), 1);
    assert.equal(
      await runServicesRegister(harness.client, { name: 'x', files: ['f'] }, harness.output, memoryInput()),
      1,
    );
    assert.equal(
      harness.stderr(),
      'Service registration requires at least one argument or flags.\n' +
        'Service registration requires arguments or -id, not both.\n',
    );
  });

  it('reports what the agent refused', async () => {
    harness = await start();
    assert.equal(
      await runServicesRegister(harness.client, { name: 'bad' }, harness.output, memoryInput()),
      1,
    );
    assert.equal(
      harness.stderr(),
      'Error registering service "bad": Unexpected response code: 400 (Invalid service address)\n',
    );
  });

  it('deregisters by -id and by file (ID, else Name)', async () => {
    harness = await start();
    assert.equal(
      await runServicesDeregister(harness.client, { id: 'demo/pg1' }, harness.output, memoryInput()),
      0,
    );
    const input = memoryInput({ 'web.json': '{"services":[{"id":"web-1","name":"web"},{"name":"db"}]}' });
    assert.equal(
      await runServicesDeregister(harness.client, { files: ['web.json'] }, harness.output, input),
      0,
    );
    assert.equal(
      harness.stdout(),
      'Deregistered service: demo/pg1\nDeregistered service: web-1\nDeregistered service: db\n',
    );
    assert.deepEqual(
      harness.agent.requests.map((request) => request.path),
      [
        '/v1/agent/service/deregister/demo/pg1',
        '/v1/agent/service/deregister/web-1',
        '/v1/agent/service/deregister/db',
      ],
    );
  });

  it('needs files or -id to deregister', async () => {
    harness = await start();
    assert.equal(await runServicesDeregister(harness.client, {}, harness.output, memoryInput()), 1);
    assert.equal(harness.stderr(), 'Service deregistration requires at least one argument or -id.\n');
  });
});

describe('withFlagDefaults', () => {
  it('fills what the file leaves out, merges meta and appends tags, as Consul’s CombineArgs', () => {
    const combined = withFlagDefaults(
      { name: 'web', port: 0, meta: { a: '1' }, tags: ['x'] },
      { name: 'ignored', port: 80, id: 'web-1', meta: { b: '2' }, tag: ['y'] },
    );
    assert.deepEqual(combined, {
      name: 'web',
      port: 80,
      meta: { a: '1', b: '2' },
      tags: ['x', 'y'],
      ID: 'web-1',
    });
  });
});
