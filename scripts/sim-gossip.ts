// Runs the seeded gossip-pool simulation (src/sim/gossip-simulation.ts).
//   npm run sim:gossip -- --nodes 1000 --seed 7              one run, all scenarios, with a summary
//   npm run sim:gossip -- --nodes 1000 --seed 7 --loss 0.05  packet loss in the steady-state scenario
//   npm run sim:gossip -- --nodes 20 --seeds 1..50           a range; prints every failing seed
//   --scenarios join,loss,failure,refute  (join always runs)   --loss-duration MS (default 60000)
//   --profile lan|wan|local   --json (print the result objects)
// A failure prints the seed and the command that replays it; the exit code is 1.
import { PROFILES, type ProfileName } from '../src/gossip/config.ts';
import {
  formatSeconds,
  GOSSIP_SCENARIOS,
  type GossipScenario,
  type GossipSimulationOptions,
  type GossipSimulationResult,
  runGossipPoolSimulation,
} from '../src/sim/gossip-simulation.ts';

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const seedFlag = flag('seed');
const range = flag('seeds') ?? `${seedFlag ?? 1}..${seedFlag ?? 1}`;
const [first, last] = range.split('..').map(Number) as [number, number];
const profileName = (flag('profile') ?? 'lan') as ProfileName;
if (!(profileName in PROFILES)) throw new Error(`--profile must be lan, wan or local, not ${profileName}`);
const scenarios = flag('scenarios')
  ?.split(',')
  .map((name) => {
    if (!GOSSIP_SCENARIOS.includes(name as GossipScenario))
      throw new Error(`--scenarios: unknown "${name}"; expected some of ${GOSSIP_SCENARIOS.join(',')}`);
    return name as GossipScenario;
  });
const base: Omit<GossipSimulationOptions, 'seed'> = {
  nodes: Number(flag('nodes') ?? 100),
  ...(flag('loss') === undefined ? {} : { loss: Number(flag('loss')) }),
  ...(flag('loss-duration') === undefined ? {} : { lossDurationMs: Number(flag('loss-duration')) }),
  ...(scenarios === undefined ? {} : { scenarios }),
  ...(profileName === 'lan' ? {} : { profile: PROFILES[profileName] }),
};
const json = process.argv.includes('--json');
const single = first === last;

const failed: number[] = [];
const started = Date.now();
for (let seed = first; seed <= last; seed++) {
  const result = await runGossipPoolSimulation({
    ...base,
    seed,
    ...(single ? { log: (line: string) => console.error(line) } : {}),
  });
  if (json) console.log(JSON.stringify(result));
  else if (single) console.log(summary(result));
  if (!result.ok) {
    failed.push(seed);
    console.log(`seed ${seed}: FAILED\n  ${result.failures.join('\n  ')}\n  replay: ${result.replay}`);
  }
}
if (!single)
  console.log(
    `${last - first + 1} runs of ${base.nodes} nodes, ${failed.length} failed${failed.length > 0 ? ` (seeds ${failed.join(', ')})` : ''}, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
process.exit(failed.length > 0 ? 1 : 0);

function summary(result: GossipSimulationResult): string {
  const lines = [
    `gossip simulation: ${result.nodes} nodes, seed ${result.seed}, ${profileName} profile: ${result.ok ? 'ok' : 'FAILED'}`,
  ];
  const { join, loss, failure, refute, stats } = result;
  lines.push(
    `  join      ${join.converged ? 'converged' : 'NOT converged'} in ${formatSeconds(join.virtualMs)} virtual = ${join.rounds} gossip rounds (${formatSeconds(join.afterLastJoinMs)} after the last join); ${join.joinErrors} join errors [${formatSeconds(join.wallMs)} wall]`,
  );
  if (loss !== undefined)
    lines.push(
      `  loss      ${(loss.loss * 100).toFixed(1)}% for ${formatSeconds(loss.durationMs)}: ${loss.suspicions} failed probes, ${loss.refutations} refutations, ${loss.falseFailures} live nodes marked dead [${formatSeconds(loss.wallMs)} wall]`,
    );
  if (failure !== undefined)
    lines.push(
      `  failure   ${failure.victim} down → dead at ${failure.detectedBy}/${failure.survivors} survivors: first ${formatSeconds(failure.firstMs)}, median ${formatSeconds(failure.medianMs)}, last ${formatSeconds(failure.lastMs)} (${failure.rounds} gossip rounds) [${formatSeconds(failure.wallMs)} wall]`,
    );
  if (refute !== undefined)
    lines.push(
      `  refute    ${refute.node} restarted → alive everywhere ${refute.recovered ? `after ${formatSeconds(refute.aliveEverywhereMs)}` : 'NEVER'}, incarnation ${refute.incarnation} [${formatSeconds(refute.wallMs)} wall]`,
    );
  lines.push(
    `  ${stats.events.toLocaleString('en-US')} events, ${formatSeconds(stats.virtualMs)} virtual in ${formatSeconds(stats.wallMs)} wall; ${stats.packetsSent.toLocaleString('en-US')} packets (${(stats.bytesSent / 2 ** 20).toFixed(1)} MiB) sent, ${stats.packetsDropped.toLocaleString('en-US')} dropped, ${stats.streamsFailedByLoss} streams lost to handshake loss`,
  );
  if (!result.ok) lines.push(`  replay: ${result.replay}`);
  return lines.join('\n');
}
