import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../sim/manual-clock.ts';
import { type CoalescableUserEvent, UserEventCoalescer } from './coalesce.ts';

function event(name: string, lTime: number, payload: string, coalesce = true): CoalescableUserEvent {
  return { name, lTime, payload: new TextEncoder().encode(payload), cc: coalesce };
}
const describe = (events: CoalescableUserEvent[]) =>
  events.map((e) => `${e.name}@${e.lTime}:${new TextDecoder().decode(e.payload)}`);

test('within the period only the newest LTime per name is delivered, at the end of the period', () => {
  const clock = new ManualClock();
  const delivered: CoalescableUserEvent[] = [];
  const coalescer = new UserEventCoalescer(clock, 1000, (e) => delivered.push(e));
  coalescer.push(event('deploy', 1, 'a'));
  coalescer.push(event('deploy', 3, 'c'));
  coalescer.push(event('deploy', 2, 'b'));
  coalescer.push(event('restart', 2, 'x'));
  coalescer.push(event('restart', 2, 'y'));
  clock.advance(999);
  assert.deepEqual(delivered, []);
  clock.advance(1);
  assert.deepEqual(describe(delivered), ['deploy@3:c', 'restart@2:x', 'restart@2:y']);
});

test('events without CC, or with a zero period, pass straight through', () => {
  const clock = new ManualClock();
  const delivered: CoalescableUserEvent[] = [];
  const coalescer = new UserEventCoalescer(clock, 1000, (e) => delivered.push(e));
  coalescer.push(event('deploy', 1, 'a', false));
  coalescer.push(event('deploy', 2, 'b', false));
  assert.deepEqual(describe(delivered), ['deploy@1:a', 'deploy@2:b']);
  const immediate: CoalescableUserEvent[] = [];
  new UserEventCoalescer(clock, 0, (e) => immediate.push(e)).push(event('deploy', 1, 'a'));
  assert.equal(immediate.length, 1);
});

test('a new period starts with the next event after a flush', () => {
  const clock = new ManualClock();
  const delivered: CoalescableUserEvent[] = [];
  const coalescer = new UserEventCoalescer(clock, 100, (e) => delivered.push(e));
  coalescer.push(event('deploy', 1, 'a'));
  clock.advance(100);
  coalescer.push(event('deploy', 2, 'b'));
  clock.advance(50);
  assert.deepEqual(describe(delivered), ['deploy@1:a']);
  clock.advance(50);
  assert.deepEqual(describe(delivered), ['deploy@1:a', 'deploy@2:b']);
  coalescer.push(event('deploy', 3, 'c'));
  coalescer.stop();
  clock.advance(1000);
  assert.equal(delivered.length, 2, 'stop drops what is held');
});
