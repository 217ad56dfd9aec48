import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { Random } from '../ports/random.ts';
import type { Awareness } from './awareness.ts';
import type { BroadcastQueue } from './broadcast-queue.ts';
import { LOCAL_VSN, type TimingProfile } from './config.ts';
import type { MemberlistDelegate, MemberlistStats, NodeStateName } from './delegate.ts';
import { internBytes } from './interned.ts';
import {
  type Alive,
  type Dead,
  type Message,
  type PushNodeState,
  PushNodeStateKind,
  type Suspect,
} from './messages.ts';
import { hostOf, isDeadOrLeft, type NodeState, NodeTable, sharedHostOf, viewOf } from './node-table.ts';
import { Suspicion, suspicionTimeouts } from './suspicion.ts';
import { encodeSharedMessage } from './wire.ts';

export interface MembershipOptions {
  name: string;
  addr: Uint8Array;
  port: number;
  profile: TimingProfile;
  clock: Clock;
  random: Random;
  logger: Logger;
  delegate: MemberlistDelegate;
  broadcasts: BroadcastQueue;
  awareness: Awareness;
  stats: MemberlistStats;
}

const stateKinds: Record<NodeStateName, PushNodeStateKind> = {
  alive: PushNodeStateKind.alive,
  suspect: PushNodeStateKind.suspect,
  dead: PushNodeStateKind.dead,
  left: PushNodeStateKind.left,
};

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true; // interned: the common case
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function vsnText(vsn: Uint8Array): string {
  return `[${[...vsn].join(' ')}]`;
}

/**
 * memberlist's membership state rules (reference §7.4, the SWIM paper's incarnation numbers
 * plus Lifeguard's suspicion): how alive, suspect and dead messages, from gossip or from a
 * push/pull, change the node table; when this node refutes; and which delegate events fire.
 * Synchronous: every accepted change is queued for re-broadcast before the call returns.
 */
export class Membership {
  readonly table: NodeTable;
  readonly name: string;
  private incarnation = 0;
  private leaving = false;

  constructor(private readonly options: MembershipOptions) {
    this.name = options.name;
    this.table = new NodeTable(options.random);
  }

  /** memberlist's `estNumNodes`: every node in the table, dead ones until they are reaped. */
  estimatedNodes(): number {
    return this.table.size;
  }

  local(): NodeState {
    const self = this.table.get(this.name);
    if (self === undefined) throw new Error('memberlist: not started');
    return self;
  }

  isLeaving(): boolean {
    return this.leaving;
  }

  /** Any node besides this one that is not dead or left. */
  anyAlive(): boolean {
    return (
      this.table.numAlive > (this.table.get(this.name) !== undefined && !isDeadOrLeft(this.local()) ? 1 : 0)
    );
  }

  private nextIncarnation(): number {
    this.incarnation = (this.incarnation + 1) >>> 0;
    return this.incarnation;
  }

  /** Creates or refreshes this node's entry with the next incarnation and broadcasts it. */
  setLocalAlive(meta: Uint8Array, onFinished?: () => void): void {
    const { clock, delegate } = this.options;
    const incarnation = this.nextIncarnation();
    let self = this.table.get(this.name);
    const alive: Alive = {
      addr: this.options.addr,
      incarnation,
      meta,
      node: this.name,
      port: this.options.port,
      vsn: LOCAL_VSN,
    };
    if (self === undefined) {
      self = {
        name: this.name,
        addr: internBytes(alive.addr),
        host: sharedHostOf(internBytes(alive.addr)),
        port: alive.port,
        meta: internBytes(meta),
        incarnation,
        state: 'dead',
        vsn: internBytes(LOCAL_VSN),
        stateChangeMs: clock.nowMs(),
        // Present from the start: adding it later gives the entry a new shape and an
        // out-of-object property store (n² entries in a simulated pool).
        suspicion: undefined,
      };
      this.table.add(self);
      this.table.setState(self, 'alive', clock.nowMs());
      this.broadcast(this.name, { type: 'alive', body: alive }, onFinished);
      delegate.notifyJoin(viewOf(self));
      return;
    }
    const metaChanged = !sameBytes(self.meta, meta);
    self.incarnation = incarnation;
    self.meta = internBytes(meta);
    this.broadcast(this.name, { type: 'alive', body: alive }, onFinished);
    if (metaChanged) delegate.notifyUpdate(viewOf(self));
  }

