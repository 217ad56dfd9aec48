import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { HealthStatus } from '../../model/records.ts';
import { createHttpApp } from '../app.ts';
import {
  createTestContext,
  registerTestNode,
  settle,
  type TestHarness,
  waitUntil,
} from '../testing/test-context.ts';
import { kvRoutes } from './kv.ts';
import { sessionRoutes } from './session.ts';

interface Api {
  harness: TestHarness;
  app: FastifyInstance;
  get(url: string): Promise<LightMyRequestResponse>;
  put(url: string, body?: string): Promise<LightMyRequestResponse>;
  del(url: string): Promise<LightMyRequestResponse>;
  create(body?: unknown): Promise<LightMyRequestResponse>;
  /** Creates a session and returns its ID, failing the test on anything but 200. */
  createId(body?: unknown): Promise<string>;
  info(id: string): Promise<SessionJson | undefined>;
}

interface SessionJson {
  ID: string;
  Name: string;
  Node: string;
  LockDelay: number;
  Behavior: string;
  TTL: string;
  NodeChecks: string[];
  ServiceChecks: { ID: string; Namespace: string }[] | null;
  Checks?: string[];
  CreateIndex: number;
  ModifyIndex: number;
}

async function start(t: TestContext): Promise<Api> {
  const harness = await createTestContext();
  const app = createHttpApp(harness.context, [
    ...kvRoutes(harness.context),
    ...sessionRoutes(harness.context),
  ]);
  t.after(async () => {
    await app.close();
    await harness.close();
  });
  const api: Api = {
    harness,
    app,
    get: (url) => app.inject({ method: 'GET', url }),
    put: (url, body) => app.inject({ method: 'PUT', url, ...(body === undefined ? {} : { payload: body }) }),
    del: (url) => app.inject({ method: 'DELETE', url }),
    create: (body) => api.put('/v1/session/create', body === undefined ? undefined : JSON.stringify(body)),
    createId: async (body) => {
      const response = await api.create(body);
      assert.equal(response.statusCode, 200, response.body);
      return (response.json() as { ID: string }).ID;
    },
    info: async (id) => ((await api.get(`/v1/session/info/${id}`)).json() as SessionJson[])[0],
  };
  return api;
}

/** Adds a node check to the catalog (sessions may only link to registered, non-critical checks). */
async function registerCheck(harness: TestHarness, checkId: string, status: HealthStatus = 'passing') {
  await harness.server.register({
    node: { ID: '', Node: 'node1', Address: '127.0.0.1', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} },
    skipNodeUpdate: true,
    checks: [
      {
        Node: 'node1',
        CheckID: checkId,
        Name: checkId,
        Status: status,
        Notes: '',
        Output: '',
        ServiceID: '',
        ServiceName: '',
        ServiceTags: [],
        Type: 'ttl',
        Interval: '',
        Timeout: '',
        ExposedPort: 0,
        Definition: {},
      },
    ],
  });
}

