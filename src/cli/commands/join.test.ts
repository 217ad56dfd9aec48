import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { type Harness, startHarness } from '../testing/cli-harness.ts';
import { runJoin } from './join.ts';

describe('cairn join', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  const start = () =>
    startHarness({
      'PUT /v1/agent/join/*': (request) =>
        request.path.endsWith('10.0.0.9')
          ? {
              status: 500,
              body: '1 error occurred:\n\t* Failed to join 10.0.0.9:8301: connection refused\n\n',
            }
          : {},
    });

  it('joins every address and counts the successes', async () => {
    harness = await start();
    assert.equal(
      await runJoin(harness.client, { addresses: ['10.0.0.1', '10.0.0.2:8301'] }, harness.output),
      0,
    );
    assert.equal(harness.stdout(), 'Successfully joined cluster by contacting 2 nodes.\n');
    assert.deepEqual(
      harness.agent.requests.map((request) => request.path),
      ['/v1/agent/join/10.0.0.1', '/v1/agent/join/10.0.0.2:8301'],
    );
  });

  it('reports a failed address and still succeeds with another, passing -wan', async () => {
    harness = await start();
    assert.equal(
      await runJoin(harness.client, { addresses: ['10.0.0.9', '10.0.0.1'], wan: true }, harness.output),
      0,
    );
    assert.match(harness.stderr(), /^Error joining address '10\.0\.0\.9': Unexpected response code: 500/);
    assert.equal(harness.stdout(), 'Successfully joined cluster by contacting 1 nodes.\n');
    assert.ok(harness.agent.requests.every((request) => request.query.has('wan')));
  });

  it('fails when no address joins, and when none is given', async () => {
    harness = await start();
    assert.equal(await runJoin(harness.client, { addresses: ['10.0.0.9'] }, harness.output), 1);
    assert.match(harness.stderr(), /\nFailed to join any nodes\.\n$/);
    assert.equal(await runJoin(harness.client, { addresses: [] }, harness.output), 1);
    assert.match(harness.stderr(), /At least one address to join must be specified\.\n$/);
  });
});
