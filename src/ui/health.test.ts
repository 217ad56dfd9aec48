import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HealthStatus } from '../model/records.ts';
import { checkHealth, countHealth, healthOfCounts, worstHealth } from './health.ts';

const check = (CheckID: string, Status: HealthStatus) => ({ CheckID, Status });

describe('UI health', () => {
  it('tells maintenance apart from an ordinary critical check', () => {
    assert.equal(checkHealth(check('_node_maintenance', 'critical')), 'maintenance');
    assert.equal(checkHealth(check('_service_maintenance:web-1', 'critical')), 'maintenance');
    assert.equal(checkHealth(check('service:web-1', 'critical')), 'critical');
  });

  it('shows the worst check, and passing for none', () => {
    assert.equal(worstHealth([]), 'passing');
    assert.equal(worstHealth([check('a', 'passing'), check('b', 'warning')]), 'warning');
    assert.equal(
      worstHealth([check('a', 'critical'), check('_node_maintenance', 'critical')]),
      'maintenance',
    );
    assert.equal(
      worstHealth([check('a', 'warning'), check('b', 'critical'), check('c', 'passing')]),
      'critical',
    );
  });

  it('counts maintenance as critical and badges counts by the worst', () => {
    const counts = countHealth([
      check('a', 'passing'),
      check('b', 'warning'),
      check('_node_maintenance', 'critical'),
    ]);
    assert.deepEqual(counts, { passing: 1, warning: 1, critical: 1 });
    assert.equal(healthOfCounts(counts), 'critical');
    assert.equal(healthOfCounts({ passing: 3, warning: 1, critical: 0 }), 'warning');
    assert.equal(healthOfCounts({ passing: 0, warning: 0, critical: 0 }), 'passing');
  });
});
