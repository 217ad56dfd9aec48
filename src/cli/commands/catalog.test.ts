import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { type Harness, startHarness } from '../testing/cli-harness.ts';
import { runCatalogDatacenters } from './catalog-datacenters.ts';
import { runCatalogNodes, shortNodeId } from './catalog-nodes.ts';
import { runCatalogServices } from './catalog-services.ts';

const nodes = [
  {
    ID: '0e5a0d3c-2c3b-4e7d-9d1e-1f2a3b4c5d6e',
    Node: 'server-1',
    Address: '10.0.0.1',
    Datacenter: 'dc1',
    TaggedAddresses: { wan: '10.0.0.1', lan: '10.0.0.1' },
    Meta: { 'consul-network-segment': '' },
  },
  {
    ID: '',
    Node: 'web-12',
    Address: '10.0.0.12',
    Datacenter: 'dc1',
    TaggedAddresses: {},
    Meta: { env: 'prod' },
  },
];

describe('cairn catalog', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  const start = () =>
    startHarness({
      'GET /v1/catalog/datacenters': () => ({ body: ['dc1', 'dc2'] }),
      'GET /v1/catalog/nodes': () => ({ headers: { 'X-Consul-Index': '3' }, body: nodes }),
      'GET /v1/catalog/service/web': () => ({
        body: [{ ...nodes[1], NodeMeta: nodes[1]!.Meta, ServiceName: 'web' }],
      }),
      'GET /v1/catalog/service/none': () => ({ body: [] }),
      'GET /v1/catalog/services': () => ({ body: { web: ['v2', 'http'], consul: [], db: ['primary'] } }),
      'GET /v1/catalog/node/web-12': () => ({
        body: {
          Node: nodes[1],
          Services: {
            'web-a': { ID: 'web-a', Service: 'web', Tags: ['b'] },
            'web-b': { ID: 'web-b', Service: 'web', Tags: ['a'] },
          },
        },
      }),
    });

  it('lists datacenters one per line', async () => {
    harness = await start();
    assert.equal(await runCatalogDatacenters(harness.client, harness.output), 0);
    assert.equal(harness.stdout(), 'dc1\ndc2\n');
  });

  it('lists nodes with the ID cut to its first group', async () => {
    harness = await start();
    assert.equal(await runCatalogNodes(harness.client, {}, harness.output), 0);
    assert.equal(
      harness.stdout(),
      'Node      ID        Address    DC\nserver-1  0e5a0d3c  10.0.0.1   dc1\nweb-12              10.0.0.12  dc1\n',
    );
  });

  it('lists full IDs, tagged addresses and meta with -detailed', async () => {
    harness = await start();
    await runCatalogNodes(harness.client, { detailed: true }, harness.output);
    const lines = harness.stdout().split('\n');
    assert.equal(
      lines[0],
      'Node      ID                                    Address    DC   TaggedAddresses             Meta',
    );
    assert.equal(
      lines[1],
      'server-1  0e5a0d3c-2c3b-4e7d-9d1e-1f2a3b4c5d6e  10.0.0.1   dc1  lan=10.0.0.1, wan=10.0.0.1  consul-network-segment=',
    );
  });

  it('lists the nodes of a service, and says so when there are none', async () => {
    harness = await start();
    await runCatalogNodes(harness.client, { service: 'web' }, harness.output);
    assert.match(harness.stdout(), /^Node {4}ID {2}Address {4}DC\nweb-12 {6}10\.0\.0\.12 {2}dc1\n$/);
    assert.equal(await runCatalogNodes(harness.client, { service: 'none' }, harness.output), 0);
    assert.equal(harness.stderr(), 'No nodes match the given query - try expanding your search.\n');
  });

  it('lists services sorted, with tags aligned by -tags', async () => {
    harness = await start();
    await runCatalogServices(harness.client, {}, harness.output);
    assert.equal(harness.stdout(), 'consul\ndb\nweb\n');
    await runCatalogServices(harness.client, { tags: true }, harness.output);
    assert.equal(
      harness.stdout().slice('consul\ndb\nweb\n'.length),
      'consul\ndb          primary\nweb         http,v2\n',
    );
  });

  it('lists the services on one node with -node', async () => {
    harness = await start();
    await runCatalogServices(harness.client, { node: 'web-12', tags: true }, harness.output);
    assert.equal(harness.stdout(), 'web      a,b\n');
  });

  it('reports errors with Consul wording', async () => {
    harness = await startHarness({
      'GET /v1/catalog/nodes': () => ({ status: 500, body: 'No path to datacenter' }),
    });
    assert.equal(await runCatalogNodes(harness.client, {}, harness.output), 1);
    assert.equal(
      harness.stderr(),
      'Error listing nodes: Unexpected response code: 500 (No path to datacenter)\n',
    );
  });
});

describe('shortNodeId', () => {
  it('keeps the first group of a UUID', () => {
    assert.equal(shortNodeId('adf4238a-882b-9ddc-4a9d-5b6758e4159e'), 'adf4238a');
    assert.equal(shortNodeId('plain'), 'plain');
  });
});
