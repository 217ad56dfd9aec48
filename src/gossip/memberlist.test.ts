import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GossipAddress } from '../ports/gossip-transport.ts';
import { silentLogger } from '../ports/logger.ts';
import { addressKey, runGossipSimulation, SimGossipNetwork } from '../sim/gossip-network.ts';
import { SimScheduler } from '../sim/scheduler.ts';
import { SeededRandom } from '../sim/seeded-random.ts';
import { BroadcastQueue, retransmitLimit } from './broadcast-queue.ts';
import { LAN_PROFILE, type TimingProfile } from './config.ts';
import type { MemberlistDelegate, NodeStateName, NodeView } from './delegate.ts';
import { Memberlist, pushPullIntervalMs } from './memberlist.ts';
import { addressBytes, hostOf } from './node-table.ts';
import { PacketCodec } from './packet.ts';
import { suspicionTimeoutMs, suspicionTimeouts } from './suspicion.ts';

// Whole pools of real Memberlists on the simulated network. A failure prints the seed; rerun
// one scenario with GOSSIP_SEED=<n>.

interface SimNode {
  name: string;
  address: GossipAddress;
  memberlist: Memberlist;
  /** Every notifyLeave seen, as `name:state`. */
  leaves: string[];
}

class Pool {
  readonly scheduler = new SimScheduler();
  readonly random: SeededRandom;
  readonly network: SimGossipNetwork;
  readonly nodes: SimNode[] = [];

  constructor(
    readonly seed: number,
    options: { lossRate?: number; profile?: TimingProfile } = {},
    private readonly profile = options.profile ?? LAN_PROFILE,
  ) {
    this.random = new SeededRandom(seed);
    this.network = new SimGossipNetwork(this.scheduler, new SeededRandom(seed * 7 + 1), {
      minLatencyMs: 1,
      maxLatencyMs: 10,
      lossRate: options.lossRate ?? 0,
    });
  }

  async add(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const index = this.nodes.length;
      const address = { host: `10.1.${(index + 1) >> 8}.${(index + 1) & 255}`, port: 8301 };
      const name = `node-${index}`;
      const leaves: string[] = [];
      const random = new SeededRandom(this.seed * 1000 + index + 1);
      const memberlist = new Memberlist({
        name,
        advertise: address,
        profile: this.profile,
        transport: this.network.transport(address),
        codec: new PacketCodec({ compress: true, random }),
        clock: this.scheduler.clock(),
        random,
        logger: silentLogger,
        delegate: recordingDelegate(leaves),
      });
      await memberlist.start();
      this.nodes.push({ name, address, memberlist, leaves });
    }
  }

  async joinAllTo(seed: SimNode): Promise<void> {
    const joins = this.nodes
      .filter((node) => node !== seed)
      .map((node) => node.memberlist.join([{ address: seed.address }]));
    await this.runFor(2000);
    for (const result of await Promise.all(joins)) assert.equal(result.joined, 1, result.errors.join('; '));
  }

  get nowMs(): number {
    return this.scheduler.nowMs;
  }

  async runFor(ms: number): Promise<void> {
    await runGossipSimulation(this.scheduler, this.scheduler.nowMs + ms);
  }

  /** Runs until `condition` holds (checked every 50 ms), or fails after `maxMs`; returns the time taken. */
  async runUntil(condition: () => boolean, maxMs: number, what: string): Promise<number> {
    const start = this.scheduler.nowMs;
    while (!condition()) {
      if (this.scheduler.nowMs - start > maxMs)
        assert.fail(`seed ${this.seed}: ${what} not within ${maxMs} ms`);
      const untilMs = this.scheduler.nowMs + 50;
      this.scheduler.at(untilMs, () => {}); // time moves on even when nothing is due
      await runGossipSimulation(this.scheduler, untilMs);
    }
    return this.scheduler.nowMs - start;
  }

  stateOf(observer: SimNode, subject: SimNode): NodeStateName | undefined {
    return observer.memberlist.node(subject.name)?.state;
  }

  everyoneElseSees(subject: SimNode, state: NodeStateName, among: SimNode[] = this.nodes): boolean {
    return among.every((observer) => observer === subject || this.stateOf(observer, subject) === state);
  }

  async shutdown(): Promise<void> {
    for (const node of this.nodes) await node.memberlist.shutdown();
  }
}

