import type { Clock, Timer } from '../ports/clock.ts';
import type { GossipAddress } from '../ports/gossip-transport.ts';
import type { Logger } from '../ports/logger.ts';
import type { Awareness } from './awareness.ts';
import type { TimingProfile } from './config.ts';
import type { MemberlistDelegate, MemberlistStats } from './delegate.ts';
import type { Membership } from './membership.ts';
import type { AckResp, IndirectPing, Message, NackResp, Ping } from './messages.ts';
import { hostOf, isDeadOrLeft, type NodeState, viewOf } from './node-table.ts';

/** What the prober needs from the node it runs in. */
export interface ProbeHost {
  name: string;
  addr: Uint8Array;
  port: number;
  profile: TimingProfile;
  clock: Clock;
  logger: Logger;
  delegate: MemberlistDelegate;
  membership: Membership;
  awareness: Awareness;
  stats: MemberlistStats;
  /** A ping, ack, indirect ping or nack: piggybacks pending broadcasts, no CRC. */
  sendPiggybacked(to: GossipAddress, message: Message): void;
  /** Several messages to a known node as one compound, with a CRC when it speaks protocol ≥ 5. */
  sendToNode(node: NodeState, messages: Message[]): void;
  /** The TCP fallback: `[0]ping` on a stream; true when `[2]ack` with the same SeqNo came back in time. */
  pingStream(to: GossipAddress, ping: Ping, timeoutMs: number): Promise<boolean>;
}

interface AckHandler {
  onAck(payload: Uint8Array | null, nowMs: number): void;
  onNack(): void;
  /** Runs when no ack came within the handler's lifetime. */
  onTimeout(): void;
  timer: Timer;
}

interface ProbeInFlight {
  target: NodeState;
  incarnation: number;
  seqNo: number;
  startMs: number;
  intervalMs: number;
  intervalElapsed: boolean;
  expectedNacks: number;
  nacks: number;
  fallback: 'none' | 'pending' | 'ok' | 'failed';
  done: boolean;
  timers: Timer[];
}

/**
 * SWIM's failure detector with Lifeguard's refinements (reference §7.1–§7.2): one probe per
 * tick to the next node of the shuffled round-robin; direct ping, then after `probeTimeout`
 * indirect pings through `indirectChecks` peers (asking for nacks so a missing nack tells us we
 * are the slow one) and a TCP ping in parallel; the verdict waits the awareness-scaled probe
 * interval. It also answers pings and relays indirect pings for others. Acks and nacks are
 * matched by SeqNo through one table of handlers, each with its own timeout.
 */
export class Prober {
  private sequence = 0;
  private readonly handlers = new Map<number, AckHandler>();
  private current: ProbeInFlight | undefined;
  /** A tick came while a probe was running: like Go's one-slot ticker channel, it runs when that probe ends. */
  private tickPending = false;
  private stopped = false;

  constructor(private readonly host: ProbeHost) {}

  private nextSeqNo(): number {
    this.sequence = (this.sequence + 1) >>> 0;
    return this.sequence;
  }

  /** One probe tick: starts a probe unless the previous one is still waiting for its verdict. */
  tick(): void {
    if (this.current !== undefined && !this.current.done) {
      this.tickPending = true;
      return;
    }
    this.tickPending = false;
    const { membership, clock, profile, name } = this.host;
    const target = membership.table.nextProbeTarget(
      (node) => node.name === name || isDeadOrLeft(node),
      (node) => clock.nowMs() - node.stateChangeMs > profile.gossipToTheDeadMs,
    );
    if (target !== undefined) this.probe(target);
  }

  /** Stops every timer (shutdown). */
  stop(): void {
    this.stopped = true;
    for (const handler of this.handlers.values()) handler.timer.cancel();
    this.handlers.clear();
    if (this.current !== undefined) this.finish(this.current);
  }

  // ------------------------------------------------------------------------------- our probe

