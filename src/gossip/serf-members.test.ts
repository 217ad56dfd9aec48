import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type MemberAddress, MemberTable } from './serf-members.ts';

const HOUR = 3_600_000;

function node(name: string, tags: Record<string, string> = {}): MemberAddress {
  return {
    name,
    host: '10.0.0.1',
    addr: Uint8Array.of(10, 0, 0, 1),
    port: 8301,
    tags,
    vsn: Uint8Array.of(1, 5, 2, 2, 5, 5),
  };
}

function table(localName = 'self'): MemberTable {
  return new MemberTable({ localName, recentIntentTimeoutMs: 5 * 60_000 });
}

test('a memberlist join makes an alive member with protocol fields from Vsn', () => {
  const members = table();
  const events = members.nodeJoined(node('a', { role: 'web' }));
  assert.deepEqual(
    events.map((e) => [e.type, e.member.name, e.member.status]),
    [['member-join', 'a', 'alive']],
  );
  assert.deepEqual(members.get('a'), {
    name: 'a',
    host: '10.0.0.1',
    port: 8301,
    tags: { role: 'web' },
    status: 'alive',
    protocolMin: 1,
    protocolMax: 5,
    protocolCur: 2,
    delegateMin: 2,
    delegateMax: 5,
    delegateCur: 5,
  });
});

test('graceful leave: alive → leaving on the intent, → left when memberlist reports it gone', () => {
  const members = table();
  members.nodeJoined(node('a'));
  const intent = members.leaveIntent('a', 5, false, 0, true);
  assert.equal(intent.rebroadcast, true);
  assert.deepEqual(intent.events, []);
  assert.equal(members.get('a')?.status, 'leaving');
  const events = members.nodeLeft('a', 1000);
  assert.deepEqual(
    events.map((e) => [e.type, e.member.status]),
    [['member-leave', 'left']],
  );
  assert.deepEqual(members.leftNames(), ['a']);
});

test('a node gone without a leave intent is failed', () => {
  const members = table();
  members.nodeJoined(node('a'));
  const events = members.nodeLeft('a', 1000);
  assert.deepEqual(
    events.map((e) => [e.type, e.member.status]),
    [['member-failed', 'failed']],
  );
  assert.deepEqual(members.nodeLeft('a', 2000), [], 'a second leave changes nothing');
});

test('intents apply only when newer than the member statusLTime', () => {
  const members = table();
  members.nodeJoined(node('a'));
  assert.equal(members.leaveIntent('a', 5, false, 0, true).rebroadcast, true);
  assert.equal(members.get('a')?.status, 'leaving');
  // An older join (sent before the leave) must not bring it back.
  assert.equal(members.joinIntent('a', 4, 0).rebroadcast, false);
  assert.equal(members.get('a')?.status, 'leaving');
  // The same leave again: not news.
  assert.equal(members.leaveIntent('a', 5, false, 0, true).rebroadcast, false);
  // A newer join: the node changed its mind (or refuted).
  assert.equal(members.joinIntent('a', 6, 0).rebroadcast, true);
  assert.equal(members.get('a')?.status, 'alive');
  assert.equal(members.statusLTimes().get('a'), 6);
});

test('a leave intent for a failed member is a forced leave: failed → left with a leave event', () => {
  const members = table();
  members.nodeJoined(node('a'));
  members.nodeLeft('a', 1000);
  const outcome = members.leaveIntent('a', 3, false, 2000, true);
  assert.equal(outcome.rebroadcast, true);
  assert.deepEqual(
    outcome.events.map((e) => [e.type, e.member.status]),
    [['member-leave', 'left']],
  );
  assert.equal(members.get('a')?.status, 'left');
});

test('prune erases a failed member at once, and a leaving one later', () => {
  const members = table();
  members.nodeJoined(node('a'));
  members.nodeLeft('a', 1000);
  const pruned = members.leaveIntent('a', 3, true, 2000, true);
  assert.deepEqual(
    pruned.events.map((e) => e.type),
    ['member-leave', 'member-reap'],
  );
  assert.equal(members.get('a'), undefined);

  members.nodeJoined(node('b'));
  const later = members.leaveIntent('b', 4, true, 2000, true);
  assert.equal(later.pruneLater, 'b');
  assert.equal(members.get('b')?.status, 'leaving');
  assert.deepEqual(
    members.erase('b').map((e) => e.type),
    ['member-reap'],
  );
  assert.equal(members.get('b'), undefined);
});

