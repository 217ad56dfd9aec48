import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { registerTestNode, settle } from '../testing/test-context.ts';
import { createTestApi, type TestApi } from '../testing/test-local-agent.ts';
import { agentRoutes } from './agent.ts';
import { catalogRoutes } from './catalog.ts';
import { healthRoutes } from './health.ts';

async function start(t: TestContext): Promise<TestApi> {
  const api = await createTestApi((context) => [
    ...healthRoutes(context),
    ...agentRoutes(context),
    ...catalogRoutes(context),
  ]);
  t.after(() => api.close());
  return api;
}

interface CheckJson {
  Node: string;
  CheckID: string;
  Status: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  Output: string;
}

interface EntryJson {
  Node: { Node: string; Address: string };
  Service: { ID: string; Service: string; Tags: string[] };
  Checks: CheckJson[];
}

const ids = (entries: EntryJson[]) => entries.map((entry) => entry.Service.ID);

describe("health: what node-consul's acceptance suite expects", () => {
  it('serves node, checks, service and state as its tests read them', async (t) => {
    const api = await start(t);
    const registered = await api.put('/v1/agent/service/register', { Name: 'svc', Check: { TTL: '60s' } });
    assert.equal(registered.statusCode, 200, registered.body);

    const node: CheckJson[] = (await api.get('/v1/health/node/node1')).json();
    assert.equal(node[0]?.Node, 'node1');
    assert.equal(node[0]?.CheckID, 'serfHealth');
    assert.equal(node[0]?.Status, 'passing');
    assert.ok(node.some((check) => check.ServiceName === 'svc'));

    const checks: CheckJson[] = (await api.get('/v1/health/checks/svc')).json();
    assert.deepEqual(
      checks.map((check) => check.CheckID),
      ['service:svc'],
    );

    const [entry] = (await api.get('/v1/health/service/svc')).json() as EntryJson[];
    assert.equal(entry?.Node.Node, 'node1');
    assert.equal(entry?.Node.Address, '127.0.0.1');
    assert.equal(entry?.Service.ID, 'svc');
    assert.equal(entry?.Service.Service, 'svc');
    assert.deepEqual(entry?.Service.Tags, []);
    assert.deepEqual(entry?.Checks.map((check) => check.CheckID).sort(), ['serfHealth', 'service:svc']);

    const critical: CheckJson[] = (await api.get('/v1/health/state/critical')).json();
    assert.equal(critical.length, 1);
    assert.equal(critical[0]?.ServiceName, 'svc');
    assert.equal((await api.get('/v1/health/state/any')).json().length, 2);
  });
});

