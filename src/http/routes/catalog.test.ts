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

describe('catalog: ?filter=', () => {
  const filtered = (path: string, filter: string) => `${path}?filter=${encodeURIComponent(filter)}`;

  async function registerRacks(api: TestApi): Promise<void> {
    await api.put('/v1/catalog/register', {
      Node: 'a',
      Address: '10.0.0.1',
      NodeMeta: { rack: 'r1', env: 'prod' },
      Service: { Service: 'web', ID: 'web-a', Tags: ['v1', 'primary'], Port: 80, Meta: { version: '1.2' } },
    });
    await api.put('/v1/catalog/register', {
      Node: 'b',
      Address: '10.0.0.2',
      NodeMeta: { rack: 'r2', env: 'staging' },
      Service: { Service: 'web', ID: 'web-b', Tags: ['v2'], Port: 8080 },
    });
    await api.put('/v1/catalog/register', {
      Node: 'b',
      Address: '10.0.0.2',
      NodeMeta: { rack: 'r2', env: 'staging' },
      Service: { Service: 'db', ID: 'db-b', Tags: ['v1'] },
    });
  }

  const names = (body: { Node: string }[]) => body.map((entry) => entry.Node);

  it('filters nodes as structs.Node', async (t) => {
    const api = await start(t);
    await registerRacks(api);
    const nodes = async (filter: string) =>
      names((await api.get(filtered('/v1/catalog/nodes', filter))).json());
    assert.deepEqual(await nodes('Meta.env == prod'), ['a']);
    assert.deepEqual(await nodes('"rack" in Meta and Meta.rack != r1'), ['b']);
    assert.deepEqual(await nodes('Node matches "^[ab]$" or Address == "127.0.0.1"'), ['a', 'b', 'node1']);
    assert.deepEqual(await nodes('Meta is empty'), ['node1']);
    const both = await api.get(`${filtered('/v1/catalog/nodes', 'Meta.env == prod')}&node-meta=rack:r2`);
    assert.deepEqual(both.json(), [], '?node-meta= and ?filter= both apply');
  });

  it('filters service instances as structs.ServiceNode, after ?tag= and ?node-meta=', async (t) => {
    const api = await start(t);
    await registerRacks(api);
    const instances = async (query: string) =>
      names((await api.get(`/v1/catalog/service/web${query}`)).json());
    const filter = (text: string) => `?filter=${encodeURIComponent(text)}`;
    assert.deepEqual(await instances(filter('ServiceTags contains "v1"')), ['a']);
    assert.deepEqual(await instances(filter('NodeMeta.rack == r2')), ['b']);
    assert.deepEqual(await instances(filter('ServicePort == 8080 or ServiceMeta.version matches `^1\\.`')), [
      'a',
      'b',
    ]);
    assert.deepEqual(
      await instances(filter('ServiceWeights.Passing == 1 and ServiceEnableTagOverride == false')),
      ['a', 'b'],
    );
    assert.deepEqual(await instances(`${filter('ServiceTags contains v1')}&tag=v2`), []);
  });

  it('lists services with the tags of the instances the filter keeps', async (t) => {
    const api = await start(t);
    await registerRacks(api);
    const services = async (filter: string) =>
      (await api.get(filtered('/v1/catalog/services', filter))).json();
    assert.deepEqual(await services('ServiceTags contains v1'), { db: ['v1'], web: ['primary', 'v1'] });
    assert.deepEqual(await services('NodeMeta.rack == r2 and ServiceName == web'), { web: ['v2'] });
    assert.deepEqual(await services('ServiceName == nothing'), {});
  });

  it("filters a node's services as structs.NodeService, keeping an unknown node null", async (t) => {
    const api = await start(t);
    await registerRacks(api);
    const node = (await api.get(filtered('/v1/catalog/node/b', 'Tags contains v1'))).json();
    assert.equal(node.Node.Node, 'b');
    assert.deepEqual(Object.keys(node.Services), ['db-b']);
    const list = (
      await api.get(filtered('/v1/catalog/node-services/b', 'Service == web and Port == 8080'))
    ).json();
    assert.deepEqual(
      list.Services.map((service: { ID: string }) => service.ID),
      ['web-b'],
    );
    assert.equal((await api.get(filtered('/v1/catalog/node/nowhere', 'Tags contains v1'))).body, 'null');
  });

  it('reads Proxy as Consul decodes it: field names in any case or snake_case', async (t) => {
    const api = await start(t);
    await api.put('/v1/catalog/register', {
      Node: 'p',
      Address: '10.0.0.9',
      Service: {
        Kind: 'connect-proxy',
        Service: 'web-proxy',
        Port: 21000,
        Proxy: {
          destination_service_name: 'web',
          upstreams: [{ destination_name: 'db', local_bind_port: 9191 }],
        },
      },
    });
    const instances = async (filter: string) =>
      names((await api.get(filtered('/v1/catalog/service/web-proxy', filter))).json());
    assert.deepEqual(await instances('ServiceProxy.DestinationServiceName == web'), ['p']);
    assert.deepEqual(await instances('ServiceProxy.Upstreams.LocalBindPort == 9191'), ['p']);
    assert.deepEqual(await instances('ServiceProxy.Upstreams.DestinationName == other'), []);
    assert.deepEqual(await instances('ServiceKind == "connect-proxy" and ServiceConnect.Native == false'), [
      'p',
    ]);
  });

  it('keeps the blocking index of the query, not of what the filter kept', async (t) => {
    const api = await start(t);
    await registerRacks(api);
    const all = await api.get('/v1/catalog/service/web');
    const none = await api.get(filtered('/v1/catalog/service/web', 'ServiceName == nothing'));
    assert.deepEqual(none.json(), []);
    assert.equal(index(none), index(all));

    let answered = false;
    const waiting = api
      .get(`${filtered('/v1/catalog/service/web', 'ServiceTags contains v3')}&index=${index(all)}&wait=1m`)
      .then((response) => {
        answered = true;
        return response;
      });
    await settle();
    assert.equal(answered, false);
    await api.put('/v1/catalog/register', {
      Node: 'c',
      Address: '10.0.0.3',
      Service: { Service: 'web', ID: 'web-c', Tags: ['v3'] },
    });
    const woken = await waiting;
    assert.deepEqual(names(woken.json()), ['c']);
    assert.ok(index(woken) > index(all));
  });

  it("takes an empty ?filter as no filter, and refuses bad ones with 400 and go-bexpr's words", async (t) => {
    const api = await start(t);
    assert.equal((await api.get('/v1/catalog/nodes?filter=')).statusCode, 200);
    const cases: [string, string, string][] = [
      [
        '/v1/catalog/nodes',
        'Meta.env ==',
        '1:12 (11): no match found, expected: "-", "0", "\\"", "`", [ \\t\\r\\n], [1-9] or [a-zA-Z]',
      ],
      [
        '/v1/catalog/nodes',
        '  ',
        '1:3 (2): no match found, expected: "(", "-", "0", "\\"", "`", "not", [ \\t\\r\\n], [1-9] or [a-zA-Z]',
      ],
      ['/v1/catalog/nodes', 'ServiceName == web', 'Selector "ServiceName" is not valid'],
      ['/v1/catalog/nodes', 'meta.env == prod', 'Selector "meta" is not valid'],
      [
        '/v1/catalog/service/web',
        'ServiceTags == v1',
        'Invalid match operator "Equal" for selector "ServiceTags"',
      ],
      [
        '/v1/catalog/services',
        'ServicePort == http',
        'Failed to coerce value "http" for selector "ServicePort": strconv.ParseInt: parsing "http": invalid syntax',
      ],
      ['/v1/catalog/node/node1', 'ServiceTags contains x', 'Selector "ServiceTags" is not valid'],
      ['/v1/catalog/node-services/node1', 'Tags.x == y', 'Selector "Tags.x" is not valid'],
    ];
    for (const [path, filter, message] of cases) {
      const refused = await api.get(filtered(path, filter));
      assert.equal(refused.statusCode, 400, `${path} ${filter}`);
      assert.equal(refused.body, `Failed to create boolean expression evaluator: ${message}`);
      assert.match(String(refused.headers['content-type']), /^text\/plain/);
    }
  });
});
