import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runRaftSimulation, type Scenario } from '../../src/sim/raft-simulation.ts';

// The simulation's checkers are only worth something if they catch real bugs. These tests switch
// on deliberate bugs in the core (RaftOptions.unsafe) and require the simulation to fail.

/**
 * The thesis's Figure 3.7 (Raft paper Fig. 8) on three servers: an entry of an old term that
 * reaches a majority is not committed by counting replicas, because a server with a newer last
 * term can still win an election and overwrite it.
 */
const figure37: Scenario = async (cluster) => {
  const term = (id: string) => cluster.raft(id)?.term ?? 0;
  assert.ok(await cluster.runUntil(() => cluster.leader() !== undefined, 5_000), 'no first leader');
  const first = cluster.leader() as string;
  const [a, b] = cluster.ids.filter((id) => id !== first) as [string, string];
  // Let the first leader's no-op commit everywhere, then cut it off with one unreplicated entry.
  const ready = () =>
    cluster.ids.every((id) => cluster.raft(id)?.commitIndex === cluster.raft(first)?.lastIndex);
  assert.ok(await cluster.runUntil(ready, 5_000), 'first term never settled');
  cluster.isolate(first);
  cluster.write(first, 'x', 'old-term');
  const entryIndex = cluster.raft(first)?.lastIndex ?? 0;
  // The others elect a leader, which appends its no-op at the same index, and is cut off at once.
  const firstTerm = term(first);
  assert.ok(
    await cluster.runUntil(
      () =>
        cluster.leader() !== undefined &&
        cluster.leader() !== first &&
        term(cluster.leader() as string) > firstTerm,
      5_000,
    ),
    'no second leader',
  );
  const second = cluster.leader() as string;
  const third = second === a ? b : a;
  cluster.isolate(second);
  // The first server comes back with only the third: it wins a later term and copies its
  // old-term entry there, one entry per message (maxAppendEntries = 1).
  cluster.connect(first, third);
  // Wait until the first server, leading again, either counts the old-term entry as committed
  // (only the bug does) or gets its own no-op onto the third server (the correct path).
  const decided = () => {
    const leader = cluster.raft(first);
    if (leader?.role !== 'leader') return false;
    const noopCopied = cluster.raft(third)?.termAt(entryIndex + 1) === leader.term;
    return leader.commitIndex >= entryIndex || noopCopied;
  };
  assert.ok(await cluster.runUntil(decided, 10_000), 'the first server never led again');
  // Crash it there, with whatever it has in flight.
  cluster.isolate(first);
  cluster.crash(first);
  // The second server, whose last entry has a newer term, wins with the third's vote.
  cluster.connect(second, third);
  await cluster.runUntil(
    () => cluster.leader() === second && (cluster.raft(second)?.commitIndex ?? 0) > entryIndex,
    10_000,
  );
};

describe('injected bugs', () => {
  it('the Figure 3.7 scenario passes with the current-term commit rule', async () => {
    const result = await runRaftSimulation({ seed: 1, maxAppendEntries: 1 }, figure37);
    assert.equal(result.ok, true, result.failure);
  });

  it('fails when the leader commits an old-term entry by counting replicas', async () => {
    const result = await runRaftSimulation(
      { seed: 1, maxAppendEntries: 1, unsafe: { commitPreviousTermEntries: true } },
      figure37,
    );
    assert.equal(result.ok, false, 'the simulation missed a leader committing an old-term entry');
    assert.match(result.failure ?? '', /committed entry|leader completeness|not linearizable|diverged/);
  });

  it('fails when a leader answers reads without confirming its leadership', async () => {
    const failures: number[] = [];
    for (let seed = 1; seed <= 10 && failures.length === 0; seed++) {
      const result = await runRaftSimulation({
        seed,
        durationMs: 6_000,
        unsafe: { readWithoutQuorum: true },
      });
      if (!result.ok) {
        assert.match(result.failure ?? '', /not linearizable/);
        failures.push(seed);
      }
    }
    assert.ok(failures.length > 0, 'no seed in 1..10 caught stale reads from a deposed leader');
  });
});
