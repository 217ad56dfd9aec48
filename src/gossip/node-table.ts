import type { Random } from '../ports/random.ts';
import type { NodeStateName, NodeView } from './delegate.ts';
import type { Suspicion } from './suspicion.ts';

/** What memberlist keeps per node (`nodeState`). Mutable; handed out only as `NodeView` copies. */
export interface NodeState {
  name: string;
  addr: Uint8Array;
  host: string;
  port: number;
  meta: Uint8Array;
  incarnation: number;
  state: NodeStateName;
  vsn: Uint8Array;
  stateChangeMs: number;
  /** Running while the node is suspect. */
  suspicion?: Suspicion;
}

export function viewOf(node: NodeState): NodeView {
  return {
    name: node.name,
    host: node.host,
    addr: node.addr.slice(),
    port: node.port,
    meta: node.meta.slice(),
    incarnation: node.incarnation,
    state: node.state,
    vsn: node.vsn.slice(),
    stateChangeMs: node.stateChangeMs,
  };
}

export function isDeadOrLeft(node: NodeState): boolean {
  return node.state === 'dead' || node.state === 'left';
}

/**
 * Every known node, by name and in probe order. The probe order is memberlist's: a shuffled
 * round-robin; a new node is swapped in at a random offset (O(1)); at each wrap the list drops
 * dead and left nodes older than `gossipToTheDeadMs` and is reshuffled (O(n) once per round,
 * O(1) per probe). Random peers are drawn by sampling the same array, never by copying it.
 */
export class NodeTable {
  private readonly byName = new Map<string, NodeState>();
  private readonly order: NodeState[] = [];
  private probeIndex = 0;
  private aliveCount = 0;

  constructor(private readonly random: Random) {}

  get size(): number {
    return this.order.length;
  }

  /** Nodes neither dead nor left. */
  get numAlive(): number {
    return this.aliveCount;
  }

  get(name: string): NodeState | undefined {
    return this.byName.get(name);
  }

  all(): readonly NodeState[] {
    return this.order;
  }

  add(node: NodeState): void {
    this.byName.set(node.name, node);
    this.order.push(node);
    if (!isDeadOrLeft(node)) this.aliveCount++;
    const last = this.order.length - 1;
    const offset = this.randomIndex(this.order.length);
    [this.order[offset], this.order[last]] = [this.order[last] as NodeState, this.order[offset] as NodeState];
  }

  /** Changes a node's state, keeping the alive count. */
  setState(node: NodeState, state: NodeStateName, nowMs: number): void {
    const wasAlive = !isDeadOrLeft(node);
    node.state = state;
    node.stateChangeMs = nowMs;
    const isAlive = !isDeadOrLeft(node);
    if (wasAlive !== isAlive) this.aliveCount += isAlive ? 1 : -1;
  }

  /**
   * The next node to probe, skipping those `skip` says to; undefined when none qualifies in a
   * whole round. `reap(node)` says whether a dead/left node is old enough to forget at a wrap.
   */
  nextProbeTarget(
    skip: (node: NodeState) => boolean,
    reap: (node: NodeState) => boolean,
  ): NodeState | undefined {
    for (let checked = 0; checked <= this.order.length; ) {
      if (this.probeIndex >= this.order.length) {
        this.reapAndShuffle(reap);
        this.probeIndex = 0;
        checked++;
        if (this.order.length === 0) return undefined;
        continue;
      }
      const node = this.order[this.probeIndex++] as NodeState;
      checked++;
      if (skip(node)) continue;
      return node;
    }
    return undefined;
  }

  /**
   * Up to `k` distinct random nodes not excluded by `exclude`: memberlist's `kRandomNodes`,
   * sampling at most 3n indexes, O(k) expected.
   */
  randomNodes(k: number, exclude: (node: NodeState) => boolean): NodeState[] {
    const picked: NodeState[] = [];
    const n = this.order.length;
    for (let attempt = 0; attempt < 3 * n && picked.length < k; attempt++) {
      const node = this.order[this.randomIndex(n)] as NodeState;
      if (exclude(node) || picked.includes(node)) continue;
      picked.push(node);
    }
    return picked;
  }

  private reapAndShuffle(reap: (node: NodeState) => boolean): void {
    let kept = 0;
    for (const node of this.order) {
      if (isDeadOrLeft(node) && reap(node)) {
        this.byName.delete(node.name);
        node.suspicion?.cancel();
        continue;
      }
      this.order[kept++] = node;
    }
    this.order.length = kept;
    for (let i = kept - 1; i > 0; i--) {
      const j = this.randomIndex(i + 1);
      [this.order[i], this.order[j]] = [this.order[j] as NodeState, this.order[i] as NodeState];
    }
  }

  private randomIndex(n: number): number {
    return Math.min(n - 1, Math.floor(this.random.next() * n));
  }
}

/** `alive.Addr` bytes for an IP literal: 4 bytes for IPv4 (Go's `To4()`), 16 for IPv6. */
export function addressBytes(host: string): Uint8Array {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4 !== null) return Uint8Array.from(v4.slice(1, 5).map(Number));
  const text = host.replace(/^\[|\]$/g, '');
  const halves = text.split('::');
  const groups = (part: string | undefined) => (part === undefined || part === '' ? [] : part.split(':'));
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const expanded =
    halves.length === 2
      ? [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail]
      : head;
  const bytes = new Uint8Array(16);
  expanded.slice(0, 8).forEach((group, i) => {
    const value = Number.parseInt(group, 16) || 0;
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  });
  return bytes;
}

/** Host strings of shared (interned.ts) address arrays: one string per address, not per table entry. */
const hosts = new WeakMap<Uint8Array, string>();

/** `hostOf` for an address array that many entries share: the same string object each time. */
export function sharedHostOf(addr: Uint8Array): string {
  let host = hosts.get(addr);
  if (host === undefined) {
    host = hostOf(addr);
    hosts.set(addr, host);
  }
  return host;
}

/** The IP literal of `alive.Addr`: 4 bytes → dotted quad, 16 → IPv6 text (IPv4-mapped → dotted quad). */
export function hostOf(addr: Uint8Array): string {
  if (addr.length === 4) return addr.join('.');
  if (addr.length === 16) {
    const mapped = addr.subarray(0, 10).every((byte) => byte === 0) && addr[10] === 0xff && addr[11] === 0xff;
    if (mapped) return addr.subarray(12).join('.');
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2)
      groups.push((((addr[i] as number) << 8) | (addr[i + 1] as number)).toString(16));
    return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  }
  return '';
}
