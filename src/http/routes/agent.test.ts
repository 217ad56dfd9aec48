import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import { type Member, MemberStatus } from '../../model/records.ts';
import type { AgentSurface } from '../context.ts';
import { settle } from '../testing/test-context.ts';
import { createTestApi, type LocalAgentHarnessOptions, type TestApi } from '../testing/test-local-agent.ts';
import { agentRoutes } from './agent.ts';
import { catalogRoutes } from './catalog.ts';
import { healthRoutes } from './health.ts';

const member: Member = {
  Name: 'node1',
  Addr: '127.0.0.1',
  Port: 8301,
  Tags: { role: 'consul', dc: 'dc1' },
  Status: MemberStatus.alive,
  ProtocolMin: 1,
  ProtocolMax: 5,
  ProtocolCur: 2,
  DelegateMin: 2,
  DelegateMax: 5,
  DelegateCur: 4,
};

interface Calls {
  joins: [string, boolean][];
  forceLeaves: [string, { prune: boolean; wan: boolean }][];
  leaves: number;
  reloads: number;
}

async function start(
  t: TestContext,
  options: LocalAgentHarnessOptions = {},
): Promise<TestApi & { calls: Calls }> {
  const calls: Calls = { joins: [], forceLeaves: [], leaves: 0, reloads: 0 };
  const agent: Partial<AgentSurface> = {
    self: () => ({ Config: { NodeName: 'node1', Datacenter: 'dc1', Server: true }, Member: member }),
    members: (wan) => [wan ? { ...member, Name: 'node1.dc1' } : member],
    join: async (address, wan) => {
      calls.joins.push([address, wan]);
    },
    forceLeave: async (node, flags) => {
      calls.forceLeaves.push([node, flags]);
    },
    leave: async () => {
      calls.leaves++;
    },
    reload: async () => {
      calls.reloads++;
    },
  };
  const api = await createTestApi(
    (context) => [...agentRoutes(context), ...catalogRoutes(context), ...healthRoutes(context)],
    { ...options, agent: { ...agent, ...options.agent } },
  );
  t.after(() => api.close());
  return { ...api, calls };
}

interface AgentCheckJson {
  CheckID: string;
  Name: string;
  Status: string;
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  Type: string;
}

async function agentChecks(api: TestApi): Promise<Record<string, AgentCheckJson>> {
  return (await api.get('/v1/agent/checks')).json();
}

describe('agent: self and members', () => {
  it('answers self and members from the agent, without X-Consul-Index', async (t) => {
    const api = await start(t);
    const self = await api.get('/v1/agent/self');
    assert.equal(self.statusCode, 200);
    assert.equal(self.json().Member.Addr, '127.0.0.1');
    assert.equal(self.headers['x-consul-index'], undefined);

    const members = await api.get('/v1/agent/members');
    assert.deepEqual(members.json(), [member]);
    assert.equal(members.headers['x-consul-index'], undefined);
    assert.equal((await api.get('/v1/agent/members?wan=1')).json()[0].Name, 'node1.dc1');
    const segment = await api.get('/v1/agent/members?wan=1&segment=alpha');
    assert.equal(segment.statusCode, 400);
    assert.equal(segment.body, 'Cannot provide a segment with wan=true');
  });

  it('passes join, force-leave, leave and reload through, taking GET where old clients send it', async (t) => {
    const api = await start(t);
    assert.equal((await api.put('/v1/agent/join/127.0.0.2')).statusCode, 200);
    assert.equal((await api.get('/v1/agent/join/127.0.0.3?wan=1')).statusCode, 200);
    assert.equal((await api.get('/v1/agent/force-leave/node2?prune')).statusCode, 200);
    assert.equal((await api.put('/v1/agent/force-leave/node3?wan')).statusCode, 200);
    assert.equal((await api.put('/v1/agent/leave')).statusCode, 200);
    assert.equal((await api.put('/v1/agent/reload')).statusCode, 200);
    assert.deepEqual(api.calls.joins, [
      ['127.0.0.2', false],
      ['127.0.0.3', true],
    ]);
    assert.deepEqual(api.calls.forceLeaves, [
      ['node2', { prune: true, wan: false }],
      ['node3', { prune: false, wan: true }],
    ]);
    assert.equal(api.calls.leaves, 1);
    assert.equal(api.calls.reloads, 1);

    const leaveByGet = await api.get('/v1/agent/leave');
    assert.equal(leaveByGet.statusCode, 405);
    assert.equal(leaveByGet.headers.allow, 'OPTIONS,PUT');
  });

  it('answers a failed join with 500 and the error', async (t) => {
    const api = await start(t, {
      agent: {
        join: async () => {
          throw new Error('Failed to join 10.0.0.1: dial tcp: connection refused');
        },
      },
    });
    const response = await api.put('/v1/agent/join/10.0.0.1');
    assert.equal(response.statusCode, 500);
    assert.equal(response.body, 'Failed to join 10.0.0.1: dial tcp: connection refused');
  });
});