const indexOf = (response: LightMyRequestResponse) => Number(response.headers['x-consul-index']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('PUT /v1/session/create', () => {
  it('creates a session with Consul defaults when there is no body', async (t) => {
    const api = await start(t);
    const response = await api.create();
    assert.equal(response.statusCode, 200);
    const { ID } = response.json() as { ID: string };
    assert.match(ID, UUID);
    assert.equal(response.body, `{"ID":"${ID}"}`);
    const session = await api.info(ID);
    assert.ok(session);
    assert.equal(
      JSON.stringify(session),
      JSON.stringify({
        ID,
        Name: '',
        Node: 'node1',
        LockDelay: 15_000_000_000,
        Behavior: 'release',
        TTL: '',
        NodeChecks: ['serfHealth'],
        ServiceChecks: null,
        CreateIndex: session.CreateIndex,
        ModifyIndex: session.CreateIndex,
      }),
      'fields in structs.Session order; no legacy Checks for the default',
    );
  });

  it('treats an empty, blank or null body as no body', async (t) => {
    const api = await start(t);
    for (const body of ['', '   ', 'null']) {
      const response = await api.put('/v1/session/create', body);
      assert.equal(response.statusCode, 200, JSON.stringify(body));
    }
  });

  it("takes Patroni's lowercase body: no checks, delete behavior, a 1 ms lock-delay, TTL as sent", async (t) => {
    const api = await start(t);
    const id = await api.createId({
      name: 'demo-pg1',
      checks: [],
      lockdelay: '0.001s',
      behavior: 'delete',
      ttl: '15.0s',
    });
    const session = await api.info(id);
    assert.equal(session?.Name, 'demo-pg1');
    assert.deepEqual(session?.NodeChecks, []);
    assert.equal(session?.LockDelay, 1_000_000);
    assert.equal(session?.Behavior, 'delete');
    assert.equal(session?.TTL, '15.0s');
    assert.ok(!('Checks' in (session ?? {})));
  });

  it('reads LockDelay numbers below 1000 as seconds and larger ones as nanoseconds', async (t) => {
    const api = await start(t);
    const cases: [unknown, number][] = [
      [15, 15_000_000_000],
      [0, 0],
      [2.9, 2_000_000_000],
      [5_000_000, 5_000_000],
      ['10s', 10_000_000_000],
      ['1m30s', 90_000_000_000],
      ['5ns', 5_000_000_000],
    ];
    for (const [lockDelay, expected] of cases) {
      const id = await api.createId({ LockDelay: lockDelay });
      assert.equal((await api.info(id))?.LockDelay, expected, JSON.stringify(lockDelay));
    }
    const bad = await api.create({ LockDelay: 'soon' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.body, 'Request decode failed: time: invalid duration "soon"');
    assert.equal((await api.create({ LockDelay: true })).statusCode, 400);
  });

  it('links NodeChecks as given; an explicit empty list removes serfHealth', async (t) => {
    const api = await start(t);
    await registerCheck(api.harness, 'mem');
    assert.deepEqual((await api.info(await api.createId({ NodeChecks: [] })))?.NodeChecks, []);
    const custom = await api.info(await api.createId({ NodeChecks: ['serfHealth', 'mem'] }));
    assert.deepEqual(custom?.NodeChecks, ['serfHealth', 'mem']);
    assert.deepEqual(custom?.Checks, ['serfHealth', 'mem'], 'legacy Checks shown when not just serfHealth');
  });

  it('honours the deprecated Checks as Consul 1.7+ does', async (t) => {
    const api = await start(t);
    await registerCheck(api.harness, 'mem');
    const legacy = await api.info(await api.createId({ Checks: ['mem'] }));
    assert.deepEqual(legacy?.NodeChecks, ['serfHealth', 'mem'], 'default NodeChecks plus the legacy list');
    const serfOnly = await api.info(await api.createId({ Checks: ['serfHealth'], NodeChecks: ['mem'] }));
    assert.deepEqual(serfOnly?.NodeChecks, ['mem'], 'a default Checks defers to NodeChecks');
    const emptyNode = await api.info(await api.createId({ Checks: ['mem'], NodeChecks: [] }));
    assert.deepEqual(emptyNode?.NodeChecks, [], 'an empty NodeChecks drops a custom Checks');
    const emptyLegacy = await api.info(await api.createId({ Checks: [], NodeChecks: ['mem'] }));
    assert.deepEqual(emptyLegacy?.NodeChecks, [], 'an empty Checks empties NodeChecks');
  });

  it('refuses checks that are missing or critical (500, from the state store)', async (t) => {
    const api = await start(t);
    const missing = await api.create({ NodeChecks: ['nope'] });
    assert.equal(missing.statusCode, 500);
    assert.equal(missing.body, "Missing check 'nope' registration");
    await registerCheck(api.harness, 'down', 'critical');
    const critical = await api.create({ NodeChecks: ['down'] });
    assert.equal(critical.statusCode, 500);
    assert.equal(critical.body, "Check 'down' is in critical state");
    const service = await api.create({ ServiceChecks: [{ ID: 'svc' }] });
    assert.equal(service.statusCode, 500);
    assert.equal(service.body, "Missing check 'svc' registration");
  });

  it('echoes ServiceChecks as objects, null when none were given', async (t) => {
    const api = await start(t);
    await registerCheck(api.harness, 'svc');
    const session = await api.info(await api.createId({ NodeChecks: [], ServiceChecks: [{ id: 'svc' }] }));
    assert.deepEqual(session?.ServiceChecks, [{ ID: 'svc', Namespace: '' }]);
    assert.deepEqual((await api.info(await api.createId({ ServiceChecks: [] })))?.ServiceChecks, []);
  });

  it('defaults Behavior to release, and refuses anything but release or delete with 500', async (t) => {
    const api = await start(t);
    assert.equal((await api.info(await api.createId({ Behavior: '' })))?.Behavior, 'release');
    const response = await api.create({ Behavior: 'explode' });
    assert.equal(response.statusCode, 500);
    assert.equal(response.body, "Invalid Behavior setting 'explode'");
  });

  it('accepts no TTL or one within [10s, 24h]; anything else is a 500 Patroni recognises', async (t) => {
    const api = await start(t);
    for (const ttl of ['', '0', '0s', '10s', '15.0s', '24h', '86400s']) {
      assert.equal((await api.create({ TTL: ttl })).statusCode, 200, ttl);
    }
    const short = await api.create({ TTL: '5s' });
    assert.equal(short.statusCode, 500);
    assert.equal(short.body, "Invalid Session TTL '5000000000', must be between [10s=24h0m0s]");
    const long = await api.create({ TTL: '24h0m1s' });
    assert.equal(long.body, "Invalid Session TTL '86401000000000', must be between [10s=24h0m0s]");
    const negative = await api.create({ TTL: '-20s' });
    assert.equal(negative.body, "Invalid Session TTL '-20000000000', must be between [10s=24h0m0s]");
    const garbage = await api.create({ TTL: 'fortnight' });
    assert.equal(garbage.statusCode, 500);
    assert.equal(garbage.body, 'Session TTL \'fortnight\' invalid: time: invalid duration "fortnight"');
    assert.equal((await api.create({ TTL: 20 })).statusCode, 400, 'TTL is a string field');
  });

  it('formats the TTL bounds from the config', async (t) => {
    const harness = await createTestContext({ config: { sessionTtlMinNs: 1_500_000_000 } });
    const app = createHttpApp(harness.context, sessionRoutes(harness.context));
    t.after(async () => {
      await app.close();
      await harness.close();
    });
    const response = await app.inject({ method: 'PUT', url: '/v1/session/create', payload: '{"TTL":"1s"}' });
    assert.equal(response.body, "Invalid Session TTL '1000000000', must be between [1.5s=24h0m0s]");
  });

  it('needs a registered node: 500 Missing node registration; an empty Node is 500 too', async (t) => {
    const api = await start(t);
    const response = await api.create({ Node: 'n2' });
    assert.equal(response.statusCode, 500);
    assert.equal(response.body, 'Missing node registration');
    assert.equal((await api.create({ Node: '' })).body, 'Must provide Node');
    await registerTestNode(api.harness.server, 'n2');
    const id = await api.createId({ node: 'n2' });
    assert.equal((await api.info(id))?.Node, 'n2');
  });

  it('refuses bodies that do not decode with 400 Request decode failed', async (t) => {
    const api = await start(t);
    for (const body of [
      '{',
      '[]',
      '"x"',
      '{"Name":5}',
      '{"NodeChecks":"serfHealth"}',
      '{"ServiceChecks":[1]}',
    ]) {
      const response = await api.put('/v1/session/create', body);
      assert.equal(response.statusCode, 400, body);
      assert.match(response.body, /^Request decode failed: /, body);
    }
    assert.equal((await api.get('/v1/session/list')).body, '[]');
  });

  it('refuses another datacenter and other methods', async (t) => {
    const api = await start(t);
    const otherDc = await api.put('/v1/session/create?dc=dc2');
    assert.equal(otherDc.statusCode, 500);
    assert.equal(otherDc.body, 'No path to datacenter');
    const get = await api.get('/v1/session/create');
    assert.equal(get.statusCode, 405);
    assert.equal(get.headers.allow, 'OPTIONS,PUT');
  });
});

describe('PUT /v1/session/destroy/<id>', () => {
  it('destroys the session and answers true; an unknown id also answers true', async (t) => {
    const api = await start(t);
    const id = await api.createId();
    const response = await api.put(`/v1/session/destroy/${id}`);
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, 'true');
    assert.equal(await api.info(id), undefined);
    assert.equal((await api.put(`/v1/session/destroy/${id}`)).body, 'true');
    assert.equal((await api.put('/v1/session/destroy/never-existed')).body, 'true');
  });

  it('releases or deletes the keys it held, by behavior', async (t) => {
    const api = await start(t);
    const release = await api.createId({ Behavior: 'release' });
    const remove = await api.createId({ Behavior: 'delete' });
    await api.put(`/v1/kv/released?acquire=${release}`, 'a');
    await api.put(`/v1/kv/deleted?acquire=${remove}`, 'b');
    await api.put(`/v1/session/destroy/${release}`);
    await api.put(`/v1/session/destroy/${remove}`);
    const released = (await api.get('/v1/kv/released')).json() as Record<string, unknown>[];
    assert.equal(released[0]?.Session, undefined);
    assert.equal(released[0]?.LockIndex, 1);
    assert.equal((await api.get('/v1/kv/deleted')).statusCode, 404);
  });

  it('needs an id and PUT', async (t) => {
    const api = await start(t);
    const missing = await api.put('/v1/session/destroy/');
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.body, 'Missing session');
    assert.equal((await api.get('/v1/session/destroy/x')).statusCode, 405);
    assert.equal((await api.del('/v1/session/destroy/x')).statusCode, 405);
  });
});

