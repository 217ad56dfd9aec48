import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AssertionError } from '../lib/assert.ts';
import { StateError } from './errors.ts';
import { Journal } from './journal.ts';
import type { StoreSnapshot } from './snapshot.ts';
import { StateStore, Table } from './store.ts';
import { service as baseService, check, fireCount, node, session, text } from './testing/fixtures.ts';

// Tagged, unlike the shared builder, so snapshot, restore and rollback carry a non-empty Tags array.
const service = (id: string, name = id) => baseService(id, name, { Tags: ['t'] });

/** A store with something in every table: nodes, services, checks, sessions, locks, KV, tombstones. */
function busyStore(): StateStore {
  const store = new StateStore();
  store.transact(1, () => {
    store.catalog.register({
      node: node('n1'),
      skipNodeUpdate: false,
      service: service('web1', 'web'),
      checks: [check('n1', 'serfHealth'), check('n1', 'service:web1', 'passing', 'web1')],
    });
    store.catalog.register({
      node: node('n2'),
      skipNodeUpdate: false,
      service: service('db1', 'db'),
      checks: [check('n2', 'serfHealth')],
    });
  });
  store.transact(2, () => {
    store.sessions.create(session('s-linked', { NodeChecks: ['serfHealth'] }));
    store.sessions.create(session('s-other', { Node: 'n2', Behavior: 'delete' }));
  });
  store.transact(3, () => {
    store.kv.set({ Key: 'a/1', Flags: 1, Value: text('one') });
    store.kv.set({ Key: 'a/2', Flags: 0, Value: null });
    store.kv.lock({ Key: 'lock/leader', Flags: 0, Value: text('me'), Session: 's-linked' });
    store.kv.lock({ Key: 'lock/member', Flags: 0, Value: text('m'), Session: 's-other' });
  });
  store.transact(4, () => store.kv.delete('a/2'));
  return store;
}

