import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StateError } from './errors.ts';
import type { KvWrite } from './kv.ts';
import { StateStore, Table } from './store.ts';
import { fireCount, node, session, text } from './testing/fixtures.ts';

const decode = (value: Uint8Array | null | undefined) =>
  value === null || value === undefined ? value : new TextDecoder().decode(value);

function entry(Key: string, value: string | null = 'v', extra: Partial<KvWrite> = {}): KvWrite {
  return { Key, Flags: 0, Value: value === null ? null : text(value), ...extra };
}

/** A store with node n1 and the given sessions, all written at raft index 1. */
function storeWithSessions(...ids: string[]): StateStore {
  const store = new StateStore();
  store.transact(1, () => {
    store.catalog.register({ node: node('n1'), skipNodeUpdate: false, checks: [] });
    for (const id of ids) store.sessions.create(session(id));
  });
  return store;
}

describe('KvTable.get', () => {
  it('answers an existing key with its own ModifyIndex, not the table index', () => {
    const store = new StateStore();
    store.transact(2, () => store.kv.set(entry('a')));
    store.transact(3, () => store.kv.set(entry('b')));
    const read = store.kv.get('a');
    assert.equal(decode(read.value?.Value), 'v');
    assert.equal(read.index, 2);
  });

  it('answers a missing key with the KV table index, tombstones included', () => {
    const store = new StateStore();
    store.transact(2, () => store.kv.set(entry('a')));
    store.transact(3, () => store.kv.set(entry('b')));
    store.transact(5, () => store.kv.delete('b'));
    assert.equal(store.kv.get('b').value, undefined);
    assert.equal(store.kv.get('b').index, 5);
    assert.equal(store.kv.get('never').index, 5);
  });

  it('keeps a nil value distinct from an empty one', () => {
    const store = new StateStore();
    store.transact(2, () => {
      store.kv.set(entry('nil', null));
      store.kv.set(entry('empty', ''));
    });
    assert.equal(store.kv.get('nil').value?.Value, null);
    assert.deepEqual(store.kv.get('empty').value?.Value, new Uint8Array());
  });
});

describe('KvTable.list', () => {
  function populated(): StateStore {
    const store = new StateStore();
    store.transact(2, () => store.kv.set(entry('a/1')));
    store.transact(3, () => store.kv.set(entry('b/1')));
    store.transact(4, () => store.kv.set(entry('a/2')));
    store.transact(6, () => store.kv.set(entry('b/2')));
    store.transact(7, () => store.kv.set(entry('ab')));
    return store;
  }

  it('returns the keys under the prefix, sorted, with the highest ModifyIndex among them', () => {
    const read = populated().kv.list('a/');
    assert.deepEqual(
      read.value.map((e) => e.Key),
      ['a/1', 'a/2'],
    );
    assert.equal(read.index, 4);
  });

  it('matches the prefix as a string, not a path', () => {
    assert.deepEqual(
      populated()
        .kv.list('a')
        .value.map((e) => e.Key),
      ['a/1', 'a/2', 'ab'],
    );
  });

  it('counts tombstones under the prefix in its index', () => {
    const store = populated();
    store.transact(8, () => store.kv.delete('a/2'));
    store.transact(9, () => store.kv.set(entry('b/3')));
    const read = store.kv.list('a/');
    assert.deepEqual(
      read.value.map((e) => e.Key),
      ['a/1'],
    );
    assert.equal(read.index, 8);
  });

  it('answers the empty prefix with the whole table index', () => {
    const store = populated();
    store.transact(8, () => store.kv.delete('b/2'));
    assert.equal(store.kv.list('').value.length, 4);
    assert.equal(store.kv.list('').index, 8);
  });

  it('answers a prefix with nothing under it (no keys, no tombstones) with the table index', () => {
    const store = populated();
    const read = store.kv.list('zzz/');
    assert.deepEqual(read.value, []);
    assert.equal(read.index, 7);
  });

  it('never goes backwards when keys under the prefix are deleted', () => {
    const store = populated();
    const before = store.kv.list('a/').index;
    store.transact(8, () => store.kv.delete('a/2'));
    const afterDelete = store.kv.list('a/').index;
    store.transact(9, () => store.kv.deleteTree('a/'));
    const afterTree = store.kv.list('a/');
    assert.deepEqual(afterTree.value, []);
    assert.ok(before <= afterDelete && afterDelete <= afterTree.index);
    assert.equal(afterTree.index, 9);
  });
});

