import { isIpAddress } from '../lib/ip-address.ts';
import type { Clock, Timer } from '../ports/clock.ts';
import type { GossipAddress, GossipTransport, GossipTransportHandler } from '../ports/gossip-transport.ts';
import type { Logger } from '../ports/logger.ts';
import type { Random } from '../ports/random.ts';
import { Awareness } from './awareness.ts';
import { BroadcastQueue } from './broadcast-queue.ts';
import { LIMITS, type TimingProfile } from './config.ts';
import type { JoinTarget, MemberlistDelegate, MemberlistStats, NodeView } from './delegate.ts';
import { Membership } from './membership.ts';
import { GossipDecodeError, type Message, MessageType, type Ping, type PushPull } from './messages.ts';
import { addressBytes, type NodeState, viewOf } from './node-table.ts';
import type { PacketCodec } from './packet.ts';
import { Prober } from './probe.ts';
import { encodeMessage, encodeUserStream } from './wire.ts';

export interface MemberlistOptions {
  /** This node's unique name. */
  name: string;
  /** Address and port other nodes reach this one at (`alive.Addr`, `alive.Port`). */
  advertise: GossipAddress;
  profile: TimingProfile;
  transport: GossipTransport;
  codec: PacketCodec;
  clock: Clock;
  random: Random;
  logger: Logger;
  delegate: MemberlistDelegate;
}

/** memberlist's push/pull interval: longer above 32 nodes so the TCP load per node stays flat (util.go `pushPullScale`). */
export function pushPullIntervalMs(baseMs: number, nodeCount: number): number {
  if (nodeCount <= 32) return baseMs;
  return baseMs * (Math.ceil(Math.log2(nodeCount) - Math.log2(32)) + 1);
}

/**
 * SWIM with Lifeguard, wire-compatible with memberlist 0.2.x (reference §6–§8): probes,
 * suspicion, refutation, gossip, push/pull, join and leave. Runs on an injected clock, random
 * source and transport, so the simulator drives the same code as production.
 *
 * This class is the shell: timers, the transport, encoding and dispatch. The state rules live in
 * membership.ts, the failure detector in probe.ts, the queue in broadcast-queue.ts.
 */
export class Memberlist {
  readonly stats: MemberlistStats = {
    packetsReceived: 0,
    packetsSent: 0,
    bytesReceived: 0,
    bytesSent: 0,
    streamsReceived: 0,
    streamsSent: 0,
    dropped: {},
    probes: 0,
    probesIndirect: 0,
    probesFailed: 0,
    refutations: 0,
  };

  private readonly options: MemberlistOptions;
  private readonly logger: Logger;
  private readonly addr: Uint8Array;
  private readonly awareness: Awareness;
  private readonly broadcasts: BroadcastQueue;
  private readonly membership: Membership;
  private readonly prober: Prober;
  private readonly timers = new Map<'probe' | 'gossip' | 'pushPull', Timer>();
  private started = false;
  private shutDown = false;
  private inboundPushPulls = 0;

  constructor(options: MemberlistOptions) {
    this.options = options;
    this.logger = options.logger;
    if (!isIpAddress(options.advertise.host))
      throw new Error(`advertise address ${options.advertise.host} is not an IP address`);
    this.addr = addressBytes(options.advertise.host);
    this.awareness = new Awareness(options.profile.awarenessMaxMultiplier);
    this.broadcasts = new BroadcastQueue(options.profile.retransmitMult, () =>
      this.membership.estimatedNodes(),
    );
    this.membership = new Membership({
      name: options.name,
      addr: this.addr,
      port: options.advertise.port,
      profile: options.profile,
      clock: options.clock,
      random: options.random,
      logger: options.logger,
      delegate: options.delegate,
      broadcasts: this.broadcasts,
      awareness: this.awareness,
      stats: this.stats,
    });
    this.prober = new Prober({
      name: options.name,
      addr: this.addr,
      port: options.advertise.port,
      profile: options.profile,
      clock: options.clock,
      logger: options.logger,
      delegate: options.delegate,
      membership: this.membership,
      awareness: this.awareness,
      stats: this.stats,
      sendPiggybacked: (to, message) => this.sendPiggybacked(to, message),
      sendToNode: (node, messages) => this.sendToNode(node, messages),
      pingStream: (to, ping, timeoutMs) => this.pingStream(to, ping, timeoutMs),
    });
  }

