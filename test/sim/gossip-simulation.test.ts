import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type GossipSimulationOptions,
  type GossipSimulationResult,
  runGossipPoolSimulation,
} from '../../src/sim/gossip-simulation.ts';

// The numbers: a 1,000-node pool (the real Memberlist on every node, seeded, one
// process) must converge after joining, detect a failure at every survivor, and never mark a
// live node dead under 5% packet loss with Lifeguard on. Then the same properties over many
// seeds of a small pool. A failure names the seed and the replay command.
const LARGE: GossipSimulationOptions = { seed: 7, nodes: 1000, loss: 0.05 };

function explain(result: GossipSimulationResult): string {
  return `seed ${result.seed}, ${result.nodes} nodes:\n  ${result.failures.join('\n  ')}\n  replay: ${result.replay}`;
}

// One run serves the four tests below; started by the first that needs it, so that a
// --test-name-pattern selecting only the sweep does not pay for it.
let largeRun: Promise<GossipSimulationResult> | undefined;
const large = (): Promise<GossipSimulationResult> => (largeRun ??= runGossipPoolSimulation(LARGE));

describe('a 1,000-node pool', () => {
  test('converges: every node lists every other alive', async () => {
    const result = await large();
    assert.ok(result.join.converged, explain(result));
    assert.equal(result.join.joinErrors, 0, explain(result));
    // Staggered joins take 10 s; dissemination after the last one is a few rounds, not minutes.
    assert.ok(
      result.join.afterLastJoinMs < 60_000,
      `converged only ${result.join.afterLastJoinMs} ms after the last join\n${explain(result)}`,
    );
  });

  test('5% packet loss with Lifeguard: no live node is ever marked dead', async () => {
    const result = await large();
    assert.ok(result.loss !== undefined, explain(result));
    assert.equal(result.loss.falseFailures, 0, explain(result));
    // The loss is real: direct acks are lost and the indirect path is needed (otherwise this test
    // proves nothing). Whole probes rarely fail (direct, 3 indirect and TCP must all be lost);
    // when they do, the suspicion must be refuted, never turn into a death.
    assert.ok(
      result.loss.indirectProbes > 100,
      `only ${result.loss.indirectProbes} probes lost their direct ack under 5% loss\n${explain(result)}`,
    );
  });

  test('a node that goes down is marked dead by every survivor, and nobody else is', async () => {
    const result = await large();
    assert.ok(result.failure !== undefined, explain(result));
    assert.equal(result.failure.detectedBy, result.failure.survivors, explain(result));
    // Suspicion needs ≥ the minimum timeout (4 × log10(1000) × 1 s = 12 s) before anyone declares it.
    assert.ok(
      result.failure.firstMs >= 12_000,
      `declared dead after ${result.failure.firstMs} ms, before the suspicion minimum`,
    );
    assert.deepEqual(result.falseFailures, [], explain(result));
  });

  test('the node restarts, refutes its death and is alive everywhere again', async () => {
    const result = await large();
    assert.ok(result.refute?.recovered, explain(result));
    assert.ok(result.refute.incarnation > 1, explain(result));
    assert.ok(result.ok, explain(result));
  });
});

test('20 seeds × 20 nodes: convergence, detection by every survivor, no false failure under loss, refutation', async () => {
  const failures: string[] = [];
  for (let seed = 1; seed <= 20; seed++) {
    const result = await runGossipPoolSimulation({ seed, nodes: 20, loss: 0.05, lossDurationMs: 30_000 });
    if (!result.ok) failures.push(explain(result));
    if (failures.length >= 3) break;
  }
  assert.deepEqual(failures, [], failures.join('\n'));
});
