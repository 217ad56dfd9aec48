import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEDUP_WINDOW_SLOTS, QueryBuffer, UserEventBuffer } from './event-buffer.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

test('a user event is new once; the same name and payload at the same time is a duplicate', () => {
  const buffer = new UserEventBuffer();
  assert.equal(buffer.record(3, 'deploy', bytes('v1'), 4), true);
  assert.equal(buffer.record(3, 'deploy', bytes('v1'), 4), false);
  assert.equal(
    buffer.record(3, 'deploy', bytes('v2'), 4),
    true,
    'another payload at the same time is another event',
  );
  assert.equal(buffer.record(3, 'restart', bytes('v1'), 4), true, 'another name too');
  assert.equal(buffer.record(4, 'deploy', bytes('v1'), 5), true, 'and another time');
});

test('a user event more than 512 behind the clock is dropped; at the edge it is kept', () => {
  const buffer = new UserEventBuffer();
  const clock = 1000;
  assert.equal(buffer.record(clock - DEDUP_WINDOW_SLOTS - 1, 'old', bytes(''), clock), false);
  assert.equal(buffer.record(clock - DEDUP_WINDOW_SLOTS, 'edge', bytes(''), clock), true);
});

test('a newer event takes over its slot, evicting the one 512 earlier', () => {
  const buffer = new UserEventBuffer();
  assert.equal(buffer.record(5, 'a', bytes(''), 6), true);
  assert.equal(buffer.record(5 + DEDUP_WINDOW_SLOTS, 'b', bytes(''), 6 + DEDUP_WINDOW_SLOTS), true);
  const slot = buffer.snapshot()[5];
  assert.deepEqual(slot, { lTime: 5 + DEDUP_WINDOW_SLOTS, events: [{ name: 'b', payload: bytes('') }] });
});

test('events below minTime (join with ignore-old) are ignored', () => {
  const buffer = new UserEventBuffer();
  buffer.minTime = 10;
  assert.equal(buffer.record(9, 'a', bytes(''), 11), false);
  assert.equal(buffer.record(10, 'a', bytes(''), 11), true);
});

test('the snapshot has 512 slots, nulls where empty, and is a copy', () => {
  const buffer = new UserEventBuffer();
  buffer.record(1, 'a', bytes('x'), 2);
  const snapshot = buffer.snapshot();
  assert.equal(snapshot.length, 512);
  assert.equal(snapshot.filter((slot) => slot !== null).length, 1);
  snapshot[1]!.events.push({ name: 'mutated', payload: bytes('') });
  assert.equal(buffer.snapshot()[1]!.events.length, 1);
});

test('queries are de-duplicated by (LTime, ID) within the window', () => {
  const buffer = new QueryBuffer();
  assert.equal(buffer.record(2, 77, 3), true);
  assert.equal(buffer.record(2, 77, 3), false);
  assert.equal(buffer.record(2, 78, 3), true);
  assert.equal(buffer.record(1, 77, 3), true);
  assert.equal(buffer.record(100, 1, 100 + DEDUP_WINDOW_SLOTS + 1), false, 'too old');
});
