import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Session } from '../model/records.ts';
import { ManualClock } from '../sim/manual-clock.ts';
import { SESSION_TTL_MULTIPLIER, SessionTimers, sessionTtlMs } from './session-timers.ts';

function session(ID: string, TTL: string): Session {
  return {
    ID,
    Name: '',
    Node: 'node1',
    LockDelay: 0,
    Behavior: 'release',
    TTL,
    NodeChecks: [],
    ServiceChecks: null,
    CreateIndex: 1,
    ModifyIndex: 1,
  };
}

function setup() {
  const clock = new ManualClock();
  const expired: string[] = [];
  const timers = new SessionTimers(clock, (id) => expired.push(id));
  return { clock, expired, timers };
}

describe('sessionTtlMs', () => {
  const cases: { ttl: string; expectedMs: number }[] = [
    { ttl: '', expectedMs: 0 },
    { ttl: '0', expectedMs: 0 },
    { ttl: '15s', expectedMs: 15_000 },
    { ttl: '0.5s', expectedMs: 500 },
    { ttl: '1m30s', expectedMs: 90_000 },
    { ttl: '24h', expectedMs: 86_400_000 },
    { ttl: '10', expectedMs: 0 },
    { ttl: 'garbage', expectedMs: 0 },
  ];
  for (const { ttl, expectedMs } of cases) {
    it(`${JSON.stringify(ttl)} → ${expectedMs} ms`, () => {
      assert.equal(sessionTtlMs({ TTL: ttl }), expectedMs);
    });
  }
});

describe('SessionTimers', () => {
  it('expires a session TTL × 2 after it is armed, once', () => {
    const { clock, expired, timers } = setup();
    timers.arm(session('a', '10s'));
    assert.equal(SESSION_TTL_MULTIPLIER, 2);
    assert.equal(timers.size, 1);

    clock.advance(19_999);
    assert.deepEqual(expired, []);
    clock.advance(1);
    assert.deepEqual(expired, ['a']);
    assert.equal(timers.size, 0);

    clock.advance(60_000);
    assert.deepEqual(expired, ['a']);
  });

  it('arms nothing for a session without a TTL (or an unparseable one)', () => {
    const { clock, timers } = setup();
    timers.arm(session('none', ''));
    timers.arm(session('bad', 'soon'));
    assert.equal(timers.size, 0);
    assert.equal(clock.pendingTimers, 0);
  });

  it('re-arming replaces the timer: the TTL restarts from full', () => {
    const { clock, expired, timers } = setup();
    timers.arm(session('a', '10s'));
    clock.advance(15_000);
    timers.arm(session('a', '10s'));
    assert.equal(timers.size, 1);
    assert.equal(clock.pendingTimers, 1, 'the old timer is cancelled');

    clock.advance(19_999);
    assert.deepEqual(expired, []);
    clock.advance(1);
    assert.deepEqual(expired, ['a']);
  });

  it('re-arming with a new TTL uses it; with no TTL it disarms', () => {
    const { clock, expired, timers } = setup();
    timers.arm(session('a', '10s'));
    timers.arm(session('a', '30s'));
    clock.advance(59_999);
    assert.deepEqual(expired, []);
    clock.advance(1);
    assert.deepEqual(expired, ['a']);

    timers.arm(session('b', '10s'));
    timers.arm(session('b', ''));
    assert.equal(timers.size, 0);
    assert.equal(clock.pendingTimers, 0);
  });

  it('clear cancels one session’s timer and leaves the others', () => {
    const { clock, expired, timers } = setup();
    timers.arm(session('a', '10s'));
    timers.arm(session('b', '10s'));
    timers.clear('a');
    timers.clear('unknown');
    assert.equal(timers.size, 1);

    clock.advance(20_000);
    assert.deepEqual(expired, ['b']);
  });

  it('clearAll cancels every timer', () => {
    const { clock, expired, timers } = setup();
    timers.arm(session('a', '10s'));
    timers.arm(session('b', '15s'));
    timers.clearAll();
    assert.equal(timers.size, 0);
    assert.equal(clock.pendingTimers, 0);

    clock.advance(60_000);
    assert.deepEqual(expired, []);
  });
});
