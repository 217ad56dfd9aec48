import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeInput, Registration } from './catalog.ts';
import { StateError } from './errors.ts';
import { StateStore, Table } from './store.ts';
import { check, fireCount, node, service } from './testing/fixtures.ts';

function registration(nodeInput: NodeInput, rest: Partial<Registration> = {}): Registration {
  return { node: nodeInput, skipNodeUpdate: false, checks: [], ...rest };
}

/**
 * n1: serfHealth, web1 (service web, tags [v1]) with check service:web1.
 * n2: serfHealth, db1 (service db) with check service:db1.
 * Written at raft index 1 (n1) and 2 (n2).
 */
function twoServices(): StateStore {
  const store = new StateStore();
  store.transact(1, () =>
    store.catalog.register(
      registration(node('n1'), {
        service: service('web1', 'web', { Tags: ['v1'] }),
        checks: [check('n1', 'serfHealth'), check('n1', 'service:web1', 'passing', 'web1')],
      }),
    ),
  );
  store.transact(2, () =>
    store.catalog.register(
      registration(node('n2', { Address: '10.0.0.2' }), {
        service: service('db1', 'db'),
        checks: [check('n2', 'serfHealth'), check('n2', 'service:db1', 'passing', 'db1')],
      }),
    ),
  );
  return store;
}

const serviceIndex = (store: StateStore, name: string) => store.catalog.checkServiceNodes(name).index;

describe('CatalogTable.register', () => {
  it('registers a node, its service and its checks at the raft index', () => {
    const store = twoServices();
    const web = store.catalog.checkServiceNodes('web');
    assert.equal(web.value.length, 1);
    const [entry] = web.value;
    assert.equal(entry?.node.Node, 'n1');
    assert.equal(entry?.node.CreateIndex, 1);
    assert.equal(entry?.service.ID, 'web1');
    assert.equal(entry?.service.ModifyIndex, 1);
    assert.deepEqual(
      entry?.checks.map((c) => [c.CheckID, c.ModifyIndex]),
      [
        ['serfHealth', 1],
        ['service:web1', 1],
      ],
    );
    assert.equal(web.index, 1);
    assert.equal(store.catalog.nodes().index, 2);
    assert.deepEqual(
      store.catalog.nodes().value.map((n) => n.Node),
      ['n1', 'n2'],
    );
  });

  it('gives a service check the service name and tags, whatever the request said', () => {
    const store = new StateStore();
    store.transact(1, () =>
      store.catalog.register(
        registration(node('n1'), {
          service: service('web1', 'web', { Tags: ['a', 'b'] }),
          checks: [check('n1', 'c', 'passing', 'web1', { ServiceName: 'wrong', ServiceTags: ['x'] })],
        }),
      ),
    );
    const stored = store.catalog.check('n1', 'c');
    assert.equal(stored?.ServiceName, 'web');
    assert.deepEqual(stored?.ServiceTags, ['a', 'b']);
  });

  it('refuses a check for an unknown service and rolls back the whole registration', () => {
    const store = new StateStore();
    assert.throws(
      () =>
        store.transact(1, () =>
          store.catalog.register(registration(node('n1'), { checks: [check('n1', 'c', 'passing', 'nope')] })),
        ),
      new StateError('Missing service registration'),
    );
    assert.equal(store.catalog.node('n1').value, undefined);
    assert.equal(store.lastIndex(), 0);
  });

  it('refuses a service or a check on a node that is not registered', () => {
    const store = new StateStore();
    assert.throws(
      () => store.transact(1, () => store.catalog.ensureService('ghost', service('web'))),
      new StateError('Missing node registration'),
    );
    assert.throws(
      () => store.transact(1, () => store.catalog.ensureCheck(check('ghost', 'c'))),
      new StateError('Missing node registration'),
    );
  });

  it('keeps the stored node when the registration says to skip the node update', () => {
    const store = twoServices();
    store.transact(3, () =>
      store.catalog.register(
        registration(node('n1', { Address: '192.168.0.9' }), {
          skipNodeUpdate: true,
          service: service('api'),
        }),
      ),
    );
    assert.equal(store.catalog.node('n1').value?.Address, '10.0.0.1');
    assert.equal(store.catalog.node('n1').value?.ModifyIndex, 1);
    assert.equal(store.catalog.serviceNodes('api').value.length, 1);
  });

  it('creates a missing node even when told to skip the node update', () => {
    const store = new StateStore();
    store.transact(1, () => store.catalog.register(registration(node('n1'), { skipNodeUpdate: true })));
    assert.ok(store.catalog.node('n1').value);
  });

  it('refuses a node ID that another node already has', () => {
    const store = new StateStore();
    store.transact(1, () => store.catalog.register(registration(node('n1', { ID: 'id-1' }))));
    assert.throws(
      () => store.transact(2, () => store.catalog.register(registration(node('n2', { ID: 'id-1' })))),
      new StateError('node ID "id-1" for node "n2" aliases existing node "n1"'),
    );
  });

  it('changes no index and fires no watch when the registration is unchanged', () => {
    const store = twoServices();
    const fired = fireCount([
      ...store.catalog.nodes().watches,
      ...store.catalog.services().watches,
      ...store.catalog.checkServiceNodes('web').watches,
      ...store.catalog.nodeChecks('n1').watches,
    ]);
    const indexesBefore = [...store.tables.indexes];
    store.transact(3, () =>
      store.catalog.register(
        registration(node('n1'), {
          service: service('web1', 'web', { Tags: ['v1'] }),
          checks: [check('n1', 'serfHealth'), check('n1', 'service:web1', 'passing', 'web1')],
        }),
      ),
    );
    assert.deepEqual([...store.tables.indexes], indexesBefore);
    assert.equal(store.lastIndex(), 2);
    assert.equal(fired(), 0);
  });

  it('treats maps with the same entries in another order as unchanged', () => {
    const store = new StateStore();
    store.transact(1, () =>
      store.catalog.register(
        registration(node('n1', { Meta: { a: '1', b: '2' } }), {
          service: service('web', 'web', { Meta: { x: '1', y: '2' } }),
        }),
      ),
    );
    store.transact(2, () =>
      store.catalog.register(
        registration(node('n1', { Meta: { b: '2', a: '1' } }), {
          service: service('web', 'web', { Meta: { y: '2', x: '1' } }),
        }),
      ),
    );
    assert.equal(store.lastIndex(), 1);
  });
});