describe('health: service instances', () => {
  it("runs python-consul's health test: ?passing follows TTL pings and expiry on the clock", async (t) => {
    const api = await start(t);
    const { clock } = api.harness;
    assert.deepEqual((await api.get('/v1/health/service/foo')).json(), []);
    await api.put('/v1/agent/service/register', {
      name: 'foo',
      id: 'foo:1',
      check: { ttl: '10s' },
      tags: ['tag:foo:1'],
    });
    await api.put('/v1/agent/service/register', { name: 'foo', id: 'foo:2', check: { ttl: '100ms' } });

    const passing = async () => ids((await api.get('/v1/health/service/foo?passing=1')).json());
    assert.deepEqual(ids((await api.get('/v1/health/service/foo')).json()), ['foo:1', 'foo:2']);
    assert.deepEqual(await passing(), []);

    await api.put('/v1/agent/check/pass/service:foo:1');
    await api.put('/v1/agent/check/pass/service:foo:2');
    assert.deepEqual(await passing(), ['foo:1', 'foo:2']);

    clock.advance(120);
    await settle();
    assert.deepEqual(await passing(), ['foo:1']);
    const expired = (await api.get('/v1/health/checks/foo'))
      .json()
      .find((c: CheckJson) => c.ServiceID === 'foo:2');
    assert.equal(expired.Output, 'TTL expired');

    await api.put('/v1/agent/check/pass/service:foo:2');
    assert.deepEqual(await passing(), ['foo:1', 'foo:2']);
    assert.deepEqual(ids((await api.get('/v1/health/service/foo?tag=tag:foo:1')).json()), ['foo:1']);

    await api.put('/v1/agent/service/deregister/foo:1');
    await api.put('/v1/agent/service/deregister/foo:2');
    assert.deepEqual((await api.get('/v1/health/service/foo')).json(), []);
  });

  it('drops instances whose node checks fail under ?passing, maintenance included', async (t) => {
    const api = await start(t);
    await registerTestNode(api.harness.server, 'sick', { serfHealth: 'critical' });
    await api.put('/v1/catalog/register', {
      Node: 'sick',
      SkipNodeUpdate: true,
      Service: { Service: 'web', ID: 'web-sick' },
    });
    await api.put('/v1/agent/service/register', { Name: 'web', ID: 'web-local' });

    const url = (query: string) => `/v1/health/service/web${query}`;
    assert.deepEqual(ids((await api.get(url(''))).json()), ['web-local', 'web-sick']);
    assert.deepEqual(ids((await api.get(url('?passing'))).json()), ['web-local']);
    assert.deepEqual(ids((await api.get(url('?passing='))).json()), ['web-local']);
    assert.deepEqual(ids((await api.get(url('?passing=true'))).json()), ['web-local']);
    assert.deepEqual(ids((await api.get(url('?passing=false'))).json()), ['web-local', 'web-sick']);

    await api.put('/v1/agent/maintenance?enable=true&reason=upgrade');
    assert.deepEqual((await api.get(url('?passing'))).json(), []);
    await api.put('/v1/agent/maintenance?enable=false');
    assert.deepEqual(ids((await api.get(url('?passing'))).json()), ['web-local']);

    const junk = await api.get(url('?passing=junk'));
    assert.equal(junk.statusCode, 400);
    assert.equal(junk.body, 'Invalid value for ?passing');
  });

  it('swap-removes failing instances as Consul does, so survivors can reorder', async (t) => {
    const api = await start(t);
    for (const id of ['a', 'b', 'c']) {
      await api.put('/v1/agent/service/register', {
        Name: 'web',
        ID: id,
        Check: { TTL: '1m', Status: id === 'a' ? 'critical' : 'passing' },
      });
    }
    assert.deepEqual(ids((await api.get('/v1/health/service/web?passing')).json()), ['c', 'b']);
  });

  it('filters by every ?tag and by ?node-meta', async (t) => {
    const api = await start(t);
    await api.put('/v1/catalog/register', {
      Node: 'r1',
      Address: '10.0.0.1',
      NodeMeta: { zone: 'a' },
      Service: { Service: 'db', ID: 'db1', Tags: ['primary', 'v2'] },
    });
    await api.put('/v1/catalog/register', {
      Node: 'r2',
      Address: '10.0.0.2',
      NodeMeta: { zone: 'b' },
      Service: { Service: 'db', ID: 'db2', Tags: ['v2'] },
    });
    const query = async (q: string) => ids((await api.get(`/v1/health/service/db${q}`)).json());
    assert.deepEqual(await query('?tag=v2'), ['db1', 'db2']);
    assert.deepEqual(await query('?tag=v2&tag=primary'), ['db1']);
    assert.deepEqual(await query('?node-meta=zone:b'), ['db2']);
    // A second value right after: cached answers must be told apart by every parameter.
    assert.deepEqual(await query('?node-meta=zone:a'), ['db1']);
    const checks = async (q: string) =>
      (await api.get(`/v1/health/state/any${q}`)).json().map((c: CheckJson) => c.Node);
    assert.deepEqual(await checks('?node-meta=zone:a'), []);
  });

  it('never answers null for Checks, Tags or ServiceTags', async (t) => {
    const api = await start(t);
    await api.put('/v1/catalog/register', {
      Node: 'bare',
      Address: '10.0.0.3',
      Service: { Service: 'plain' },
    });
    const [entry] = (await api.get('/v1/health/service/plain')).json() as EntryJson[];
    assert.deepEqual(entry?.Checks, []);
    assert.deepEqual(entry?.Service.Tags, []);
    const [serf] = (await api.get('/v1/health/node/node1')).json() as CheckJson[];
    assert.deepEqual(serf?.ServiceTags, []);
  });
});

