import assert from 'node:assert/strict';
import { runRaftSimulation } from '../../src/sim/raft-simulation.ts';

// The simulation budget: SIM_SEEDS randomized runs (default 500, split over the shards in this
// folder so they run in parallel). A failure names the seed; replay it with
// `npm run sim -- --seed N`.
export const SHARDS = 4;

export async function runShard(shard: number): Promise<void> {
  const seeds = Number(process.env.SIM_SEEDS ?? 500);
  const failures: string[] = [];
  for (let seed = shard + 1; seed <= seeds; seed += SHARDS) {
    const servers = seed % 5 === 0 ? 5 : 3;
    const result = await runRaftSimulation({ seed, servers, durationMs: 6_000 });
    if (!result.ok) {
      failures.push(
        `seed ${seed} (${servers} servers): ${result.failure}\n  replay: npm run sim -- --seed ${seed} --servers ${servers} --duration 6000`,
      );
      if (failures.length >= 3) break;
    }
  }
  assert.deepEqual(failures, [], failures.join('\n'));
}
