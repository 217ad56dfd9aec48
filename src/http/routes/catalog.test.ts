import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { registerTestNode, settle } from '../testing/test-context.ts';
import { createTestApi, type TestApi } from '../testing/test-local-agent.ts';
import { agentRoutes } from './agent.ts';
import { catalogRoutes } from './catalog.ts';

async function start(t: TestContext): Promise<TestApi> {
  const api = await createTestApi((context) => [...catalogRoutes(context), ...agentRoutes(context)]);
  t.after(() => api.close());
  return api;
}

function index(response: { headers: Record<string, unknown> }): number {
  return Number(response.headers['x-consul-index']);
}

describe("catalog: what node-consul's acceptance suite expects", () => {
  it('lists services as {consul: [], svc: [tag]}, the node at 127.0.0.1, and the service on it', async (t) => {
    const api = await start(t);
    const registered = await api.put('/v1/agent/service/register', { name: 'svc', tags: ['tag-1'] });
    assert.equal(registered.statusCode, 200, registered.body);

    const services = await api.get('/v1/catalog/services');
    assert.equal(services.statusCode, 200);
    assert.deepEqual(services.json(), { consul: [], svc: ['tag-1'] });
    assert.ok(index(services) >= 1);

    assert.deepEqual(
      (await api.get('/v1/catalog/nodes'))
        .json()
        .map((n: { Node: string; Address: string }) => [n.Node, n.Address]),
      [['node1', '127.0.0.1']],
    );
    assert.deepEqual((await api.get('/v1/catalog/datacenters')).json(), ['dc1']);

    const node = (await api.get('/v1/catalog/node/node1')).json();
    assert.equal(node.Node.Node, 'node1');
    assert.equal(node.Services.svc.Service, 'svc');
    assert.deepEqual(node.Services.svc.Tags, ['tag-1']);

    const nodes = (await api.get('/v1/catalog/service/svc')).json();
    assert.deepEqual(
      nodes.map((n: { Node: string }) => n.Node),
      ['node1'],
    );
  });
});