  probe(target: NodeState): void {
    const { clock, profile, awareness, stats, delegate } = this.host;
    stats.probes++;
    const probe: ProbeInFlight = {
      target,
      incarnation: target.incarnation,
      seqNo: this.nextSeqNo(),
      startMs: clock.nowMs(),
      intervalMs: awareness.scaleTimeout(profile.probeIntervalMs),
      intervalElapsed: false,
      expectedNacks: 0,
      nacks: 0,
      fallback: 'none',
      done: false,
      timers: [],
    };
    this.current = probe;
    this.setHandler(probe.seqNo, probe.intervalMs, {
      onAck: (payload, nowMs) => {
        if (probe.done) return;
        this.finish(probe);
        awareness.applyDelta(-1);
        delegate.notifyPingComplete(viewOf(target), nowMs - probe.startMs, payload);
      },
      onNack: () => {
        probe.nacks++;
      },
      onTimeout: () => {},
    });
    const ping = this.ping(target.name, probe.seqNo);
    if (target.state === 'alive') {
      this.host.sendPiggybacked(addressOf(target), { type: 'ping', body: ping });
    } else {
      // A suspect target learns of the accusation with the ping and can refute at once.
      this.host.sendToNode(target, [
        { type: 'ping', body: ping },
        {
          type: 'suspect',
          body: { from: this.host.name, incarnation: target.incarnation, node: target.name },
        },
      ]);
    }
    probe.timers.push(
      clock.setTimer(profile.probeTimeoutMs, () => this.probeIndirectly(probe)),
      clock.setTimer(probe.intervalMs, () => {
        probe.intervalElapsed = true;
        this.decide(probe);
      }),
    );
  }

  private probeIndirectly(probe: ProbeInFlight): void {
    if (probe.done) return;
    const { membership, profile, name, clock, logger } = this.host;
    const target = probe.target;
    this.host.stats.probesIndirect++;
    const peers = membership.table.randomNodes(
      profile.indirectChecks,
      (node) => node.name === name || node === target || node.state !== 'alive',
    );
    for (const peer of peers) {
      const nack = (peer.vsn[1] ?? 0) >= 4;
      if (nack) probe.expectedNacks++;
      const indirect: IndirectPing = {
        nack,
        node: target.name,
        port: target.port,
        seqNo: probe.seqNo,
        sourceAddr: this.host.addr,
        sourceNode: name,
        sourcePort: this.host.port,
        target: target.addr,
      };
      this.host.sendPiggybacked(addressOf(peer), { type: 'indirectPing', body: indirect });
    }
    if ((target.vsn[1] ?? 0) >= 3) {
      probe.fallback = 'pending';
      const timeoutMs = Math.max(1, probe.startMs + probe.intervalMs - clock.nowMs());
      this.host.pingStream(addressOf(target), this.ping(target.name, probe.seqNo), timeoutMs).then(
        (ok) => {
          if (!ok) logger.debug({ node: target.name }, `memberlist: Failed fallback ping to ${target.name}`);
          probe.fallback = ok ? 'ok' : 'failed';
          this.decide(probe);
        },
        (error: unknown) => {
          logger.debug({ node: target.name }, `memberlist: Failed fallback ping: ${String(error)}`);
          probe.fallback = 'failed';
          this.decide(probe);
        },
      );
    }
  }

  /** The verdict, once the scaled interval has passed and the TCP ping (if any) has settled. */
  private decide(probe: ProbeInFlight): void {
    if (probe.done || !probe.intervalElapsed || probe.fallback === 'pending') return;
    const { awareness, logger, stats, membership, name } = this.host;
    this.finish(probe);
    const target = probe.target;
    if (probe.fallback === 'ok') {
      logger.warn(
        { node: target.name },
        `memberlist: Was able to connect to ${target.name} but other probes failed, network may be misconfigured`,
      );
      awareness.applyDelta(-1);
      return;
    }
    awareness.applyDelta(probe.expectedNacks > 0 ? Math.max(0, probe.expectedNacks - probe.nacks) : 1);
    stats.probesFailed++;
    logger.info({ node: target.name }, `memberlist: Suspect ${target.name} has failed, no acks received`);
    membership.suspectNode({ from: name, incarnation: probe.incarnation, node: target.name });
  }

