import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServiceHealthEntry } from '../../api-client/client.ts';
import type { HealthCheck, HealthStatus } from '../../model/records.ts';
import { instanceAddress, instanceTags, instanceViews, serviceWorstHealth } from './service.ts';

function check(CheckID: string, Status: HealthStatus, ServiceID = ''): HealthCheck {
  return {
    Node: 'n',
    CheckID,
    Name: CheckID,
    Status,
    Notes: '',
    Output: '',
    ServiceID,
    ServiceName: '',
    ServiceTags: [],
    Type: 'ttl',
    Interval: '',
    Timeout: '',
    ExposedPort: 0,
    Definition: {},
    CreateIndex: 1,
    ModifyIndex: 1,
  };
}

function entry(
  node: string,
  id: string,
  options: { address?: string; port?: number; tags?: string[] | null; checks?: HealthCheck[] | null } = {},
): ServiceHealthEntry {
  return {
    Node: {
      ID: '',
      Node: node,
      Address: `10.0.0.${node.length}`,
      Datacenter: 'dc1',
      TaggedAddresses: {},
      Meta: {},
      CreateIndex: 1,
      ModifyIndex: 1,
    },
    Service: {
      Kind: '',
      ID: id,
      Service: 'web',
      Tags: options.tags as string[],
      Address: options.address ?? '',
      Meta: {},
      Port: options.port ?? 0,
      Weights: { Passing: 1, Warning: 1 },
      EnableTagOverride: false,
      CreateIndex: 1,
      ModifyIndex: 1,
    },
    Checks: options.checks as HealthCheck[],
  };
}

describe('service instances', () => {
  it('uses the service address, else the node address, with the port', () => {
    assert.equal(instanceAddress(entry('n1', 'a', { address: '192.168.1.9', port: 80 })), '192.168.1.9:80');
    assert.equal(instanceAddress(entry('n1', 'a', { port: 80 })), '10.0.0.2:80');
    assert.equal(instanceAddress(entry('n1', 'a')), '10.0.0.2');
  });

  it('orders by node, then ID, and badges each by its worst check, node checks included', () => {
    const views = instanceViews([
      entry('n2', 'web-1', { checks: [check('serfHealth', 'passing'), check('s', 'warning', 'web-1')] }),
      entry('n1', 'web-2', { checks: [check('serfHealth', 'critical'), check('s', 'passing', 'web-2')] }),
      entry('n1', 'web-1', { checks: null }),
    ]);
    assert.deepEqual(
      views.map((view) => [view.key, view.health]),
      [
        ['n1/web-1', 'passing'],
        ['n1/web-2', 'critical'],
        ['n2/web-1', 'warning'],
      ],
    );
    assert.deepEqual(
      views[1]?.checks.map((c) => c.CheckID),
      ['serfHealth', 's'],
    );
    assert.equal(serviceWorstHealth(views), 'critical');
    assert.equal(serviceWorstHealth([]), 'passing');
  });

  it('collects tags once across instances, tolerating null', () => {
    const views = instanceViews([
      entry('n1', 'a', { tags: ['v1', 'blue'] }),
      entry('n2', 'b', { tags: null }),
      entry('n3', 'c', { tags: ['v1', 'green'] }),
    ]);
    assert.deepEqual(instanceTags(views), ['v1', 'blue', 'green']);
  });

  it('treats a null answer as no instances', () => {
    assert.deepEqual(instanceViews(null), []);
  });
});