describe('KvTable.keys', () => {
  function populated(): StateStore {
    const store = new StateStore();
    store.transact(2, () => {
      for (const key of ['a/x/1', 'a/x/2', 'a/y/1', 'a/z', 'b', 'c/d']) store.kv.set(entry(key));
    });
    store.transact(3, () => store.kv.set(entry('a/x/2', 'changed')));
    return store;
  }

  it('folds keys after the first separator past the prefix', () => {
    const read = populated().kv.keys('a/', '/');
    assert.deepEqual(read.value, ['a/x/', 'a/y/', 'a/z']);
    assert.equal(read.index, 3);
  });

  it('folds from the top for the empty prefix and answers with the table index', () => {
    const store = populated();
    store.transact(4, () => store.kv.delete('c/d'));
    const read = store.kv.keys('', '/');
    assert.deepEqual(read.value, ['a/', 'b']);
    assert.equal(read.index, 4);
  });

  it('lists every key under the prefix without a separator', () => {
    assert.deepEqual(populated().kv.keys('a/', '').value, ['a/x/1', 'a/x/2', 'a/y/1', 'a/z']);
  });

  it('keeps a key that equals a folded name once', () => {
    const store = new StateStore();
    store.transact(2, () => {
      store.kv.set(entry('a/x/'));
      store.kv.set(entry('a/x/1'));
    });
    assert.deepEqual(store.kv.keys('a/', '/').value, ['a/x/']);
  });

  it('counts tombstones under the prefix in its index', () => {
    const store = populated();
    store.transact(4, () => store.kv.delete('a/z'));
    store.transact(5, () => store.kv.set(entry('b', 'other')));
    assert.equal(store.kv.keys('a/', '/').index, 4);
  });
});

describe('KvTable.set', () => {
  it('creates an unlocked entry stamped with the raft index', () => {
    const store = new StateStore();
    assert.equal(
      store.transact(4, () => store.kv.set(entry('k', 'v', { Flags: 42 }))),
      true,
    );
    const stored = store.kv.get('k').value;
    assert.deepEqual(
      { ...stored, Value: decode(stored?.Value) },
      {
        Key: 'k',
        Flags: 42,
        Value: 'v',
        LockIndex: 0,
        Session: '',
        CreateIndex: 4,
        ModifyIndex: 4,
      },
    );
    assert.equal(store.index(Table.kvs), 4);
  });

  it('keeps CreateIndex and moves ModifyIndex on a change', () => {
    const store = new StateStore();
    store.transact(2, () => store.kv.set(entry('k', 'one')));
    store.transact(3, () => store.kv.set(entry('k', 'two')));
    const stored = store.kv.get('k').value;
    assert.equal(stored?.CreateIndex, 2);
    assert.equal(stored?.ModifyIndex, 3);
  });

  it('treats a flags change as a change', () => {
    const store = new StateStore();
    store.transact(2, () => store.kv.set(entry('k')));
    store.transact(3, () => store.kv.set(entry('k', 'v', { Flags: 1 })));
    assert.equal(store.kv.get('k').value?.ModifyIndex, 3);
  });

  it('changes no index and fires no watch when the entry is unchanged', () => {
    const store = new StateStore();
    store.transact(2, () => store.kv.set(entry('a/k', 'same', { Flags: 7 })));
    const fired = fireCount([
      ...store.kv.get('a/k').watches,
      ...store.kv.list('a/').watches,
      ...store.kv.list('').watches,
      ...store.watchTopics(Table.kvs),
    ]);
    const indexesBefore = [...store.tables.indexes];

    store.transact(3, () => store.kv.set(entry('a/k', 'same', { Flags: 7 })));

    assert.equal(store.kv.get('a/k').value?.ModifyIndex, 2);
    assert.deepEqual([...store.tables.indexes], indexesBefore);
    assert.equal(store.lastIndex(), 2);
    assert.equal(fired(), 0);
  });

  it('keeps the lock holder of a locked key but resets its lock index, as Consul does', () => {
    const store = storeWithSessions('s1', 's2');
    store.transact(2, () => store.kv.lock(entry('k', 'locked', { Session: 's1' })));
    store.transact(3, () => store.kv.set(entry('k', 'plain', { Session: 's2' })));
    const stored = store.kv.get('k').value;
    assert.equal(decode(stored?.Value), 'plain');
    assert.equal(stored?.Session, 's1');
    assert.equal(stored?.LockIndex, 0);
    assert.equal(store.kv.holder('k'), 's1');
    assert.deepEqual([...(store.tables.sessionLocks.get('s1') ?? [])], ['k']);
  });

  it('treats an empty value written over a nil one as no change (Go bytes.Equal)', () => {
    const store = new StateStore();
    store.transact(2, () => store.kv.set({ Key: 'k', Flags: 0, Value: null }));
    store.transact(3, () => store.kv.set({ Key: 'k', Flags: 0, Value: new Uint8Array() }));
    assert.equal(store.kv.get('k').value?.ModifyIndex, 2);
  });

  it('does not lock a new key even when the write names a session', () => {
    const store = storeWithSessions('s1');
    store.transact(2, () => store.kv.set(entry('k', 'v', { Session: 's1' })));
    assert.equal(store.kv.get('k').value?.Session, '');
    assert.equal(store.tables.sessionLocks.has('s1'), false);
  });
});

