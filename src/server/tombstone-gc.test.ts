import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settle } from '../http/testing/test-context.ts';
import { ManualClock } from '../sim/manual-clock.ts';
import { StateStore } from '../state/store.ts';
import { TombstoneGc } from './tombstone-gc.ts';

const TTL_MS = 60_000;
/** The default granularity for a 60 s TTL: TTL / 4, within [1 s, 30 s]. */
const GRANULARITY_MS = 15_000;

/**
 * A store written at explicit Raft indexes and a collector whose reap applies at the next one,
 * as the leader's would through Raft.
 */
function setup(reapResult: 'apply' | 'lost' = 'apply') {
  const clock = new ManualClock();
  const store = new StateStore();
  let raftIndex = 1;
  const write = (change: () => void) => store.transact(++raftIndex, change);
  const reaps: number[] = [];
  const gc = new TombstoneGc(clock, TTL_MS, async (upToIndex) => {
    reaps.push(upToIndex);
    // 'lost': the proposal failed (leadership lost); the owner logs it and nothing changes.
    if (reapResult === 'apply') write(() => store.kv.reapTombstones(upToIndex));
  });
  const setKey = (key: string) => write(() => store.kv.set({ Key: key, Flags: 0, Value: null }));
  const deleteKey = (key: string) => {
    write(() => store.kv.delete(key));
    return raftIndex;
  };
  return { clock, store, gc, reaps, setKey, deleteKey };
}

describe('TombstoneGc', () => {
  it('reaps nothing before the TTL, then up to the noted index', async () => {
    const { clock, store, gc, reaps, setKey, deleteKey } = setup();
    setKey('a');
    const deletedAt = deleteKey('a');
    gc.start(() => store);

    clock.advance(GRANULARITY_MS); // first tick notes the tombstone index
    clock.advance(TTL_MS - 1);
    await settle();
    assert.deepEqual(reaps, []);
    assert.equal(store.tables.tombstones.size, 1);

    clock.advance(1);
    await settle();
    assert.deepEqual(reaps, [deletedAt]);
    assert.equal(store.tables.tombstones.size, 0);
    gc.stop();
  });

  it('reaps only up to the index noted a TTL ago, not tombstones laid since', async () => {
    const { clock, store, gc, reaps, setKey, deleteKey } = setup();
    setKey('a');
    setKey('b');
    const firstDeletion = deleteKey('a');
    gc.start(() => store);
    clock.advance(GRANULARITY_MS); // notes firstDeletion at 15 s

    const secondDeletion = deleteKey('b');
    clock.advance(GRANULARITY_MS); // notes secondDeletion at 30 s

    clock.advance(TTL_MS - GRANULARITY_MS); // 75 s: the first note is a TTL old
    await settle();
    assert.deepEqual(reaps, [firstDeletion]);
    assert.deepEqual([...store.tables.tombstones.keys()], ['b']);

    clock.advance(GRANULARITY_MS); // 90 s: the second one is
    await settle();
    assert.deepEqual(reaps, [firstDeletion, secondDeletion]);
    assert.equal(store.tables.tombstones.size, 0);
    gc.stop();
  });

  it('does not reap again once the tombstones it noted are gone', async () => {
    const { clock, store, gc, reaps, setKey, deleteKey } = setup();
    setKey('a');
    const deletedAt = deleteKey('a');
    gc.start(() => store);
    clock.advance(GRANULARITY_MS + TTL_MS);
    await settle();
    assert.deepEqual(reaps, [deletedAt]);

    for (let i = 0; i < 10; i++) {
      clock.advance(TTL_MS);
      await settle();
    }
    assert.deepEqual(reaps, [deletedAt], 'no reap proposal every TTL for an empty graveyard');
    gc.stop();
  });

  it('never reaps when there are no tombstones', async () => {
    const { clock, store, gc, reaps, setKey } = setup();
    setKey('a');
    gc.start(() => store);
    clock.advance(10 * TTL_MS);
    await settle();
    assert.deepEqual(reaps, []);
    gc.stop();
  });

  it('stop cancels the timer and forgets the notes', async () => {
    const { clock, store, gc, reaps, setKey, deleteKey } = setup();
    setKey('a');
    deleteKey('a');
    gc.start(() => store);
    clock.advance(GRANULARITY_MS);
    gc.stop();
    assert.equal(clock.pendingTimers, 0);

    clock.advance(10 * TTL_MS);
    await settle();
    assert.deepEqual(reaps, []);
    assert.equal(store.tables.tombstones.size, 1);
  });

  it('a restart notes the tombstones afresh and reaps them a TTL later', async () => {
    const { clock, store, gc, reaps, setKey, deleteKey } = setup();
    setKey('a');
    const deletedAt = deleteKey('a');
    gc.start(() => store);
    clock.advance(GRANULARITY_MS + TTL_MS - 1);
    gc.start(() => store); // a new term: start() stops first
    assert.equal(clock.pendingTimers, 1);

    clock.advance(GRANULARITY_MS + TTL_MS - 1);
    await settle();
    assert.deepEqual(reaps, []);
    clock.advance(1);
    await settle();
    assert.deepEqual(reaps, [deletedAt]);
    gc.stop();
  });

  it('keeps ticking after a reap that did not take effect', async () => {
    const { clock, store, gc, reaps, setKey, deleteKey } = setup('lost');
    setKey('a');
    const deletedAt = deleteKey('a');
    gc.start(() => store);
    clock.advance(GRANULARITY_MS + TTL_MS);
    await settle();
    assert.deepEqual(reaps, [deletedAt]);
    assert.equal(clock.pendingTimers, 1);
    gc.stop();
  });

  it('reads the live store on every tick (a restore replaces it)', async () => {
    const { clock, gc, reaps } = setup();
    const replaced = new StateStore();
    replaced.transact(40, () => replaced.kv.set({ Key: 'x', Flags: 0, Value: null }));
    replaced.transact(41, () => replaced.kv.delete('x'));
    gc.start(() => replaced);
    clock.advance(GRANULARITY_MS + TTL_MS);
    await settle();
    assert.deepEqual(reaps, [41]);
    gc.stop();
  });
});
