import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AssertionError } from '../lib/assert.ts';
import { RaftLog } from './raft-log.ts';
import { type Entry, EntryKind } from './types.ts';

/** Entries `offset+1, offset+2, ...` with the given terms. */
function entries(terms: number[], offset = 0): Entry[] {
  return terms.map((term, position) => ({
    index: offset + 1 + position,
    term,
    kind: EntryKind.command,
    data: new Uint8Array(0),
  }));
}

/** A log holding `terms` after `offsetIndex` (of `offsetTerm`), all persisted. */
function logOf(
  terms: number[],
  options: { offsetIndex?: number; offsetTerm?: number; commit?: number } = {},
) {
  const offsetIndex = options.offsetIndex ?? 0;
  return new RaftLog({
    offsetIndex,
    offsetTerm: options.offsetTerm ?? 0,
    entries: entries(terms, offsetIndex),
    commit: options.commit ?? 0,
  });
}

function termsOf(log: RaftLog): number[] {
  const result: number[] = [];
  for (let index = log.firstIndex; index <= log.lastIndex; index++) result.push(log.term(index) ?? -1);
  return result;
}

describe('RaftLog.appendFromLeader', () => {
  // Each row: the follower's terms, the leader's entries (first index, terms), the expected
  // truncation point and the resulting terms (§5.3: skip what matches, cut at the first
  // conflict, append the rest).
  const table: {
    name: string;
    log: number[];
    from: number;
    incoming: number[];
    truncatedAt: number | undefined;
    after: number[];
  }[] = [
    { name: 'nothing to append', log: [1, 2], from: 3, incoming: [], truncatedAt: undefined, after: [1, 2] },
    {
      name: 'new entries at the end',
      log: [1, 2],
      from: 3,
      incoming: [2, 3],
      truncatedAt: undefined,
      after: [1, 2, 2, 3],
    },
    {
      name: 'a duplicate of what is there never truncates the longer log (stale or reordered append)',
      log: [1, 2, 2, 3],
      from: 2,
      incoming: [2],
      truncatedAt: undefined,
      after: [1, 2, 2, 3],
    },
    {
      name: 'overlap then new entries: only the new ones are added',
      log: [1, 2, 2],
      from: 2,
      incoming: [2, 2, 3],
      truncatedAt: undefined,
      after: [1, 2, 2, 3],
    },
    {
      name: 'a conflict cuts the log there and takes the leader entries',
      log: [1, 2, 2, 2, 2],
      from: 3,
      incoming: [3, 3],
      truncatedAt: 3,
      after: [1, 2, 3, 3],
    },
    {
      name: 'a conflict after matching entries',
      log: [1, 2, 2, 2],
      from: 2,
      incoming: [2, 4],
      truncatedAt: 3,
      after: [1, 2, 4],
    },
  ];
  for (const row of table) {
    it(row.name, () => {
      const log = logOf(row.log);
      assert.equal(log.appendFromLeader(entries(row.incoming, row.from - 1)), row.truncatedAt);
      assert.deepEqual(termsOf(log), row.after);
    });
  }

  it('pulls the stable index back to before a truncation, so the shell rewrites the suffix', () => {
    const log = logOf([1, 2, 2, 2]);
    assert.equal(log.stable, 4);
    log.appendFromLeader(entries([3], 2));
    assert.equal(log.stable, 2);
    assert.deepEqual(
      log.unstable().map((entry) => `${entry.term}/${entry.index}`),
      ['3/3'],
    );
  });

  it('asserts that a conflict never reaches a committed entry (that would be a safety bug)', () => {
    const log = logOf([1, 2, 2], { commit: 3 });
    assert.throws(() => log.appendFromLeader(entries([3], 2)), AssertionError);
  });

  it('asserts that entries do not leave a gap', () => {
    const log = logOf([1, 2]);
    assert.throws(() => log.appendFromLeader(entries([2], 3)), AssertionError);
  });
});