  /** Starts a graceful leave: `dead{From == Node}` about this node, queued with `onFinished`. */
  leave(onFinished: () => void): void {
    this.leaving = true;
    const self = this.local();
    this.deadNode({ from: this.name, incarnation: self.incarnation, node: this.name }, onFinished);
  }

  // ------------------------------------------------------------------------------------ alive

  aliveNode(alive: Alive, onFinished?: () => void): void {
    const { clock, delegate, logger, profile } = this.options;
    const isLocal = alive.node === this.name;
    if (isLocal && this.leaving) return;
    if (alive.vsn.length !== 6) {
      logger.warn(
        { node: alive.node },
        `memberlist: Ignoring an alive message for '${alive.node}': Vsn must be 6 bytes`,
      );
      return;
    }
    const pmin = alive.vsn[0] ?? 0;
    const pmax = alive.vsn[1] ?? 0;
    if (pmin === 0 || pmax === 0 || pmin > pmax) {
      logger.warn(
        { node: alive.node },
        `memberlist: Ignoring an alive message for '${alive.node}': invalid protocol range [${pmin}, ${pmax}]`,
      );
      return;
    }
    if (alive.addr.length !== 4 && alive.addr.length !== 16) {
      logger.warn(
        { node: alive.node },
        `memberlist: Ignoring an alive message for '${alive.node}': invalid IP address`,
      );
      return;
    }
    let node = this.table.get(alive.node);
    let updatesNode = false;
    if (node === undefined) {
      node = {
        name: alive.node,
        addr: internBytes(alive.addr),
        host: sharedHostOf(internBytes(alive.addr)),
        port: alive.port,
        meta: internBytes(alive.meta),
        incarnation: 0,
        state: 'dead',
        vsn: internBytes(alive.vsn),
        stateChangeMs: clock.nowMs(),
        // Present from the start: adding it later gives the entry a new shape and an
        // out-of-object property store (n² entries in a simulated pool).
        suspicion: undefined,
      };
      this.table.add(node);
    } else if (!sameBytes(node.addr, alive.addr) || node.port !== alive.port) {
      const reclaimable =
        profile.deadNodeReclaimMs > 0 && clock.nowMs() - node.stateChangeMs > profile.deadNodeReclaimMs;
      const theirs = `${hostOf(alive.addr)}:${alive.port}`;
      if (node.state === 'left' || (node.state === 'dead' && reclaimable)) {
        logger.info(
          { node: node.name },
          `memberlist: Updating address for left or failed node ${node.name} from ${node.host}:${node.port} to ${theirs}`,
        );
        updatesNode = true;
      } else {
        logger.error(
          { node: node.name },
          `memberlist: Conflicting address for ${node.name}. Mine: ${node.host}:${node.port} Theirs: ${theirs} Old state: ${node.state}`,
        );
        delegate.notifyConflict(viewOf(node), {
          ...viewOf(node),
          addr: alive.addr.slice(),
          host: hostOf(alive.addr),
          port: alive.port,
          meta: alive.meta.slice(),
          incarnation: alive.incarnation,
          vsn: alive.vsn.slice(),
          state: 'alive',
        });
        return;
      }
    }
    if (!isLocal && !updatesNode && alive.incarnation <= node.incarnation) return;
    if (isLocal && alive.incarnation < node.incarnation) return;

    node.suspicion?.cancel();
    node.suspicion = undefined;

    if (isLocal) {
      if (
        alive.incarnation === node.incarnation &&
        sameBytes(alive.meta, node.meta) &&
        sameBytes(alive.vsn, node.vsn)
      )
        return;
      logger.warn(
        { node: node.name },
        `memberlist: Refuting an alive message for '${alive.node}' (${hostOf(alive.addr)}:${alive.port}) meta:([${[
          ...alive.meta,
        ].join(' ')}] VS [${[...node.meta].join(' ')}]), vsn:(${vsnText(alive.vsn)} VS ${vsnText(node.vsn)})`,
      );
      this.refute(node, alive.incarnation);
      return;
    }

    this.broadcast(alive.node, { type: 'alive', body: alive }, onFinished);
    const oldState = node.state;
    const changed =
      !sameBytes(node.meta, alive.meta) ||
      !sameBytes(node.addr, alive.addr) ||
      node.port !== alive.port ||
      !sameBytes(node.vsn, alive.vsn);
    node.incarnation = alive.incarnation;
    if (changed) {
      node.meta = internBytes(alive.meta);
      if (!sameBytes(node.addr, alive.addr)) {
        node.addr = internBytes(alive.addr);
        node.host = sharedHostOf(node.addr);
      }
      node.port = alive.port;
      node.vsn = internBytes(alive.vsn);
    }
    if (node.state !== 'alive') this.table.setState(node, 'alive', clock.nowMs());
    if (oldState === 'dead' || oldState === 'left') delegate.notifyJoin(viewOf(node));
    else if (changed) delegate.notifyUpdate(viewOf(node));
  }