describe('PUT /v1/session/renew/<id>', () => {
  it('answers an array of the session', async (t) => {
    const api = await start(t);
    const id = await api.createId({ TTL: '15s', Behavior: 'delete' });
    const response = await api.put(`/v1/session/renew/${id}`);
    assert.equal(response.statusCode, 200);
    const sessions = response.json() as SessionJson[];
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0]?.ID, id);
    assert.equal(sessions[0]?.TTL, '15s');
    assert.equal(sessions[0]?.Behavior, 'delete');
  });

  it('answers 404 Session id not found for an unknown session', async (t) => {
    const api = await start(t);
    const response = await api.put('/v1/session/renew/11111111-1111-1111-1111-111111111111');
    assert.equal(response.statusCode, 404);
    assert.equal(response.body, "Session id '11111111-1111-1111-1111-111111111111' not found");
    assert.equal((await api.put('/v1/session/renew/')).body, 'Missing session');
    assert.equal((await api.get('/v1/session/renew/x')).statusCode, 405);
  });

  it('restarts the TTL clock: a renewed session outlives its first deadline', async (t) => {
    const api = await start(t);
    const id = await api.createId({ TTL: '10s' });
    api.harness.clock.advance(19_000);
    await settle();
    assert.equal((await api.put(`/v1/session/renew/${id}`)).statusCode, 200);
    api.harness.clock.advance(19_000);
    await settle();
    assert.ok(await api.info(id), 'alive 38 s after creation thanks to the renewal');
    api.harness.clock.advance(1_000);
    await settle();
    assert.equal(await api.info(id), undefined, 'gone TTL × 2 after the renewal');
  });
});