describe('per-service index', () => {
  it('moves when the instance changes, and not for other services', () => {
    const store = twoServices();
    const webWatch = fireCount(store.catalog.serviceNodes('web').watches);
    const dbWatch = fireCount(store.catalog.serviceNodes('db').watches);
    store.transact(3, () =>
      store.catalog.register(registration(node('n1'), { service: service('web1', 'web', { Port: 8080 }) })),
    );
    assert.equal(serviceIndex(store, 'web'), 3);
    assert.equal(serviceIndex(store, 'db'), 2);
    assert.equal(webWatch(), 1);
    assert.equal(dbWatch(), 0);
  });

  it('moves when one of its checks changes, and not for other services', () => {
    const store = twoServices();
    store.transact(3, () =>
      store.catalog.register(
        registration(node('n1'), { checks: [check('n1', 'service:web1', 'warning', 'web1')] }),
      ),
    );
    assert.equal(serviceIndex(store, 'web'), 3);
    assert.equal(serviceIndex(store, 'db'), 2);
  });

  it('moves when its node changes address, and not for services on other nodes', () => {
    const store = twoServices();
    store.transact(3, () => store.catalog.register(registration(node('n1', { Address: '10.9.9.9' }))));
    assert.equal(serviceIndex(store, 'web'), 3);
    assert.equal(store.catalog.serviceNodes('web').index, 3);
    assert.equal(serviceIndex(store, 'db'), 2);
  });

  it('moves when a node check of its node changes, and not for services on other nodes', () => {
    const store = twoServices();
    store.transact(3, () =>
      store.catalog.register(registration(node('n1'), { checks: [check('n1', 'serfHealth', 'critical')] })),
    );
    assert.equal(serviceIndex(store, 'web'), 3);
    assert.equal(serviceIndex(store, 'db'), 2);
  });

  it('moves when a node check of its node is deregistered', () => {
    const store = twoServices();
    store.transact(3, () => store.catalog.deleteCheck('n1', 'serfHealth'));
    assert.equal(serviceIndex(store, 'web'), 3);
    assert.equal(serviceIndex(store, 'db'), 2);
  });

  it('does not go backwards when the last instance is deregistered', () => {
    const store = twoServices();
    store.transact(3, () => store.catalog.deleteService('n1', 'web1'));
    const read = store.catalog.checkServiceNodes('web');
    assert.deepEqual(read.value, []);
    assert.equal(read.index, 3);
    assert.equal(serviceIndex(store, 'db'), 2);
  });

  it('answers a service never registered with the nodes and services index', () => {
    const store = twoServices();
    assert.equal(serviceIndex(store, 'never'), 2);
    const fired = fireCount(store.catalog.serviceNodes('never').watches);
    store.transact(3, () => store.catalog.register(registration(node('n1'), { service: service('never') })));
    assert.equal(fired(), 1);
    assert.equal(serviceIndex(store, 'never'), 3);
  });

  it('moves for the old name too when an instance is renamed', () => {
    const store = twoServices();
    const oldWatch = fireCount(store.catalog.serviceNodes('web').watches);
    store.transact(3, () =>
      store.catalog.register(registration(node('n1'), { service: service('web1', 'frontend') })),
    );
    assert.deepEqual(store.catalog.serviceNodes('web').value, []);
    assert.equal(serviceIndex(store, 'web'), 3);
    assert.equal(oldWatch(), 1);
    assert.equal(store.catalog.serviceNodes('frontend').value.length, 1);
    assert.equal(store.catalog.check('n1', 'service:web1')?.ServiceName, 'frontend');
  });

  it('moves for both services when a check moves from one service to another', () => {
    const store = twoServices();
    store.transact(3, () =>
      store.catalog.register(registration(node('n1'), { service: service('api1', 'api') })),
    );
    store.transact(4, () =>
      store.catalog.register(
        registration(node('n1'), { checks: [check('n1', 'service:web1', 'passing', 'api1')] }),
      ),
    );
    const web = store.catalog.checkServiceNodes('web');
    assert.deepEqual(
      web.value[0]?.checks.map((c) => c.CheckID),
      ['serfHealth'],
    );
    assert.equal(web.index, 4);
    assert.equal(serviceIndex(store, 'api'), 4);
  });
});

