import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HealthStatus } from '../../model/records.ts';
import { anyNode, filterNodes, nodeRows } from './nodes.ts';

const node = (Node: string, Address: string) => ({ Node, Address });
const check = (Node: string, CheckID: string, Status: HealthStatus) => ({ Node, CheckID, Status });

const nodes = [node('web-2', '10.0.0.2'), node('db-1', '10.0.1.1'), node('web-1', '10.0.0.1')];
const checks = [
  check('web-1', 'serfHealth', 'passing'),
  check('web-1', 'service:web', 'warning'),
  check('web-2', 'serfHealth', 'passing'),
  check('db-1', 'serfHealth', 'critical'),
  check('db-1', '_node_maintenance', 'critical'),
  check('gone', 'serfHealth', 'passing'),
];

describe('nodes list', () => {
  it('badges each node by the worst of all its checks and counts them', () => {
    const rows = nodeRows(nodes, checks);
    assert.deepEqual(
      rows.map((row) => [row.name, row.health, row.checkCount, row.serviceCount]),
      [
        ['db-1', 'maintenance', 2, undefined],
        ['web-1', 'warning', 2, undefined],
        ['web-2', 'passing', 1, undefined],
      ],
    );
  });

  it('shows a node without checks as passing, and tolerates null answers', () => {
    assert.deepEqual(
      nodeRows([node('bare', '10.0.0.9')], null).map((row) => [row.health, row.checkCount]),
      [['passing', 0]],
    );
    assert.deepEqual(nodeRows(null, checks), []);
  });

  it('counts distinct services per node from the summaries', () => {
    const services = [{ Nodes: ['web-1', 'web-2'] }, { Nodes: ['web-1', 'web-1'] }, { Nodes: null }];
    assert.deepEqual(
      nodeRows(nodes, checks, services).map((row) => [row.name, row.serviceCount]),
      [
        ['db-1', 0],
        ['web-1', 2],
        ['web-2', 1],
      ],
    );
  });

  it('searches name and address, and filters by badge', () => {
    const rows = nodeRows(nodes, checks);
    const names = (filter: typeof anyNode) => filterNodes(rows, filter).map((row) => row.name);
    assert.deepEqual(names(anyNode), ['db-1', 'web-1', 'web-2']);
    assert.deepEqual(names({ ...anyNode, search: 'WEB' }), ['web-1', 'web-2']);
    assert.deepEqual(names({ ...anyNode, search: '10.0.1.' }), ['db-1']);
    assert.deepEqual(names({ ...anyNode, status: 'warning' }), ['web-1']);
    assert.deepEqual(names({ ...anyNode, status: 'maintenance' }), ['db-1']);
    assert.deepEqual(names({ search: 'web', status: 'critical' }), []);
  });
});