  /** Listens on the transport, makes this node alive (incarnation 1) and arms the probe, gossip and push/pull timers. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const handler: GossipTransportHandler = {
      onPacket: (from, packet) => this.onPacket(from, packet),
      onStream: (from, message) => this.onStream(from, message),
      streamFrameLength: (buffered) => this.options.codec.streamFrameLength(buffered),
    };
    await this.options.transport.listen(handler);
    this.membership.setLocalAlive(this.localMeta());
    const { profile, random } = this.options;
    this.every(
      'probe',
      random.next() * profile.probeIntervalMs,
      () => profile.probeIntervalMs,
      () => this.prober.tick(),
    );
    this.every(
      'gossip',
      random.next() * profile.gossipIntervalMs,
      () => profile.gossipIntervalMs,
      () => this.gossip(),
    );
    // As memberlist's pushPullTrigger: a random stagger, then a whole (scaled) interval before the
    // first periodic push/pull, so it comes 1–2 intervals after start. A new node has just had
    // full state from its join; an exchange in its first interval would be redundant TCP load.
    const pushPullEvery = () =>
      pushPullIntervalMs(profile.pushPullIntervalMs, this.membership.estimatedNodes());
    this.timers.set(
      'pushPull',
      this.options.clock.setTimer(Math.floor(random.next() * profile.pushPullIntervalMs), () => {
        if (!this.shutDown)
          this.every('pushPull', pushPullEvery(), pushPullEvery, () => this.periodicPushPull());
      }),
    );
  }

  /** Push/pull with `Join = true` to each target in turn; resolves with how many answered. */
  async join(targets: JoinTarget[]): Promise<{ joined: number; errors: string[] }> {
    let joined = 0;
    const errors: string[] = [];
    for (const target of targets) {
      const where = `${target.address.host}:${target.address.port}`;
      try {
        await this.pushPull(target.address, true);
        joined++;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        this.logger.warn({ target: where }, `memberlist: Failed to join ${where}: ${reason}`);
        errors.push(`Failed to join ${where}: ${reason}`);
      }
    }
    return { joined, errors };
  }

  /** Broadcasts `dead{From == Node}` and waits (≤ timeout) until it has gone out. No refutation afterwards. */
  async leave(timeoutMs: number): Promise<void> {
    if (this.membership.isLeaving() || !this.started || this.shutDown) return;
    await this.waitForBroadcast(timeoutMs, 'leave', (onFinished) => this.membership.leave(onFinished));
  }

  /** Re-reads the delegate's meta and broadcasts an alive with the next incarnation. */
  async updateNode(timeoutMs: number): Promise<void> {
    const meta = this.localMeta();
    await this.waitForBroadcast(timeoutMs, 'update', (onFinished) =>
      this.membership.setLocalAlive(meta, onFinished),
    );
  }

  /** Every known node, dead and left included, this one too. */
  members(): NodeView[] {
    return this.membership.table.all().map(viewOf);
  }

  node(name: string): NodeView | undefined {
    const node = this.membership.table.get(name);
    return node === undefined ? undefined : viewOf(node);
  }

  localNode(): NodeView {
    return viewOf(this.membership.local());
  }

  /** Nodes not dead or left (this one included). */
  numAlive(): number {
    return this.membership.table.numAlive;
  }

  /** Lifeguard's awareness score, 0 = healthy. */
  healthScore(): number {
    return this.awareness.healthScore();
  }

  /** A user message (`[8]` added here) by datagram, e.g. a serf query response. */
  sendUserPacket(to: GossipAddress, message: Uint8Array): void {
    this.sendPacket(to, [encodeMessage({ type: 'user', body: message })], false);
  }