describe('KvTable.setCas', () => {
  it('creates with cas 0 only when the key is missing', () => {
    const store = new StateStore();
    assert.equal(
      store.transact(2, () => store.kv.setCas(entry('k', 'first'), 0)),
      true,
    );
    assert.equal(
      store.transact(3, () => store.kv.setCas(entry('k', 'second'), 0)),
      false,
    );
    assert.equal(decode(store.kv.get('k').value?.Value), 'first');
    assert.equal(store.lastIndex(), 2);
  });

  it('writes when cas equals the current ModifyIndex', () => {
    const store = new StateStore();
    store.transact(2, () => store.kv.set(entry('k', 'one')));
    assert.equal(
      store.transact(3, () => store.kv.setCas(entry('k', 'two'), 2)),
      true,
    );
    assert.equal(decode(store.kv.get('k').value?.Value), 'two');
  });

  it('refuses a stale cas and changes nothing', () => {
    const store = new StateStore();
    store.transact(2, () => store.kv.set(entry('k', 'one')));
    store.transact(3, () => store.kv.set(entry('k', 'two')));
    assert.equal(
      store.transact(4, () => store.kv.setCas(entry('k', 'three'), 2)),
      false,
    );
    assert.equal(decode(store.kv.get('k').value?.Value), 'two');
    assert.equal(store.lastIndex(), 3);
  });

  it('refuses a non-zero cas on a missing key', () => {
    const store = new StateStore();
    assert.equal(
      store.transact(2, () => store.kv.setCas(entry('k'), 1)),
      false,
    );
    assert.equal(store.kv.get('k').value, undefined);
  });
});

