import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { majorityMatchIndex, quorumSize, tallyVotes, VoteOutcome } from './quorum.ts';

describe('quorum', () => {
  it('needs a strict majority of voters', () => {
    const table: [number, number][] = [
      [1, 1],
      [2, 2],
      [3, 2],
      [4, 3],
      [5, 3],
      [7, 4],
    ];
    for (const [voters, size] of table) assert.equal(quorumSize(voters), size, `${voters} voters`);
  });

  it('commits the highest index a majority has', () => {
    const table: [number[], number][] = [
      [[], 0],
      [[5], 5],
      [[5, 3], 3],
      [[5, 3, 1], 3],
      [[1, 5, 3], 3],
      [[2, 2, 9, 9], 2],
      [[9, 9, 9, 1, 1], 9],
      [[7, 1, 1, 1, 9], 1],
    ];
    for (const [matches, expected] of table) {
      assert.equal(majorityMatchIndex(matches), expected, JSON.stringify(matches));
    }
  });

  it('decides an election as soon as the outcome is certain', () => {
    assert.equal(tallyVotes(1, 1, 0), VoteOutcome.won);
    assert.equal(tallyVotes(3, 1, 0), VoteOutcome.pending);
    assert.equal(tallyVotes(3, 2, 0), VoteOutcome.won);
    assert.equal(tallyVotes(3, 1, 1), VoteOutcome.pending);
    assert.equal(tallyVotes(3, 1, 2), VoteOutcome.lost);
    assert.equal(tallyVotes(4, 2, 2), VoteOutcome.lost);
    assert.equal(tallyVotes(5, 2, 2), VoteOutcome.pending);
  });
});
