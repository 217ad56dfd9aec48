import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandType, encodeCommand } from '../fsm/commands.ts';
import { type ApplyResult, Fsm } from '../fsm/fsm.ts';
import { AssertionError } from '../lib/assert.ts';
import { silentLogger } from '../ports/logger.ts';
import { ManualClock } from '../sim/manual-clock.ts';
import { SeededRandom } from '../sim/seeded-random.ts';
import { SimFileSystem } from '../sim/sim-file-system.ts';
import { MemoryStorage } from '../storage/memory-storage.ts';
import type { RaftStorage } from '../storage/raft-storage.ts';
import { SegmentStorage } from '../storage/segment-storage.ts';
import { NoLeaderError, RaftRole } from './consensus.ts';
import { createSoleServerRaft, RaftHaltedError } from './raft-node.ts';

const SELF = { id: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', nodeName: 'node1', address: '127.0.0.1:8300' };

/** The production FSM, recording the Raft index of every apply call. */
class RecordingFsm extends Fsm {
  readonly appliedIndexes: number[] = [];

  override apply(data: Uint8Array, raftIndex: number): ApplyResult {
    this.appliedIndexes.push(raftIndex);
    return super.apply(data, raftIndex);
  }
}

const setKey = (key: string) =>
  encodeCommand({ type: CommandType.kv, op: 'set', entry: { Key: key, Flags: 0, Value: null }, cas: 0 });

/** An entry no build knows, without the ignore flag: the FSM refuses it by throwing. */
const UNKNOWN_COMMAND = new Uint8Array([99]);

function setup(
  storage: RaftStorage = new MemoryStorage(),
  options: { snapshotThreshold?: number; snapshotIntervalMs?: number } = {},
) {
  const fsm = new RecordingFsm();
  const raft = createSoleServerRaft({
    ...SELF,
    stateMachine: fsm,
    storage,
    clock: new ManualClock(),
    random: new SeededRandom(),
    logger: silentLogger,
    schedule: queueMicrotask,
    ...options,
  });
  const leadership: boolean[] = [];
  raft.onLeadershipChange((isLeader) => leadership.push(isLeader));
  return { fsm, raft, leadership, storage };
}

describe('RaftNode as the sole voter (the dev agent)', () => {
  it('rejects proposals and barriers before start, and reports no leader', async () => {
    const { fsm, raft, leadership } = setup();
    await assert.rejects(raft.propose(setKey('a')), NoLeaderError);
    await assert.rejects(raft.readBarrier(), NoLeaderError);
    assert.deepEqual(fsm.appliedIndexes, []);
    assert.deepEqual(leadership, []);
    assert.equal(raft.status().role, RaftRole.follower);
    assert.equal(raft.status().leaderAddress, '');
  });

  it('elects itself at start: the bootstrap configuration at 1, its no-op at 2', async () => {
    const { raft, leadership } = setup();
    await raft.start();
    assert.deepEqual(leadership, [true]);
    assert.deepEqual(raft.status(), {
      role: RaftRole.leader,
      leaderAddress: SELF.address,
      term: 2,
      commitIndex: 2,
      appliedIndex: 2,
      lastLogIndex: 2,
      lastContactMs: 0,
    });
    assert.deepEqual(raft.configuration(), {
      servers: [{ ID: SELF.id, Node: SELF.nodeName, Address: SELF.address, Leader: true, Voter: true }],
      index: 1,
    });
    await raft.readBarrier();
  });

  it('applies the proposals of one turn as one batch with one sync, in order', async () => {
    const { fsm, raft } = setup();
    await raft.start();
    const syncsBefore = raft.metrics.syncs;
    const proposals = ['a', 'b', 'c'].map((key) => raft.propose(setKey(key)));
    assert.deepEqual(fsm.appliedIndexes, [], 'nothing is applied inside propose');

    const results = await Promise.all(proposals);
    assert.deepEqual(results, [
      { kind: 'bool', value: true },
      { kind: 'bool', value: true },
      { kind: 'bool', value: true },
    ]);
    assert.deepEqual(fsm.appliedIndexes, [3, 4, 5]);
    assert.equal(raft.metrics.syncs - syncsBefore, 1);
    assert.deepEqual(
      ['a', 'b', 'c'].map((key) => fsm.store.kv.get(key).value?.ModifyIndex),
      [3, 4, 5],
    );
    await raft.propose(setKey('d'));
    assert.deepEqual(fsm.appliedIndexes, [3, 4, 5, 6], 'the next turn continues the log');
  });

  it('halts on an FSM exception: rejects what is pending, applies nothing after it, tells listeners', async () => {
    const { fsm, raft, leadership } = setup();
    await raft.start();
    const before = raft.propose(setKey('before'));
    const failing = raft.propose(UNKNOWN_COMMAND);
    const after = raft.propose(setKey('after'));

    assert.deepEqual(await before, { kind: 'bool', value: true }, 'applied before the failure');
    await assert.rejects(failing, /unknown Raft command type 99/);
    await assert.rejects(after, RaftHaltedError);
    assert.deepEqual(fsm.appliedIndexes, [3, 4], 'the entry after the failure is not applied');
    assert.equal(fsm.store.kv.get('after').value, undefined);
    assert.equal(raft.status().role, RaftRole.follower);
    assert.deepEqual(leadership, [true, false]);
    await assert.rejects(raft.propose(setKey('later')), RaftHaltedError);
    await assert.rejects(raft.readBarrier(), RaftHaltedError);

    await raft.stop();
    assert.deepEqual(leadership, [true, false], 'stop after a failure does not report the loss twice');
  });

  it('stop commits what was already proposed, then rejects and reports the loss once', async () => {
    const { fsm, raft, leadership } = setup();
    await raft.start();
    const pending = raft.propose(setKey('a'));
    await raft.stop();
    assert.deepEqual(await pending, { kind: 'bool', value: true });
    assert.deepEqual(fsm.appliedIndexes, [3]);
    await assert.rejects(raft.propose(setKey('b')), NoLeaderError);
    await assert.rejects(raft.readBarrier(), NoLeaderError);
    assert.equal(raft.status().leaderAddress, '');
    assert.equal(raft.configuration().servers[0]?.Leader, false);
    await raft.stop();
    assert.deepEqual(leadership, [true, false]);
  });

  it('recovers from its data dir: a new process replays the log into a fresh FSM and continues in a new term', async () => {
    const fileSystem = new SimFileSystem();
    const storage = () => new SegmentStorage({ fileSystem, directory: '/data/raft' });
    const first = setup(storage());
    await first.raft.start();
    await first.raft.propose(setKey('a'));
    await first.raft.propose(setKey('b'));
    fileSystem.crash(new SeededRandom(7)); // a power cut: only what was synced survives

    const second = setup(storage());
    await second.raft.start();
    assert.equal(second.raft.status().term, 3);
    assert.deepEqual(second.fsm.appliedIndexes, [3, 4], 'acknowledged writes are replayed');
    assert.ok(second.fsm.store.kv.get('b').value);
    await second.raft.propose(setKey('c'));
    assert.deepEqual(second.fsm.appliedIndexes, [3, 4, 6], 'indexes never go backwards');
  });

  it('takes snapshots and recovers from one', async () => {
    const fileSystem = new SimFileSystem();
    const storage = () => new SegmentStorage({ fileSystem, directory: '/data/raft' });
    const first = setup(storage(), { snapshotThreshold: 5, snapshotIntervalMs: 0 });
    await first.raft.start();
    for (let i = 0; i < 12; i++) await first.raft.propose(setKey(`k${i}`));
    assert.ok(first.raft.metrics.snapshotsTaken >= 2);
    await first.raft.stop();

    const second = setup(storage());
    await second.raft.start();
    assert.equal(second.fsm.store.kv.list('k').value.length, 12, 'the snapshot and the log after it');
    assert.ok(second.fsm.appliedIndexes.length < 12, 'entries in the snapshot are not replayed');
  });

  it('asserts against a second start', async () => {
    const { raft } = setup();
    await raft.start();
    await assert.rejects(raft.start(), AssertionError);
  });
});