describe('KvTable.lock', () => {
  it('acquires a missing key: LockIndex 1, the session holds it, the value is written', () => {
    const store = storeWithSessions('s1');
    assert.equal(
      store.transact(2, () => store.kv.lock(entry('k', 'mine', { Session: 's1' }))),
      true,
    );
    const stored = store.kv.get('k').value;
    assert.equal(stored?.LockIndex, 1);
    assert.equal(stored?.Session, 's1');
    assert.equal(stored?.CreateIndex, 2);
    assert.equal(decode(stored?.Value), 'mine');
    assert.deepEqual([...(store.tables.sessionLocks.get('s1') ?? [])], ['k']);
  });

  it('acquires an existing unlocked key, keeping CreateIndex and incrementing LockIndex', () => {
    const store = storeWithSessions('s1');
    store.transact(2, () => store.kv.set(entry('k')));
    store.transact(3, () => store.kv.lock(entry('k', 'v', { Session: 's1' })));
    const stored = store.kv.get('k').value;
    assert.equal(stored?.CreateIndex, 2);
    assert.equal(stored?.ModifyIndex, 3);
    assert.equal(stored?.LockIndex, 1);
  });

  it('lets the holder re-acquire without incrementing LockIndex, writing the value', () => {
    const store = storeWithSessions('s1');
    store.transact(2, () => store.kv.lock(entry('k', 'one', { Session: 's1' })));
    assert.equal(
      store.transact(3, () => store.kv.lock(entry('k', 'two', { Session: 's1' }))),
      true,
    );
    const stored = store.kv.get('k').value;
    assert.equal(stored?.LockIndex, 1);
    assert.equal(decode(stored?.Value), 'two');
    assert.equal(stored?.ModifyIndex, 3);
  });

  it('changes nothing when the holder re-acquires with the same value', () => {
    const store = storeWithSessions('s1');
    store.transact(2, () => store.kv.lock(entry('k', 'same', { Session: 's1' })));
    assert.equal(
      store.transact(3, () => store.kv.lock(entry('k', 'same', { Session: 's1' }))),
      true,
    );
    assert.equal(store.kv.get('k').value?.ModifyIndex, 2);
    assert.equal(store.lastIndex(), 2);
  });

  it('refuses a key held by another session and changes nothing', () => {
    const store = storeWithSessions('s1', 's2');
    store.transact(2, () => store.kv.lock(entry('k', 'one', { Session: 's1' })));
    assert.equal(
      store.transact(3, () => store.kv.lock(entry('k', 'two', { Session: 's2' }))),
      false,
    );
    const stored = store.kv.get('k').value;
    assert.equal(stored?.Session, 's1');
    assert.equal(decode(stored?.Value), 'one');
    assert.equal(store.lastIndex(), 2);
  });

  it('increments LockIndex on each new acquisition after a release', () => {
    const store = storeWithSessions('s1', 's2');
    store.transact(2, () => store.kv.lock(entry('k', 'v', { Session: 's1' })));
    store.transact(3, () => store.kv.unlock(entry('k', 'v', { Session: 's1' })));
    store.transact(4, () => store.kv.lock(entry('k', 'v', { Session: 's2' })));
    assert.equal(store.kv.get('k').value?.LockIndex, 2);
    assert.equal(store.kv.holder('k'), 's2');
  });

  it('throws invalid session for an unknown session, and the transaction writes nothing', () => {
    const store = storeWithSessions();
    assert.throws(
      () =>
        store.transact(2, () => {
          store.kv.set(entry('other'));
          return store.kv.lock(entry('k', 'v', { Session: 'nope' }));
        }),
      (error: unknown) => error instanceof StateError && error.message === 'invalid session "nope"',
    );
    assert.equal(store.kv.get('k').value, undefined);
    assert.equal(store.kv.get('other').value, undefined);
    assert.equal(store.lastIndex(), 1);
  });
});

describe('KvTable.unlock', () => {
  it('lets the holder release: Session cleared, LockIndex kept, value written', () => {
    const store = storeWithSessions('s1');
    store.transact(2, () => store.kv.lock(entry('k', 'held', { Session: 's1' })));
    assert.equal(
      store.transact(3, () => store.kv.unlock(entry('k', 'released', { Session: 's1' }))),
      true,
    );
    const stored = store.kv.get('k').value;
    assert.equal(stored?.Session, '');
    assert.equal(stored?.LockIndex, 1);
    assert.equal(decode(stored?.Value), 'released');
    assert.equal(stored?.ModifyIndex, 3);
    assert.equal(store.tables.sessionLocks.has('s1'), false);
  });

  it('answers false to a session that does not hold the key', () => {
    const store = storeWithSessions('s1', 's2');
    store.transact(2, () => store.kv.lock(entry('k', 'held', { Session: 's1' })));
    assert.equal(
      store.transact(3, () => store.kv.unlock(entry('k', 'x', { Session: 's2' }))),
      false,
    );
    assert.equal(store.kv.holder('k'), 's1');
    assert.equal(store.lastIndex(), 2);
  });

  it('answers false for an unknown session (no error) and for a missing or unlocked key', () => {
    const store = storeWithSessions('s1');
    store.transact(2, () => store.kv.set(entry('free')));
    assert.equal(
      store.transact(3, () => store.kv.unlock(entry('free', 'v', { Session: 'nope' }))),
      false,
    );
    assert.equal(
      store.transact(3, () => store.kv.unlock(entry('missing', 'v', { Session: 's1' }))),
      false,
    );
    assert.equal(
      store.transact(3, () => store.kv.unlock(entry('free', 'v', { Session: 's1' }))),
      false,
    );
    assert.equal(store.kv.get('missing').value, undefined);
    assert.equal(store.lastIndex(), 2);
  });
});