describe('RaftLog.findConflictByTerm', () => {
  // The largest index ≤ `index` whose term is ≤ `term` (etcd's TestFindConflictByTerm idea).
  it('skips a run of newer terms in one step', () => {
    const log = logOf([1, 2, 2, 5, 5, 5]);
    const table: [index: number, term: number, expected: { index: number; term: number }][] = [
      [6, 6, { index: 6, term: 5 }],
      [6, 5, { index: 6, term: 5 }],
      [6, 4, { index: 3, term: 2 }],
      [6, 2, { index: 3, term: 2 }],
      [6, 1, { index: 1, term: 1 }],
      [6, 0, { index: 0, term: 0 }],
      [3, 5, { index: 3, term: 2 }],
      [20, 5, { index: 6, term: 5 }], // beyond the end: starts at the last entry
      [0, 5, { index: 0, term: 0 }],
    ];
    for (const [index, term, expected] of table) {
      assert.deepEqual(log.findConflictByTerm(index, term), expected, `(${index}, ${term})`);
    }
  });

  it('after compaction: the compaction point has a known term; below it the term is unknown (0)', () => {
    // Entries 1..3 are compacted (entry 3 had term 2); 4..6 have term 5.
    const log = logOf([5, 5, 5], { offsetIndex: 3, offsetTerm: 2 });
    assert.deepEqual(log.findConflictByTerm(6, 4), { index: 3, term: 2 });
    assert.deepEqual(log.findConflictByTerm(6, 1), { index: 2, term: 0 });
    // Never an index above the one asked about, even though the log starts at 4.
    assert.deepEqual(log.findConflictByTerm(1, 9), { index: 1, term: 0 });
  });
});

describe('RaftLog.isUpToDate', () => {
  it('compares last terms first, then last indexes (§5.4.1)', () => {
    const log = logOf([1, 2, 2]); // last entry 2/3
    const table: [index: number, term: number, expected: boolean][] = [
      [3, 2, true],
      [4, 2, true],
      [2, 2, false],
      [1, 3, true], // shorter, but a newer last term
      [9, 1, false], // longer, but an older last term
    ];
    for (const [index, term, expected] of table) {
      assert.equal(log.isUpToDate(index, term), expected, `candidate ends at ${term}/${index}`);
    }
  });
});

describe('RaftLog positions', () => {
  it('hands out only persisted committed entries, in order, once', () => {
    const log = logOf([1, 1], { commit: 0 });
    log.append(entries([2, 2], 2));
    assert.equal(log.commitTo(3), true);
    assert.equal(log.commitTo(2), false, 'the commit index never moves back');
    // 3 is committed but only 1..2 are persisted.
    assert.deepEqual(
      log.applicable().map((entry) => entry.index),
      [1, 2],
    );
    log.stable = 4;
    log.applied = 2;
    assert.deepEqual(
      log.applicable().map((entry) => entry.index),
      [3],
    );
  });

  it('compacts only applied entries and keeps the term of the compaction point', () => {
    const log = logOf([1, 2, 2, 3], { commit: 4 });
    assert.throws(() => log.compact(2), AssertionError, 'nothing applied yet');
    log.applied = 3;
    log.compact(3);
    assert.equal(log.firstIndex, 4);
    assert.equal(log.term(3), 2);
    assert.equal(log.term(2), undefined);
    assert.equal(log.entry(3), undefined);
    assert.deepEqual(termsOf(log), [3]);
    log.compact(2); // already compacted: nothing to do
    assert.equal(log.firstIndex, 4);
  });

  it('after restore, only what follows the snapshot is unstable, and nothing applies until it is', () => {
    // A follower that had persisted 1..2 installs a snapshot at 5/3, then gets entry 6.
    const log = logOf([1, 1]);
    log.restore(5, 3);
    assert.equal(log.commit, 5);
    assert.deepEqual(log.unstable(), []);
    log.appendFromLeader(entries([3], 5));
    assert.deepEqual(
      log.unstable().map((entry) => entry.index),
      [6],
    );
    assert.deepEqual(log.applicable(), [], 'the snapshot has not been applied yet');
    // The shell persisted and applied the snapshot (Raft.advance moves these).
    log.stable = 6;
    log.applied = 5;
    log.commitTo(6);
    assert.deepEqual(
      log.applicable().map((entry) => entry.index),
      [6],
    );
  });
});
