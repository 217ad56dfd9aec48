import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { type Harness, startHarness } from '../testing/cli-harness.ts';
import { runLeave } from './leave.ts';

describe('cairn leave', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('asks the agent to leave with a PUT', async () => {
    harness = await startHarness({ 'PUT /v1/agent/leave': () => ({}) });
    assert.equal(await runLeave(harness.client, harness.output), 0);
    assert.equal(harness.stdout(), 'Graceful leave complete\n');
  });

  it('reports a refusal', async () => {
    harness = await startHarness({
      'PUT /v1/agent/leave': () => ({ status: 403, body: 'Permission denied' }),
    });
    assert.equal(await runLeave(harness.client, harness.output), 1);
    assert.equal(harness.stderr(), 'Error leaving: Unexpected response code: 403 (Permission denied)\n');
  });
});
