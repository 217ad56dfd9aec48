/**
 * Which agents lead: a `-bootstrap` server elects itself; a server waiting for peers and a
 * client agent do not, and say why in Consul's words, while still serving their own endpoints.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startAgent } from './agent-harness.ts';

const dataDir = () => mkdtempSync(join(tmpdir(), 'cairn-mode-'));

async function probe(url: string) {
  const leader = await (await fetch(`${url}/v1/status/leader`)).json();
  const put = await fetch(`${url}/v1/kv/k`, { method: 'PUT', body: 'v' });
  const self = await fetch(`${url}/v1/agent/self`);
  return { leader, putStatus: put.status, putBody: await put.text(), selfStatus: self.status };
}

describe('agent modes', () => {
  it('a -server -bootstrap agent leads and takes writes', async (t) => {
    const { agent, url } = await startAgent(['-server', '-bootstrap', '-node', 'n1', '-data-dir', dataDir()]);
    t.after(() => agent.shutdown());
    const seen = await probe(url);
    assert.equal(seen.leader, '127.0.0.1:8300');
    assert.deepEqual([seen.putStatus, seen.putBody], [200, 'true']);
  });

  it('a server waiting for bootstrap_expect peers does not elect itself', async (t) => {
    const { agent, url } = await startAgent([
      '-server',
      '-bootstrap-expect',
      '3',
      '-node',
      'n2',
      '-data-dir',
      dataDir(),
    ]);
    t.after(() => agent.shutdown());
    const seen = await probe(url);
    assert.equal(seen.leader, '');
    assert.deepEqual([seen.putStatus, seen.putBody], [500, 'No cluster leader']);
    assert.equal(seen.selfStatus, 200);
  });

  it('a client agent with no servers answers its own endpoints and refuses catalog writes', async (t) => {
    const { agent, url } = await startAgent(['-node', 'c1', '-data-dir', dataDir()]);
    t.after(() => agent.shutdown());
    const seen = await probe(url);
    assert.equal(seen.leader, '');
    assert.deepEqual([seen.putStatus, seen.putBody], [500, 'No known Consul servers']);
    assert.equal(seen.selfStatus, 200);
  });
});