describe('health: checks by node, service and state', () => {
  it('lists serfHealth first on the node, and answers [] for an unknown node', async (t) => {
    const api = await start(t);
    await api.put('/v1/agent/service/register', { Name: 'web', Check: { TTL: '1m' } });
    await api.put('/v1/agent/check/register', { Name: 'mem', TTL: '1m' });
    const node = (await api.get('/v1/health/node/node1')).json().map((c: CheckJson) => c.CheckID);
    assert.deepEqual(node, ['mem', 'serfHealth', 'service:web']);
    const unknown = await api.get('/v1/health/node/nowhere');
    assert.deepEqual(unknown.json(), []);
    assert.ok(Number(unknown.headers['x-consul-index']) >= 1);
  });

  it('answers checks in a state, any, and [] for a state no check has', async (t) => {
    const api = await start(t);
    await api.put('/v1/agent/service/register', { Name: 'web', Check: { TTL: '1m' } });
    const state = async (name: string) =>
      (await api.get(`/v1/health/state/${name}`)).json().map((c: CheckJson) => c.CheckID);
    assert.deepEqual(await state('passing'), ['serfHealth']);
    assert.deepEqual(await state('critical'), ['service:web']);
    assert.deepEqual(await state('warning'), []);
    assert.deepEqual(await state('any'), ['serfHealth', 'service:web']);
    assert.deepEqual(await state('bogus'), []);
    const missing = await api.get('/v1/health/state/');
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.body, 'Missing check state');
  });

  it('blocks on a state until a check moves into or out of it', async (t) => {
    const api = await start(t);
    await api.put('/v1/agent/service/register', { Name: 'web', Check: { TTL: '1m' } });
    const first = await api.get('/v1/health/state/critical');
    const waiting = api.get(`/v1/health/state/critical?index=${first.headers['x-consul-index']}&wait=5s`);
    await settle();
    await api.put('/v1/agent/check/pass/service:web');
    const woken = await waiting;
    assert.deepEqual(woken.json(), []);
  });
});

describe('health: a thousand instances', () => {
  it('serialises each instance once and re-serialises only what changed', async (t) => {
    const api = await start(t);
    const { server } = api.harness;
    for (let i = 0; i < 1000; i++) {
      await server.register({
        node: {
          ID: '',
          Node: 'node1',
          Address: '127.0.0.1',
          Datacenter: 'dc1',
          TaggedAddresses: {},
          Meta: {},
        },
        skipNodeUpdate: true,
        service: {
          Kind: '',
          ID: `web-${String(i).padStart(4, '0')}`,
          Service: 'web',
          Tags: ['t'],
          Address: '',
          Meta: {},
          Port: 8000 + i,
          Weights: { Passing: 1, Warning: 1 },
          EnableTagOverride: false,
        },
        checks: [],
      });
    }
    const first = await api.get('/v1/health/service/web');
    const entries = first.json() as EntryJson[];
    assert.equal(entries.length, 1000);
    assert.equal(entries[0]?.Service.ID, 'web-0000');
    const again = await api.get('/v1/health/service/web');
    assert.equal(again.body, first.body);

    await api.put('/v1/agent/check/register', { Name: 'disk', TTL: '1m' });
    const changed = (await api.get('/v1/health/service/web')).json() as EntryJson[];
    assert.ok(
      changed.every((entry) => entry.Checks.some((check) => check.CheckID === 'disk')),
      'a node check reaches every instance',
    );
  });
});

