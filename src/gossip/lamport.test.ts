import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LamportClock } from './lamport.ts';

test('a clock starts at 1 and increments', () => {
  const clock = new LamportClock();
  assert.equal(clock.time(), 1);
  assert.equal(clock.increment(), 2);
  assert.equal(clock.time(), 2);
});

test('witnessing a time at or past the clock moves it one beyond', () => {
  const clock = new LamportClock();
  clock.witness(1);
  assert.equal(clock.time(), 2);
  clock.witness(10);
  assert.equal(clock.time(), 11);
});

test('witnessing an older time leaves the clock alone', () => {
  const clock = new LamportClock(5);
  clock.witness(3);
  clock.witness(4);
  assert.equal(clock.time(), 5);
});
