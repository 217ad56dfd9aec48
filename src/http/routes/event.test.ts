import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { EventLog } from '../../agent/events.ts';
import { SeededRandom } from '../../sim/seeded-random.ts';
import { createHttpApp } from '../app.ts';
import { createTestContext, settle, waitUntil } from '../testing/test-context.ts';
import { eventRoutes } from './event.ts';

async function start(t: TestContext) {
  // Gossip stand-in: serf delivers every fired event back to its sender with the next Lamport time.
  let lamportTime = 0;
  const log: EventLog = new EventLog(new SeededRandom(7), (event) =>
    log.ingest({ ...event, LTime: ++lamportTime }),
  );
  const harness = await createTestContext({
    agent: { fireEvent: async (event) => log.fire(event), events: () => log.list() },
  });
  const app = createHttpApp(harness.context, eventRoutes());
  t.after(async () => {
    await app.close();
    await harness.close();
  });
  const fire = (name: string, payload?: string, query = '') =>
    app.inject({ method: 'PUT', url: `/v1/event/fire/${name}${query}`, payload });
  return { app, harness, fire };
}

describe('PUT /v1/event/fire/<name>', () => {
  it('answers the event with a base64 payload, version 1 and LTime 0 (serf assigns it on delivery)', async (t) => {
    const { app, fire } = await start(t);
    const first = (await fire('deploy', 'v2')).json();
    assert.equal(first.Name, 'deploy');
    assert.equal(first.Payload, Buffer.from('v2').toString('base64'));
    assert.equal(first.Version, 1);
    assert.equal(first.LTime, 0);
    const second = (await fire('deploy')).json();
    assert.equal(second.Payload, null);
    const listed = (await app.inject({ url: '/v1/event/list' })).json();
    assert.deepEqual(
      listed.map((event: { ID: string; LTime: number }) => [event.ID, event.LTime]),
      [
        [first.ID, 1],
        [second.ID, 2],
      ],
    );
  });

  it('refuses a missing name, a tag filter without a service filter, and a bad Go regexp', async (t) => {
    const { app, fire } = await start(t);
    assert.deepEqual([(await app.inject({ method: 'PUT', url: '/v1/event/fire/' })).statusCode], [400]);
    const tagOnly = await fire('x', undefined, '?tag=v1');
    assert.equal(tagOnly.statusCode, 400);
    assert.equal(tagOnly.body, 'Cannot provide tag filter without service filter.');
    const badRegexp = await fire('x', undefined, '?node=(');
    assert.equal(badRegexp.statusCode, 400);
    assert.match(badRegexp.body, /^Invalid node filter: /);
  });

  it('takes Go regexp syntax JavaScript lacks, such as a leading (?i)', async (t) => {
    const { fire } = await start(t);
    const response = await fire('x', undefined, '?node=(?i)web&service=api');
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().NodeFilter, '(?i)web');
  });
});

describe('GET /v1/event/list', () => {
  it('lists events, filtered by ?name, with an opaque index that is never 0', async (t) => {
    const { app, fire } = await start(t);
    const empty = await app.inject({ url: '/v1/event/list' });
    assert.deepEqual(empty.json(), []);
    assert.equal(empty.headers['x-consul-index'], '1');
    await fire('a');
    await fire('b');
    const named = await app.inject({ url: '/v1/event/list?name=a' });
    assert.deepEqual(
      named.json().map((event: { Name: string }) => event.Name),
      ['a'],
    );
  });

  it('wakes a blocking ?name=a list for an "a" event and not for others', async (t) => {
    const { app, fire } = await start(t);
    await fire('a');
    const index = (await app.inject({ url: '/v1/event/list?name=a' })).headers['x-consul-index'];
    let answered = false;
    const blocked = app.inject({ url: `/v1/event/list?name=a&index=${index}&wait=60s` }).then((response) => {
      answered = true;
      return response;
    });
    await fire('b');
    await settle();
    assert.equal(answered, false, 'an event of another name woke the named list');
    await fire('a');
    await waitUntil(() => answered, 'the blocked list to answer');
    const response = await blocked;
    assert.notEqual(response.headers['x-consul-index'], index);
    assert.equal(response.json().length, 2);
  });
});