describe('service re-registration', () => {
  it('copies new tags to the service checks and stamps them with the raft index', () => {
    const store = twoServices();
    store.transact(3, () =>
      store.catalog.register(registration(node('n1'), { service: service('web1', 'web', { Tags: ['v2'] }) })),
    );
    const stored = store.catalog.check('n1', 'service:web1');
    assert.deepEqual(stored?.ServiceTags, ['v2']);
    assert.equal(stored?.ModifyIndex, 3);
    assert.equal(stored?.CreateIndex, 1);
    assert.equal(store.index(Table.checks), 3);
  });
});

describe('deregistration', () => {
  it('removes a service with its checks, keeping node checks and other services', () => {
    const store = twoServices();
    store.transact(3, () =>
      store.catalog.register(registration(node('n1'), { service: service('web2', 'web') })),
    );
    store.transact(4, () => store.catalog.deleteService('n1', 'web1'));
    assert.equal(store.catalog.check('n1', 'service:web1'), undefined);
    assert.ok(store.catalog.check('n1', 'serfHealth'));
    assert.deepEqual(
      store.catalog.serviceNodes('web').value.map((e) => e.service.ID),
      ['web2'],
    );
    assert.equal(store.index(Table.services), 4);
    assert.equal(store.index(Table.checks), 4);
  });

  it('removes a node with everything on it', () => {
    const store = twoServices();
    const webWatch = fireCount(store.catalog.serviceNodes('web').watches);
    store.transact(3, () => store.catalog.deleteNode('n1'));
    assert.equal(store.catalog.node('n1').value, undefined);
    assert.equal(store.catalog.nodeServices('n1').value, undefined);
    assert.deepEqual(store.catalog.nodeChecks('n1').value, []);
    assert.deepEqual(store.catalog.serviceNodes('web').value, []);
    assert.deepEqual([...store.catalog.services().value.keys()], ['db']);
    assert.equal(store.catalog.nodes().index, 3);
    assert.equal(serviceIndex(store, 'web'), 3);
    assert.equal(serviceIndex(store, 'db'), 2);
    assert.equal(webWatch(), 1);
  });

  it('changes nothing when deregistering what does not exist', () => {
    const store = twoServices();
    store.transact(3, () => {
      store.catalog.deleteNode('ghost');
      store.catalog.deleteService('n1', 'ghost');
      store.catalog.deleteCheck('n1', 'ghost');
    });
    assert.equal(store.lastIndex(), 2);
  });
});

