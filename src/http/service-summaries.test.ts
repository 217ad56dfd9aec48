import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HealthStatus } from '../model/records.ts';
import type { CheckServiceNode, ServiceInput } from '../state/catalog.ts';
import { check, node, service } from '../state/testing/fixtures.ts';
import { summarizeServices } from './service-summaries.ts';

const indexes = { CreateIndex: 1, ModifyIndex: 1 };

/** One instance on `nodeName` with `checks` as `[checkID, status, serviceID]` (node checks: ''). */
function instance(
  nodeName: string,
  serviceInput: ServiceInput,
  checks: [string, HealthStatus, string][] = [],
  datacenter = 'dc1',
): CheckServiceNode {
  return {
    node: { ...node(nodeName, { Datacenter: datacenter }), ...indexes },
    service: { ...serviceInput, ...indexes },
    checks: checks.map(([id, status, serviceId]) => ({
      ...check(nodeName, id, status, serviceId),
      ...indexes,
    })),
  };
}

describe('summarizeServices', () => {
  it('answers [] for no instances', () => {
    assert.deepEqual(summarizeServices([]), []);
  });

  it('summarises one service in Consul’s field order, with its zero values', () => {
    const [summary] = summarizeServices([
      instance('n1', service('web1', 'web'), [
        ['serfHealth', 'passing', ''],
        ['service:web1', 'passing', 'web1'],
      ]),
    ]);
    assert.equal(
      JSON.stringify(summary),
      JSON.stringify({
        Name: 'web',
        Datacenter: 'dc1',
        Tags: null,
        Nodes: ['n1'],
        ExternalSources: null,
        InstanceCount: 1,
        ChecksPassing: 2,
        ChecksWarning: 0,
        ChecksCritical: 0,
        GatewayConfig: {},
        TransparentProxy: false,
        ConnectNative: false,
        ConnectedWithProxy: false,
        ConnectedWithGateway: false,
      }),
    );
  });

  it('counts a node check once per node however many instances share it', () => {
    const [web] = summarizeServices([
      instance('n1', service('web1', 'web'), [
        ['serfHealth', 'passing', ''],
        ['service:web1', 'warning', 'web1'],
      ]),
      instance('n1', service('web2', 'web'), [
        ['serfHealth', 'passing', ''],
        ['service:web2', 'critical', 'web2'],
      ]),
      instance('n2', service('web3', 'web'), [['serfHealth', 'critical', '']]),
    ]);
    assert.deepEqual(
      [web?.InstanceCount, web?.ChecksPassing, web?.ChecksWarning, web?.ChecksCritical, web?.Nodes],
      [3, 1, 1, 2, ['n1', 'n2']],
    );
  });

  it('counts maintenance as critical', () => {
    const [web] = summarizeServices([
      instance('n1', service('web1', 'web'), [
        ['_node_maintenance', 'critical', ''],
        ['service:web1', 'maintenance', 'web1'],
      ]),
    ]);
    assert.equal(web?.ChecksCritical, 2);
  });

  it('unions and sorts tags and nodes, keeps external sources in order once each', () => {
    const [web] = summarizeServices([
      instance('n2', service('web1', 'web', { Tags: ['v2', 'primary'], Meta: { 'external-source': 'k8s' } })),
      instance('n1', service('web2', 'web', { Tags: ['v1', 'v2'], Meta: { 'external-source': 'nomad' } })),
      instance('n1', service('web3', 'web', { Meta: { 'external-source': 'k8s' } })),
      instance('n3', service('web4', 'web', { Meta: { 'external-source': '' } })),
    ]);
    assert.deepEqual(web?.Tags, ['primary', 'v1', 'v2']);
    assert.deepEqual(web?.Nodes, ['n1', 'n2', 'n3']);
    assert.deepEqual(web?.ExternalSources, ['k8s', 'nomad']);
  });

  it('sorts by name, names Kind only when set, and is ConnectNative when any instance is', () => {
    const summaries = summarizeServices([
      instance('n1', service('web1', 'web', { Connect: { native: true } })),
      instance('n1', service('web2', 'web')),
      instance('n1', service('gw', 'api-gateway', { Kind: 'api-gateway' }), [], 'dc2'),
      instance('n1', service('db1', 'db')),
    ]);
    assert.deepEqual(
      summaries.map((summary) => [summary.Name, summary.Kind, summary.ConnectNative, summary.Datacenter]),
      [
        ['api-gateway', 'api-gateway', false, 'dc2'],
        ['db', undefined, false, 'dc1'],
        ['web', undefined, true, 'dc1'],
      ],
    );
    assert.equal('Kind' in summaries[1]!, false);
  });
});
