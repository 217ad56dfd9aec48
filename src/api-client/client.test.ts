import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiError, CairnClient, ConnectionError } from './client.ts';
import { normalizeAddress } from './http-transport.ts';
import { type FakeAgent, kvStore, startFakeAgent, unusedAddress } from './testing/fake-agent.ts';

const text = (value: string) => new TextEncoder().encode(value);

describe('normalizeAddress', () => {
  const table: [string, string][] = [
    ['127.0.0.1:8500', 'http://127.0.0.1:8500'],
    ['http://127.0.0.1:8500', 'http://127.0.0.1:8500'],
    ['https://consul.example:8501/', 'https://consul.example:8501'],
    ['[::1]:8500', 'http://[::1]:8500'],
  ];
  for (const [input, expected] of table) {
    it(`reads ${input}`, () => assert.equal(normalizeAddress(input), expected));
  }

  it('rejects other schemes', () => {
    assert.throws(() => normalizeAddress('unix:///tmp/consul.sock'), /expected http:\/\/ or https:\/\//);
  });
});

describe('CairnClient against an agent', () => {
  let agent: FakeAgent;
  const store = kvStore({ 'config/a': 'one', 'config/b/c': 'two' });

  before(async () => {
    agent = await startFakeAgent({
      '* /v1/kv/*': store.handler,
      'GET /v1/agent/members': (request) => ({
        body: [
          {
            Name: request.query.has('wan') ? 'n1.dc1' : 'n1',
            Addr: '127.0.0.1',
            Port: 8301,
            Tags: {},
            Status: 1,
          },
        ],
      }),
      'GET /v1/status/leader': () => ({ status: 500, body: 'No cluster leader\n' }),
      'GET /v1/catalog/node/ghost': () => ({ headers: { 'X-Consul-Index': '4' }, body: null }),
      'GET /v1/health/service/web': (request) => ({
        headers: { 'X-Consul-Index': '12', 'X-Consul-KnownLeader': 'false', 'X-Consul-LastContact': '37' },
        body: [
          { Node: { Node: 'n1' }, Service: { ID: 'web' }, Checks: [], tags: request.query.getAll('tag') },
        ],
      }),
      'PUT /v1/agent/service/deregister/demo/pg1': () => ({}),
      'PUT /v1/session/renew/gone': () => ({ status: 404, body: "Session id 'gone' not found" }),
      'PUT /v1/event/fire/deploy': (request) => ({
        body: {
          ID: 'e1',
          Name: 'deploy',
          Payload: Buffer.from(request.body).toString('base64'),
          Version: 1,
          LTime: 3,
        },
      }),
    });
  });
  after(() => agent.close());

  const client = () => new CairnClient({ address: agent.address, token: 'secret', datacenter: 'dc1' });

  it('gets a key: decodes the value and reads the index headers', async () => {
    const { value, meta } = await client().kv.get('config/a');
    assert.deepEqual(value?.Value, text('one'));
    assert.equal(value?.Key, 'config/a');
    assert.equal(value?.Session, '');
    assert.equal(meta.lastIndex, value?.ModifyIndex);
    assert.equal(meta.knownLeader, true);
    const request = agent.requests.at(-1)!;
    assert.equal(request.headers['x-consul-token'], 'secret');
    assert.equal(request.query.get('dc'), 'dc1');
  });

  it('answers null for a missing key, with the metadata of the 404', async () => {
    const { value, meta } = await client().kv.get('nope');
    assert.equal(value, null);
    assert.ok(meta.lastIndex > 0);
  });

  it('passes blocking and consistency options as Consul query parameters', async () => {
    await client().kv.get('config/a', { index: 3, waitMs: 1500, stale: true });
    const { query } = agent.requests.at(-1)!;
    assert.equal(query.get('index'), '3');
    assert.equal(query.get('wait'), '1500ms');
    assert.equal(query.get('stale'), '');
    await client().kv.get('config/a', { index: 0 });
    assert.equal(agent.requests.at(-1)!.query.has('index'), false, 'index 0 is never sent');
  });

  it('lists a prefix and lists keys with a separator', async () => {
    const listed = await client().kv.list('config/');
    assert.deepEqual(
      listed.value.map((entry) => entry.Key),
      ['config/a', 'config/b/c'],
    );
    const keys = await client().kv.keys('config/', '/');
    assert.deepEqual(keys.value, ['config/a', 'config/b/']);
    assert.deepEqual((await client().kv.list('none/')).value, []);
  });

  it('puts with cas and reports whether the write happened', async () => {
    const { value } = await client().kv.get('config/a');
    assert.equal(await client().kv.put('config/a', 'new', { cas: value!.ModifyIndex }), true);
    assert.equal(await client().kv.put('config/a', 'newer', { cas: value!.ModifyIndex }), false);
    assert.equal(store.valueOf('config/a'), 'new');
    assert.equal(await client().kv.put('bin', new Uint8Array([0, 255]), { flags: 42 }), true);
    assert.deepEqual(store.entries.get('bin')?.Value, new Uint8Array([0, 255]));
    assert.equal(store.entries.get('bin')?.Flags, 42);
  });

  it('deletes a prefix', async () => {
    assert.equal(await client().kv.delete('config/b', { recurse: true }), true);
    assert.equal(store.entries.has('config/b/c'), false);
  });

  it('reads members, WAN members too', async () => {
    assert.equal((await client().agent.members())[0]?.Name, 'n1');
    assert.equal((await client().agent.members({ wan: true }))[0]?.Name, 'n1.dc1');
  });

  it('keeps slashes of ids in paths', async () => {
    await client().agent.serviceDeregister('demo/pg1');
    assert.equal(agent.requests.at(-1)!.path, '/v1/agent/service/deregister/demo/pg1');
  });

  it('reads health with tags and the staleness headers', async () => {
    const { value, meta } = await client().health.service('web', { passing: true, tag: ['a', 'b'] });
    assert.deepEqual(meta, { lastIndex: 12, knownLeader: false, lastContactMs: 37 });
    assert.deepEqual((value[0] as unknown as { tags: string[] }).tags, ['a', 'b']);
    assert.equal(agent.requests.at(-1)!.query.get('passing'), '');
  });

  it('answers null for an unknown node and for renewing a gone session', async () => {
    assert.equal((await client().catalog.node('ghost')).value, null);
    assert.equal(await client().session.renew('gone'), null);
  });

  it('decodes event payloads', async () => {
    const event = await client().event.fire('deploy', 'v2');
    assert.deepEqual(event.Payload, text('v2'));
  });

  it('fails with the status and body, worded like the Go client', async () => {
    const error = await client()
      .status.leader()
      .catch((caught: unknown) => caught);
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 500);
    assert.equal(error.body, 'No cluster leader');
    assert.equal(error.message, 'Unexpected response code: 500 (No cluster leader)');
  });
});

