/**
 * python-consul 0.7.1 (Debian's `python3-consul`, the client Debian's Patroni uses) against a
 * dev agent process, following Patroni's request sequence. `npm test` installs the package
 * when it runs as root (scripts/system-packages.mjs); elsewhere this test names what is missing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AgentProcess } from './agent-harness.ts';

const PYTHON = '/usr/bin/python3';
const script = fileURLToPath(new URL('./fixtures/python_consul_flow.py', import.meta.url));

describe('python-consul 0.7.1 (Patroni’s client) against a dev agent process', () => {
  let agent: AgentProcess;
  let observed: Record<string, unknown>;

  before(async () => {
    const probe = spawnSync(PYTHON, ['-c', 'import consul; print(consul.__version__)'], { encoding: 'utf8' });
    assert.equal(
      probe.status,
      0,
      `python-consul is missing: run \`apt-get install -y python3-consul\` (${probe.stderr})`,
    );
    agent = await AgentProcess.spawnDev(['-node', 'pg-node']);
    const address = await agent.httpAddress();
    const [host, port] = address.split(':');
    const run = spawnSync(PYTHON, [script, host!, port!], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 0, `python flow failed:\n${run.stderr}\nagent:\n${agent.output.slice(-2000)}`);
    observed = JSON.parse(run.stdout);
  });
  after(() => agent.kill('SIGKILL'));

  it('finds the leader and the agent', () => {
    assert.equal(observed.leader, '127.0.0.1:8300');
    assert.equal(observed.self_node, 'pg-node');
  });

  it('creates Patroni’s session and sees the empty cluster as a 404 with an index', () => {
    assert.equal(observed.session_id_length, 36);
    assert.ok(Number(observed.empty_index) >= 1);
    assert.equal(observed.empty_data, null);
  });

  it('deregisters by GET with a slash in the id', () => {
    assert.equal(observed.deregister_missing, false);
    assert.equal(observed.deregister_present, true);
  });

  it('runs the member, initialize, renew and leader-lock steps', () => {
    assert.equal(observed.member_acquire, true);
    assert.equal(observed.initialize_first, true);
    assert.equal(observed.initialize_second, false);
    assert.equal(observed.renew_ttl, '15s');
    assert.equal(observed.leader_acquire, true);
    assert.equal(observed.leader_value, 'pg1');
    assert.equal(observed.leader_index_is_key_index, true);
    assert.equal(observed.blocking_same_index, true);
  });

  it('registers the service with its HTTP check, visible in health at once', () => {
    assert.deepEqual(observed.health_instances, ['demo/pg1']);
    assert.deepEqual(observed.agent_services, ['demo/pg1']);
  });

  it('switches over with a CAS delete and rejects an unknown session with invalid session', () => {
    assert.equal(observed.leader_delete_cas, true);
    assert.equal(observed.leader_after_delete, null);
    assert.match(String(observed.acquire_unknown_session), /invalid session/);
  });

  it('deletes the member key when the session is destroyed, and 404s a renew after', () => {
    assert.equal(observed.destroy, true);
    assert.equal(observed.member_after_destroy, null);
    assert.equal(observed.renew_destroyed, 'NotFound');
  });

  it('meets python-consul’s own suite expectations', () => {
    assert.equal(observed.ttl_status, 'passing');
    assert.deepEqual(observed.recurse_keys, ['order/a', 'order/b']);
    assert.equal(observed.flags, 7);
    assert.equal(observed.info_unknown_session, null);
    assert.deepEqual(observed.catalog_services, { consul: [], demo: ['master', 'primary'] });
    assert.match(String(observed.other_dc), /No path to datacenter/);
  });
});
