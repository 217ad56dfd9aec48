import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandType, encodeCommand } from '../fsm/commands.ts';
import { type ApplyResult, Fsm } from '../fsm/fsm.ts';
import { AssertionError } from '../lib/assert.ts';
import { NoLeaderError, RaftRole } from './consensus.ts';
import { SingleVoterRaft } from './single-voter.ts';

const SELF = { id: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', node: 'node1', address: '127.0.0.1:8300' };

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

function setup() {
  const fsm = new RecordingFsm();
  const raft = new SingleVoterRaft(fsm, SELF);
  const leadership: boolean[] = [];
  raft.onLeadershipChange((isLeader) => leadership.push(isLeader));
  return { fsm, raft, leadership };
}

describe('SingleVoterRaft', () => {
  it('rejects proposals and barriers before start, and reports no leader', async () => {
    const { fsm, raft, leadership } = setup();
    await assert.rejects(raft.propose(setKey('a')), NoLeaderError);
    await assert.rejects(raft.readBarrier(), NoLeaderError);
    assert.deepEqual(fsm.appliedIndexes, []);
    assert.deepEqual(leadership, []);
    const status = raft.status();
    assert.equal(status.role, RaftRole.follower);
    assert.equal(status.leaderAddress, '');
  });

  it('elects itself at start: term 1, the bootstrap configuration at index 1', async () => {
    const { raft, leadership } = setup();
    await raft.start();
    assert.deepEqual(leadership, [true]);
    assert.deepEqual(raft.status(), {
      role: RaftRole.leader,
      leaderAddress: SELF.address,
      term: 1,
      commitIndex: 1,
      appliedIndex: 1,
      lastLogIndex: 1,
      lastContactMs: 0,
    });
    assert.deepEqual(raft.configuration(), {
      servers: [{ ID: SELF.id, Node: SELF.node, Address: SELF.address, Leader: true, Voter: true }],
      index: 1,
    });
    await raft.readBarrier();
  });

  it('applies the proposals of one turn as a batch, in order, at consecutive indexes', async () => {
    const { fsm, raft } = setup();
    await raft.start();
    const proposals = ['a', 'b', 'c'].map((key) => raft.propose(setKey(key)));
    assert.deepEqual(fsm.appliedIndexes, [], 'nothing is applied inside propose');

    const results = await Promise.all(proposals);
    assert.deepEqual(results, [
      { kind: 'bool', value: true },
      { kind: 'bool', value: true },
      { kind: 'bool', value: true },
    ]);
    assert.deepEqual(fsm.appliedIndexes, [2, 3, 4]);
    assert.deepEqual(
      ['a', 'b', 'c'].map((key) => fsm.store.kv.get(key).value?.ModifyIndex),
      [2, 3, 4],
    );
    const status = raft.status();
    assert.equal(status.commitIndex, 4);
    assert.equal(status.appliedIndex, 4);
    assert.equal(status.lastLogIndex, 4);

    await raft.propose(setKey('d'));
    assert.deepEqual(fsm.appliedIndexes, [2, 3, 4, 5], 'the next turn continues the log');
  });

  it('stops on an FSM exception: rejects that proposal, applies nothing after it, tells listeners', async () => {
    const { fsm, raft, leadership } = setup();
    await raft.start();
    const before = raft.propose(setKey('before'));
    const failing = raft.propose(UNKNOWN_COMMAND);
    const after = raft.propose(setKey('after'));

    assert.deepEqual(await before, { kind: 'bool', value: true });
    await assert.rejects(failing, /unknown Raft command type 99/);
    await assert.rejects(after, NoLeaderError);
    assert.deepEqual(fsm.appliedIndexes, [2, 3], 'the entry after the failure is not applied');
    assert.equal(fsm.store.kv.get('after').value, undefined);

    assert.equal(raft.status().role, RaftRole.follower);
    assert.equal(raft.status().appliedIndex, 2);
    assert.deepEqual(leadership, [true, false]);
    await assert.rejects(raft.propose(setKey('later')), NoLeaderError);
    await assert.rejects(raft.readBarrier(), NoLeaderError);

    await raft.stop();
    assert.deepEqual(leadership, [true, false], 'stop after a failure does not report the loss twice');
  });

  it('stop applies what was already proposed, then rejects and reports the loss once', async () => {
    const { fsm, raft, leadership } = setup();
    await raft.start();
    const pending = raft.propose(setKey('a'));
    await raft.stop();
    assert.deepEqual(await pending, { kind: 'bool', value: true });
    assert.deepEqual(fsm.appliedIndexes, [2]);

    await assert.rejects(raft.propose(setKey('b')), NoLeaderError);
    await assert.rejects(raft.readBarrier(), NoLeaderError);
    assert.equal(raft.status().role, RaftRole.follower);
    assert.equal(raft.status().leaderAddress, '');
    assert.equal(raft.configuration().servers[0]?.Leader, false);

    await raft.stop();
    assert.deepEqual(leadership, [true, false]);
  });

  it('continues the log after a restart, in a new term', async () => {
    const { fsm, raft, leadership } = setup();
    await raft.start();
    await raft.propose(setKey('a'));
    await raft.stop();
    await raft.start();
    assert.deepEqual(leadership, [true, false, true]);
    assert.equal(raft.status().term, 2);

    await raft.propose(setKey('b'));
    assert.deepEqual(fsm.appliedIndexes, [2, 3], 'indexes never go backwards');
  });

  it('asserts against a second start', async () => {
    const { raft } = setup();
    await raft.start();
    await assert.rejects(raft.start(), AssertionError);
  });
});