describe('agent: services', () => {
  it('makes a registration visible in the catalog and health as soon as it answers', async (t) => {
    const api = await start(t);
    const response = await api.put('/v1/agent/service/register', {
      Name: 'web',
      Port: 80,
      Check: { TTL: '10s' },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, '');
    assert.equal((await api.get('/v1/catalog/service/web')).json().length, 1);
    const [entry] = (await api.get('/v1/health/service/web')).json();
    assert.equal(entry.Service.Port, 80);
    assert.equal(entry.Checks.find((c: AgentCheckJson) => c.CheckID === 'service:web').Status, 'critical');
  });

  it('lists local services as AgentService, without the consul service and never with null Tags or Meta', async (t) => {
    const api = await start(t);
    await api.put('/v1/agent/service/register', {
      name: 'foo',
      address: '10.10.10.1',
      enable_tag_override: true,
    });
    const response = await api.get('/v1/agent/services');
    assert.equal(response.headers['x-consul-index'], undefined);
    assert.deepEqual(response.json(), {
      foo: {
        ID: 'foo',
        Service: 'foo',
        Tags: [],
        Meta: {},
        Port: 0,
        Address: '10.10.10.1',
        TaggedAddresses: {
          lan_ipv4: { Address: '10.10.10.1', Port: 0 },
          wan_ipv4: { Address: '10.10.10.1', Port: 0 },
        },
        Weights: { Passing: 1, Warning: 1 },
        EnableTagOverride: true,
        Datacenter: 'dc1',
      },
    });
  });

  it('deregisters IDs holding / and #, by PUT and by GET', async (t) => {
    const api = await start(t);
    await api.put('/v1/agent/service/register', { name: 'demo', id: 'demo/pg1' });
    await api.put('/v1/agent/service/register', { name: 'app#127.0.0.1#3000' });
    assert.deepEqual(Object.keys((await api.get('/v1/agent/services')).json()).sort(), [
      'app#127.0.0.1#3000',
      'demo/pg1',
    ]);

    assert.equal((await api.get('/v1/agent/service/deregister/demo/pg1')).statusCode, 200);
    assert.equal((await api.put('/v1/agent/service/deregister/app%23127.0.0.1%233000')).statusCode, 200);
    assert.deepEqual((await api.get('/v1/agent/services')).json(), {});
    assert.deepEqual((await api.get('/v1/health/service/demo')).json(), []);

    const again = await api.put('/v1/agent/service/deregister/demo/pg1');
    assert.equal(again.statusCode, 404);
    assert.equal(
      again.body,
      'Unknown service ID "demo/pg1". Ensure that the service ID is passed, not the service name.',
    );
  });

  it("replaces the service's other checks only with ?replace-existing-checks", async (t) => {
    const api = await start(t);
    await api.put('/v1/agent/service/register', { Name: 'web', Checks: [{ TTL: '1m' }, { TTL: '1m' }] });
    await api.put('/v1/agent/service/register', { Name: 'web', Check: { TTL: '1m', CheckID: 'only' } });
    assert.deepEqual(Object.keys(await agentChecks(api)).sort(), ['only', 'service:web:1', 'service:web:2']);
    await api.put('/v1/agent/service/register?replace-existing-checks', {
      Name: 'web',
      Check: { TTL: '1m', CheckID: 'only' },
    });
    assert.deepEqual(Object.keys(await agentChecks(api)), ['only']);
    assert.equal(api.harness.server.store.catalog.check('node1', 'service:web:1'), undefined);
  });

  it("answers decode and validation failures with 400 and Consul's text", async (t) => {
    const api = await start(t);
    const cases: [string | object, string][] = [
      ['', 'Request decode failed: EOF'],
      [{ Port: 80 }, 'Missing service name'],
      [{ Name: 'x', Address: '0.0.0.0' }, 'Invalid service address'],
      [
        { Name: 'x', Check: { HTTP: 'http://x' } },
        'Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks',
      ],
    ];
    for (const [body, message] of cases) {
      const response = await api.put('/v1/agent/service/register', body);
      assert.equal(response.statusCode, 400, JSON.stringify(body));
      assert.equal(response.body, message);
    }
  });

  it('refuses script checks while enable_script_checks is off, as Consul does', async (t) => {
    const api = await start(t);
    const response = await api.put('/v1/agent/service/register', {
      Name: 'x',
      Check: { Args: ['true'], Interval: '10s' },
    });
    assert.equal(response.statusCode, 500);
    assert.equal(
      response.body,
      "Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true",
    );
    assert.deepEqual((await api.get('/v1/agent/services')).json(), {});
  });

  it('keeps Notes on HTTP and script checks (node-consul)', async (t) => {
    const api = await start(t, { config: { enableScriptChecks: true } });
    await api.put('/v1/agent/service/register', {
      Name: 'h',
      Check: { HTTP: 'http://127.0.0.1:8500', Interval: '30s', Notes: 'simple http check' },
    });
    await api.put('/v1/agent/service/register', {
      Name: 's',
      Check: { Args: ['sh', '-c', 'true'], Interval: '30s', Timeout: '1s', Notes: 'simple script check' },
    });
    const checks = await agentChecks(api);
    assert.equal(checks['service:h']?.Notes, 'simple http check');
    assert.equal(checks['service:s']?.Notes, 'simple script check');
    assert.equal(checks['service:s']?.Type, 'script');
  });

  it('answers one service with its ContentHash, and blocks on ?hash until it changes', async (t) => {
    const api = await start(t);
    await api.put('/v1/agent/service/register', { Name: 'web', Port: 80 });
    const first = await api.get('/v1/agent/service/web');
    assert.equal(first.statusCode, 200);
    const hash = String(first.headers['x-consul-contenthash']);
    assert.equal(first.json().ContentHash, hash);
    assert.equal(first.json().Port, 80);

    let answered = false;
    const waiting = api.get(`/v1/agent/service/web?hash=${hash}&wait=30s`).then((response) => {
      answered = true;
      return response;
    });
    await settle();
    assert.equal(answered, false);
    await api.put('/v1/agent/service/register', { Name: 'web', Port: 81 });
    const changed = await waiting;
    assert.equal(changed.json().Port, 81);
    assert.notEqual(changed.headers['x-consul-contenthash'], hash);

    const unchanged = api.get(
      `/v1/agent/service/web?hash=${changed.headers['x-consul-contenthash']}&wait=30s`,
    );
    await settle();
    api.harness.clock.advance(40_000);
    assert.equal((await unchanged).json().Port, 81, 'the wait ran out: same content');

    const missing = await api.get('/v1/agent/service/nope');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.body, 'unknown service ID: nope');
  });

  it('puts a service in and out of maintenance, with the reason as Notes', async (t) => {
    const api = await start(t);
    await api.put('/v1/agent/service/register', { Name: 'foo', Check: { TTL: '100ms' } });
    assert.equal(
      (await api.put('/v1/agent/service/maintenance/foo?enable=true&reason=test')).statusCode,
      200,
    );
    const on = (await agentChecks(api))['_service_maintenance:foo'];
    assert.equal(on?.Status, 'critical');
    assert.equal(on?.Notes, 'test');
    assert.equal(on?.Name, 'Service Maintenance Mode');
    assert.deepEqual((await api.get('/v1/health/service/foo?passing')).json(), []);

    await api.put('/v1/agent/service/maintenance/foo?enable=false');
    assert.equal((await agentChecks(api))['_service_maintenance:foo'], undefined);

    const cases: [string, number, string][] = [
      ['/v1/agent/service/maintenance/foo', 400, 'Missing value for enable'],
      ['/v1/agent/service/maintenance/foo?enable=maybe', 400, 'Invalid value for enable: "maybe"'],
      ['/v1/agent/service/maintenance/?enable=true', 400, 'Missing service ID'],
      [
        '/v1/agent/service/maintenance/bar?enable=true',
        404,
        'Unknown service ID "bar". Ensure that the service ID is passed, not the service name.',
      ],
    ];
    for (const [url, status, body] of cases) {
      const response = await api.put(url);
      assert.equal(response.statusCode, status, url);
      assert.equal(response.body, body);
    }
  });

  it('puts the node in and out of maintenance', async (t) => {
    const api = await start(t);
    await api.put('/v1/agent/maintenance?enable=true');
    const on = (await agentChecks(api))._node_maintenance;
    assert.equal(on?.Name, 'Node Maintenance Mode');
    assert.equal(
      on?.Notes,
      'Maintenance mode is enabled for this node, but no reason was provided. This is a default message.',
    );
    assert.equal(api.harness.server.store.catalog.check('node1', '_node_maintenance')?.Status, 'critical');
    await api.put('/v1/agent/maintenance?enable=false');
    assert.deepEqual(await agentChecks(api), {});
    assert.equal((await api.put('/v1/agent/maintenance')).body, 'Missing value for enable');
    assert.equal((await api.put('/v1/agent/maintenance?enable=x')).body, 'Invalid value for enable: "x"');
    assert.equal((await api.get('/v1/agent/maintenance?enable=true')).statusCode, 405);
  });
});