function recordingDelegate(leaves: string[]): MemberlistDelegate {
  return {
    nodeMeta: () => Uint8Array.of(0xff, 0x80),
    notifyUserMessage: () => {},
    broadcasts: () => [],
    localState: () => new Uint8Array(),
    mergeRemoteState: () => {},
    ackPayload: () => null,
    notifyPingComplete: () => {},
    notifyJoin: () => {},
    notifyLeave: (node: NodeView) => leaves.push(`${node.name}:${node.state}`),
    notifyUpdate: () => {},
    notifyConflict: () => {},
  };
}

const seed = Number(process.env.GOSSIP_SEED ?? 42);

describe('memberlist formulas', () => {
  it('suspicion timeouts follow the reference §7.3 table', () => {
    const lan = (n: number) => suspicionTimeouts(LAN_PROFILE, n);
    assert.deepEqual(lan(2), { minMs: 4000, maxMs: 24000, confirmationsWanted: 0 });
    assert.deepEqual(lan(3), { minMs: 4000, maxMs: 24000, confirmationsWanted: 0 });
    assert.deepEqual(lan(5), { minMs: 4000, maxMs: 24000, confirmationsWanted: 2 });
    assert.deepEqual(lan(100), { minMs: 8000, maxMs: 48000, confirmationsWanted: 2 });
    assert.equal(suspicionTimeoutMs(lan(2), 0), 4000);
    assert.equal(suspicionTimeoutMs(lan(5), 0), 24000);
    assert.equal(suspicionTimeoutMs(lan(5), 1), 11381);
    assert.equal(suspicionTimeoutMs(lan(5), 2), 4000);
  });

  it('retransmit limit and push/pull scaling', () => {
    assert.equal(retransmitLimit(4, 9), 4);
    assert.equal(retransmitLimit(4, 10), 8);
    assert.equal(retransmitLimit(4, 99), 8);
    assert.equal(pushPullIntervalMs(30_000, 32), 30_000);
    assert.equal(pushPullIntervalMs(30_000, 33), 60_000);
    assert.equal(pushPullIntervalMs(30_000, 64), 60_000);
    assert.equal(pushPullIntervalMs(30_000, 65), 90_000);
  });

  it('broadcast queue: fewest transmits first, then larger, then newer; newer about a node invalidates', () => {
    const finished: string[] = [];
    const queue = new BroadcastQueue(1, () => 9); // limit 1 transmit
    const bytes = (text: string) => new TextEncoder().encode(text);
    queue.queue({ node: 'a', message: bytes('a1'), onFinished: () => finished.push('a1') });
    queue.queue({ node: 'b', message: bytes('b-long') });
    queue.queue({ node: 'c', message: bytes('c1') });
    queue.queue({ node: 'a', message: bytes('a2') });
    assert.deepEqual(finished, ['a1']);
    const taken = queue.take(2, 100).map((message) => new TextDecoder().decode(message));
    assert.deepEqual(taken, ['b-long', 'a2', 'c1']);
    assert.equal(queue.length, 0);
    queue.queue({ node: 'x', message: bytes('x'.repeat(50)) });
    queue.queue({ node: 'y', message: bytes('y') });
    assert.deepEqual(queue.take(2, 10).length, 1, 'skips what does not fit, takes what does');
    assert.equal(queue.length, 1);
  });

  it('addresses round-trip between text and Addr bytes', () => {
    assert.deepEqual([...addressBytes('127.0.0.1')], [127, 0, 0, 1]);
    assert.equal(hostOf(addressBytes('10.1.2.3')), '10.1.2.3');
    assert.equal(addressBytes('::1').length, 16);
    assert.equal(hostOf(addressBytes('fd00::1')), 'fd00::1');
  });
});

