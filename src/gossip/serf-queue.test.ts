import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retransmitLimit, SerfBroadcastQueue } from './serf-queue.ts';

const message = (size: number, fill = size) => new Uint8Array(size).fill(fill);

test('retransmit limit is retransmitMult × ceil(log10(n + 1))', () => {
  assert.equal(retransmitLimit(4, 1), 4);
  assert.equal(retransmitLimit(4, 9), 4);
  assert.equal(retransmitLimit(4, 10), 8);
  assert.equal(retransmitLimit(4, 99), 8);
  assert.equal(retransmitLimit(4, 100), 12);
});

test('a message goes out transmitLimit times, then is dropped and its waiter told', () => {
  const queue = new SerfBroadcastQueue();
  let finished = 0;
  queue.queue(message(10), () => finished++);
  for (let i = 0; i < 3; i++) assert.equal(queue.take(2, 1000, 3).length, 1);
  assert.equal(finished, 1);
  assert.equal(queue.length, 0);
  assert.deepEqual(queue.take(2, 1000, 3), []);
});

test('fewest transmits first, then larger, then newer; within the byte budget', () => {
  const queue = new SerfBroadcastQueue();
  queue.queue(message(10, 1));
  queue.take(0, 1000, 10); // message 1 now has one transmit
  queue.queue(message(5, 2));
  queue.queue(message(20, 3));
  queue.queue(message(5, 4));
  const order = queue.take(0, 1000, 10).map((m) => m[0]);
  assert.deepEqual(order, [3, 4, 2, 1]);
  // Budget 25 with overhead 2: 20+2 fits, the next 5+2 does not, a later one may not either.
  const budget = queue.take(2, 25, 10).map((m) => m[0]);
  assert.deepEqual(budget, [3]);
});

test('the queue is capped: the most-sent, oldest items are dropped first', () => {
  const queue = new SerfBroadcastQueue(2);
  const dropped: number[] = [];
  queue.queue(message(1, 1), () => dropped.push(1));
  queue.take(0, 1000, 10);
  queue.queue(message(1, 2), () => dropped.push(2));
  queue.queue(message(1, 3), () => dropped.push(3));
  assert.deepEqual(dropped, [1]);
  assert.equal(queue.length, 2);
});