describe('agent: checks', () => {
  it('registers a TTL check critical, then pass, warn and fail set status and output', async (t) => {
    const api = await start(t);
    assert.equal(
      (await api.put('/v1/agent/check/register', { name: 'ttl_check', ttl: '10s', notes: 'foo' })).statusCode,
      200,
    );
    let check = (await agentChecks(api)).ttl_check;
    assert.equal(check?.Status, 'critical');
    assert.equal(check?.Notes, 'foo');
    assert.equal(check?.Type, 'ttl');
    assert.deepEqual(check?.ServiceTags, []);

    for (const [verb, status] of [
      ['warn', 'warning'],
      ['fail', 'critical'],
      ['pass', 'passing'],
    ] as const) {
      assert.equal((await api.put(`/v1/agent/check/${verb}/ttl_check?note=${verb}ed`)).statusCode, 200);
      check = (await agentChecks(api)).ttl_check;
      assert.equal(check?.Status, status);
      assert.equal(check?.Output, `${verb}ed`);
      assert.equal(api.harness.server.store.catalog.check('node1', 'ttl_check')?.Status, status);
    }
    for (const verb of ['pass', 'warn', 'fail']) {
      assert.equal((await api.get(`/v1/agent/check/${verb}/ttl_check`)).statusCode, 200, `GET ${verb}`);
    }
    assert.equal(
      (await api.request('DELETE', '/v1/agent/check/pass/ttl_check')).headers.allow,
      'OPTIONS,GET,PUT',
    );
  });

  it('turns a TTL check critical with "TTL expired" when the TTL passes on the clock', async (t) => {
    const api = await start(t);
    await api.put('/v1/agent/check/register', { Name: 'ttl_check', TTL: '100ms' });
    await api.put('/v1/agent/check/pass/ttl_check?note=all%20hunky%20dory!');
    api.harness.clock.advance(120);
    await settle();
    const check = (await agentChecks(api)).ttl_check;
    assert.equal(check?.Status, 'critical');
    assert.equal(check?.Output, 'TTL expired (last output before timeout follows): all hunky dory!');
    const [critical] = (await api.get('/v1/health/state/critical')).json();
    assert.equal(critical.CheckID, 'ttl_check');
  });

  it('updates a check from a {Status, Output} body and refuses other statuses', async (t) => {
    const api = await start(t);
    await api.put('/v1/agent/check/register', { Name: 'c', TTL: '1m' });
    assert.equal(
      (await api.put('/v1/agent/check/update/c', { Status: 'warning', Output: 'slow' })).statusCode,
      200,
    );
    assert.equal((await agentChecks(api)).c?.Output, 'slow');
    const bad = await api.put('/v1/agent/check/update/c', { Status: 'bogus' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.body, "Invalid check status: 'bogus'");
    assert.equal((await api.get('/v1/agent/check/update/c')).statusCode, 405);
  });

  it('answers unknown and non-TTL checks as Consul does', async (t) => {
    const api = await start(t);
    const unknown = await api.put('/v1/agent/check/pass/nope');
    assert.equal(unknown.statusCode, 404);
    assert.equal(
      unknown.body,
      'Unknown check ID "nope". Ensure that the check ID is passed, not the check name.',
    );
    await api.put('/v1/agent/check/register', { Name: 'web', HTTP: 'http://x', Interval: '10s' });
    const notTtl = await api.put('/v1/agent/check/pass/web');
    assert.equal(notTtl.statusCode, 500);
    assert.equal(notTtl.body, 'CheckID "web" does not have associated TTL');
  });

  it('binds a check to a service, and answers 404 for an unknown ServiceID', async (t) => {
    const api = await start(t);
    const unknown = await api.put('/v1/agent/check/register', {
      name: 'foo',
      ttl: '100ms',
      serviceid: 'foo1',
    });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.body, 'ServiceID "foo1" does not exist');
    assert.deepEqual(await agentChecks(api), {});

    await api.put('/v1/agent/service/register', { name: 'foo1' });
    await api.put('/v1/agent/check/register', { name: 'foo', ttl: '100ms', serviceid: 'foo1' });
    const [entry] = (await api.get('/v1/health/service/foo1')).json();
    assert.deepEqual(
      entry.Checks.map((c: AgentCheckJson) => [c.CheckID, c.ServiceID]),
      [
        ['foo', 'foo1'],
        ['serfHealth', ''],
      ],
    );
  });

  it('deregisters checks by PUT and GET, and 404s an unknown one', async (t) => {
    const api = await start(t);
    await api.put('/v1/agent/check/register', { Name: 'a', TTL: '1m' });
    await api.put('/v1/agent/check/register', { Name: 'b', TTL: '1m' });
    assert.equal((await api.put('/v1/agent/check/deregister/a')).statusCode, 200);
    assert.equal((await api.get('/v1/agent/check/deregister/b')).statusCode, 200);
    assert.deepEqual(await agentChecks(api), {});
    assert.equal((await api.put('/v1/agent/check/deregister/a')).statusCode, 404);
  });

  it("answers check registration errors with Consul's text", async (t) => {
    const api = await start(t);
    const cases: [object, number, string][] = [
      [{ TTL: '1s' }, 400, 'Missing check name'],
      [{ Name: 'x', TTL: '1s', Status: 'ok' }, 400, 'Bad check status'],
      [{ Name: 'x' }, 400, 'Invalid check: TTL must be > 0 for TTL checks'],
      [
        { Name: 'x', Args: ['/bin/true'], Interval: 10 },
        500,
        "Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true",
      ],
    ];
    for (const [body, status, message] of cases) {
      const response = await api.put('/v1/agent/check/register', body);
      assert.equal(response.statusCode, status, JSON.stringify(body));
      assert.equal(response.body, message);
    }
  });
});