  // ---------------------------------------------------------------------------------- suspect

  suspectNode(suspect: Suspect): void {
    const { clock, logger } = this.options;
    const node = this.table.get(suspect.node);
    if (node === undefined || suspect.incarnation < node.incarnation) return;
    if (node.suspicion !== undefined) {
      if (node.suspicion.confirm(suspect.from)) this.broadcast(node.name, { type: 'suspect', body: suspect });
      return;
    }
    if (node.state !== 'alive') return;
    if (node.name === this.name) {
      if (this.leaving) return;
      logger.warn({ from: suspect.from }, `memberlist: Refuting a suspect message (from: ${suspect.from})`);
      this.refute(node, suspect.incarnation);
      return;
    }
    this.broadcast(node.name, { type: 'suspect', body: suspect });
    node.incarnation = suspect.incarnation;
    this.table.setState(node, 'suspect', clock.nowMs());
    const timeouts = suspicionTimeouts(this.options.profile, this.estimatedNodes());
    const incarnation = suspect.incarnation;
    node.suspicion = new Suspicion(clock, timeouts, suspect.from, (confirmations) => {
      if (node.state !== 'suspect' || node.incarnation !== incarnation) return;
      logger.info(
        { node: node.name, confirmations },
        `memberlist: Marking ${node.name} as failed, suspect timeout reached (${confirmations} peer confirmations)`,
      );
      this.deadNode({ from: this.name, incarnation, node: node.name });
    });
  }

  // ------------------------------------------------------------------------------------- dead

  deadNode(dead: Dead, onFinished?: () => void): void {
    const { clock, delegate, logger } = this.options;
    const node = this.table.get(dead.node);
    if (node === undefined || dead.incarnation < node.incarnation) return;
    node.suspicion?.cancel();
    node.suspicion = undefined;
    if (isDeadOrLeft(node)) return;
    if (node.name === this.name && !this.leaving) {
      logger.warn({ from: dead.from }, `memberlist: Refuting a dead message (from: ${dead.from})`);
      this.refute(node, dead.incarnation);
      return;
    }
    this.broadcast(node.name, { type: 'dead', body: dead }, onFinished);
    node.incarnation = dead.incarnation;
    this.table.setState(node, dead.from === dead.node ? 'left' : 'dead', clock.nowMs());
    delegate.notifyLeave(viewOf(node));
  }

