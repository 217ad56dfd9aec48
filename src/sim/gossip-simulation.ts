/**
 * A seeded simulation of an N-node gossip pool in one process: the real `Memberlist` (SWIM +
 * Lifeguard, src/gossip/memberlist.ts) on every node, over `SimGossipNetwork` on one
 * `SimScheduler`, so a run is a function of its seed. Four scenarios, in this order, on one pool:
 *
 *  join     nodes join through a few seeds (staggered); time and gossip rounds until every node
 *           lists every other alive;
 *  loss     with packet loss (default 5%) and Lifeguard on, a long steady period in which no live
 *           node may ever be marked dead (suspicions are allowed and counted);
 *  failure  one node's network goes down; time until every survivor marks it dead (first, median,
 *           last) — and nobody else is marked dead;
 *  refute   the failed node restarts (same name and address, incarnation 1) and rejoins; the
 *           pool's push/pull tells it it is dead, it refutes with a higher incarnation, and every
 *           node lists it alive again.
 *
 * Membership views are tracked from the delegate's join/leave notifications (a bit per
 * observer × subject), so checking "everyone sees everyone" is O(1) per event; the end of each
 * scenario re-checks it against `members()`.
 */
import type { TimingProfile } from '../gossip/config.ts';
import { LAN_PROFILE } from '../gossip/config.ts';
import type { MemberlistDelegate, NodeView } from '../gossip/delegate.ts';
import { Memberlist } from '../gossip/memberlist.ts';
import { PacketCodec } from '../gossip/packet.ts';
import type { GossipAddress } from '../ports/gossip-transport.ts';
import { silentLogger } from '../ports/logger.ts';
import { TcpHandshakeLoss } from './gossip-faults.ts';
import { addressKey, SimGossipNetwork } from './gossip-network.ts';
import { SimScheduler } from './scheduler.ts';
import { SeededRandom } from './seeded-random.ts';

export type GossipScenario = 'join' | 'loss' | 'failure' | 'refute';
export const GOSSIP_SCENARIOS: readonly GossipScenario[] = ['join', 'loss', 'failure', 'refute'];