describe('session TTL expiry', () => {
  it('invalidates a delete session TTL × 2 after its last renewal, deleting its keys', async (t) => {
    const api = await start(t);
    const id = await api.createId({ TTL: '15s', Behavior: 'delete', LockDelay: '0s' });
    await api.put(`/v1/kv/service/demo/members/pg1?acquire=${id}`, '{}');
    await api.put('/v1/kv/service/demo/unlocked', 'stays');
    api.harness.clock.advance(29_999);
    await settle();
    assert.ok(await api.info(id), 'alive just before TTL × 2');
    assert.equal((await api.get('/v1/kv/service/demo/members/pg1')).statusCode, 200);
    api.harness.clock.advance(1);
    await settle();
    assert.equal(await api.info(id), undefined);
    assert.equal((await api.get('/v1/kv/service/demo/members/pg1')).statusCode, 404);
    assert.equal((await api.get('/v1/kv/service/demo/unlocked')).statusCode, 200);
  });

  it('invalidates a release session TTL × 2 after creation, releasing its keys under a lock-delay', async (t) => {
    const api = await start(t);
    const id = await api.createId({ TTL: '10s' });
    const next = await api.createId();
    await api.put(`/v1/kv/lock?acquire=${id}`, 'held');
    api.harness.clock.advance(20_000);
    await settle();
    assert.equal(await api.info(id), undefined);
    const entry = ((await api.get('/v1/kv/lock')).json() as Record<string, unknown>[])[0];
    assert.equal(entry?.Session, undefined);
    assert.equal(entry?.Value, Buffer.from('held').toString('base64'));
    assert.equal(
      (await api.put(`/v1/kv/lock?acquire=${next}`, 'mine')).body,
      'false',
      'default 15 s lock-delay',
    );
    api.harness.clock.advance(15_000);
    assert.equal((await api.put(`/v1/kv/lock?acquire=${next}`, 'mine')).body, 'true');
  });
});