  /** A user message over a stream (`[8]{UserMsgLen}`). */
  async sendUserStream(to: GossipAddress, message: Uint8Array): Promise<void> {
    this.stats.streamsSent++;
    await this.options.transport.request(to, this.options.codec.sealStream(encodeUserStream(message)), {
      timeoutMs: this.options.profile.tcpTimeoutMs,
      expectReply: false,
    });
  }

  /** Stops timers and the transport; no leave. Idempotent. */
  async shutdown(): Promise<void> {
    if (this.shutDown) return;
    this.shutDown = true;
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
    this.prober.stop();
    for (const node of this.membership.table.all()) {
      node.suspicion?.cancel();
      node.suspicion = undefined;
    }
    this.broadcasts.reset();
    if (this.started) await this.options.transport.close();
  }

  // ------------------------------------------------------------------------------- timers

  private every(
    kind: 'probe' | 'gossip' | 'pushPull',
    firstMs: number,
    intervalMs: () => number,
    run: () => void,
  ) {
    const arm = (delayMs: number) => {
      this.timers.set(
        kind,
        this.options.clock.setTimer(delayMs, () => {
          if (this.shutDown) return;
          try {
            run();
          } catch (error) {
            this.logger.error({ error: String(error) }, `memberlist: ${kind} failed`);
          }
          arm(intervalMs());
        }),
      );
    };
    arm(Math.floor(firstMs));
  }

  private localMeta(): Uint8Array {
    const meta = this.options.delegate.nodeMeta(LIMITS.metaMaxSize);
    if (meta.length > LIMITS.metaMaxSize)
      throw new Error(
        `Node meta data provided is longer than the limit (${meta.length} > ${LIMITS.metaMaxSize})`,
      );
    return meta;
  }