export interface GossipSimulationOptions {
  seed: number;
  nodes: number;
  /** Which scenarios to run after the join (which always runs). Default: all. */
  scenarios?: readonly GossipScenario[];
  /** Packet loss during the `loss` scenario (default 0.05). */
  loss?: number;
  /** Virtual length of the `loss` scenario (default 60 s). */
  lossDurationMs?: number;
  /** Nodes everyone else joins through (default 3). */
  seedNodes?: number;
  /** Gap between two consecutive joins (default 10 ms: 1,000 nodes in 10 virtual seconds). */
  joinIntervalMs?: number;
  profile?: TimingProfile;
  /** Deadline per scenario, virtual (default 300 s). */
  deadlineMs?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface JoinResult {
  converged: boolean;
  /** From the first join to the moment every node listed every other alive. */
  virtualMs: number;
  /** From the last node's join call to convergence. */
  afterLastJoinMs: number;
  /** `virtualMs` in gossip intervals. */
  rounds: number;
  joinErrors: number;
  /** Nodes still missing someone at the deadline (0 when converged). */
  nodesShort: number;
  wallMs: number;
}

export interface FailureResult {
  victim: string;
  survivors: number;
  /** Survivors that marked the victim dead by the deadline. */
  detectedBy: number;
  firstMs: number;
  medianMs: number;
  lastMs: number;
  /** Detection time (last) in gossip intervals. */
  rounds: number;
  wallMs: number;
}

export interface FalseFailure {
  observer: string;
  subject: string;
  atMs: number;
  scenario: GossipScenario;
}

export interface LossResult {
  loss: number;
  durationMs: number;
  /** Probes whose direct ack was lost, so the indirect and TCP paths were needed. */
  indirectProbes: number;
  /** Failed probes (each one starts or confirms a suspicion). */
  suspicions: number;
  refutations: number;
  falseFailures: number;
  wallMs: number;
}

export interface RefuteResult {
  node: string;
  /** From the restart to every survivor listing it alive again. */
  aliveEverywhereMs: number;
  /** The restarted node's incarnation afterwards (> 1 means it refuted). */
  incarnation: number;
  recovered: boolean;
  wallMs: number;
}

export interface GossipSimulationResult {
  ok: boolean;
  seed: number;
  nodes: number;
  failures: string[];
  join: JoinResult;
  loss?: LossResult;
  failure?: FailureResult;
  refute?: RefuteResult;
  falseFailures: FalseFailure[];
  stats: {
    events: number;
    virtualMs: number;
    wallMs: number;
    packetsSent: number;
    bytesSent: number;
    packetsDropped: number;
    /** Streams whose TCP handshake outlasted their timeout under loss. */
    streamsFailedByLoss: number;
  };
  /** The command that replays this run. */
  replay: string;
}

const EMPTY = new Uint8Array(0);

/** One simulated node: its address, its live Memberlist and what it currently sees. */
interface SimNode {
  index: number;
  name: string;
  address: GossipAddress;
  memberlist: Memberlist;
  /** Network reachable (false = partitioned away / crashed). */
  up: boolean;
  /** Bumped on every restart, so a dead instance's late notifications are ignored. */
  generation: number;
}

export async function runGossipPoolSimulation(
  options: GossipSimulationOptions,
): Promise<GossipSimulationResult> {
  return new GossipSimulation(options).run();
}

/** The replay command for a run with these options. */
export function gossipReplayCommand(options: GossipSimulationOptions): string {
  const parts = [`npm run sim:gossip -- --nodes ${options.nodes} --seed ${options.seed}`];
  if (options.loss !== undefined) parts.push(`--loss ${options.loss}`);
  if (options.scenarios !== undefined) parts.push(`--scenarios ${options.scenarios.join(',')}`);
  if (options.lossDurationMs !== undefined) parts.push(`--loss-duration ${options.lossDurationMs}`);
  return parts.join(' ');
}

class GossipSimulation {
  private readonly scheduler = new SimScheduler();
  private readonly network: SimGossipNetwork;
  private readonly handshakeLoss: TcpHandshakeLoss;
  private readonly profile: TimingProfile;
  private readonly n: number;
  private readonly nodes: SimNode[] = [];
  private readonly indexByName = new Map<string, number>();
  /** alive[observer * n + subject]: observer currently lists subject alive. */
  private readonly alive: Uint8Array;
  /** How many others each node lists alive. */
  private readonly aliveCount: Int32Array;
  /** How many nodes list every other alive; the pool has converged when this is n. */
  private complete = 0;
  private scenario: GossipScenario = 'join';
  private readonly falseFailures: FalseFailure[] = [];
  private readonly failures: string[] = [];
  /** Set during `failure`: when each observer marked the victim dead. */
  private deadSeenAt: Float64Array | undefined;
  private victim = -1;
  private readonly log: (line: string) => void;

  constructor(private readonly options: GossipSimulationOptions) {
    this.n = options.nodes;
    this.profile = options.profile ?? LAN_PROFILE;
    this.alive = new Uint8Array(this.n * this.n);
    this.aliveCount = new Int32Array(this.n);
    this.network = new SimGossipNetwork(this.scheduler, new SeededRandom(mix(options.seed, 0x6e6574)));
    this.handshakeLoss = new TcpHandshakeLoss(
      this.scheduler,
      new SeededRandom(mix(options.seed, 0x6c6f7373)),
    );
    this.log = options.log ?? (() => {});
  }