  /** Another node says this one is suspect, dead or different: out-bid it with a fresh alive. */
  private refute(self: NodeState, accusedIncarnation: number): void {
    let incarnation = this.nextIncarnation();
    if (accusedIncarnation >= incarnation) {
      this.incarnation = (accusedIncarnation + 1) >>> 0;
      incarnation = this.incarnation;
    }
    self.incarnation = incarnation;
    this.options.awareness.applyDelta(1);
    this.options.stats.refutations++;
    this.broadcast(this.name, {
      type: 'alive',
      body: {
        addr: self.addr,
        incarnation,
        meta: self.meta,
        node: self.name,
        port: self.port,
        vsn: self.vsn,
      },
    });
  }

  // -------------------------------------------------------------------------------- push/pull

  /** Every node in the table (this one included), as a push/pull sends it. */
  pushStates(): PushNodeState[] {
    return this.table.all().map((node) => ({
      addr: node.addr,
      incarnation: node.incarnation,
      meta: node.meta,
      name: node.name,
      port: node.port,
      state: stateKinds[node.state],
      vsn: node.vsn,
    }));
  }

  /**
   * memberlist's `verifyProtocol`: every alive node's current protocol and delegate versions,
   * local and remote, must lie within the range all of them support. Returns why not, or undefined.
   */
  verifyProtocol(remote: readonly PushNodeState[]): string | undefined {
    let maxPmin = 0;
    let minPmax = 255;
    let maxDmin = 0;
    let minDmax = 255;
    const nodes: Uint8Array[] = [];
    // Indexed reads, not destructuring: a typed array destructures through its iterator, and
    // this runs over every node on every push/pull.
    const visit = (vsn: Uint8Array) => {
      maxPmin = Math.max(maxPmin, vsn[0] ?? 0);
      minPmax = Math.min(minPmax, vsn[1] ?? 0);
      maxDmin = Math.max(maxDmin, vsn[3] ?? 0);
      minDmax = Math.min(minDmax, vsn[4] ?? 0);
      nodes.push(vsn);
    };
    for (const entry of remote) if (entry.state === PushNodeStateKind.alive) visit(entry.vsn);
    for (const node of this.table.all()) if (node.state === 'alive') visit(node.vsn);
    for (const vsn of nodes) {
      const pcur = vsn[2] ?? 0;
      const dcur = vsn[5] ?? 0;
      if (pcur < maxPmin || pcur > minPmax)
        return `Node has protocol version ${pcur}, but pool supports [${maxPmin}, ${minPmax}]`;
      if (dcur < maxDmin || dcur > minDmax)
        return `Node has delegate protocol version ${dcur}, but pool supports [${maxDmin}, ${minDmax}]`;
    }
    return undefined;
  }

  /** Applies a peer's push/pull node states (reference §6 merge table). */
  mergeRemote(remote: readonly PushNodeState[]): void {
    for (const entry of remote) {
      const port = entry.port === 0 ? this.options.port : entry.port;
      switch (entry.state) {
        case PushNodeStateKind.alive:
          this.aliveNode({
            addr: entry.addr,
            incarnation: entry.incarnation,
            meta: entry.meta,
            node: entry.name,
            port,
            vsn: entry.vsn,
          });
          break;
        case PushNodeStateKind.left:
          this.deadNode({ from: entry.name, incarnation: entry.incarnation, node: entry.name });
          break;
        default:
          // A remote dead is never trusted directly: we suspect, and the node gets to refute.
          this.suspectNode({ from: this.name, incarnation: entry.incarnation, node: entry.name });
      }
    }
  }

  private broadcast(node: string, message: Message, onFinished?: () => void): void {
    const queued: { node: string; message: Uint8Array; onFinished?: () => void } = {
      node,
      message: encodeSharedMessage(message),
    };
    if (onFinished !== undefined) queued.onFinished = onFinished;
    this.options.broadcasts.queue(queued);
  }
}
