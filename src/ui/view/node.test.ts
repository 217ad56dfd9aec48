import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HealthCheck, HealthStatus, NodeService } from '../../model/records.ts';
import { formatNanoseconds, nodeOwnChecks, nodeServiceViews, sessionCheckIds } from './node.ts';

function check(CheckID: string, Status: HealthStatus, ServiceID = ''): HealthCheck {
  return {
    Node: 'n1',
    CheckID,
    Name: CheckID,
    Status,
    Notes: '',
    Output: '',
    ServiceID,
    ServiceName: '',
    ServiceTags: [],
    Type: '',
    Interval: '',
    Timeout: '',
    ExposedPort: 0,
    Definition: {},
    CreateIndex: 1,
    ModifyIndex: 1,
  };
}

function service(ID: string, Service: string): NodeService {
  return {
    Kind: '',
    ID,
    Service,
    Tags: [],
    Address: '',
    Meta: {},
    Port: 80,
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
    CreateIndex: 1,
    ModifyIndex: 1,
  };
}

const checks = [
  check('serfHealth', 'passing'),
  check('disk', 'warning'),
  check('service:web-1', 'critical', 'web-1'),
  check('service:web-1:2', 'passing', 'web-1'),
  check('service:api', 'passing', 'api'),
];

describe('node page', () => {
  it('keeps only the node checks, worst first', () => {
    assert.deepEqual(
      nodeOwnChecks(checks).map((c) => c.CheckID),
      ['disk', 'serfHealth'],
    );
    assert.deepEqual(nodeOwnChecks(null), []);
  });

  it('badges each instance by its own checks and orders by name, then ID', () => {
    const views = nodeServiceViews(
      { 'web-1': service('web-1', 'web'), api: service('api', 'api'), 'web-0': service('web-0', 'web') },
      checks,
    );
    assert.deepEqual(
      views.map((view) => [view.service.ID, view.health, view.checks.map((c) => c.CheckID)]),
      [
        ['api', 'passing', ['service:api']],
        ['web-0', 'passing', []],
        ['web-1', 'critical', ['service:web-1', 'service:web-1:2']],
      ],
    );
    assert.deepEqual(nodeServiceViews(null, checks), []);
  });

  it('lists the checks a session is tied to', () => {
    assert.deepEqual(
      sessionCheckIds({ NodeChecks: ['serfHealth'], ServiceChecks: [{ ID: 'c1', Namespace: '' }] }),
      ['serfHealth', 'c1'],
    );
    assert.deepEqual(sessionCheckIds({ NodeChecks: null as unknown as string[], ServiceChecks: null }), []);
  });

  it('formats nanoseconds as Go durations', () => {
    assert.equal(formatNanoseconds(0), '0s');
    assert.equal(formatNanoseconds(undefined), '0s');
    assert.equal(formatNanoseconds(15e9), '15s');
    assert.equal(formatNanoseconds(90e9), '1m30s');
    assert.equal(formatNanoseconds(3_725e9), '1h2m5s');
    assert.equal(formatNanoseconds(250e6), '250ms');
    assert.equal(formatNanoseconds(5e3), '5µs');
  });
});