test('intents for unknown members wait in recentIntents and apply when memberlist reports the node', () => {
  const members = table();
  assert.equal(members.leaveIntent('a', 7, false, 0, true).rebroadcast, true);
  assert.equal(members.leaveIntent('a', 7, false, 0, true).rebroadcast, false, 'the same intent twice');
  assert.equal(members.joinIntent('a', 6, 0).rebroadcast, false, 'older than the one on file');
  members.nodeJoined(node('a'));
  assert.equal(members.get('a')?.status, 'leaving');
  assert.equal(members.statusLTimes().get('a'), 7);

  assert.equal(members.joinIntent('b', 3, 0).rebroadcast, true);
  members.nodeJoined(node('b'));
  assert.equal(members.get('b')?.status, 'alive');
  assert.equal(members.statusLTimes().get('b'), 3);
});

test('recent intents expire after the recent-intent timeout', () => {
  const members = table();
  members.leaveIntent('a', 7, false, 0, true);
  members.reap(5 * 60_000, HOUR, HOUR);
  assert.deepEqual(members.recentIntent('a'), { type: 'leave', lTime: 7 });
  members.reap(5 * 60_000 + 1, HOUR, HOUR);
  assert.equal(members.recentIntent('a'), undefined);
  members.nodeJoined(node('a'));
  assert.equal(members.get('a')?.status, 'alive');
});

test('a leave intent about this node while alive is refuted, not applied', () => {
  const members = table('self');
  members.nodeJoined(node('self'));
  const outcome = members.leaveIntent('self', 9, false, 0, true);
  assert.deepEqual(outcome, { rebroadcast: false, events: [], refute: true });
  assert.equal(members.get('self')?.status, 'alive');
  // While leaving on purpose, the own intent applies.
  const leaving = members.leaveIntent('self', 10, false, 0, false);
  assert.equal(leaving.refute, false);
  assert.equal(members.get('self')?.status, 'leaving');
});

test('reap: failed after the reconnect timeout, left after the tombstone timeout, counted from the change', () => {
  const members = table();
  members.nodeJoined(node('failed'));
  members.nodeJoined(node('left'));
  members.nodeJoined(node('alive'));
  members.nodeLeft('failed', 1000);
  members.leaveIntent('left', 2, false, 0, true);
  members.nodeLeft('left', 2000);
  assert.deepEqual(members.reap(1000 + HOUR, HOUR, 2 * HOUR), []);
  assert.deepEqual(
    members.reap(1001 + HOUR, HOUR, 2 * HOUR).map((e) => [e.type, e.member.name]),
    [['member-reap', 'failed']],
  );
  assert.deepEqual(
    members.reap(2001 + 2 * HOUR, HOUR, 2 * HOUR).map((e) => [e.type, e.member.name]),
    [['member-reap', 'left']],
  );
  assert.deepEqual(
    members.all().map((m) => m.name),
    ['alive'],
  );
});

test('a failed member that comes back is alive again and no longer reaped', () => {
  const members = table();
  members.nodeJoined(node('a'));
  members.nodeLeft('a', 1000);
  members.nodeJoined(node('a'));
  assert.equal(members.get('a')?.status, 'alive');
  assert.deepEqual(members.reap(10 * HOUR, HOUR, HOUR), []);
});

test('an update refreshes tags and keeps the status', () => {
  const members = table();
  members.nodeJoined(node('a', { role: 'web' }));
  members.leaveIntent('a', 2, false, 0, true);
  const events = members.nodeUpdated(node('a', { role: 'db' }));
  assert.deepEqual(
    events.map((e) => [e.type, e.member.tags.role, e.member.status]),
    [['member-update', 'db', 'leaving']],
  );
  assert.deepEqual(members.nodeUpdated(node('unknown')), []);
});

test('snapshots are copies: changing one does not change the table', () => {
  const members = table();
  members.nodeJoined(node('a', { role: 'web' }));
  const copy = members.get('a')!;
  copy.tags.role = 'db';
  copy.status = 'failed';
  assert.equal(members.get('a')?.tags.role, 'web');
  assert.equal(members.get('a')?.status, 'alive');
});

test('wireMember carries the status number and address bytes; unknown is null', () => {
  const members = table();
  members.nodeJoined(node('a', { dc: 'dc1' }));
  members.nodeLeft('a', 1);
  const wire = members.wireMember('a')!;
  assert.equal(wire.status, 4);
  assert.deepEqual([...wire.addr], [10, 0, 0, 1]);
  assert.deepEqual([...wire.tags], [['dc', 'dc1']]);
  assert.equal(members.wireMember('nobody'), null);
});