describe('agent: local service health', () => {
  async function startWithWeb(t: TestContext) {
    const api = await start(t);
    await api.put('/v1/agent/service/register', {
      Name: 'web',
      ID: 'web-1',
      Port: 80,
      Checks: [
        { CheckID: 'web-1-a', TTL: '1m', Status: 'passing' },
        { CheckID: 'web-1-b', TTL: '1m', Status: 'passing' },
      ],
    });
    await api.put('/v1/agent/service/register', {
      Name: 'web',
      ID: 'web-2',
      Port: 81,
      Check: { CheckID: 'web-2-a', TTL: '1m', Status: 'passing' },
    });
    return api;
  }

  it('answers one service with its checks and the status as code, reason and JSON', async (t) => {
    const api = await startWithWeb(t);
    await api.put('/v1/agent/check/register', { Name: 'node-mem', TTL: '1m', Status: 'passing', Notes: 'n' });
    const response = await api.get('/v1/agent/health/service/id/web-1');
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['x-consul-reason'], 'passing');
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const body = response.json();
    assert.deepEqual(Object.keys(body), ['AggregatedStatus', 'Service', 'Checks']);
    assert.equal(body.AggregatedStatus, 'passing');
    assert.equal(body.Service.ID, 'web-1');
    assert.equal(body.Service.Port, 80);
    assert.equal(body.Service.Datacenter, 'dc1');
    // The service's own checks and the node's, never another service's.
    assert.deepEqual(
      body.Checks.map((check: AgentCheckJson) => [check.CheckID, check.ServiceID]),
      [
        ['node-mem', ''],
        ['web-1-a', 'web-1'],
        ['web-1-b', 'web-1'],
      ],
    );
    assert.deepEqual(body.Checks[0], {
      Node: 'node1',
      CheckID: 'node-mem',
      Name: 'node-mem',
      Status: 'passing',
      Notes: 'n',
      Output: '',
      ServiceID: '',
      ServiceName: '',
      ServiceTags: [],
      Type: '',
      ExposedPort: 0,
      Definition: {
        Interval: '0s',
        Timeout: '0s',
        DeregisterCriticalServiceAfter: '0s',
        HTTP: '',
        Header: null,
        Method: '',
        Body: '',
        TLSServerName: '',
        TLSSkipVerify: false,
        TCP: '',
        TCPUseTLS: false,
        UDP: '',
        GRPC: '',
        OSService: '',
        GRPCUseTLS: false,
      },
      CreateIndex: 0,
      ModifyIndex: 0,
    });
  });

  it('aggregates with maintenance over critical over warning over passing', async (t) => {
    const api = await startWithWeb(t);
    const byId = async () => {
      const response = await api.get('/v1/agent/health/service/id/web-1?format=text');
      return [response.statusCode, response.body, response.headers['x-consul-reason']];
    };
    assert.deepEqual(await byId(), [200, 'passing', 'passing']);
    await api.put('/v1/agent/check/warn/web-1-a');
    assert.deepEqual(await byId(), [429, 'warning', 'warning']);
    await api.put('/v1/agent/check/fail/web-1-b');
    assert.deepEqual(await byId(), [503, 'critical', 'critical']);
    await api.put('/v1/agent/check/pass/web-1-b');
    await api.put('/v1/agent/service/maintenance/web-1?enable=true');
    assert.deepEqual(await byId(), [503, 'maintenance', 'maintenance']);
    await api.put('/v1/agent/service/maintenance/web-1?enable=false');
    assert.deepEqual(await byId(), [429, 'warning', 'warning']);
    // Node maintenance and node checks count for every service on the node.
    await api.put('/v1/agent/maintenance?enable=true');
    assert.deepEqual(await byId(), [503, 'maintenance', 'maintenance']);
    await api.put('/v1/agent/maintenance?enable=false');
    await api.put('/v1/agent/check/register', { Name: 'disk', TTL: '1m' });
    assert.deepEqual(await byId(), [503, 'critical', 'critical']);
  });

  it('answers the plain status word for ?format=text or Accept: text/plain, JSON for other formats', async (t) => {
    const api = await startWithWeb(t);
    await api.put('/v1/agent/check/warn/web-1-a');
    const text = await api.get('/v1/agent/health/service/id/web-1?format=text');
    assert.equal(text.statusCode, 429);
    assert.equal(text.headers['content-type'], 'text/plain');
    assert.equal(text.body, 'warning');
    const accepted = await api.app.inject({
      method: 'GET',
      url: '/v1/agent/health/service/id/web-1',
      headers: { accept: 'text/plain; charset=utf-8' },
    });
    assert.equal(accepted.body, 'warning');
    const asJson = await api.get('/v1/agent/health/service/id/web-1?format=json');
    assert.equal(asJson.json().AggregatedStatus, 'warning');
  });

  it('answers an unknown ID with 404, critical in JSON and the reason in text', async (t) => {
    const api = await startWithWeb(t);
    const missing = await api.get('/v1/agent/health/service/id/nope');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.headers['x-consul-reason'], 'ServiceId nope not found');
    assert.deepEqual(missing.json(), { AggregatedStatus: 'critical', Service: null, Checks: null });
    const text = await api.get('/v1/agent/health/service/id/nope?format=text');
    assert.equal(text.statusCode, 404);
    assert.equal(text.body, 'ServiceId nope not found');
    const noId = await api.get('/v1/agent/health/service/id/');
    assert.equal(noId.statusCode, 400);
    assert.equal(noId.body, 'Missing serviceID');
  });

  it('answers every instance of a name with the worst code among them', async (t) => {
    const api = await startWithWeb(t);
    const byName = async (query = '') => api.get(`/v1/agent/health/service/name/web${query}`);
    let response = await byName();
    assert.equal(response.statusCode, 200);
    assert.deepEqual(
      response.json().map((info: { Service: { ID: string } }) => info.Service.ID),
      ['web-1', 'web-2'],
    );
    await api.put('/v1/agent/check/warn/web-2-a');
    response = await byName();
    assert.equal(response.statusCode, 429);
    assert.equal(response.headers['x-consul-reason'], 'warning');
    assert.deepEqual(
      response.json().map((info: { AggregatedStatus: string }) => info.AggregatedStatus),
      ['passing', 'warning'],
    );
    await api.put('/v1/agent/check/fail/web-1-a');
    response = await byName('?format=text');
    assert.equal(response.statusCode, 503);
    assert.equal(response.body, 'critical');
    await api.put('/v1/agent/service/maintenance/web-2?enable=true');
    // Both answer 503: the first instance keeps the word.
    assert.equal((await byName('?format=text')).body, 'critical');
  });

  it('answers an unknown name with 404 and an empty list, and a missing name with 400', async (t) => {
    const api = await startWithWeb(t);
    const missing = await api.get('/v1/agent/health/service/name/db');
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(missing.json(), []);
    assert.equal(missing.headers['x-consul-reason'], 'ServiceName db Not Found');
    const text = await api.get('/v1/agent/health/service/name/db?format=text');
    assert.equal(text.body, 'ServiceName db Not Found');
    const noName = await api.get('/v1/agent/health/service/name/');
    assert.equal(noName.statusCode, 400);
    assert.equal(noName.body, 'Missing service Name');
    assert.equal((await api.put('/v1/agent/health/service/name/web')).statusCode, 405);
  });
});