describe('catalog: register and deregister', () => {
  it("runs python-consul's catalog test: nodes by name, tag unions, node views, tag filter, deregister", async (t) => {
    const api = await start(t);
    const ok = async (url: string, body: unknown) => {
      const response = await api.put(url, body);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.body, 'true');
    };
    await ok('/v1/catalog/register', {
      node: 'n1',
      address: '10.1.10.11',
      datacenter: 'dc1',
      service: { service: 's1' },
      check: { name: 'c1' },
      WriteRequest: { Token: 't' },
    });
    await ok('/v1/catalog/register', { node: 'n1', address: '10.1.10.11', service: { service: 's2' } });
    await ok('/v1/catalog/register', {
      node: 'n2',
      address: '10.1.10.12',
      service: { service: 's1', tags: ['master'] },
    });

    const names = async () =>
      (await api.get('/v1/catalog/nodes')).json().map((n: { Node: string }) => n.Node);
    assert.deepEqual(await names(), ['n1', 'n2', 'node1']);
    assert.deepEqual((await api.get('/v1/catalog/services')).json(), { consul: [], s1: ['master'], s2: [] });
    assert.deepEqual(Object.keys((await api.get('/v1/catalog/node/n1')).json().Services), ['s1', 's2']);

    const missing = await api.get('/v1/catalog/node/n3');
    assert.equal(missing.statusCode, 200);
    assert.equal(missing.body, 'null');

    const s1 = async (query = '') =>
      (await api.get(`/v1/catalog/service/s1${query}`)).json().map((n: { Node: string }) => n.Node);
    assert.deepEqual(await s1(), ['n1', 'n2']);
    assert.deepEqual(await s1('?tag=master'), ['n2']);
    assert.deepEqual(await s1('?tag=MASTER'), ['n2'], 'tags match ignoring case');

    await ok('/v1/catalog/deregister', { node: 'n1', checkid: 'c1' });
    await ok('/v1/catalog/deregister', { node: 'n2', serviceid: 's1' });
    assert.deepEqual(await names(), ['n1', 'n2', 'node1']);
    assert.deepEqual(await s1(), ['n1']);

    await ok('/v1/catalog/deregister', { node: 'n1' });
    await ok('/v1/catalog/deregister', { node: 'n2' });
    assert.deepEqual(await names(), ['node1']);
  });

  it('stores a registered check critical by default, named after its ID', async (t) => {
    const api = await start(t);
    await api.put('/v1/catalog/register', { Node: 'n1', Address: '10.0.0.1', Check: { Name: 'disk' } });
    const check = api.harness.context.server.store.catalog.check('n1', 'disk');
    assert.equal(check?.Status, 'critical');
    assert.equal(check?.Node, 'n1');
  });

  it("answers Consul's RPC errors with 500 and their text", async (t) => {
    const api = await start(t);
    const cases: [unknown, string][] = [
      [{ Address: '10.0.0.1' }, 'Must provide node'],
      [{ Node: 'n1' }, 'Must provide address if SkipNodeUpdate is not set'],
      [{ Node: 'n1', Address: 'a', ID: 'short' }, 'Bad node ID: uuid string is wrong length'],
      [{ Node: 'n1', Address: 'a', Datacenter: 'dc2' }, 'No path to datacenter'],
      [{ Node: 'n1', Address: 'a', Service: { ID: 'x' } }, 'Must provide service name with ID'],
      [
        { Node: 'n1', Address: 'a', Service: { Service: 'x', Address: '0.0.0.0' } },
        'Invalid service address',
      ],
    ];
    for (const [body, message] of cases) {
      const response = await api.put('/v1/catalog/register', body);
      assert.equal(response.statusCode, 500, JSON.stringify(body));
      assert.equal(response.body, message);
    }
    const deregister = await api.put('/v1/catalog/deregister', {});
    assert.equal(deregister.statusCode, 500);
    assert.equal(deregister.body, 'Must provide node');
    const undecodable = await api.put('/v1/catalog/register', '{');
    assert.equal(undecodable.statusCode, 400);
    assert.match(undecodable.body, /^Request decode failed:/);
  });

  it('keeps the node as it is when SkipNodeUpdate is set', async (t) => {
    const api = await start(t);
    await api.put('/v1/catalog/register', { Node: 'n1', Address: '10.0.0.1' });
    await api.put('/v1/catalog/register', { Node: 'n1', SkipNodeUpdate: true, Service: { Service: 'web' } });
    assert.equal(api.harness.context.server.store.catalog.node('n1').value?.Address, '10.0.0.1');
    assert.ok(api.harness.context.server.store.catalog.service('n1', 'web'));
  });

  it('allows only PUT on register, answering 405 with Allow', async (t) => {
    const api = await start(t);
    const response = await api.get('/v1/catalog/register');
    assert.equal(response.statusCode, 405);
    assert.equal(response.headers.allow, 'OPTIONS,PUT');
    assert.equal(response.body, 'method GET not allowed');
  });
});