  async run(): Promise<GossipSimulationResult> {
    const started = performance.now();
    const wanted = new Set(this.options.scenarios ?? GOSSIP_SCENARIOS);
    for (let i = 0; i < this.n; i++) this.createNode(i);
    for (const node of this.nodes) await node.memberlist.start();

    const join = await this.runJoin();
    let loss: LossResult | undefined;
    let failure: FailureResult | undefined;
    let refute: RefuteResult | undefined;
    if (join.converged) {
      if (wanted.has('loss')) loss = await this.runLoss();
      if (wanted.has('failure')) failure = await this.runFailure();
      if (wanted.has('refute') && failure !== undefined) refute = await this.runRefute();
    }
    for (const node of this.nodes) await node.memberlist.shutdown();

    for (const falseFailure of this.falseFailures.slice(0, 5))
      this.failures.push(
        `${falseFailure.scenario}: live node ${falseFailure.subject} was marked dead by ${falseFailure.observer} at ${formatSeconds(falseFailure.atMs)}`,
      );
    if (this.falseFailures.length > 5)
      this.failures.push(`… ${this.falseFailures.length - 5} more false failures`);

    let packetsSent = 0;
    let bytesSent = 0;
    for (const node of this.nodes) {
      packetsSent += node.memberlist.stats.packetsSent;
      bytesSent += node.memberlist.stats.bytesSent;
    }
    return {
      ok: this.failures.length === 0,
      seed: this.options.seed,
      nodes: this.n,
      failures: this.failures,
      join,
      ...(loss === undefined ? {} : { loss }),
      ...(failure === undefined ? {} : { failure }),
      ...(refute === undefined ? {} : { refute }),
      falseFailures: this.falseFailures,
      stats: {
        events: this.scheduler.eventsRun,
        virtualMs: this.scheduler.nowMs,
        wallMs: performance.now() - started,
        packetsSent,
        bytesSent,
        packetsDropped: this.network.stats.packetsDropped,
        streamsFailedByLoss: this.handshakeLoss.streamsFailed,
      },
      replay: gossipReplayCommand(this.options),
    };
  }

  // ---------------------------------------------------------------- scenarios

  private async runJoin(): Promise<JoinResult> {
    this.scenario = 'join';
    const wallStart = performance.now();
    const seedCount = Math.min(this.options.seedNodes ?? 3, this.n);
    const interval = this.options.joinIntervalMs ?? 10;
    const random = new SeededRandom(mix(this.options.seed, 0x6a6f696e));
    const firstJoinMs = this.scheduler.nowMs;
    let joinErrors = 0;
    let lastJoinMs = firstJoinMs;
    // Seeds 1…k-1 join seed 0; every other node joins one seed chosen at random.
    for (let i = 1; i < this.n; i++) {
      const target = i < seedCount ? 0 : Math.floor(random.next() * seedCount);
      const atMs = firstJoinMs + (i - 1) * interval;
      lastJoinMs = atMs;
      this.scheduler.at(atMs, () => {
        this.asyncActivity = true;
        const seed = this.nodes[target]!;
        this.nodes[i]!.memberlist.join([{ name: seed.name, address: seed.address }]).then(
          (outcome) => {
            if (outcome.joined === 0) joinErrors++;
          },
          () => joinErrors++,
        );
      });
    }
    const deadline = lastJoinMs + (this.options.deadlineMs ?? 300_000);
    const converged = await this.runUntil(deadline, () => this.complete === this.n);
    const nowMs = this.scheduler.nowMs;
    if (converged) this.verifyViews(() => true);
    const result: JoinResult = {
      converged,
      virtualMs: nowMs - firstJoinMs,
      afterLastJoinMs: nowMs - lastJoinMs,
      rounds: Math.ceil((nowMs - firstJoinMs) / this.profile.gossipIntervalMs),
      joinErrors,
      nodesShort: this.n - this.complete,
      wallMs: performance.now() - wallStart,
    };
    if (!converged)
      this.failures.push(
        `join: ${result.nodesShort} of ${this.n} nodes still missing a member ${formatSeconds(deadline - lastJoinMs)} after the last join`,
      );
    this.log(
      `join: converged=${converged} in ${formatSeconds(result.virtualMs)} (${result.rounds} gossip rounds; ${formatSeconds(result.afterLastJoinMs)} after the last join), join errors ${joinErrors}`,
    );
    return result;
  }

  private async runLoss(): Promise<LossResult> {
    this.scenario = 'loss';
    const wallStart = performance.now();
    const loss = this.options.loss ?? 0.05;
    const durationMs = this.options.lossDurationMs ?? 60_000;
    const before = this.sumStats();
    const falseBefore = this.falseFailures.length;
    this.network.setLoss(loss);
    this.handshakeLoss.loss = loss;
    await this.runUntil(this.scheduler.nowMs + durationMs, () => false);
    this.network.setLoss(0);
    this.handshakeLoss.loss = 0;
    const after = this.sumStats();
    const result: LossResult = {
      loss,
      durationMs,
      indirectProbes: after.probesIndirect - before.probesIndirect,
      suspicions: after.probesFailed - before.probesFailed,
      refutations: after.refutations - before.refutations,
      falseFailures: this.falseFailures.length - falseBefore,
      wallMs: performance.now() - wallStart,
    };
    // Let suspicions raised at the very end settle (refute or not) before the next scenario.
    await this.runUntil(this.scheduler.nowMs + 2 * this.profile.probeIntervalMs, () => false);
    this.log(
      `loss: ${(loss * 100).toFixed(1)}% for ${formatSeconds(durationMs)}: ${result.indirectProbes} probes needed the indirect path, ${result.suspicions} failed, ${result.refutations} refutations, ${result.falseFailures} live nodes marked dead`,
    );
    return result;
  }

