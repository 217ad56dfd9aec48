import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StateStore } from '../state/store.ts';
import { check, node, service } from '../state/testing/fixtures.ts';
import { withoutCritical } from './filters.ts';
import { instancesOf, nodeAt, nodeNamed, serviceAt } from './lookups.ts';

function register(
  store: StateStore,
  index: number,
  nodeName: string,
  address: string,
  id?: string,
  name?: string,
) {
  store.transact(index, () =>
    store.catalog.register({
      node: node(nodeName, { Address: address }),
      skipNodeUpdate: false,
      ...(id === undefined
        ? {}
        : { service: service(id, name, { Address: id.endsWith('x') ? '10.9.0.1' : '' }) }),
      checks: [],
    }),
  );
}

test('service and node names match without regard to case, and new names are seen at once', () => {
  const store = new StateStore();
  register(store, 1, 'Node-A', '10.0.0.1', 'web1', 'Web');
  assert.deepEqual(
    instancesOf(store, 'web').map((entry) => entry.service.ID),
    ['web1'],
  );
  register(store, 2, 'node-b', '10.0.0.2', 'web2', 'WEB');
  assert.deepEqual(
    instancesOf(store, 'wEb')
      .map((entry) => entry.service.ID)
      .sort(),
    ['web1', 'web2'],
  );
  assert.equal(nodeNamed(store, 'node-a')?.Node, 'Node-A');
  assert.equal(nodeNamed(store, 'NODE-B')?.Node, 'node-b');
  assert.equal(nodeNamed(store, 'node-c'), undefined);
  store.transact(3, () => store.catalog.deleteNode('Node-A'));
  assert.deepEqual(
    instancesOf(store, 'web').map((entry) => entry.service.ID),
    ['web2'],
  );
  assert.equal(nodeNamed(store, 'node-a'), undefined);
});

test('reverse lookups compare addresses, not their spelling', () => {
  const store = new StateStore();
  register(store, 1, 'six', '2001:db8::1');
  register(store, 2, 'four', '10.0.0.1', 'apix', 'api');
  const six = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1]);
  assert.equal(nodeAt(store, six)?.Node, 'six');
  assert.equal(nodeAt(store, Uint8Array.of(10, 0, 0, 1))?.Node, 'four');
  assert.equal(serviceAt(store, Uint8Array.of(10, 9, 0, 1))?.service.ID, 'apix');
  assert.equal(serviceAt(store, Uint8Array.of(10, 0, 0, 1)), undefined);
});

test('the DNS filter drops critical instances, and warning ones only with only_passing', () => {
  const store = new StateStore();
  const statuses = ['passing', 'warning', 'critical'] as const;
  statuses.forEach((status, i) => {
    store.transact(i + 1, () =>
      store.catalog.register({
        node: node(`n${i}`),
        skipNodeUpdate: false,
        service: service(`web${i}`, 'web'),
        checks: [check(`n${i}`, 'serfHealth', status)],
      }),
    );
  });
  const ids = (onlyPassing: boolean) =>
    withoutCritical(instancesOf(store, 'web'), onlyPassing)
      .map((entry) => entry.service.ID)
      .sort();
  assert.deepEqual(ids(false), ['web0', 'web1']);
  assert.deepEqual(ids(true), ['web0']);
});