describe('KvTable deletes', () => {
  it('deletes a key and leaves a tombstone at the raft index', () => {
    const store = new StateStore();
    store.transact(2, () => store.kv.set(entry('k')));
    assert.equal(
      store.transact(3, () => store.kv.delete('k')),
      true,
    );
    assert.equal(store.kv.get('k').value, undefined);
    assert.equal(store.tables.tombstones.get('k'), 3);
    assert.equal(store.index(Table.kvs), 3);
    assert.equal(store.index(Table.tombstones), 3);
  });

  it('answers true and changes nothing when deleting a missing key', () => {
    const store = new StateStore();
    store.transact(2, () => store.kv.set(entry('k')));
    assert.equal(
      store.transact(3, () => store.kv.delete('missing')),
      true,
    );
    assert.equal(store.lastIndex(), 2);
    assert.equal(store.tables.tombstones.size, 0);
  });

  it('deletes with cas only when it equals the ModifyIndex', () => {
    const store = new StateStore();
    store.transact(2, () => store.kv.set(entry('k')));
    assert.equal(
      store.transact(3, () => store.kv.deleteCas('k', 1)),
      false,
    );
    assert.ok(store.kv.get('k').value);
    assert.equal(
      store.transact(3, () => store.kv.deleteCas('k', 2)),
      true,
    );
    assert.equal(store.kv.get('k').value, undefined);
  });

  it('never deletes with cas 0', () => {
    const store = new StateStore();
    store.transact(2, () => store.kv.set(entry('k')));
    assert.equal(
      store.transact(3, () => store.kv.deleteCas('k', 0)),
      false,
    );
    assert.ok(store.kv.get('k').value);
  });

  it('answers true to a cas delete of a missing key, as Consul does', () => {
    const store = new StateStore();
    assert.equal(
      store.transact(2, () => store.kv.deleteCas('missing', 5)),
      true,
    );
    assert.equal(store.lastIndex(), 0);
  });

  it('deletes a tree: every key under the prefix, each with a tombstone, nothing else', () => {
    const store = new StateStore();
    store.transact(2, () => {
      for (const key of ['a', 'a/1', 'a/2/x', 'ab', 'b']) store.kv.set(entry(key));
    });
    store.transact(3, () => store.kv.deleteTree('a/'));
    assert.deepEqual(
      store.kv.list('').value.map((e) => e.Key),
      ['a', 'ab', 'b'],
    );
    assert.deepEqual(
      [...store.tables.tombstones.entries()],
      [
        ['a/1', 3],
        ['a/2/x', 3],
      ],
    );
  });

  it('deletes everything with the empty prefix', () => {
    const store = new StateStore();
    store.transact(2, () => {
      for (const key of ['a', 'b/c']) store.kv.set(entry(key));
    });
    store.transact(3, () => store.kv.deleteTree(''));
    assert.deepEqual(store.kv.list('').value, []);
    assert.equal(store.kv.list('').index, 3);
  });

  it('forgets a deleted key from its holder, so the session no longer owns a re-created key', () => {
    const store = storeWithSessions('s1');
    store.transact(2, () => store.kv.lock(entry('k', 'v', { Session: 's1' })));
    store.transact(3, () => store.kv.delete('k'));
    assert.equal(store.tables.sessionLocks.has('s1'), false);
    store.transact(4, () => store.kv.set(entry('k', 'fresh')));
    store.transact(5, () => store.sessions.destroy('s1'));
    assert.equal(store.kv.get('k').value?.ModifyIndex, 4);
  });
});