describe('GET /v1/session/info, /node, /list', () => {
  it('info answers [session] or [] with the sessions index', async (t) => {
    const api = await start(t);
    const id = await api.createId({ Name: 'web' });
    const response = await api.get(`/v1/session/info/${id}`);
    assert.equal(response.statusCode, 200);
    const [session] = response.json() as SessionJson[];
    assert.equal(session?.Name, 'web');
    assert.equal(indexOf(response), session?.ModifyIndex);
    assert.equal(response.headers['x-consul-knownleader'], 'true');
    const unknown = await api.get(`/v1/session/info/${'1'.repeat(36)}`);
    assert.equal(unknown.statusCode, 200);
    assert.equal(unknown.body, '[]');
    assert.equal((await api.get('/v1/session/info/')).body, 'Missing session');
    assert.equal((await api.put(`/v1/session/info/${id}`)).statusCode, 405);
  });

  it('node lists the sessions of a node, [] for an unknown node', async (t) => {
    const api = await start(t);
    await registerTestNode(api.harness.server, 'n2');
    const a = await api.createId({ Name: 'a' });
    await api.createId({ Name: 'b', Node: 'n2' });
    const mine = (await api.get('/v1/session/node/node1')).json() as SessionJson[];
    assert.deepEqual(
      mine.map((session) => session.ID),
      [a],
    );
    assert.equal((await api.get('/v1/session/node/nobody')).body, '[]');
    assert.equal((await api.get('/v1/session/node/')).body, 'Missing node name');
  });

  it('list answers every session, [] when there are none, never an index of 0', async (t) => {
    const api = await start(t);
    const empty = await api.get('/v1/session/list');
    assert.equal(empty.body, '[]');
    assert.ok(indexOf(empty) >= 1);
    const ids = [await api.createId({ Name: 'x' }), await api.createId({ Name: 'y' })];
    const all = (await api.get('/v1/session/list')).json() as SessionJson[];
    assert.deepEqual(
      all.map((session) => session.ID),
      [...ids].sort(),
    );
    assert.equal((await api.get('/v1/session/list?dc=dc2')).body, 'No path to datacenter');
  });

  it('blocks until a session is created or destroyed', async (t) => {
    const api = await start(t);
    const list = await api.get('/v1/session/list');
    const pending = api.get(`/v1/session/list?index=${indexOf(list)}`);
    await waitUntil(() => api.harness.context.stats.blockingQueries === 1, 'the list blocks');
    const id = await api.createId();
    const woken = await pending;
    assert.equal((woken.json() as unknown[]).length, 1);
    const info = api.get(`/v1/session/info/${id}?index=${indexOf(woken)}&wait=1m`);
    await waitUntil(() => api.harness.context.stats.blockingQueries === 1, 'the info blocks');
    await api.put(`/v1/session/destroy/${id}`);
    assert.equal((await info).body, '[]');
  });
});