  private finish(probe: ProbeInFlight): void {
    probe.done = true;
    for (const timer of probe.timers) timer.cancel();
    probe.timers.length = 0;
    this.clearHandler(probe.seqNo);
    if (this.current !== probe) return;
    this.current = undefined;
    if (this.tickPending && !this.stopped)
      this.host.clock.setTimer(0, () => {
        if (this.tickPending && !this.stopped) this.tick();
      });
  }

  // --------------------------------------------------------------------- answering and relaying

  handlePing(from: GossipAddress, ping: Ping): void {
    if (ping.node !== '' && ping.node !== this.host.name) {
      this.host.logger.warn(
        { node: ping.node },
        `memberlist: Got ping for unexpected node '${ping.node}' from=${from.host}:${from.port}`,
      );
      return;
    }
    const ack: AckResp = { payload: this.host.delegate.ackPayload(), seqNo: ping.seqNo };
    this.host.sendPiggybacked(replyAddress(from, ping), { type: 'ackResp', body: ack });
  }

  /** Pings `target` on behalf of the requester and forwards the ack (or a nack) with its SeqNo. */
  handleIndirectPing(from: GossipAddress, indirect: IndirectPing): void {
    const replyTo = replyAddress(from, indirect);
    const seqNo = this.nextSeqNo();
    this.setHandler(seqNo, this.host.profile.probeTimeoutMs, {
      onAck: () => {
        this.host.sendPiggybacked(replyTo, {
          type: 'ackResp',
          body: { payload: null, seqNo: indirect.seqNo },
        });
      },
      onNack: () => {},
      onTimeout: () => {
        if (indirect.nack)
          this.host.sendPiggybacked(replyTo, { type: 'nackResp', body: { seqNo: indirect.seqNo } });
      },
    });
    const target = { host: hostOf(indirect.target), port: indirect.port };
    this.host.sendPiggybacked(target, { type: 'ping', body: this.ping(indirect.node, seqNo) });
  }

  handleAck(ack: AckResp): void {
    const handler = this.handlers.get(ack.seqNo);
    if (handler === undefined) return;
    this.clearHandler(ack.seqNo);
    handler.onAck(ack.payload, this.host.clock.nowMs());
  }

  handleNack(nack: NackResp): void {
    this.handlers.get(nack.seqNo)?.onNack();
  }

  private ping(node: string, seqNo: number): Ping {
    return {
      node,
      seqNo,
      sourceAddr: this.host.addr,
      sourceNode: this.host.name,
      sourcePort: this.host.port,
    };
  }

  private setHandler(seqNo: number, timeoutMs: number, handler: Omit<AckHandler, 'timer'>): void {
    this.clearHandler(seqNo);
    const timer = this.host.clock.setTimer(timeoutMs, () => {
      if (this.handlers.get(seqNo) !== entry) return;
      this.handlers.delete(seqNo);
      entry.onTimeout();
    });
    const entry: AckHandler = { ...handler, timer };
    this.handlers.set(seqNo, entry);
  }

  private clearHandler(seqNo: number): void {
    const handler = this.handlers.get(seqNo);
    if (handler === undefined) return;
    handler.timer.cancel();
    this.handlers.delete(seqNo);
  }
}

function addressOf(node: NodeState): GossipAddress {
  return { host: node.host, port: node.port };
}

/** Acks go to the ping's `SourceAddr:SourcePort` when both are set (a relayed ping), else to the sender. */
function replyAddress(
  from: GossipAddress,
  ping: { sourceAddr?: Uint8Array; sourcePort?: number },
): GossipAddress {
  if (
    ping.sourceAddr !== undefined &&
    ping.sourceAddr.length > 0 &&
    ping.sourcePort !== undefined &&
    ping.sourcePort > 0
  )
    return { host: hostOf(ping.sourceAddr), port: ping.sourcePort };
  return from;
}
