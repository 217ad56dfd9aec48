import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { type Harness, startHarness } from '../testing/cli-harness.ts';
import { runForceLeave } from './force-leave.ts';

describe('cairn force-leave', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  const start = () =>
    startHarness({
      'PUT /v1/agent/force-leave/*': (request) =>
        request.path.endsWith('/ghost')
          ? { status: 500, body: "agent: No node found with name 'ghost'" }
          : {},
    });

  it('force-leaves one node, with -prune and -wan as query flags, printing nothing', async () => {
    harness = await start();
    assert.equal(await runForceLeave(harness.client, { nodes: ['n2'], prune: true }, harness.output), 0);
    assert.equal(harness.stdout(), '');
    const [request] = harness.agent.requests;
    assert.equal(request!.path, '/v1/agent/force-leave/n2');
    assert.ok(request!.query.has('prune'));
    assert.ok(!request!.query.has('wan'));
  });

  it('reports an unknown node', async () => {
    harness = await start();
    assert.equal(await runForceLeave(harness.client, { nodes: ['ghost'] }, harness.output), 1);
    assert.equal(
      harness.stderr(),
      "Error force leaving: Unexpected response code: 500 (agent: No node found with name 'ghost')\n",
    );
  });

  it('takes exactly one node name', async () => {
    harness = await start();
    assert.equal(await runForceLeave(harness.client, { nodes: [] }, harness.output), 1);
    assert.equal(await runForceLeave(harness.client, { nodes: ['a', 'b'] }, harness.output), 1);
    assert.equal(harness.stderr(), 'A single node name must be specified to force leave.\n'.repeat(2));
    assert.equal(harness.agent.requests.length, 0);
  });
});
