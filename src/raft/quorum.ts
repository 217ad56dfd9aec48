/**
 * Majority arithmetic (etcd quorum/majority.go), as pure functions with table tests.
 */

/** How many of `voters` make a majority. */
export function quorumSize(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/**
 * The highest index replicated on a majority, given each voter's match index: sort descending
 * and take the quorum-th value. With no voters nothing can commit (0).
 */
export function majorityMatchIndex(matchIndexes: readonly number[]): number {
  if (matchIndexes.length === 0) return 0;
  const sorted = [...matchIndexes].sort((a, b) => b - a);
  return sorted[quorumSize(sorted.length) - 1] as number;
}

export const VoteOutcome = { won: 'won', lost: 'lost', pending: 'pending' } as const;
export type VoteOutcome = (typeof VoteOutcome)[keyof typeof VoteOutcome];

/** An election's result so far, given the granted and refused counts among `voters`. */
export function tallyVotes(voters: number, granted: number, refused: number): VoteOutcome {
  const needed = quorumSize(voters);
  if (granted >= needed) return VoteOutcome.won;
  if (voters - refused < needed) return VoteOutcome.lost;
  return VoteOutcome.pending;
}