describe("Patroni's request sequence (reference §16.3)", () => {
  // Steps 3 and 7 (service deregister/register) belong to the agent endpoints and are tested there.
  it('runs bootstrap, leadership, a blocking replica, a switchover and a failed member end to end', async (t) => {
    const api = await start(t);
    const prefix = '/v1/kv/service/demo';

    // 1. Each member creates its session.
    const patroniSession = (name: string) => ({
      name,
      checks: [],
      lockdelay: '0.001s',
      behavior: 'delete',
      ttl: '15.0s',
    });
    const pg1 = await api.createId(patroniSession('demo-pg1'));
    const pg2 = await api.createId(patroniSession('demo-pg2'));

    // 2. An empty cluster: 404 with an index.
    const empty = await api.get(`${prefix}/?recurse=1`);
    assert.equal(empty.statusCode, 404);
    assert.ok(indexOf(empty) >= 1);

    // 4. Member keys, held by each session.
    const member = (name: string) =>
      JSON.stringify({ conn_url: `postgres://127.0.0.1:5433/${name}`, state: 'running' });
    assert.equal((await api.put(`${prefix}/members/pg1?acquire=${pg1}`, member('pg1'))).body, 'true');
    assert.equal((await api.put(`${prefix}/members/pg2?acquire=${pg2}`, member('pg2'))).body, 'true');

    // 5. The bootstrap race: only the first cas=0 wins.
    assert.equal((await api.put(`${prefix}/initialize?cas=0`, '')).body, 'true');
    assert.equal((await api.put(`${prefix}/initialize?cas=0`, '')).body, 'false');

    // 6. Renewals answer an array; an unknown session is a 404.
    assert.equal(((await api.put(`/v1/session/renew/${pg1}`)).json() as unknown[]).length, 1);
    assert.equal((await api.put('/v1/session/renew/00000000-0000-4000-8000-000000000000')).statusCode, 404);

    // 8. The initialize key gets the system id, and the config is written.
    assert.equal((await api.put(`${prefix}/initialize`, '7000000000000000001')).body, 'true');
    assert.equal(
      (await api.put(`${prefix}/config`, '{"ttl":30,"loop_wait":10,"retry_timeout":10}')).body,
      'true',
    );

    // 9. pg1 takes the leader key; pg2 cannot.
    assert.equal((await api.put(`${prefix}/leader?acquire=${pg1}`, 'pg1')).body, 'true');
    assert.equal((await api.put(`${prefix}/leader?acquire=${pg2}`, 'pg2')).body, 'false');

    // 10. Status each loop.
    assert.equal((await api.put(`${prefix}/status`, '{"optime":67108960}')).body, 'true');

    // 11. The replica watches the leader key for a full loop: its own index, not the table's.
    const leader = await api.get(`${prefix}/leader`);
    const leaderIndex = (leader.json() as { ModifyIndex: number }[])[0]!.ModifyIndex;
    assert.equal(indexOf(leader), leaderIndex);
    const loop = api.get(`${prefix}/leader?index=${leaderIndex}&wait=9.87s`);
    await waitUntil(() => api.harness.context.stats.blockingQueries === 1, 'the replica blocks');
    await api.put(`${prefix}/status`, '{"optime":67108961}');
    await api.put(`/v1/session/renew/${pg1}`);
    await api.put(`/v1/session/renew/${pg2}`);
    api.harness.clock.advance(9_870 + 9_870 / 16);
    const timedOut = await loop;
    assert.equal(timedOut.statusCode, 200);
    assert.equal(indexOf(timedOut), leaderIndex, 'unchanged after the wait');

    // 12. Switchover: pg1 deletes the leader key by cas; the replica's watch answers 404; pg2 takes over.
    const watch = api.get(`${prefix}/leader?index=${leaderIndex}&wait=9.87s`);
    await waitUntil(() => api.harness.context.stats.blockingQueries === 1, 'the replica blocks again');
    assert.equal((await api.del(`${prefix}/leader?cas=${leaderIndex}`)).body, 'true');
    const gone = await watch;
    assert.equal(gone.statusCode, 404);
    assert.ok(indexOf(gone) > leaderIndex);
    assert.equal((await api.put(`${prefix}/leader?acquire=${pg2}`, 'pg2')).body, 'true');
    assert.equal(
      (await api.put(`${prefix}/history`, '[[1,67108960,"no recovery target specified"]]')).body,
      'true',
    );

    // 13. pg1 stops renewing: TTL × 2 later its session and its member key are gone.
    for (let second = 0; second < 30; second += 10) {
      api.harness.clock.advance(10_000);
      await api.put(`/v1/session/renew/${pg2}`);
      await settle();
    }
    assert.equal(await api.info(pg1), undefined);
    assert.equal((await api.get(`${prefix}/members/pg1`)).statusCode, 404);
    const keys = (await api.get(`${prefix}/?keys`)).json() as string[];
    assert.deepEqual(keys, [
      'service/demo/config',
      'service/demo/history',
      'service/demo/initialize',
      'service/demo/leader',
      'service/demo/members/pg2',
      'service/demo/status',
    ]);
    const newLeader = ((await api.get(`${prefix}/leader`)).json() as Record<string, unknown>[])[0];
    assert.equal(newLeader?.Session, pg2);
  });
});