/** Everything derived from the snapshot tables, in a comparable form. */
function derived(store: StateStore) {
  const t = store.tables;
  return {
    sessionLocks: [...t.sessionLocks].map(([id, keys]) => [id, [...keys].sort()]).sort(),
    serviceInstances: [...t.serviceInstances]
      .map(([name, instances]) => [name, [...instances.entries()]] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  };
}

describe('StateStore.transact', () => {
  it('returns what the write returns and stamps the tables it touched', () => {
    const store = new StateStore();
    const result = store.transact(7, () => store.kv.set({ Key: 'k', Flags: 0, Value: null }));
    assert.equal(result, true);
    assert.equal(store.index(Table.kvs), 7);
    assert.equal(store.index(Table.nodes), 0);
    assert.equal(store.lastIndex(), 7);
  });

  it('joins a nested call to the outer transaction', () => {
    const store = new StateStore();
    const fired = fireCount(store.kv.get('inner').watches);
    assert.throws(() =>
      store.transact(2, () => {
        store.transact(2, () => store.kv.set({ Key: 'inner', Flags: 0, Value: null }));
        assert.equal(fired(), 0, 'the inner call does not commit');
        throw new Error('outer fails');
      }),
    );
    assert.equal(store.kv.get('inner').value, undefined);
    assert.equal(fired(), 0);
  });

  it('asserts that a nested call uses the same raft index', () => {
    const store = new StateStore();
    assert.throws(() => store.transact(2, () => store.transact(3, () => {})), AssertionError);
  });

  it('asserts that writes happen inside a transaction', () => {
    const store = new StateStore();
    assert.throws(() => store.kv.set({ Key: 'k', Flags: 0, Value: null }), AssertionError);
  });

  it('refuses a raft index that is not a positive integer', () => {
    for (const raftIndex of [0, -1, 1.5, Number.NaN])
      assert.throws(() => new Journal(raftIndex), AssertionError);
  });

  it('rolls every table back when the write throws, firing nothing', () => {
    const delays: unknown[] = [];
    const store = busyStore();
    const restored = StateStore.restore(store.snapshot(), { onLockDelay: (keys) => delays.push(keys) });
    const before = restored.snapshot();
    const derivedBefore = derived(restored);
    const fired = fireCount([
      ...restored.kv.list('').watches,
      ...restored.sessions.list().watches,
      ...restored.catalog.nodes().watches,
      ...restored.catalog.services().watches,
      ...restored.catalog.checkServiceNodes('web').watches,
      ...restored.catalog.nodeChecks('n1').watches,
    ]);

    assert.throws(
      () =>
        restored.transact(10, () => {
          restored.kv.set({ Key: 'a/1', Flags: 9, Value: text('changed') });
          restored.kv.delete('a/1');
          restored.kv.set({ Key: 'new', Flags: 0, Value: null });
          restored.kv.unlock({ Key: 'lock/member', Flags: 0, Value: null, Session: 's-other' });
          restored.catalog.register({
            node: node('n3'),
            skipNodeUpdate: false,
            service: service('web2', 'web'),
            checks: [],
          });
          restored.catalog.deleteNode('n1');
          restored.sessions.destroy('s-other');
          restored.kv.reapTombstones(10);
          throw new StateError('late failure');
        }),
      StateError,
    );

    assert.deepEqual(restored.snapshot(), before);
    assert.deepEqual(derived(restored), derivedBefore);
    assert.equal(fired(), 0);
    assert.deepEqual(delays, []);
  });

  it('rolls back and returns the result when abortIf says so', () => {
    const store = busyStore();
    const before = store.snapshot();
    const fired = fireCount(store.kv.list('').watches);
    const result = store.transact(
      10,
      () => {
        store.kv.set({ Key: 'x', Flags: 0, Value: null });
        return 'failed';
      },
      (outcome) => outcome === 'failed',
    );
    assert.equal(result, 'failed');
    assert.deepEqual(store.snapshot(), before);
    assert.equal(fired(), 0);
  });

  it('leaves the snapshot identical after a failed registration that had invalidated a session', () => {
    const store = busyStore();
    const before = store.snapshot();
    assert.throws(
      () =>
        store.transact(10, () =>
          store.catalog.register({
            node: node('n1'),
            skipNodeUpdate: true,
            checks: [
              check('n1', 'serfHealth', 'critical'),
              check('n1', 'orphan', 'passing', 'no-such-service'),
            ],
          }),
        ),
      new StateError('Missing service registration'),
    );
    assert.deepEqual(store.snapshot(), before);
  });

  it('runs side effects after the watches, once committed', () => {
    const order: string[] = [];
    const store = new StateStore({ onLockDelay: () => order.push('lock-delay') });
    store.transact(1, () => {
      store.catalog.register({ node: node('n1'), skipNodeUpdate: false, checks: [] });
      store.sessions.create(session('s'));
      store.kv.lock({ Key: 'k', Flags: 0, Value: null, Session: 's' });
    });
    for (const watchable of store.kv.get('k').watches) watchable.subscribe(() => order.push('watch'));
    store.transact(2, () => store.sessions.destroy('s'));
    assert.deepEqual(order, ['watch', 'lock-delay']);
  });
});

describe('StateStore watches', () => {
  it('counts only channels someone listens on', () => {
    const store = new StateStore();
    const reads = [store.kv.get('k'), store.kv.list('p'), store.catalog.nodes()];
    assert.equal(store.watchCount(), 0);
    const unsubscribes = reads.flatMap((read) => read.watches.map((w) => w.subscribe(() => {})));
    assert.equal(store.watchCount(), 3);
    for (const unsubscribe of unsubscribes) unsubscribe();
    assert.equal(store.watchCount(), 0);
  });

  it('fires every watch of the old store when it is abandoned', () => {
    const store = busyStore();
    const fired = fireCount([
      ...store.kv.get('a/1').watches,
      ...store.kv.list('a/').watches,
      ...store.sessions.list().watches,
      ...store.catalog.checkServiceNodes('web').watches,
    ]);
    store.abandon();
    assert.equal(fired(), 4);
    assert.equal(store.watchCount(), 0);
  });
});

describe('StateStore snapshot and restore', () => {
  it('restores a store whose snapshot equals the original', () => {
    const store = busyStore();
    const restored = StateStore.restore(store.snapshot());
    assert.deepEqual(restored.snapshot(), store.snapshot());
    assert.deepEqual(derived(restored), derived(store));
    assert.equal(restored.lastIndex(), store.lastIndex());
  });

  it('restores reads with the same values and indexes', () => {
    const store = busyStore();
    const restored = StateStore.restore(store.snapshot());
    for (const prefix of ['', 'a/', 'lock/', 'zzz']) {
      assert.deepEqual(restored.kv.list(prefix).value, store.kv.list(prefix).value);
      assert.equal(restored.kv.list(prefix).index, store.kv.list(prefix).index);
    }
    assert.equal(restored.kv.get('a/2').index, store.kv.get('a/2').index);
    const web = restored.catalog.checkServiceNodes('web');
    assert.deepEqual(web.value, store.catalog.checkServiceNodes('web').value);
    assert.equal(web.index, store.catalog.checkServiceNodes('web').index);
    assert.deepEqual(restored.sessions.list().value, store.sessions.list().value);
  });

  it('rebuilds the keys each session holds, so invalidation still releases them', () => {
    const restored = StateStore.restore(busyStore().snapshot());
    restored.transact(10, () =>
      restored.catalog.register({
        node: node('n1'),
        skipNodeUpdate: true,
        checks: [check('n1', 'serfHealth', 'critical')],
      }),
    );
    assert.equal(restored.kv.holder('lock/leader'), '');
    restored.transact(11, () => restored.sessions.destroy('s-other'));
    assert.equal(restored.kv.get('lock/member').value, undefined);
  });

  it('takes a point-in-time copy that later writes do not change', () => {
    const store = busyStore();
    const snapshot = store.snapshot();
    const copy = structuredClone(snapshot);
    store.transact(10, () => {
      store.kv.set({ Key: 'a/1', Flags: 0, Value: text('later') });
      store.catalog.deleteNode('n2');
    });
    assert.deepEqual(snapshot, copy);
  });

  it('gives equal snapshots when the original and the restored store apply the same writes', () => {
    const store = new StateStore();
    store.transact(1, () => {
      for (const name of ['n1', 'n2']) {
        store.catalog.register({
          node: node(name),
          skipNodeUpdate: false,
          service: service(`svc-${name}`),
          checks: [check(name, `check-${name}`, 'passing', `svc-${name}`)],
        });
      }
    });
    store.transact(2, () => store.catalog.deleteService('n1', 'svc-n1'));
    const restored = StateStore.restore(store.snapshot());
    for (const target of [store, restored]) {
      target.transact(3, () =>
        target.catalog.register({
          node: node('n1'),
          skipNodeUpdate: true,
          service: service('again'),
          checks: [check('n1', 'check-again', 'passing', 'again')],
        }),
      );
    }
    assert.deepEqual(restored.snapshot(), store.snapshot());
  });

  it('refuses a snapshot version it does not know', () => {
    const snapshot = { ...new StateStore().snapshot(), version: 2 } as unknown as StoreSnapshot;
    assert.throws(() => StateStore.restore(snapshot), AssertionError);
  });

  it('restores the empty store', () => {
    const restored = StateStore.restore(new StateStore().snapshot());
    assert.equal(restored.lastIndex(), 0);
    assert.deepEqual(restored.snapshot(), new StateStore().snapshot());
  });
});