describe("CairnClient: the local agent's maintenance, reload and service health", () => {
  let agent: FakeAgent;
  const info = (id: string, status: string) => ({
    AggregatedStatus: status,
    Service: { ID: id, Service: 'web' },
    Checks: [{ CheckID: `service:${id}`, Status: status }],
  });

  before(async () => {
    agent = await startFakeAgent({
      'PUT /v1/agent/reload': () => ({}),
      'PUT /v1/agent/maintenance': () => ({}),
      'PUT /v1/agent/service/maintenance/*': () => ({}),
      'GET /v1/agent/health/service/id/web-1': () => ({ body: info('web-1', 'passing') }),
      'GET /v1/agent/health/service/id/web-2': () => ({ status: 429, body: info('web-2', 'warning') }),
      'GET /v1/agent/health/service/id/a/b': () => ({ status: 503, body: info('a/b', 'maintenance') }),
      'GET /v1/agent/health/service/id/ghost': () => ({
        status: 404,
        body: { AggregatedStatus: 'critical', Service: null, Checks: null },
      }),
      'GET /v1/agent/health/service/name/web': () => ({
        status: 429,
        body: [info('web-1', 'passing'), info('web-2', 'warning')],
      }),
      'GET /v1/agent/health/service/name/ghost': () => ({ status: 404, body: [] }),
      'GET /v1/agent/health/service/name/broken': () => ({ status: 500, body: 'boom' }),
    });
  });
  after(() => agent.close());

  const client = () => new CairnClient({ address: agent.address });
  const lastRequest = () => {
    const { method, path, query } = agent.requests.at(-1)!;
    return `${method} ${path}?${query.toString()}`;
  };

  it('reloads with a PUT', async () => {
    await client().agent.reload();
    assert.equal(lastRequest(), 'PUT /v1/agent/reload?');
  });

  it('turns node and service maintenance on with a reason and off without one', async () => {
    await client().agent.enableNodeMaintenance('kernel upgrade');
    assert.equal(lastRequest(), 'PUT /v1/agent/maintenance?enable=true&reason=kernel+upgrade');
    await client().agent.disableNodeMaintenance();
    assert.equal(lastRequest(), 'PUT /v1/agent/maintenance?enable=false');
    await client().agent.enableServiceMaintenance('demo/pg1', '');
    assert.equal(lastRequest(), 'PUT /v1/agent/service/maintenance/demo/pg1?enable=true&reason=');
    await client().agent.disableServiceMaintenance('web');
    assert.equal(lastRequest(), 'PUT /v1/agent/service/maintenance/web?enable=false');
  });

  it("reads a service's health from the status code, as the Go client does", async () => {
    const passing = await client().agent.healthServiceById('web-1');
    assert.equal(passing.status, 'passing');
    assert.equal(passing.info?.Service.ID, 'web-1');
    assert.equal(lastRequest(), 'GET /v1/agent/health/service/id/web-1?format=json');
    assert.equal((await client().agent.healthServiceById('web-2')).status, 'warning');
    const maintenance = await client().agent.healthServiceById('a/b');
    assert.equal(maintenance.status, 'critical');
    assert.equal(maintenance.info?.AggregatedStatus, 'maintenance');
    assert.deepEqual(await client().agent.healthServiceById('ghost'), { status: 'critical', info: null });
  });

  it('reads every instance of a service by name, and nothing for an unknown name', async () => {
    const web = await client().agent.healthServiceByName('web');
    assert.equal(web.status, 'warning');
    assert.deepEqual(
      web.infos.map((entry) => entry.AggregatedStatus),
      ['passing', 'warning'],
    );
    assert.deepEqual(await client().agent.healthServiceByName('ghost'), { status: 'critical', infos: [] });
    const error = await client()
      .agent.healthServiceByName('broken')
      .catch((caught: unknown) => caught);
    assert.ok(error instanceof ApiError);
    assert.equal(error.message, 'Unexpected response code: 500 (boom)');
  });
});

describe('CairnClient without an agent', () => {
  it('fails with a Go-style dial error', async () => {
    const address = await unusedAddress();
    const error = await new CairnClient({ address }).agent.self().catch((caught: unknown) => caught);
    assert.ok(error instanceof ConnectionError);
    assert.equal(error.code, 'ECONNREFUSED');
    assert.equal(error.message, `dial tcp ${address}: connect: connection refused`);
  });
});