/** The 500s Consul documents for session endpoints; every other failure must be a 4xx. */
const DOCUMENTED_500 = [
  /^Missing node registration$/,
  /^Must provide Node$/,
  /^Invalid Behavior setting '/,
  /^Invalid Session TTL '/,
  /^Session TTL '.*' invalid: /s,
  /^Missing check '/,
  /^Check '.*' is in critical state$/s,
  /^No path to datacenter$/,
];

describe('session endpoints under arbitrary input', () => {
  it('answer 2xx or a 4xx with a text body (500 only where documented), and a 4xx changes nothing', async (t) => {
    const api = await start(t);
    const existing = await api.createId();
    const duration = fc.oneof(
      fc.constantFrom(
        '',
        '0',
        '10s',
        '15.0s',
        '0.001s',
        '9.88494610786438s',
        '120000ms',
        '24h',
        '25h',
        '-1s',
        '1e3s',
      ),
      fc.string({ maxLength: 8 }),
      fc.integer({ min: -2000, max: 2_000_000 }),
      fc.double(),
    );
    const value = fc.oneof(
      duration,
      fc.constantFrom('release', 'delete', 'node1', 'serfHealth', 'n9'),
      fc.constant(null),
      fc.boolean(),
      fc.array(fc.oneof(fc.constantFrom('serfHealth', 'x'), fc.integer()), { maxLength: 2 }),
      fc.array(fc.record({ ID: fc.constantFrom('serfHealth', 'x') }), { maxLength: 2 }),
    );
    const field = fc.constantFrom(
      'Name',
      'name',
      'Node',
      'LockDelay',
      'lockdelay',
      'Behavior',
      'TTL',
      'ttl',
      'Checks',
      'NodeChecks',
      'ServiceChecks',
      'Other',
    );
    const body = fc.oneof(
      fc.constant(undefined),
      fc.dictionary(field, value, { maxKeys: 4 }).map((object) => JSON.stringify(object)),
      fc.string({ maxLength: 20 }),
      fc.json({ maxDepth: 2 }),
    );
    const writes = [
      'create',
      'destroy/',
      `destroy/${existing}`,
      'destroy/unknown',
      'renew/',
      `renew/${existing}`,
      'renew/unknown',
    ];
    const reads = ['info/', `info/${existing}`, 'node/', 'node/node1', 'list'];
    // Mostly the method the endpoint takes, sometimes any other.
    const target = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...writes).map((path) => ['PUT', path] as const) },
      { weight: 2, arbitrary: fc.constantFrom(...reads).map((path) => ['GET', path] as const) },
      {
        weight: 1,
        arbitrary: fc.tuple(
          fc.constantFrom('GET', 'PUT', 'DELETE', 'POST'),
          fc.constantFrom(...writes, ...reads),
        ),
      },
    );
    const query = fc.oneof(
      { weight: 4, arbitrary: fc.constant('') },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '?dc=dc1',
          '?dc=elsewhere',
          '?index=abc',
          '?stale',
          '?stale&consistent',
          '?wait=x',
        ),
      },
    );
    await fc.assert(
      fc.asyncProperty(target, query, body, async ([verb, where], params, payload) => {
        const before = JSON.stringify(api.harness.server.store.snapshot());
        const lastIndex = api.harness.consensus.status().lastLogIndex;
        const url = `/v1/session/${where}${params}`;
        const response = await api.app.inject({
          method: verb as 'GET',
          url,
          ...(payload === undefined ? {} : { payload }),
        });
        const status = response.statusCode;
        const what = `${status} for ${verb} ${url} ${payload}: ${response.body}`;
        assert.ok(status >= 200 && status < 600, what);
        if (status >= 500) {
          assert.ok(
            DOCUMENTED_500.some((pattern) => pattern.test(response.body)),
            what,
          );
          assert.equal(JSON.stringify(api.harness.server.store.snapshot()), before, what);
        } else if (status >= 400) {
          assert.match(String(response.headers['content-type']), /^text\/plain/, what);
          assert.notEqual(response.body, '', what);
          assert.equal(JSON.stringify(api.harness.server.store.snapshot()), before, what);
          assert.equal(api.harness.consensus.status().lastLogIndex, lastIndex, `${what}: proposed`);
        }
      }),
      { numRuns: 300, seed: 20261121 },
    );
  });
});
