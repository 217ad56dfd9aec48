import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../sim/manual-clock.ts';
import { SeededRandom } from '../sim/seeded-random.ts';
import {
  defaultQueryTimeoutMs,
  encodeQueryFilters,
  goRegexpMatches,
  hostFromAddr,
  pickRelayMembers,
  QueryCollectors,
  queryFiltersMatch,
} from './query.ts';
import type { SerfMember } from './serf-types.ts';
import { decodeQueryFilter, encodeQueryFilter, QueryFlag } from './serf-wire.ts';

test('default query timeout: gossip interval × 16 × ceil(log10(n + 1)) — 3.2 s on LAN up to 9 nodes', () => {
  assert.equal(defaultQueryTimeoutMs(200, 1), 3200);
  assert.equal(defaultQueryTimeoutMs(200, 9), 3200);
  assert.equal(defaultQueryTimeoutMs(200, 10), 6400);
  assert.equal(defaultQueryTimeoutMs(500, 3), 8000);
});

test('filters: none → null; nodes first, then one tag filter per tag', () => {
  assert.equal(encodeQueryFilters({}), null);
  assert.equal(encodeQueryFilters({ filterNodes: [] }), null);
  const filters = encodeQueryFilters({ filterNodes: ['a', 'b'], filterTags: { role: '^web$', dc: 'dc1' } })!;
  assert.deepEqual(filters.map(decodeQueryFilter), [
    { type: 'node', names: ['a', 'b'] },
    { type: 'tag', tag: 'role', expr: '^web$' },
    { type: 'tag', tag: 'dc', expr: 'dc1' },
  ]);
});

test('a node filter must name this node', () => {
  const filters = [encodeQueryFilter({ type: 'node', names: ['a', 'b'] })];
  assert.equal(queryFiltersMatch(filters, 'a', {}), true);
  assert.equal(queryFiltersMatch(filters, 'c', {}), false);
  assert.equal(queryFiltersMatch(null, 'c', {}), true, 'no filters: everyone answers');
});

test('a tag filter needs the tag and an unanchored regexp match; every filter must match', () => {
  const web = [encodeQueryFilter({ type: 'tag', tag: 'role', expr: 'web' })];
  assert.equal(queryFiltersMatch(web, 'a', { role: 'webserver' }), true, 'unanchored, as Go MatchString');
  assert.equal(queryFiltersMatch(web, 'a', { role: 'db' }), false);
  assert.equal(queryFiltersMatch(web, 'a', {}), false, 'a missing tag never matches');
  const both = [...web, encodeQueryFilter({ type: 'node', names: ['b'] })];
  assert.equal(queryFiltersMatch(both, 'a', { role: 'web' }), false);
  assert.equal(queryFiltersMatch(both, 'b', { role: 'web' }), true);
});

test('a filter that does not decode or compile means no', () => {
  assert.equal(queryFiltersMatch([Uint8Array.of(9, 0x90)], 'a', {}), false);
  const broken = [encodeQueryFilter({ type: 'tag', tag: 'role', expr: '(' })];
  assert.equal(queryFiltersMatch(broken, 'a', { role: '(' }), false);
});

test('Go regexp flags and anchors', () => {
  assert.equal(goRegexpMatches('(?i)WEB', 'web'), true);
  assert.equal(goRegexpMatches('WEB', 'web'), false);
  assert.equal(goRegexpMatches('\\Aweb\\z', 'web'), true);
  assert.equal(goRegexpMatches('\\Aweb\\z', 'web1'), false);
});

test('hostFromAddr: IPv4, IPv4-mapped IPv6, IPv6 with zero compression', () => {
  assert.equal(hostFromAddr(Uint8Array.of(127, 0, 0, 1)), '127.0.0.1');
  assert.equal(
    hostFromAddr(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3)),
    '10.1.2.3',
  );
  const loopback = new Uint8Array(16);
  loopback[15] = 1;
  assert.equal(hostFromAddr(loopback), '::1');
  assert.equal(
    hostFromAddr(Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)),
    '2001:db8::1',
  );
});

function member(name: string, status: SerfMember['status'] = 'alive', protocolMax = 5): SerfMember {
  return {
    name,
    host: '10.0.0.1',
    port: 1,
    tags: {},
    status,
    protocolMin: 1,
    protocolMax,
    protocolCur: 2,
    delegateMin: 2,
    delegateMax: 5,
    delegateCur: 5,
  };
}

test('relays: alive, protocol ≥ 5, not this node; none when the pool is too small', () => {
  const random = new SeededRandom(7);
  const pool = [member('self'), member('a'), member('b', 'failed'), member('c', 'alive', 4), member('d')];
  const picked = pickRelayMembers(pool, 5, 'self', random).map((m) => m.name);
  assert.deepEqual([...picked].sort(), []);
  const two = pickRelayMembers(pool, 2, 'self', random).map((m) => m.name);
  assert.deepEqual([...two].sort(), ['a', 'd']);
  assert.deepEqual(pickRelayMembers(pool, 0, 'self', random), []);
});

test('the collector matches LTime then ID, de-duplicates per sender, and ends at the deadline', async () => {
  const clock = new ManualClock();
  const collectors = new QueryCollectors(clock);
  const handle = collectors.register(5, 42, 1000);
  const heard: string[] = [];
  handle.onAck((from) => heard.push(`ack:${from}`));
  handle.onResponse((from) => heard.push(`response:${from}`));
  const payload = Uint8Array.of(1);
  assert.equal(
    collectors.deliver({ flags: QueryFlag.ack, from: 'a', id: 42, lTime: 5, payload: null }),
    true,
  );
  assert.equal(
    collectors.deliver({ flags: QueryFlag.ack, from: 'a', id: 42, lTime: 5, payload: null }),
    false,
  );
  assert.equal(collectors.deliver({ flags: 0, from: 'a', id: 42, lTime: 5, payload }), true);
  assert.equal(collectors.deliver({ flags: 0, from: 'a', id: 42, lTime: 5, payload }), false);
  assert.equal(collectors.deliver({ flags: 0, from: 'b', id: 41, lTime: 5, payload }), false, 'wrong ID');
  assert.equal(
    collectors.deliver({ flags: 0, from: 'b', id: 42, lTime: 6, payload }),
    false,
    'no such query',
  );
  assert.deepEqual(heard, ['ack:a', 'response:a']);
  assert.deepEqual([...handle.acks], ['a']);
  assert.deepEqual([...handle.responses.keys()], ['a']);
  const late: string[] = [];
  handle.onResponse((from) => late.push(from));
  assert.deepEqual(late, ['a'], 'a late listener hears what came before');

  let done = false;
  void handle.done.then(() => {
    done = true;
  });
  clock.advance(999);
  await Promise.resolve();
  assert.equal(done, false);
  clock.advance(1);
  await Promise.resolve();
  assert.equal(done, true);
  assert.equal(
    collectors.deliver({ flags: 0, from: 'c', id: 42, lTime: 5, payload }),
    false,
    'after the deadline',
  );
});