  private async runFailure(): Promise<FailureResult> {
    this.scenario = 'failure';
    const wallStart = performance.now();
    const seedCount = Math.min(this.options.seedNodes ?? 3, this.n);
    const random = new SeededRandom(mix(this.options.seed, 0x6b696c6c));
    // A non-seed node, so that the refute scenario can rejoin through the seeds.
    this.victim = seedCount + Math.floor(random.next() * (this.n - seedCount));
    const victim = this.nodes[this.victim]!;
    this.deadSeenAt = new Float64Array(this.n).fill(Number.NaN);
    const downAtMs = this.scheduler.nowMs;
    victim.up = false;
    this.network.down(addressKey(victim.address));
    const survivors = this.n - 1;
    let detected = 0;
    const seen = this.deadSeenAt;
    const countDetected = (): number => {
      detected = 0;
      for (let i = 0; i < this.n; i++) if (i !== this.victim && !Number.isNaN(seen[i]!)) detected++;
      return detected;
    };
    this.onDeadSeen = () => countDetected() === survivors;
    const all = await this.runUntil(
      downAtMs + (this.options.deadlineMs ?? 300_000),
      () => detected === survivors,
    );
    this.onDeadSeen = undefined;
    const times: number[] = [];
    for (let i = 0; i < this.n; i++)
      if (i !== this.victim && !Number.isNaN(seen[i]!)) times.push(seen[i]! - downAtMs);
    times.sort((a, b) => a - b);
    const result: FailureResult = {
      victim: victim.name,
      survivors,
      detectedBy: times.length,
      firstMs: times[0] ?? Number.NaN,
      medianMs: times[Math.floor(times.length / 2)] ?? Number.NaN,
      lastMs: times.at(-1) ?? Number.NaN,
      rounds: Math.ceil((times.at(-1) ?? Number.NaN) / this.profile.gossipIntervalMs),
      wallMs: performance.now() - wallStart,
    };
    if (!all)
      this.failures.push(
        `failure: only ${times.length} of ${survivors} survivors marked ${victim.name} dead within ${formatSeconds(this.options.deadlineMs ?? 300_000)}`,
      );
    else this.verifyViews((observer, subject) => subject !== this.victim || observer === this.victim);
    this.log(
      `failure: ${victim.name} down; dead everywhere=${all}: first ${formatSeconds(result.firstMs)}, median ${formatSeconds(result.medianMs)}, last ${formatSeconds(result.lastMs)}`,
    );
    return result;
  }

  private async runRefute(): Promise<RefuteResult> {
    this.scenario = 'refute';
    const wallStart = performance.now();
    const old = this.nodes[this.victim]!;
    await old.memberlist.shutdown();
    const restartedMs = this.scheduler.nowMs;
    // Same name and address, a fresh process: incarnation 1, knows nobody.
    this.clearViewsOf(this.victim);
    this.createNode(this.victim, old.generation + 1);
    const node = this.nodes[this.victim]!;
    this.network.up(addressKey(node.address));
    await node.memberlist.start();
    const seed = this.nodes[0]!;
    node.memberlist.join([{ name: seed.name, address: seed.address }]).catch(() => {});
    const recovered = await this.runUntil(
      restartedMs + (this.options.deadlineMs ?? 300_000),
      () => this.complete === this.n,
    );
    const result: RefuteResult = {
      node: node.name,
      aliveEverywhereMs: this.scheduler.nowMs - restartedMs,
      incarnation: node.memberlist.localNode().incarnation,
      recovered,
      wallMs: performance.now() - wallStart,
    };
    if (!recovered)
      this.failures.push(
        `refute: ${node.name} restarted but ${this.n - this.complete} nodes still miss a member after ${formatSeconds(result.aliveEverywhereMs)}`,
      );
    else {
      this.verifyViews(() => true);
      if (result.incarnation <= 1)
        this.failures.push(
          `refute: ${node.name} is alive again but never refuted (incarnation ${result.incarnation})`,
        );
    }
    this.log(
      `refute: ${node.name} restarted, alive everywhere=${recovered} after ${formatSeconds(result.aliveEverywhereMs)}, incarnation ${result.incarnation}`,
    );
    return result;
  }

