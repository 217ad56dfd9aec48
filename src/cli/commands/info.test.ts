import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { type Harness, startHarness } from '../testing/cli-harness.ts';
import { runInfo } from './info.ts';

describe('cairn info', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('prints Stats sections and keys sorted, as `consul info` does', async () => {
    harness = await startHarness({
      'GET /v1/agent/self': () => ({
        body: {
          Config: { Datacenter: 'dc1' },
          Stats: {
            raft: { state: 'Leader', applied_index: '12' },
            agent: { services: '1', checks: '2' },
          },
        },
      }),
    });
    assert.equal(await runInfo(harness.client, harness.output), 0);
    assert.equal(
      harness.stdout(),
      'agent:\n\tchecks = 2\n\tservices = 1\nraft:\n\tapplied_index = 12\n\tstate = Leader\n',
    );
  });

  it('reports the agent error worded like Consul', async () => {
    harness = await startHarness({
      'GET /v1/agent/self': () => ({ status: 500, body: 'No cluster leader\n' }),
    });
    assert.equal(await runInfo(harness.client, harness.output), 1);
    assert.equal(
      harness.stderr(),
      'Error querying agent: Unexpected response code: 500 (No cluster leader)\n',
    );
  });

  it('reports an answer without Stats', async () => {
    harness = await startHarness({ 'GET /v1/agent/self': () => ({ body: { Config: {} } }) });
    assert.equal(await runInfo(harness.client, harness.output), 1);
    assert.match(harness.stderr(), /^Agent response did not contain 'Stats' key/);
  });
});
