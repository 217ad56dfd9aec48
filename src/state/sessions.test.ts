import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StateError } from './errors.ts';
import { StateStore, type StateStoreOptions, Table } from './store.ts';
import { check, fireCount, node, service, session, text } from './testing/fixtures.ts';

/** Nodes n1 and n2, each with a passing serfHealth, and service `web` with check `service:web` on n1; index 1. */
function catalogStore(options: StateStoreOptions = {}): StateStore {
  const store = new StateStore(options);
  store.transact(1, () => {
    for (const name of ['n1', 'n2']) {
      store.catalog.register({
        node: node(name),
        skipNodeUpdate: false,
        checks: [check(name, 'serfHealth', 'passing')],
      });
    }
    store.catalog.register({
      node: node('n1'),
      skipNodeUpdate: true,
      service: service('web'),
      checks: [check('n1', 'service:web', 'passing', 'web')],
    });
  });
  return store;
}

function lockKeys(store: StateStore, raftIndex: number, id: string, keys: string[]): void {
  store.transact(raftIndex, () => {
    for (const key of keys) assert.ok(store.kv.lock({ Key: key, Flags: 0, Value: text(key), Session: id }));
  });
}

describe('SessionTable.create', () => {
  it('stores the session stamped with the raft index and moves the sessions index', () => {
    const store = catalogStore();
    const fired = fireCount(store.sessions.list().watches);
    const created = store.transact(2, () =>
      store.sessions.create(session('s1', { NodeChecks: ['serfHealth'] })),
    );
    assert.equal(created.CreateIndex, 2);
    assert.equal(created.ModifyIndex, 2);
    assert.deepEqual(store.sessions.get('s1').value, created);
    assert.equal(store.sessions.get('s1').index, 2);
    assert.equal(store.index(Table.sessions), 2);
    assert.equal(fired(), 1);
  });

  it('refuses a node that is not registered', () => {
    const store = catalogStore();
    assert.throws(
      () => store.transact(2, () => store.sessions.create(session('s1', { Node: 'ghost' }))),
      new StateError('Missing node registration'),
    );
    assert.equal(store.sessions.get('s1').value, undefined);
  });

  it('refuses a linked node check that is not registered', () => {
    const store = catalogStore();
    assert.throws(
      () => store.transact(2, () => store.sessions.create(session('s1', { NodeChecks: ['missing'] }))),
      new StateError("Missing check 'missing' registration"),
    );
  });

  it('refuses a linked service check that is not registered on the session node', () => {
    const store = catalogStore();
    assert.throws(
      () =>
        store.transact(2, () =>
          store.sessions.create(
            session('s1', { Node: 'n2', ServiceChecks: [{ ID: 'service:web', Namespace: '' }] }),
          ),
        ),
      new StateError("Missing check 'service:web' registration"),
    );
  });

  it('refuses a linked check that is critical', () => {
    const store = catalogStore();
    store.transact(2, () =>
      store.catalog.register({
        node: node('n1'),
        skipNodeUpdate: true,
        checks: [check('n1', 'serfHealth', 'critical')],
      }),
    );
    assert.throws(
      () => store.transact(3, () => store.sessions.create(session('s1', { NodeChecks: ['serfHealth'] }))),
      new StateError("Check 'serfHealth' is in critical state"),
    );
  });

  it('accepts a linked check that is warning', () => {
    const store = catalogStore();
    store.transact(2, () =>
      store.catalog.register({
        node: node('n1'),
        skipNodeUpdate: true,
        checks: [check('n1', 'serfHealth', 'warning')],
      }),
    );
    store.transact(3, () => store.sessions.create(session('s1', { NodeChecks: ['serfHealth'] })));
    assert.ok(store.sessions.get('s1').value);
  });

  it('refuses an ID already in use', () => {
    const store = catalogStore();
    store.transact(2, () => store.sessions.create(session('s1')));
    assert.throws(
      () => store.transact(3, () => store.sessions.create(session('s1'))),
      new StateError('Session ID "s1" is already in use'),
    );
    assert.equal(store.sessions.get('s1').value?.CreateIndex, 2);
  });
});

