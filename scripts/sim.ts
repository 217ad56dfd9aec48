// Runs the seeded Raft cluster simulation (src/sim/raft-simulation.ts).
//   npm run sim -- --seed 42              replay one run exactly, printing its statistics
//   npm run sim -- --seeds 1..500         run a range; prints every failing seed
//   npm run sim -- --seeds 1..50 --servers 5 --duration 20000 --bug commit|read
// A failure prints the seed and the command that replays it.
import { runRaftSimulation, type SimulationOptions } from '../src/sim/raft-simulation.ts';

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const seedFlag = flag('seed');
const range = flag('seeds') ?? (seedFlag !== undefined ? `${seedFlag}..${seedFlag}` : '1..100');
const [first, last] = range.split('..').map(Number) as [number, number];
const bug = flag('bug');
const base: Omit<SimulationOptions, 'seed'> = {
  servers: Number(flag('servers') ?? 3),
  durationMs: Number(flag('duration') ?? 10_000),
};
if (bug === 'commit') base.unsafe = { commitPreviousTermEntries: true };
else if (bug === 'read') base.unsafe = { readWithoutQuorum: true };
else if (bug !== undefined) throw new Error(`--bug must be commit or read, not ${bug}`);

const failures: number[] = [];
const started = Date.now();
for (let seed = first; seed <= last; seed++) {
  const result = await runRaftSimulation({ ...base, seed });
  if (first === last || !result.ok) {
    console.log(`seed ${seed}: ${result.ok ? 'ok' : 'FAILED'} ${JSON.stringify(result.stats)}`);
  }
  if (!result.ok) {
    failures.push(seed);
    console.log(result.failure);
    console.log(
      `replay: npm run sim -- --seed ${seed} --servers ${base.servers} --duration ${base.durationMs}${bug ? ` --bug ${bug}` : ''}`,
    );
  }
}
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(
  `${last - first + 1} runs, ${failures.length} failed${failures.length > 0 ? ` (seeds ${failures.join(', ')})` : ''}, ${seconds} s`,
);
process.exit(failures.length > 0 ? 1 : 0);
