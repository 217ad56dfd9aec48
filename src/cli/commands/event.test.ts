import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { type Harness, startHarness } from '../testing/cli-harness.ts';
import { runEvent } from './event.ts';

describe('cairn event', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  const start = () =>
    startHarness({
      'GET /v1/agent/self': () => ({ body: { Config: { NodeName: 'n1' } } }),
      'PUT /v1/event/fire/*': (request) => ({
        body: {
          ID: 'b54fe110-7af5-cafc-d1fb-afc8ba432b1c',
          Name: request.path.slice('/v1/event/fire/'.length),
          Payload: Buffer.from(request.body).toString('base64') || null,
          NodeFilter: request.query.get('node') ?? '',
          ServiceFilter: request.query.get('service') ?? '',
          TagFilter: request.query.get('tag') ?? '',
          Version: 1,
          LTime: 0,
        },
      }),
    });

  it('fires the event with its payload and filters, and prints its ID', async () => {
    harness = await start();
    const options = { name: 'deploy', node: 'web', service: 'api', tag: 'v1', args: ['v2.1'] };
    assert.equal(await runEvent(harness.client, options, harness.output), 0);
    assert.equal(harness.stdout(), 'Event ID: b54fe110-7af5-cafc-d1fb-afc8ba432b1c\n');
    const fire = harness.agent.requests.find((request) => request.method === 'PUT')!;
    assert.equal(fire.path, '/v1/event/fire/deploy');
    assert.equal(new TextDecoder().decode(fire.body), 'v2.1');
    assert.deepEqual(
      [fire.query.get('node'), fire.query.get('service'), fire.query.get('tag')],
      ['web', 'api', 'v1'],
    );
  });

  const refusals: [string, Parameters<typeof runEvent>[1], string][] = [
    ['no name', { args: [] }, 'Event name must be specified'],
    ['a bad node regexp', { name: 'x', node: '(', args: [] }, 'Failed to compile node filter regexp: '],
    [
      'a tag without a service',
      { name: 'x', tag: 'v1', args: [] },
      'Cannot provide tag filter without service filter.',
    ],
    ['two payloads', { name: 'x', args: ['a', 'b'] }, 'Too many command line arguments.'],
  ];
  for (const [what, options, message] of refusals) {
    it(`refuses ${what} before asking the agent`, async () => {
      harness = await start();
      assert.equal(await runEvent(harness.client, options, harness.output), 1);
      assert.ok(harness.stderr().startsWith(message), harness.stderr());
      assert.equal(harness.agent.requests.length, 0);
    });
  }
});