describe('agent: malformed registrations', () => {
  it('answers every malformed register body with a 400 text and leaves the catalog as it was', async (t) => {
    const api = await start(t, { config: { enableScriptChecks: true } });
    const store = () => api.harness.context.server.store;
    const keys = fc.constantFrom(
      'Name',
      'name',
      'ID',
      'Tags',
      'Port',
      'Address',
      'Meta',
      'Weights',
      'Check',
      'Checks',
      'EnableTagOverride',
      'TaggedAddresses',
      'TTL',
      'Interval',
      'HTTP',
      'Args',
      'Status',
      'ServiceID',
      'Header',
      'Timeout',
      'Kind',
    );
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom('0.0.0.0', '10s', '-1s', 'soon', 'passing', 'bogus', '', 0, -5, 1.5, 70000),
      fc.dictionary(keys, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
    );
    const body = fc.oneof(
      fc.dictionary(keys, value, { maxKeys: 6 }).map((object) => JSON.stringify(object)),
      fc.jsonValue().map((json) => JSON.stringify(json)),
      fc.string({ maxLength: 40 }),
    );
    const endpoint = fc.constantFrom('/v1/agent/service/register', '/v1/agent/check/register');

    await fc.assert(
      fc.asyncProperty(endpoint, body, async (url, payload) => {
        const indexBefore = store().lastIndex();
        const servicesBefore = JSON.stringify(api.harness.local.services());
        const response = await api.put(url, payload);
        assert.notEqual(response.statusCode, 500, `${url} ${payload} → ${response.body}`);
        assert.ok([200, 400, 404].includes(response.statusCode), `${response.statusCode} ${response.body}`);
        if (response.statusCode === 200) {
          // A valid registration: undo it so the next run starts from the same state.
          for (const service of api.harness.local.services())
            await api.harness.local.deregisterService(service.ID);
          for (const check of api.harness.local.checks())
            await api.harness.local.deregisterCheck(check.CheckID);
          return;
        }
        assert.match(String(response.headers['content-type']), /^text\/plain/);
        assert.ok(response.body.length > 0);
        assert.equal(store().lastIndex(), indexBefore, 'a refused registration writes nothing');
        assert.equal(JSON.stringify(api.harness.local.services()), servicesBefore);
      }),
      { numRuns: 300, seed: 20260101 },
    );
  });
});

