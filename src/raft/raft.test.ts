import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bootstrapEntries, defaultRaftOptions, Raft } from './raft.ts';
import { type Configuration, type Entry, EntryKind, MessageType, Suffrage } from './types.ts';

// Direct tests of the core for situations that are awkward to build in a transcript
// (most behaviour is covered by testdata/*.txt).

const configuration: Configuration = {
  servers: ['1', '2', '3'].map((id) => ({ id, address: `addr${id}`, suffrage: Suffrage.voter })),
};

function command(index: number, term: number): Entry {
  return { index, term, kind: EntryKind.command, data: new Uint8Array(0) };
}

function follower(entries: Entry[], term: number, commit: number): Raft {
  return new Raft(
    { ...defaultRaftOptions, id: '2', random: { next: () => 0 } },
    { hardState: { term, vote: '', commit }, entries },
  );
}

describe('Raft follower', () => {
  it('acknowledges a snapshot it already holds only up to the snapshot, not its own last index', () => {
    // 2 holds 2/3 (as in the snapshot) and after it 2/4, an entry of an old leader that the
    // current leader never sent: acknowledging 4 would let the leader count 2 for its own
    // (different) entry 4.
    const raft = follower(
      [...bootstrapEntries(configuration), command(2, 2), command(3, 2), command(4, 2)],
      3,
      1,
    );
    raft.step({
      type: MessageType.snapshot,
      from: '1',
      to: '2',
      term: 3,
      snapshot: { metadata: { index: 3, term: 2, configuration }, data: new Uint8Array(0) },
    });
    const ready = raft.ready();
    raft.advance();
    assert.equal(raft.commitIndex, 3);
    assert.equal(raft.lastIndex, 4, 'the entries are kept');
    assert.deepEqual(
      ready.messages.map((message) => [message.type, message.index]),
      [[MessageType.appendResponse, 3]],
    );
  });

  it('installs a snapshot it does not hold and then takes appends after it', () => {
    const raft = follower([...bootstrapEntries(configuration), command(2, 2)], 2, 1);
    raft.step({
      type: MessageType.snapshot,
      from: '1',
      to: '2',
      term: 3,
      snapshot: { metadata: { index: 10, term: 3, configuration }, data: new Uint8Array(0) },
    });
    // An append that follows the snapshot arrives before the shell handled the Ready.
    raft.step({
      type: MessageType.append,
      from: '1',
      to: '2',
      term: 3,
      index: 10,
      logTerm: 3,
      entries: [command(11, 3)],
      commit: 11,
    });
    const first = raft.ready();
    assert.equal(first.snapshot?.metadata.index, 10);
    assert.deepEqual(
      first.entries.map((entry) => entry.index),
      [11],
    );
    assert.deepEqual(first.committedEntries, [], 'nothing applies before the snapshot is restored');
    raft.advance();
    assert.equal(raft.appliedIndex, 10);
    const second = raft.ready();
    assert.deepEqual(
      second.committedEntries.map((entry) => entry.index),
      [11],
    );
    raft.advance();
    assert.equal(raft.appliedIndex, 11);
  });
});