describe('SessionTable reads', () => {
  it('list sessions sorted by ID and filter by node, all with the sessions table index', () => {
    const store = catalogStore();
    store.transact(2, () => store.sessions.create(session('c')));
    store.transact(3, () => store.sessions.create(session('a', { Node: 'n2' })));
    store.transact(4, () => store.sessions.create(session('b')));
    const list = store.sessions.list();
    assert.deepEqual(
      list.value.map((s) => s.ID),
      ['a', 'b', 'c'],
    );
    assert.equal(list.index, 4);
    const onN1 = store.sessions.forNode('n1');
    assert.deepEqual(
      onN1.value.map((s) => s.ID),
      ['b', 'c'],
    );
    assert.equal(onN1.index, 4);
    assert.deepEqual(store.sessions.forNode('ghost').value, []);
  });

  it('answers an unknown session with undefined and the sessions table index', () => {
    const store = catalogStore();
    store.transact(2, () => store.sessions.create(session('a')));
    const read = store.sessions.get('unknown');
    assert.equal(read.value, undefined);
    assert.equal(read.index, 2);
  });
});

describe('SessionTable.destroy', () => {
  it('with behavior release clears the holder on every held key and keeps the values', () => {
    const store = catalogStore();
    store.transact(2, () => store.sessions.create(session('s1')));
    lockKeys(store, 3, 's1', ['a', 'b']);
    const keyWatch = fireCount(store.kv.get('a').watches);

    store.transact(4, () => store.sessions.destroy('s1'));

    assert.equal(store.sessions.get('s1').value, undefined);
    for (const key of ['a', 'b']) {
      const stored = store.kv.get(key).value;
      assert.equal(stored?.Session, '');
      assert.equal(stored?.LockIndex, 1);
      assert.equal(stored?.ModifyIndex, 4);
      assert.deepEqual(stored?.Value, text(key));
    }
    assert.equal(store.tables.sessionLocks.has('s1'), false);
    assert.equal(store.index(Table.sessions), 4);
    assert.equal(keyWatch(), 1);
  });

  it('with behavior delete deletes every held key, leaving tombstones', () => {
    const store = catalogStore();
    store.transact(2, () => store.sessions.create(session('s1', { Behavior: 'delete' })));
    lockKeys(store, 3, 's1', ['a', 'b']);
    store.transact(4, () => store.kv.set({ Key: 'unheld', Flags: 0, Value: null }));

    store.transact(5, () => store.sessions.destroy('s1'));

    assert.deepEqual(
      store.kv.list('').value.map((e) => e.Key),
      ['unheld'],
    );
    assert.deepEqual(
      [...store.tables.tombstones.entries()],
      [
        ['a', 5],
        ['b', 5],
      ],
    );
  });

  it('reports the held keys and the lock-delay after the transaction commits', () => {
    const delays: [readonly string[], number][] = [];
    const store = catalogStore({ onLockDelay: (keys, lockDelayNs) => delays.push([keys, lockDelayNs]) });
    store.transact(2, () => store.sessions.create(session('s1', { LockDelay: 5_000_000_000 })));
    lockKeys(store, 3, 's1', ['a', 'b']);

    store.transact(4, () => {
      store.sessions.destroy('s1');
      assert.deepEqual(delays, [], 'not before commit');
    });

    assert.deepEqual(delays, [[['a', 'b'], 5_000_000_000]]);
  });

  it('reports no lock-delay when the transaction rolls back', () => {
    let calls = 0;
    const store = catalogStore({ onLockDelay: () => calls++ });
    store.transact(2, () => store.sessions.create(session('s1')));
    lockKeys(store, 3, 's1', ['a']);
    assert.throws(() =>
      store.transact(4, () => {
        store.sessions.destroy('s1');
        throw new Error('abort');
      }),
    );
    assert.equal(calls, 0);
    assert.equal(store.kv.holder('a'), 's1');
    assert.ok(store.sessions.get('s1').value);
    assert.deepEqual([...(store.tables.sessionLocks.get('s1') ?? [])], ['a']);
  });

  it('reports no lock-delay when the session held nothing or has no lock-delay', () => {
    let calls = 0;
    const store = catalogStore({ onLockDelay: () => calls++ });
    store.transact(2, () => {
      store.sessions.create(session('idle'));
      store.sessions.create(session('no-delay', { LockDelay: 0 }));
    });
    lockKeys(store, 3, 'no-delay', ['a']);
    store.transact(4, () => {
      store.sessions.destroy('idle');
      store.sessions.destroy('no-delay');
    });
    assert.equal(calls, 0);
    assert.equal(store.kv.holder('a'), '');
  });

  it('changes nothing for an unknown session', () => {
    const store = catalogStore();
    const fired = fireCount(store.sessions.list().watches);
    store.transact(2, () => store.sessions.destroy('unknown'));
    assert.equal(store.lastIndex(), 1);
    assert.equal(fired(), 0);
  });
});