describe('catalog: reads', () => {
  it("answers a ServiceNode with Consul's fields, in Consul's order", async (t) => {
    const api = await start(t);
    await api.put('/v1/agent/service/register', {
      Name: 'web',
      Address: '10.0.0.9',
      Port: 80,
      Meta: { v: '1' },
    });
    const [entry] = (await api.get('/v1/catalog/service/web')).json();
    assert.deepEqual(Object.keys(entry), [
      'ID',
      'Node',
      'Address',
      'Datacenter',
      'TaggedAddresses',
      'NodeMeta',
      'ServiceKind',
      'ServiceID',
      'ServiceName',
      'ServiceTags',
      'ServiceAddress',
      'ServiceTaggedAddresses',
      'ServiceWeights',
      'ServiceMeta',
      'ServicePort',
      'ServiceSocketPath',
      'ServiceEnableTagOverride',
      'ServiceProxy',
      'ServiceConnect',
      'CreateIndex',
      'ModifyIndex',
    ]);
    assert.deepEqual(entry.ServiceTags, []);
    assert.deepEqual(entry.ServiceMeta, { v: '1' });
    assert.deepEqual(entry.ServiceWeights, { Passing: 1, Warning: 1 });
    assert.deepEqual(entry.ServiceTaggedAddresses.lan_ipv4, { Address: '10.0.0.9', Port: 80 });
    assert.deepEqual(entry.ServiceProxy, { MeshGateway: {}, Expose: {} });
    assert.deepEqual(entry.ServiceConnect, {});
    assert.equal(entry.Datacenter, 'dc1');
  });

  it('requires every ?tag given, and filters by ?node-meta', async (t) => {
    const api = await start(t);
    await api.put('/v1/catalog/register', {
      Node: 'a',
      Address: '10.0.0.1',
      NodeMeta: { rack: 'r1' },
      Service: { Service: 'web', Tags: ['x', 'y'] },
    });
    await api.put('/v1/catalog/register', {
      Node: 'b',
      Address: '10.0.0.2',
      NodeMeta: { rack: 'r2' },
      Service: { Service: 'web', Tags: ['x'] },
    });
    const nodes = async (query: string) =>
      (await api.get(`/v1/catalog/service/web${query}`)).json().map((n: { Node: string }) => n.Node);
    assert.deepEqual(await nodes('?tag=x'), ['a', 'b']);
    assert.deepEqual(await nodes('?tag=x&tag=y'), ['a']);
    assert.deepEqual(await nodes('?tag='), []);
    assert.deepEqual(await nodes('?node-meta=rack:r2'), ['b']);
    assert.deepEqual(await nodes('?near=_agent'), ['a', 'b'], '?near is accepted');
    assert.deepEqual(
      (await api.get('/v1/catalog/nodes?node-meta=rack:r1')).json().map((n: { Node: string }) => n.Node),
      ['a'],
    );
    assert.deepEqual((await api.get('/v1/catalog/services?node-meta=rack:r2')).json(), { web: ['x'] });
  });

  it('accepts an empty ?filter and refuses expressions it cannot evaluate', async (t) => {
    const api = await start(t);
    assert.equal((await api.get('/v1/catalog/nodes?filter=')).statusCode, 200);
    const refused = await api.get(
      `/v1/catalog/service/web?filter=${encodeURIComponent('ServiceTags contains "x"')}`,
    );
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /^Failed to create boolean expression evaluator/);
    assert.match(String(refused.headers['content-type']), /^text\/plain/);
  });

  it('says which name is missing', async (t) => {
    const api = await start(t);
    const service = await api.get('/v1/catalog/service/');
    assert.equal(service.statusCode, 400);
    assert.equal(service.body, 'Missing service name');
    assert.equal((await api.get('/v1/catalog/node/')).body, 'Missing node name');
  });

  it('refuses another datacenter with 500 No path to datacenter', async (t) => {
    const api = await start(t);
    const response = await api.get('/v1/catalog/nodes?dc=dc2');
    assert.equal(response.statusCode, 500);
    assert.equal(response.body, 'No path to datacenter');
  });

  it('blocks on a service until an instance changes, with a per-service index', async (t) => {
    const api = await start(t);
    await api.put('/v1/agent/service/register', { Name: 'web' });
    const first = await api.get('/v1/catalog/service/web');
    const seen = index(first);

    let answered = false;
    const waiting = api.get(`/v1/catalog/service/web?index=${seen}&wait=1m`).then((response) => {
      answered = true;
      return response;
    });
    await settle();
    await api.put('/v1/agent/service/register', { Name: 'other' });
    await settle();
    assert.equal(answered, false, 'another service does not wake it');

    await api.put('/v1/agent/service/register', { Name: 'web', Tags: ['new'] });
    const woken = await waiting;
    assert.ok(index(woken) > seen);
    assert.deepEqual(woken.json()[0].ServiceTags, ['new']);
  });

  it("lists a node's services as a list on node-services", async (t) => {
    const api = await start(t);
    await registerTestNode(api.harness.server, 'n9');
    const body = (await api.get('/v1/catalog/node-services/node1')).json();
    assert.deepEqual(
      body.Services.map((s: { ID: string }) => s.ID),
      ['consul'],
    );
    assert.deepEqual((await api.get('/v1/catalog/node-services/n9')).json().Services, []);
    assert.equal((await api.get('/v1/catalog/node-services/none')).body, 'null');
  });
});