describe('agent: ?filter=', () => {
  const filtered = (path: string, filter: string) => `${path}?filter=${encodeURIComponent(filter)}`;

  it('filters local services as api.AgentService', async (t) => {
    const api = await start(t);
    await api.put('/v1/agent/service/register', {
      Name: 'web',
      Tags: ['v1'],
      Meta: { env: 'prod' },
      Port: 80,
    });
    await api.put('/v1/agent/service/register', { Name: 'db', Tags: ['v2'], Port: 5432 });
    await api.put('/v1/agent/service/register', {
      Name: 'web-proxy',
      Kind: 'connect-proxy',
      Port: 21000,
      Proxy: { DestinationServiceName: 'web' },
    });
    const services = async (filter: string) =>
      Object.keys((await api.get(filtered('/v1/agent/services', filter))).json()).sort();
    assert.deepEqual(await services('Tags contains v1'), ['web']);
    assert.deepEqual(await services('Meta.env == prod or Port == 5432'), ['db', 'web']);
    assert.deepEqual(await services('Kind == "connect-proxy"'), ['web-proxy']);
    // A plain service shows no Proxy; it reads as the zero struct (go-bexpr would panic on the nil pointer).
    assert.deepEqual(await services('Proxy.DestinationServiceName == web'), ['web-proxy']);
    assert.deepEqual(await services('Proxy.DestinationServiceName == ""'), ['db', 'web']);
    assert.deepEqual(await services('Weights.Passing == 1 and Connect.Native == false'), [
      'db',
      'web',
      'web-proxy',
    ]);
  });

  it('filters local checks as structs.HealthCheck', async (t) => {
    const api = await start(t);
    await api.put('/v1/agent/service/register', { Name: 'web', Tags: ['v1'], Check: { TTL: '1m' } });
    await api.put('/v1/agent/check/register', { Name: 'mem', TTL: '1m', Status: 'passing' });
    const checks = async (filter: string) =>
      Object.keys((await api.get(filtered('/v1/agent/checks', filter))).json()).sort();
    assert.deepEqual(await checks('Status == critical'), ['service:web']);
    assert.deepEqual(await checks('ServiceTags is empty'), ['mem']);
    assert.deepEqual(await checks('Type == ttl'), ['mem', 'service:web']);
  });

  it("refuses bad filters with 400 and go-bexpr's words, checks' selectors even with no checks", async (t) => {
    const api = await start(t);
    const cases: [string, string, string][] = [
      ['/v1/agent/services', 'Service.Tags contains x', 'Selector "Service.Tags" is not valid'],
      ['/v1/agent/services', 'SocketPath == x', 'Selector "SocketPath" is not valid'],
      ['/v1/agent/services', 'Tags contains', '1:14 (13): no match found, expected: [ \\t\\r\\n]'],
      ['/v1/agent/checks', 'Nope == x', 'Selector "Nope" is not valid'],
    ];
    for (const [path, filter, message] of cases) {
      const refused = await api.get(filtered(path, filter));
      assert.equal(refused.statusCode, 400, `${path} ${filter}`);
      assert.equal(refused.body, `Failed to create boolean expression evaluator: ${message}`);
    }
  });
});