describe('session invalidation', () => {
  function withLinkedSessions(): StateStore {
    const store = catalogStore();
    store.transact(2, () => {
      store.sessions.create(session('node-linked', { NodeChecks: ['serfHealth'] }));
      store.sessions.create(
        session('service-linked', { ServiceChecks: [{ ID: 'service:web', Namespace: '' }] }),
      );
      store.sessions.create(session('unlinked'));
      store.sessions.create(session('other-node', { Node: 'n2', NodeChecks: ['serfHealth'] }));
    });
    lockKeys(store, 3, 'node-linked', ['held']);
    return store;
  }
  const remaining = (store: StateStore) => store.sessions.list().value.map((s) => s.ID);

  it('destroys the sessions linked to a node check that goes critical, and releases their keys', () => {
    const store = withLinkedSessions();
    store.transact(4, () =>
      store.catalog.register({
        node: node('n1'),
        skipNodeUpdate: true,
        checks: [check('n1', 'serfHealth', 'critical')],
      }),
    );
    assert.deepEqual(remaining(store), ['other-node', 'service-linked', 'unlinked']);
    assert.equal(store.kv.holder('held'), '');
  });

  it('destroys the sessions linked to a service check that goes critical', () => {
    const store = withLinkedSessions();
    store.transact(4, () =>
      store.catalog.register({
        node: node('n1'),
        skipNodeUpdate: true,
        checks: [check('n1', 'service:web', 'critical', 'web')],
      }),
    );
    assert.deepEqual(remaining(store), ['node-linked', 'other-node', 'unlinked']);
  });

  it('keeps sessions when a linked check only goes warning', () => {
    const store = withLinkedSessions();
    store.transact(4, () =>
      store.catalog.register({
        node: node('n1'),
        skipNodeUpdate: true,
        checks: [check('n1', 'serfHealth', 'warning')],
      }),
    );
    assert.equal(remaining(store).length, 4);
  });

  it('destroys the sessions linked to a check that is deregistered', () => {
    const store = withLinkedSessions();
    store.transact(4, () => store.catalog.deleteCheck('n1', 'serfHealth'));
    assert.deepEqual(remaining(store), ['other-node', 'service-linked', 'unlinked']);
  });

  it('destroys the sessions linked to a service check when the service is deregistered', () => {
    const store = withLinkedSessions();
    store.transact(4, () => store.catalog.deleteService('n1', 'web'));
    assert.deepEqual(remaining(store), ['node-linked', 'other-node', 'unlinked']);
  });

  it('destroys every session of a node that is deregistered, and only those', () => {
    const store = withLinkedSessions();
    store.transact(4, () => store.catalog.deleteNode('n1'));
    assert.deepEqual(remaining(store), ['other-node']);
    assert.equal(store.kv.holder('held'), '');
  });
});
