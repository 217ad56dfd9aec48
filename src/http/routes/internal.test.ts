import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { settle } from '../testing/test-context.ts';
import { createTestApi, type TestApi } from '../testing/test-local-agent.ts';
import { agentRoutes } from './agent.ts';
import { catalogRoutes } from './catalog.ts';
import { internalRoutes } from './internal.ts';

async function start(t: TestContext): Promise<TestApi> {
  const api = await createTestApi((context) => [
    ...internalRoutes(context),
    ...agentRoutes(context),
    ...catalogRoutes(context),
  ]);
  t.after(() => api.close());
  return api;
}

interface SummaryJson {
  Kind?: string;
  Name: string;
  Datacenter: string;
  Tags: string[] | null;
  Nodes: string[];
  InstanceCount: number;
  ChecksPassing: number;
  ChecksWarning: number;
  ChecksCritical: number;
}

const counts = (summary: SummaryJson | undefined) =>
  summary && [summary.InstanceCount, summary.ChecksPassing, summary.ChecksWarning, summary.ChecksCritical];

describe('GET /v1/internal/ui/services', () => {
  it('lists every service by name with instance and check counts', async (t) => {
    const api = await start(t);
    await api.put('/v1/agent/service/register', {
      Name: 'web',
      ID: 'web1',
      Tags: ['v1'],
      Check: { TTL: '1m' },
    });
    await api.put('/v1/agent/service/register', { Name: 'web', ID: 'web2', Tags: ['v2', 'v1'] });
    await api.put('/v1/catalog/register', {
      Node: 'n2',
      Address: '10.0.0.2',
      Service: { Service: 'db', Port: 5432 },
      Check: { CheckID: 'db-alive', Name: 'db alive', Status: 'warning', ServiceID: 'db' },
    });

    const response = await api.get('/v1/internal/ui/services');
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const summaries = response.json() as SummaryJson[];
    assert.deepEqual(
      summaries.map((summary) => summary.Name),
      ['consul', 'db', 'web'],
    );
    const [consul, db, web] = summaries;
    // node1's serfHealth once for the two web instances, plus web1's TTL check (critical at first).
    assert.deepEqual(counts(web), [2, 1, 0, 1]);
    assert.deepEqual(web?.Tags, ['v1', 'v2']);
    assert.deepEqual(web?.Nodes, ['node1']);
    assert.equal(web?.Datacenter, 'dc1');
    assert.deepEqual(counts(db), [1, 0, 1, 0]);
    assert.deepEqual(db?.Nodes, ['n2']);
    assert.equal(db?.Tags, null);
    assert.deepEqual(counts(consul), [1, 1, 0, 0]);
    assert.ok(Number(response.headers['x-consul-index']) > 0);
    assert.equal(response.headers['x-consul-knownleader'], 'true');
  });

  it('blocks until a check flips, then answers with the new counts and a higher index', async (t) => {
    const api = await start(t);
    await api.put('/v1/agent/service/register', { Name: 'web', Check: { TTL: '1m' } });
    const first = await api.get('/v1/internal/ui/services');
    const index = Number(first.headers['x-consul-index']);
    assert.deepEqual(counts((first.json() as SummaryJson[])[1]), [1, 1, 0, 1]);

    let answered = false;
    const waiting = api.get(`/v1/internal/ui/services?index=${index}&wait=5s`).then((response) => {
      answered = true;
      return response;
    });
    await settle();
    assert.equal(answered, false, 'holds while nothing changed');
    await api.put('/v1/agent/check/pass/service:web');
    const woken = await waiting;
    assert.ok(Number(woken.headers['x-consul-index']) > index);
    assert.deepEqual(counts((woken.json() as SummaryJson[])[1]), [1, 2, 0, 0]);
  });

  it('answers at the wait deadline with the same index when nothing changed', async (t) => {
    const api = await start(t);
    const first = await api.get('/v1/internal/ui/services');
    const index = first.headers['x-consul-index'];
    const waiting = api.get(`/v1/internal/ui/services?index=${index}&wait=2s`);
    await settle();
    api.harness.clock.advance(2_500);
    const answer = await waiting;
    assert.equal(answer.headers['x-consul-index'], index);
    assert.equal(answer.body, first.body);
  });

  it('summarises only the instances ?filter= keeps, and refuses a filter that does not fit', async (t) => {
    const api = await start(t);
    await api.put('/v1/agent/service/register', { Name: 'web', ID: 'web1', Tags: ['v1'] });
    await api.put('/v1/agent/service/register', { Name: 'web', ID: 'web2', Tags: ['v2'] });
    // Unfiltered first, at the same index: answers are cached per index, and per filter.
    const all = (await api.get('/v1/internal/ui/services')).json() as SummaryJson[];
    assert.equal(all.find((summary) => summary.Name === 'web')?.InstanceCount, 2);
    const filtered = await api.get(
      `/v1/internal/ui/services?filter=${encodeURIComponent('"v2" in Service.Tags')}`,
    );
    assert.equal(filtered.statusCode, 200, filtered.body);
    const summaries = filtered.json() as SummaryJson[];
    assert.deepEqual(
      summaries.map((summary) => [summary.Name, summary.InstanceCount, summary.Tags]),
      [['web', 1, ['v2']]],
    );
    const bad = await api.get(`/v1/internal/ui/services?filter=${encodeURIComponent('Nope == 1')}`);
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /^Failed to create boolean expression evaluator/);
  });

  it('takes ?stale and ?dc of its own datacenter, and refuses another datacenter', async (t) => {
    const api = await start(t);
    const stale = await api.get('/v1/internal/ui/services?stale&dc=dc1');
    assert.equal(stale.statusCode, 200);
    assert.equal(stale.headers['x-consul-effective-consistency'], 'stale');
    const other = await api.get('/v1/internal/ui/services?dc=dc9');
    assert.equal(other.statusCode, 500);
    assert.equal(other.body, 'No path to datacenter');
  });

  it('answers from the server’s own state without a leader, as Consul retries with stale', async (t) => {
    const api = await start(t);
    await api.harness.consensus.stop();
    const answer = await api.get('/v1/internal/ui/services');
    assert.equal(answer.statusCode, 200, answer.body);
    assert.equal(answer.headers['x-consul-knownleader'], 'false');
    assert.deepEqual(
      (answer.json() as SummaryJson[]).map((summary) => summary.Name),
      ['consul'],
    );
  });
});