describe('KvTable.reapTombstones', () => {
  it('removes tombstones at or below the index and keeps the table indexes', () => {
    const store = new StateStore();
    store.transact(2, () => {
      for (const key of ['a/1', 'a/2', 'a/3']) store.kv.set(entry(key));
    });
    store.transact(3, () => store.kv.delete('a/1'));
    store.transact(4, () => store.kv.delete('a/2'));
    store.transact(5, () => store.kv.delete('a/3'));
    const reaped = store.transact(6, () => store.kv.reapTombstones(4));
    assert.equal(reaped, 2);
    assert.deepEqual([...store.tables.tombstones.entries()], [['a/3', 5]]);
    assert.equal(store.kv.get('a/1').index, 5, 'a missing key still answers with the table index');
    assert.equal(store.lastIndex(), 5);
  });
});

describe('KV watches', () => {
  it('fire for the key and every prefix above it, and for nothing else', () => {
    const store = new StateStore();
    const watched = ['', 'a', 'a/', 'a/b'].map((prefix) => fireCount(store.kv.list(prefix).watches));
    const keyWatch = fireCount(store.kv.get('a/b').watches);
    const unrelated = [
      fireCount(store.kv.get('a/c').watches),
      fireCount(store.kv.get('a').watches),
      fireCount(store.kv.list('a/b/').watches),
      fireCount(store.kv.list('b').watches),
    ];

    store.transact(2, () => store.kv.set(entry('a/b')));

    assert.deepEqual(
      watched.map((count) => count()),
      [1, 1, 1, 1],
    );
    assert.equal(keyWatch(), 1);
    assert.deepEqual(
      unrelated.map((count) => count()),
      [0, 0, 0, 0],
    );
  });

  it('fire for every matching prefix also when more prefixes are watched than the key is long', () => {
    const store = new StateStore();
    const prefixes = ['', 'a', 'a/', 'a/b', 'a/bc', 'b', 'c', 'd', 'e'];
    const counts = prefixes.map((prefix) => fireCount(store.kv.list(prefix).watches));
    store.transact(2, () => store.kv.set(entry('a/b')));
    assert.deepEqual(
      counts.map((count) => count()),
      [1, 1, 1, 1, 0, 0, 0, 0, 0],
    );
  });

  it('fire on deletes, tree deletes and unlocks', () => {
    const store = storeWithSessions('s1');
    store.transact(2, () => {
      store.kv.set(entry('a/1'));
      store.kv.lock(entry('a/2', 'v', { Session: 's1' }));
    });
    const one = fireCount(store.kv.get('a/1').watches);
    store.transact(3, () => store.kv.delete('a/1'));
    assert.equal(one(), 1);
    const two = fireCount(store.kv.get('a/2').watches);
    store.transact(4, () => store.kv.unlock(entry('a/2', 'v', { Session: 's1' })));
    assert.equal(two(), 1);
    const tree = fireCount(store.kv.list('a/').watches);
    store.transact(5, () => store.kv.deleteTree('a/'));
    assert.equal(tree(), 1);
  });

  it('fire once the transaction commits, when all its writes are visible', () => {
    const store = new StateStore();
    const seen: (string | undefined)[] = [];
    for (const watchable of store.kv.get('first').watches) {
      watchable.subscribe(() => seen.push(decode(store.kv.get('second').value?.Value) ?? undefined));
    }
    store.transact(2, () => {
      store.kv.set(entry('first'));
      assert.deepEqual(seen, [], 'not during the transaction');
      store.kv.set(entry('second', 'later'));
    });
    assert.deepEqual(seen, ['later']);
  });

  it('do not fire when the transaction throws', () => {
    const store = new StateStore();
    const fired = fireCount([...store.kv.get('k').watches, ...store.kv.list('').watches]);
    assert.throws(() =>
      store.transact(2, () => {
        store.kv.set(entry('k'));
        throw new Error('boom');
      }),
    );
    assert.equal(fired(), 0);
    assert.equal(store.kv.get('k').value, undefined);
  });
});