  // ---------------------------------------------------------------- nodes and views

  private createNode(index: number, generation = 0): void {
    const name = `node-${String(index).padStart(String(this.n - 1).length, '0')}`;
    const address: GossipAddress = {
      host: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
      port: 8301,
    };
    const random = new SeededRandom(mix(this.options.seed, index * 7919 + generation + 1));
    const nodeRef: { current?: SimNode } = {};
    const isCurrent = (): boolean => this.nodes[index] === nodeRef.current;
    const memberlist = new Memberlist({
      name,
      advertise: address,
      profile: this.profile,
      transport: this.handshakeLoss.wrap(this.network.transport(address)),
      // No compression: LZW is exercised by the codec tests; here it would only cost CPU.
      codec: new PacketCodec({ compress: false, random }),
      clock: this.scheduler.clock(isCurrent),
      random,
      logger: silentLogger,
      delegate: this.delegateFor(index, isCurrent),
    });
    const node: SimNode = { index, name, address, memberlist, up: true, generation };
    nodeRef.current = node;
    this.nodes[index] = node;
    this.indexByName.set(name, index);
  }

  private delegateFor(observer: number, isCurrent: () => boolean): MemberlistDelegate {
    return {
      nodeMeta: () => EMPTY,
      notifyUserMessage: () => {},
      broadcasts: () => [],
      localState: () => EMPTY,
      mergeRemoteState: () => {},
      ackPayload: () => null,
      notifyPingComplete: () => {},
      notifyJoin: (node: NodeView) => {
        if (isCurrent()) this.markAlive(observer, node.name, true);
      },
      notifyLeave: (node: NodeView) => {
        if (isCurrent()) this.markAlive(observer, node.name, false);
      },
      notifyUpdate: () => {},
      notifyConflict: (existing: NodeView, other: NodeView) => {
        if (isCurrent())
          this.failures.push(
            `${this.scenario}: ${this.nodes[observer]?.name} saw a name conflict for ${existing.name} (${other.host}:${other.port})`,
          );
      },
    };
  }

  private onDeadSeen: (() => void) | undefined;

  private markAlive(observer: number, name: string, alive: boolean): void {
    const subject = this.indexByName.get(name);
    if (subject === undefined || subject === observer) return;
    const slot = observer * this.n + subject;
    const was = this.alive[slot] === 1;
    if (was === alive) return;
    const completeBefore = this.aliveCount[observer] === this.n - 1;
    this.alive[slot] = alive ? 1 : 0;
    this.aliveCount[observer]! += alive ? 1 : -1;
    const completeAfter = this.aliveCount[observer] === this.n - 1;
    if (completeBefore !== completeAfter) this.complete += completeAfter ? 1 : -1;
    if (alive) return;
    if (
      subject === this.victim &&
      this.deadSeenAt !== undefined &&
      Number.isNaN(this.deadSeenAt[observer]!)
    ) {
      this.deadSeenAt[observer] = this.scheduler.nowMs;
      this.onDeadSeen?.();
      return;
    }
    // A node marked dead while its network is up and it runs: a false failure.
    const subjectNode = this.nodes[subject];
    const observerNode = this.nodes[observer];
    if (subjectNode?.up && observerNode?.up)
      this.falseFailures.push({
        observer: observerNode.name,
        subject: subjectNode.name,
        atMs: this.scheduler.nowMs,
        scenario: this.scenario,
      });
  }

  /** A restarted node starts with an empty view (its old instance's view is gone). */
  private clearViewsOf(observer: number): void {
    for (let subject = 0; subject < this.n; subject++) {
      const slot = observer * this.n + subject;
      if (this.alive[slot] === 1) {
        this.alive[slot] = 0;
        this.aliveCount[observer]!--;
      }
    }
    // It was not complete (it had everyone else dead after being cut off), or is not anymore.
    this.recountComplete();
  }