describe('memberlist pool on the simulated network', () => {
  it('12 nodes join one seed and converge to all alive everywhere', async () => {
    const pool = new Pool(seed);
    await pool.add(12);
    const [first] = pool.nodes;
    assert.ok(first);
    await pool.joinAllTo(first);
    const took = await pool.runUntil(
      () => pool.nodes.every((node) => node.memberlist.numAlive() === 12),
      30_000,
      'convergence',
    );
    assert.ok(took < 10_000, `converged after ${took} ms`);
    for (const node of pool.nodes) assert.equal(node.memberlist.members().length, 12);
    await pool.shutdown();
  });

  it('periodic push/pull as memberlist: none in the first interval, then one per interval', async () => {
    // memberlist waits a random stagger plus a whole interval before the first one (1–2
    // intervals in), so a pool just formed does about half its steady-state TCP exchanges.
    const pool = new Pool(seed + 4);
    await pool.add(6);
    await pool.joinAllTo(pool.nodes[0] as SimNode);
    const joins = pool.nodes.map((node) => (node === pool.nodes[0] ? 0 : 1));
    const periodic = () => pool.nodes.map((node, i) => node.memberlist.stats.streamsSent - (joins[i] ?? 0));
    await pool.runFor(LAN_PROFILE.pushPullIntervalMs - 1 - pool.nowMs);
    assert.deepEqual(periodic(), [0, 0, 0, 0, 0, 0], 'none in the first interval');
    await pool.runFor(3 * LAN_PROFILE.pushPullIntervalMs - 1 - pool.nowMs);
    assert.deepEqual(periodic(), [2, 2, 2, 2, 2, 2], 'one per interval after the first');
    await pool.shutdown();
  });

  it('a down node is marked failed by every other node; back up it refutes and is alive again', async () => {
    const pool = new Pool(seed + 1);
    await pool.add(8);
    await pool.joinAllTo(pool.nodes[0] as SimNode);
    await pool.runFor(5_000);
    const victim = pool.nodes[5] as SimNode;
    pool.network.down(addressKey(victim.address));
    const detectedMs = await pool.runUntil(
      () => pool.everyoneElseSees(victim, 'dead'),
      40_000,
      'failure detection',
    );
    // n = 8: a first failed probe within ~1–2 s, then suspicion between min 4 s and max 24 s,
    // shortened by confirmations from the other probers.
    if (process.env.GOSSIP_VERBOSE) console.log({ detectedMs });
    assert.ok(detectedMs >= 4_000 && detectedMs <= 30_000, `detected after ${detectedMs} ms`);
    for (const node of pool.nodes)
      if (node !== victim) assert.ok(node.leaves.includes(`${victim.name}:dead`));

    pool.network.up(addressKey(victim.address));
    const backMs = await pool.runUntil(() => pool.everyoneElseSees(victim, 'alive'), 40_000, 'recovery');
    assert.ok(victim.memberlist.localNode().incarnation > 1, 'the victim refuted with a higher incarnation');
    assert.ok(victim.memberlist.stats.refutations >= 1);
    if (process.env.GOSSIP_VERBOSE)
      console.log({ backMs, incarnation: victim.memberlist.localNode().incarnation });
    assert.ok(backMs < 35_000, `alive again after ${backMs} ms`);
    await pool.shutdown();
  });

  it('a graceful leave shows as left everywhere, not failed', async () => {
    const pool = new Pool(seed + 2);
    await pool.add(6);
    await pool.joinAllTo(pool.nodes[0] as SimNode);
    await pool.runFor(3_000);
    const leaver = pool.nodes[3] as SimNode;
    let left = false;
    void leaver.memberlist.leave(5_000).then(() => {
      left = true;
    });
    await pool.runUntil(() => left, 5_000, 'leave broadcast');
    await leaver.memberlist.shutdown();
    await pool.runUntil(() => pool.everyoneElseSees(leaver, 'left'), 5_000, 'leave seen');
    await pool.runFor(30_000);
    assert.ok(
      pool.everyoneElseSees(leaver, 'left') ||
        pool.nodes.every((node) => node === leaver || pool.stateOf(node, leaver) === undefined),
    );
    for (const node of pool.nodes)
      assert.ok(!node.leaves.includes(`${leaver.name}:dead`), `${node.name} saw it fail`);
    await pool.shutdown();
  });

  it('under 5% packet loss no live node is marked dead over 10 virtual minutes', async () => {
    const pool = new Pool(seed + 3, { lossRate: 0.05 });
    await pool.add(15);
    await pool.joinAllTo(pool.nodes[0] as SimNode);
    await pool.runFor(10 * 60_000);
    const falseDeaths = pool.nodes.flatMap((node) => node.leaves.map((leave) => `${node.name} saw ${leave}`));
    assert.deepEqual(falseDeaths, [], `seed ${pool.seed}`);
    for (const node of pool.nodes) assert.equal(node.memberlist.numAlive(), 15);
    const refutations = pool.nodes.reduce((sum, node) => sum + node.memberlist.stats.refutations, 0);
    const failedProbes = pool.nodes.reduce((sum, node) => sum + node.memberlist.stats.probesFailed, 0);
    if (process.env.GOSSIP_VERBOSE)
      console.log({
        failedProbes,
        refutations,
        stats: pool.network.stats,
        node0: pool.nodes[0]?.memberlist.stats,
      });
    assert.ok(failedProbes < 50, `failed probes ${failedProbes}, refutations ${refutations}`);
    await pool.shutdown();
  });
});