describe('catalog reads', () => {
  it('joins node checks and the instance checks, sorted by CheckID, without other instances checks', () => {
    const store = twoServices();
    store.transact(3, () =>
      store.catalog.register(
        registration(node('n1'), {
          service: service('web2', 'web'),
          checks: [check('n1', 'service:web2', 'passing', 'web2'), check('n1', 'a-node-check')],
        }),
      ),
    );
    const web = store.catalog.checkServiceNodes('web').value;
    assert.deepEqual(
      web.map((e) => [e.service.ID, e.checks.map((c) => c.CheckID)]),
      [
        ['web1', ['a-node-check', 'serfHealth', 'service:web1']],
        ['web2', ['a-node-check', 'serfHealth', 'service:web2']],
      ],
    );
  });

  it('lists services with their tags unioned and sorted, and [] for an untagged service', () => {
    const store = twoServices();
    store.transact(3, () =>
      store.catalog.register(
        registration(node('n2'), { service: service('web2', 'web', { Tags: ['v2', 'v1', 'canary'] }) }),
      ),
    );
    const read = store.catalog.services();
    assert.deepEqual(Object.fromEntries(read.value), { db: [], web: ['canary', 'v1', 'v2'] });
    assert.equal(read.index, 3);
  });

  it('dumps every instance by service name with its checks, one index over the catalog', () => {
    const store = twoServices();
    const dump = store.catalog.serviceDump();
    assert.deepEqual(
      dump.value.map((e) => [e.service.Service, e.node.Node, e.checks.map((c) => c.CheckID)]),
      [
        ['db', 'n2', ['serfHealth', 'service:db1']],
        ['web', 'n1', ['serfHealth', 'service:web1']],
      ],
    );
    assert.equal(dump.index, 2);
    const fired = fireCount(dump.watches);
    store.transact(3, () =>
      store.catalog.register(registration(node('n1'), { checks: [check('n1', 'serfHealth', 'critical')] })),
    );
    assert.equal(fired(), 1);
    assert.equal(store.catalog.serviceDump().index, 3);
  });

  it('lists a node and its services sorted by ID', () => {
    const store = twoServices();
    store.transact(3, () => store.catalog.register(registration(node('n1'), { service: service('a-svc') })));
    const read = store.catalog.nodeServices('n1');
    assert.deepEqual(
      read.value?.services.map((s) => s.ID),
      ['a-svc', 'web1'],
    );
    assert.equal(read.index, 3);
  });

  it('lists checks by node, by service and by state', () => {
    const store = twoServices();
    store.transact(3, () =>
      store.catalog.register(registration(node('n2'), { checks: [check('n2', 'serfHealth', 'critical')] })),
    );
    assert.deepEqual(
      store.catalog.nodeChecks('n1').value.map((c) => c.CheckID),
      ['serfHealth', 'service:web1'],
    );
    assert.deepEqual(
      store.catalog.serviceChecks('db').value.map((c) => c.CheckID),
      ['service:db1'],
    );
    assert.deepEqual(
      store.catalog.checksInState('critical').value.map((c) => `${c.Node}/${c.CheckID}`),
      ['n2/serfHealth'],
    );
    assert.deepEqual(
      store.catalog.checksInState('any').value.map((c) => `${c.Node}/${c.CheckID}`),
      ['n1/serfHealth', 'n1/service:web1', 'n2/serfHealth', 'n2/service:db1'],
    );
    assert.equal(store.catalog.checksInState('any').index, 3);
  });
});
