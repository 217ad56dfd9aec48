import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HealthStatus } from '../../model/records.ts';
import { checkType, isNodeCheck, sortChecks } from './checks.ts';

const check = (CheckID: string, Name: string, Status: HealthStatus, ServiceID = '') => ({
  CheckID,
  Name,
  Status,
  ServiceID,
});

describe('checks', () => {
  it('tells node checks from service checks', () => {
    assert.equal(isNodeCheck(check('serfHealth', 'Serf', 'passing')), true);
    assert.equal(isNodeCheck(check('service:web', 'web', 'passing', 'web')), false);
  });

  it('puts the worst first, maintenance above critical, then by name and ID', () => {
    const sorted = sortChecks([
      check('b', 'beta', 'passing'),
      check('c', 'alpha', 'critical'),
      check('a', 'alpha', 'passing'),
      check('_node_maintenance', 'Node Maintenance Mode', 'critical'),
      check('w', 'warn', 'warning'),
      check('a2', 'alpha', 'passing'),
    ]);
    assert.deepEqual(
      sorted.map((c) => c.CheckID),
      ['_node_maintenance', 'c', 'w', 'a', 'a2', 'b'],
    );
  });

  it('accepts null and does not reorder its input', () => {
    assert.deepEqual(sortChecks(null), []);
    const input = [check('b', 'b', 'passing'), check('a', 'a', 'critical')];
    sortChecks(input);
    assert.deepEqual(
      input.map((c) => c.CheckID),
      ['b', 'a'],
    );
  });

  it('names the type of checks Consul leaves untyped', () => {
    assert.equal(checkType({ CheckID: 'x', Type: 'ttl' }), 'ttl');
    assert.equal(checkType({ CheckID: 'serfHealth', Type: '' }), 'serf');
    assert.equal(checkType({ CheckID: '_service_maintenance:web', Type: '' }), 'maintenance');
    assert.equal(checkType({ CheckID: 'x', Type: null }), '');
  });
});