  private recountComplete(): void {
    this.complete = 0;
    for (let i = 0; i < this.n; i++) if (this.aliveCount[i] === this.n - 1) this.complete++;
  }

  /**
   * Cross-checks the notification-built views against `members()`: `expectAlive(observer,
   * subject)` says whether the observer should list the subject alive right now.
   */
  private verifyViews(expectAlive: (observer: number, subject: number) => boolean): void {
    let mismatches = 0;
    let example = '';
    for (const node of this.nodes) {
      if (!node.up) continue;
      const members = node.memberlist.members();
      const listed = new Uint8Array(this.n);
      for (const member of members) {
        const subject = this.indexByName.get(member.name);
        if (subject !== undefined && member.state === 'alive') listed[subject] = 1;
      }
      for (let subject = 0; subject < this.n; subject++) {
        if (subject === node.index) continue;
        const expected = expectAlive(node.index, subject);
        if (
          (listed[subject] === 1) !== expected ||
          (this.alive[node.index * this.n + subject] === 1) !== expected
        ) {
          mismatches++;
          example ||= `${node.name} lists ${this.nodes[subject]?.name} as ${listed[subject] === 1 ? 'alive' : 'not alive'} (notifications say ${this.alive[node.index * this.n + subject] === 1 ? 'alive' : 'not alive'}), expected ${expected ? 'alive' : 'not alive'}`;
        }
      }
    }
    if (mismatches > 0)
      this.failures.push(`${this.scenario}: ${mismatches} view mismatches, e.g. ${example}`);
  }

  private sumStats(): { probesIndirect: number; probesFailed: number; refutations: number } {
    let probesIndirect = 0;
    let probesFailed = 0;
    let refutations = 0;
    for (const node of this.nodes) {
      probesIndirect += node.memberlist.stats.probesIndirect;
      probesFailed += node.memberlist.stats.probesFailed;
      refutations += node.memberlist.stats.refutations;
    }
    return { probesIndirect, probesFailed, refutations };
  }

  // ---------------------------------------------------------------- driving time

  /** Set by the join events, which start promises (as the network's and handshake model's flags). */
  private asyncActivity = false;

  /** Whether the last event touched a promise; clears the flags. */
  private takeAsyncActivity(): boolean {
    const touched = this.asyncActivity || this.network.asyncActivity || this.handshakeLoss.asyncActivity;
    this.asyncActivity = false;
    this.network.asyncActivity = false;
    this.handshakeLoss.asyncActivity = false;
    return touched;
  }

  /**
   * Runs events until `done()` holds (true) or virtual time reaches `untilMs` (false). Promise
   * continuations (stream replies, joins) run before the next event: they belong to the event
   * that resolved them.
   *
   * Only events that touched a promise are followed by the microtask flush: every promise in
   * this simulation is made or settled by the network's streams, the handshake-loss model or a
   * join event, and each of those raises a flag. The other events (timers, datagrams: nearly
   * all of them) leave no continuation behind, so skipping the flush changes nothing but the
   * cost: under node:test every promise is tracked by an async hook with a destroy callback,
   * and four awaits per event made the 1,000-node run half again as slow and ~0.7 GB larger.
   */
  private async runUntil(untilMs: number, done: () => boolean): Promise<boolean> {
    // Time must reach `untilMs` even when nothing else is scheduled.
    this.scheduler.at(untilMs, () => {});
    let sinceReport = 0;
    while (this.scheduler.runNext(untilMs)) {
      if (this.takeAsyncActivity()) for (let i = 0; i < 4; i++) await undefined;
      if (done()) return true;
      if (++sinceReport === 200_000) {
        sinceReport = 0;
        this.log(
          `  … ${this.scenario} t=${formatSeconds(this.scheduler.nowMs)}: ${this.complete}/${this.n} complete views, ${this.scheduler.eventsRun} events`,
        );
      }
    }
    return done();
  }
}

/** Mixes the run seed with a stream number into a non-zero 32-bit seed (murmur3 finaliser). */
function mix(seed: number, stream: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream >>> 0, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h === 0 ? 1 : h;
}

export function formatSeconds(ms: number): string {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a';
}
