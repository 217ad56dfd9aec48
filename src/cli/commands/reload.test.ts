import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { CairnClient } from '../../api-client/client.ts';
import { unusedAddress } from '../../api-client/testing/fake-agent.ts';
import { captureOutput } from '../output.ts';
import { type Harness, startHarness } from '../testing/cli-harness.ts';
import { runReload } from './reload.ts';

describe('cairn reload', () => {
  let harness: Harness | undefined;
  afterEach(() => harness?.close());

  it('asks the agent to reload with a PUT', async () => {
    harness = await startHarness({ 'PUT /v1/agent/reload': () => ({}) });
    assert.equal(await runReload(harness.client, harness.output), 0);
    assert.equal(harness.stdout(), 'Configuration reload triggered\n');
    assert.equal(harness.agent.requests.length, 1);
  });

  it("reports a failed reload with the agent's answer", async () => {
    harness = await startHarness({
      'PUT /v1/agent/reload': () => ({ status: 500, body: 'Failed reloading services: bad check' }),
    });
    assert.equal(await runReload(harness.client, harness.output), 1);
    assert.equal(harness.stdout(), '');
    assert.equal(
      harness.stderr(),
      'Error reloading: Unexpected response code: 500 (Failed reloading services: bad check)\n',
    );
  });

  it('reports an unreachable agent', async () => {
    harness = undefined;
    const address = await unusedAddress();
    const { output, stderr } = captureOutput();
    assert.equal(await runReload(new CairnClient({ address }), output), 1);
    assert.equal(
      stderr(),
      `Error connecting to Cairn agent: dial tcp ${address}: connect: connection refused\n`,
    );
  });
});