  private waitForBroadcast(
    timeoutMs: number,
    what: string,
    start: (onFinished: () => void) => void,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let timer: Timer | undefined;
      const finished = () => {
        if (settled) return;
        settled = true;
        timer?.cancel();
        resolve();
      };
      start(finished);
      if (settled) return;
      if (!this.membership.anyAlive()) {
        finished();
        return;
      }
      timer = this.options.clock.setTimer(timeoutMs, () => {
        if (settled) return;
        settled = true;
        reject(new Error(`timeout waiting for ${what} broadcast`));
      });
    });
  }

  // ------------------------------------------------------------------------------- gossip

  /** The piggyback budget of one datagram: memberlist's UDPBufferSize less the encryption overhead. */
  private packetBudget(): number {
    return this.options.profile.udpBufferSize - this.options.codec.packetOverhead();
  }

  /** memberlist's broadcasts first, then the delegate's (serf's), each `[8]`-prefixed here. */
  private takeBroadcasts(overhead: number, limit: number): Uint8Array[] {
    const messages = this.broadcasts.take(overhead, limit);
    let used = 0;
    for (const message of messages) used += message.length + overhead;
    const remaining = limit - used;
    const userOverhead = overhead + LIMITS.userMsgOverhead;
    if (remaining <= userOverhead) return messages;
    for (const payload of this.options.delegate.broadcasts(userOverhead, remaining)) {
      const message = new Uint8Array(payload.length + 1);
      message[0] = MessageType.user;
      message.set(payload, 1);
      messages.push(message);
    }
    return messages;
  }

  private gossip(): void {
    const { profile, clock } = this.options;
    const now = clock.nowMs();
    const targets = this.membership.table.randomNodes(
      profile.gossipNodes,
      (node) =>
        node.name === this.options.name ||
        node.state === 'left' ||
        (node.state === 'dead' && now - node.stateChangeMs > profile.gossipToTheDeadMs),
    );
    for (const target of targets) {
      const messages = this.takeBroadcasts(
        LIMITS.compoundOverhead,
        this.packetBudget() - LIMITS.compoundHeaderOverhead,
      );
      if (messages.length === 0) return;
      this.sendPacket({ host: target.host, port: target.port }, messages, (target.vsn[1] ?? 0) >= 5);
    }
  }

  private sendPiggybacked(to: GossipAddress, message: Message): void {
    const encoded = encodeMessage(message);
    const extra = this.takeBroadcasts(
      LIMITS.compoundOverhead,
      this.packetBudget() - encoded.length - LIMITS.compoundHeaderOverhead,
    );
    this.sendPacket(to, [encoded, ...extra], false);
  }

  private sendToNode(node: NodeState, messages: Message[]): void {
    this.sendPacket(
      { host: node.host, port: node.port },
      messages.map((message) => encodeMessage(message)),
      (node.vsn[1] ?? 0) >= 5,
    );
  }

  private sendPacket(to: GossipAddress, messages: Uint8Array[], crc: boolean): void {
    if (this.shutDown) return;
    const packet = this.options.codec.sealPacket(messages, crc);
    this.stats.packetsSent++;
    this.stats.bytesSent += packet.length;
    this.options.transport.sendPacket(to, packet);
  }

  // ----------------------------------------------------------------------------- streams out

  private async request(to: GossipAddress, message: Message, timeoutMs: number): Promise<Message> {
    this.stats.streamsSent++;
    const reply = await this.options.transport.request(
      to,
      this.options.codec.sealStream(encodeMessage(message)),
      {
        timeoutMs,
        expectReply: true,
      },
    );
    if (reply === undefined) throw new Error('stream closed without a reply');
    const decoded = this.options.codec.openStream(reply);
    if (decoded.type === 'errResp') throw new Error(`remote error: ${decoded.body.error}`);
    return decoded;
  }

  private async pingStream(to: GossipAddress, ping: Ping, timeoutMs: number): Promise<boolean> {
    const reply = await this.request(to, { type: 'ping', body: ping }, timeoutMs);
    if (reply.type !== 'ackResp') throw new Error(`unexpected msgType (${reply.type}) from ping`);
    if (reply.body.seqNo !== ping.seqNo) {
      this.logger.warn(
        {},
        `memberlist: Mismatched sequence no. for fallback ping: ${reply.body.seqNo} != ${ping.seqNo}`,
      );
      return false;
    }
    return true;
  }

  private localPushPull(join: boolean): PushPull {
    return { join, nodes: this.membership.pushStates(), userState: this.options.delegate.localState(join) };
  }

  /** Sends our state, reads the peer's, merges it (reference §6). */
  private async pushPull(to: GossipAddress, join: boolean): Promise<void> {
    const reply = await this.request(
      to,
      { type: 'pushPull', body: this.localPushPull(join) },
      this.options.profile.tcpTimeoutMs,
    );
    if (reply.type !== 'pushPull') throw new Error(`unexpected msgType (${reply.type}) in push/pull reply`);
    this.mergePushPull(reply.body);
  }

  private mergePushPull(remote: PushPull): void {
    if (this.shutDown) return;
    const refusal = this.membership.verifyProtocol(remote.nodes);
    if (refusal !== undefined) throw new Error(refusal);
    this.membership.mergeRemote(remote.nodes);
    if (remote.userState.length > 0) this.options.delegate.mergeRemoteState(remote.userState, remote.join);
  }

  private periodicPushPull(): void {
    const [peer] = this.membership.table.randomNodes(
      1,
      (node) => node.name === this.options.name || node.state !== 'alive',
    );
    if (peer === undefined) return;
    this.pushPull({ host: peer.host, port: peer.port }, false).catch((error: unknown) => {
      this.logger.warn(
        { node: peer.name },
        `memberlist: Push/Pull with ${peer.name} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }

  // ---------------------------------------------------------------------------------- inbound

  private drop(reason: string): void {
    this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + 1;
  }

  private onPacket(from: GossipAddress, packet: Uint8Array): void {
    if (this.shutDown) return;
    this.stats.packetsReceived++;
    this.stats.bytesReceived += packet.length;
    let opened: ReturnType<PacketCodec['openPacket']>;
    try {
      opened = this.options.codec.openPacket(packet);
    } catch (error) {
      this.drop(error instanceof GossipDecodeError ? error.reason : 'malformed');
      return;
    }
    for (const error of opened.dropped) {
      this.drop(error.reason);
      this.logger.debug(
        { from: `${from.host}:${from.port}`, reason: error.reason },
        `memberlist: ${error.message}`,
      );
    }
    for (const message of opened.messages) {
      try {
        this.handlePacketMessage(from, message);
      } catch (error) {
        this.drop('internal');
        this.logger.error(
          { error: String(error), type: message.type },
          'memberlist: handling a packet failed',
        );
      }
    }
  }

  private handlePacketMessage(from: GossipAddress, message: Message): void {
    switch (message.type) {
      case 'ping':
        this.prober.handlePing(from, message.body);
        break;
      case 'indirectPing':
        this.prober.handleIndirectPing(from, message.body);
        break;
      case 'ackResp':
        this.prober.handleAck(message.body);
        break;
      case 'nackResp':
        this.prober.handleNack(message.body);
        break;
      case 'alive':
        this.membership.aliveNode(message.body);
        break;
      case 'suspect':
        this.membership.suspectNode(message.body);
        break;
      case 'dead':
        this.membership.deadNode(message.body);
        break;
      case 'user':
        this.options.delegate.notifyUserMessage(message.body);
        break;
      default:
        this.drop('unexpected-type');
    }
  }

  private async onStream(from: GossipAddress, bytes: Uint8Array): Promise<Uint8Array | undefined> {
    if (this.shutDown) return undefined;
    this.stats.streamsReceived++;
    let message: Message;
    try {
      message = this.options.codec.openStream(bytes);
    } catch (error) {
      this.drop(error instanceof GossipDecodeError ? error.reason : 'stream');
      const text = error instanceof Error ? error.message : String(error);
      this.logger.debug({ from: `${from.host}:${from.port}` }, `memberlist: Failed to receive: ${text}`);
      return this.errorReply(text);
    }
    try {
      switch (message.type) {
        case 'pushPull':
          return this.answerPushPull(from, message.body);
        case 'ping': {
          const ping = message.body;
          if (ping.node !== '' && ping.node !== this.options.name) {
            this.logger.warn(
              {},
              `memberlist: Got ping for unexpected node ${ping.node} from=${from.host}:${from.port}`,
            );
            return undefined;
          }
          return this.options.codec.sealStream(
            encodeMessage({ type: 'ackResp', body: { payload: null, seqNo: ping.seqNo } }),
          );
        }
        case 'user':
          this.options.delegate.notifyUserMessage(message.body);
          return undefined;
        default:
          this.drop('unexpected-type');
          return this.errorReply(`Received invalid msgType (${MessageType[message.type]})`);
      }
    } catch (error) {
      this.drop('stream');
      const text = error instanceof Error ? error.message : String(error);
      this.logger.error(
        { from: `${from.host}:${from.port}` },
        `memberlist: Failed to handle stream: ${text}`,
      );
      return this.errorReply(text);
    }
  }

  private answerPushPull(from: GossipAddress, remote: PushPull): Uint8Array | undefined {
    if (this.inboundPushPulls >= LIMITS.maxPushPullRequests) {
      this.drop('too-many-push-pulls');
      this.logger.error({}, `memberlist: Too many pending push/pull requests`);
      return undefined;
    }
    this.inboundPushPulls++;
    try {
      const reply = this.options.codec.sealStream(
        encodeMessage({ type: 'pushPull', body: this.localPushPull(remote.join) }),
      );
      try {
        this.mergePushPull(remote);
      } catch (error) {
        this.drop('push-pull-refused');
        this.logger.error(
          { from: `${from.host}:${from.port}` },
          `memberlist: Failed push/pull merge: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      return reply;
    } finally {
      this.inboundPushPulls--;
    }
  }

  private errorReply(error: string): Uint8Array {
    return this.options.codec.sealStream(encodeMessage({ type: 'errResp', body: { error } }));
  }
}