describe('health: ?filter=', () => {
  const filtered = (path: string, filter: string) => `${path}?filter=${encodeURIComponent(filter)}`;

  /** web-a (tags v1) on node a (zone=a) passing; web-b (v2) on node b (zone=b) critical. */
  async function registerTwoZones(api: TestApi): Promise<void> {
    for (const [node, zone, id, tag, status] of [
      ['a', 'a', 'web-a', 'v1', 'passing'],
      ['b', 'b', 'web-b', 'v2', 'critical'],
    ] as const) {
      await api.put('/v1/catalog/register', {
        Node: node,
        Address: `10.0.0.${node === 'a' ? 1 : 2}`,
        NodeMeta: { zone },
        Service: { Service: 'web', ID: id, Tags: [tag] },
        Check: { CheckID: `check-${id}`, Name: 'http', Status: status, ServiceID: id },
      });
    }
  }

  it('filters service instances as structs.CheckServiceNode, any check matching for Checks.*', async (t) => {
    const api = await start(t);
    await registerTwoZones(api);
    const instances = async (filter: string) =>
      ids((await api.get(filtered('/v1/health/service/web', filter))).json());
    assert.deepEqual(await instances('Service.Tags contains "v1"'), ['web-a']);
    assert.deepEqual(await instances('"v2" in Service.Tags'), ['web-b']);
    assert.deepEqual(await instances('Node.Meta.zone == b'), ['web-b']);
    assert.deepEqual(await instances('Checks.Status == critical'), ['web-b']);
    assert.deepEqual(await instances('Checks.Status == passing'), ['web-a']);
    assert.deepEqual(await instances('not (Checks.Status == critical)'), ['web-a']);
    assert.deepEqual(await instances('Checks.Status != passing'), ['web-b']);
    assert.deepEqual(await instances('Checks is not empty and Service.Port == 0'), ['web-a', 'web-b']);
    assert.deepEqual(await instances('Node.Node == a or Service.ID matches "-b$"'), ['web-a', 'web-b']);
    assert.deepEqual(await instances('Service.Tags contains v1 and Node.Meta.zone == b'), []);
  });

  it('filters before ?passing swap-removes, as Consul does', async (t) => {
    const api = await start(t);
    for (const id of ['a', 'b', 'c', 'd']) {
      await api.put('/v1/agent/service/register', {
        Name: 'web',
        ID: id,
        Check: { TTL: '1m', Status: id === 'a' ? 'critical' : 'passing' },
      });
    }
    // Filtered first, [a b c] loses a and c takes its place; ?passing first would give [b c].
    assert.deepEqual(
      ids((await api.get(`${filtered('/v1/health/service/web', 'Service.ID != d')}&passing`)).json()),
      ['c', 'b'],
    );
  });

  it('filters checks as structs.HealthCheck on node, checks and state', async (t) => {
    const api = await start(t);
    await registerTwoZones(api);
    const checkIds = async (path: string, filter: string) =>
      (await api.get(filtered(path, filter))).json().map((check: CheckJson) => check.CheckID);
    assert.deepEqual(await checkIds('/v1/health/node/a', 'ServiceID == ""'), []);
    assert.deepEqual(await checkIds('/v1/health/node/node1', 'CheckID == serfHealth'), ['serfHealth']);
    assert.deepEqual(await checkIds('/v1/health/checks/web', 'Status == critical'), ['check-web-b']);
    assert.deepEqual(await checkIds('/v1/health/checks/web', 'ServiceTags contains v1'), ['check-web-a']);
    assert.deepEqual(await checkIds('/v1/health/state/any', 'ServiceName == web and Node != a'), [
      'check-web-b',
    ]);
    assert.deepEqual(await checkIds('/v1/health/state/passing', 'Name matches "^Serf"'), ['serfHealth']);
    assert.deepEqual(
      await checkIds(`/v1/health/state/any`, 'Type == "" and ExposedPort == 0 and PeerName == ""'),
      ['check-web-a', 'check-web-b', 'serfHealth'],
    );
  });

  it("refuses bad filters with 400 and go-bexpr's words", async (t) => {
    const api = await start(t);
    const cases: [string, string, string][] = [
      ['/v1/health/service/web', 'Service.Nope == x', 'Selector "Service.Nope" is not valid'],
      ['/v1/health/service/web', 'ServiceTags contains v1', 'Selector "ServiceTags" is not valid'],
      ['/v1/health/service/web', 'Checks == x', 'Invalid match operator "Equal" for selector "Checks"'],
      ['/v1/health/node/node1', 'Definition.HTTP == x', 'Selector "Definition" is not valid'],
      [
        '/v1/health/checks/web',
        'Status = passing',
        '1:8 (7): no match found, expected: "!=", "==", "contains", "in", "is", "matches", "not" or [ \\t\\r\\n]',
      ],
      ['/v1/health/state/any', 'CreateIndex == 1', 'Selector "CreateIndex" is not valid'],
    ];
    for (const [path, filter, message] of cases) {
      const refused = await api.get(filtered(path, filter));
      assert.equal(refused.statusCode, 400, `${path} ${filter}`);
      assert.equal(refused.body, `Failed to create boolean expression evaluator: ${message}`);
    }
  });
});
