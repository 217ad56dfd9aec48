import type { Aead } from '../ports/aead.ts';
import type { Clock, Timer } from '../ports/clock.ts';
import type { GossipAddress, GossipTransport } from '../ports/gossip-transport.ts';
import type { Logger } from '../ports/logger.ts';
import type { Random } from '../ports/random.ts';
import { UserEventCoalescer } from './coalesce.ts';
import { LIMITS, type TimingProfile } from './config.ts';
import type { JoinTarget, MemberlistDelegate, NodeView } from './delegate.ts';
import { QueryBuffer, UserEventBuffer } from './event-buffer.ts';
import { answerInternalQuery, InternalQuery, isInternalQuery } from './internal-query.ts';
import { KeyManager } from './key-manager.ts';
import type { Keyring } from './keyring.ts';
import { LamportClock } from './lamport.ts';
import { Memberlist } from './memberlist.ts';
import { PacketCodec } from './packet.ts';
import {
  defaultQueryTimeoutMs,
  encodeQueryFilters,
  hostFromAddr,
  pickRelayMembers,
  QUERY_RESPONSE_SIZE_LIMIT,
  QUERY_SIZE_LIMIT,
  QueryCollectors,
  queryFiltersMatch,
} from './query.ts';
import { type MemberAddress, type MemberEvent, MemberTable, memberFrom } from './serf-members.ts';
import { retransmitLimit, SerfBroadcastQueue } from './serf-queue.ts';
import type {
  IncomingQuery,
  KeyOperationResult,
  MemberEventType,
  QueryHandle,
  QueryParams,
  SerfEvent,
  SerfMember,
} from './serf-types.ts';
import {
  type Coordinate,
  decodeConflictResponse,
  decodeSerfMessage,
  decodeTags,
  encodeCoordinate,
  encodeSerfMessage,
  encodeSerfPushPull,
  encodeTags,
  QueryFlag,
  type QueryMessage,
  SerfMessageType,
  type UserEventMessage,
} from './serf-wire.ts';

export type {
  IncomingQuery,
  KeyOperationResult,
  QueryHandle,
  QueryParams,
  SerfEvent,
  SerfMember,
  SerfMemberStatus,
} from './serf-types.ts';

export interface SerfOptions {
  nodeName: string;
  tags: Record<string, string>;
  /** Where peers reach this node. */
  advertise: { host: string; port: number };
  profile: TimingProfile;
  transport: GossipTransport;
  clock: Clock;
  random: Random;
  logger: Logger;
  /** Gossip encryption: both or neither. */
  keyring?: Keyring;
  aead?: Aead;
  /** Default true (serf and Consul compress). */
  compress?: boolean;
  /** Coalesce user events with CC set over this window (0 = deliver each). */
  userCoalescePeriodMs?: number;
  reconnectIntervalMs?: number;
  reconnectTimeoutMs?: number;
  tombstoneTimeoutMs?: number;
  reapIntervalMs?: number;
  /** Called after a key query changed this node's keyring (the agent persists it). */
  onKeyringChange?: () => void;
}

/** serf's defaults (reference §9.5). */
export const SERF_DEFAULTS = {
  broadcastTimeoutMs: 5000,
  leavePropagateDelayMs: 1000,
  recentIntentTimeoutMs: 5 * 60_000,
  reapIntervalMs: 15_000,
  reconnectIntervalMs: 30_000,
  reconnectTimeoutMs: 24 * 3_600_000,
  tombstoneTimeoutMs: 24 * 3_600_000,
  userEventSizeLimit: 512,
} as const;

/**
 * The coordinate this node reports in its acks. Cairn does not run Vivaldi yet: it reports the
 * origin with serf's initial error and height, which is what a fresh serf agent sends (V2).
 */
const ORIGIN_COORDINATE: Coordinate = {
  adjustment: 0,
  error: 1.5,
  height: 1e-5,
  vec: [0, 0, 0, 0, 0, 0, 0, 0],
};

type SerfState = 'created' | 'alive' | 'leaving' | 'left' | 'shutdown';

const MEMBER_EVENT_LOG: Record<MemberEventType, string> = {
  'member-join': 'EventMemberJoin',
  'member-leave': 'EventMemberLeave',
  'member-failed': 'EventMemberFailed',
  'member-update': 'EventMemberUpdate',
  'member-reap': 'EventMemberReap',
};

/**
 * serf 0.9.x over Memberlist (reference §9–§10): Lamport clocks, join/leave intents, member status
 * with reaping, tags, user events, queries with the internal `_serf_*` handlers, key management.
 *
 * Serf is memberlist's delegate: memberlist reports liveness (join, leave, update) and hands
 * over serf's user messages; serf gives memberlist its tags as node meta, its three broadcast
 * queues (intents, then queries, then user events) to piggyback, and its clocks, left members
 * and recent events as push/pull user state.
 */
export class Serf {
  readonly memberlist: Memberlist;
  readonly keys: {
    install(key: Uint8Array): Promise<KeyOperationResult>;
    use(key: Uint8Array): Promise<KeyOperationResult>;
    remove(key: Uint8Array): Promise<KeyOperationResult>;
    list(): Promise<KeyOperationResult>;
  };

  private readonly options: SerfOptions;
  private readonly localName: string;
  private tags: Record<string, string>;
  private state: SerfState = 'created';

  /** Member intents, user events, queries: three independent Lamport clocks. */
  private readonly clock = new LamportClock();
  private readonly eventClock = new LamportClock();
  private readonly queryClock = new LamportClock();

  private readonly memberTable: MemberTable;
  private readonly eventBuffer = new UserEventBuffer();
  private readonly queryBuffer = new QueryBuffer();
  private readonly intentBroadcasts = new SerfBroadcastQueue();
  private readonly queryBroadcasts = new SerfBroadcastQueue();
  private readonly eventBroadcasts = new SerfBroadcastQueue();
  private readonly collectors: QueryCollectors;
  private readonly coalescer: UserEventCoalescer<UserEventMessage>;
  private readonly listeners = new Set<(event: SerfEvent) => void>();
  private readonly timers = new Set<Timer>();
  /** > 0 while a join with "ignore old events" runs: its push/pull replies raise the event floor. */
  private ignoreOldJoins = 0;
  private resolvingConflict = false;
  private ackPayloadBytes: Uint8Array | undefined;

  constructor(options: SerfOptions) {
    this.options = options;
    this.localName = options.nodeName;
    checkTagsSize(options.tags);
    this.tags = { ...options.tags };
    this.memberTable = new MemberTable({
      localName: options.nodeName,
      recentIntentTimeoutMs: SERF_DEFAULTS.recentIntentTimeoutMs,
    });
    this.collectors = new QueryCollectors(options.clock);
    this.coalescer = new UserEventCoalescer(options.clock, options.userCoalescePeriodMs ?? 0, (event) =>
      this.emit({
        type: 'user',
        lTime: event.lTime,
        name: event.name,
        payload: event.payload,
        coalesce: event.cc,
      }),
    );
    const codec = new PacketCodec({
      compress: options.compress ?? true,
      ...(options.keyring !== undefined ? { keyring: options.keyring } : {}),
      ...(options.aead !== undefined ? { aead: options.aead } : {}),
      random: options.random,
    });
    this.memberlist = new Memberlist({
      name: options.nodeName,
      advertise: { host: options.advertise.host, port: options.advertise.port },
      profile: options.profile,
      transport: options.transport,
      codec,
      clock: options.clock,
      random: options.random,
      logger: options.logger,
      delegate: this.delegate(),
    });
    const keyManager = new KeyManager({
      query: (name, payload) => this.query(name, payload),
      numNodes: () => this.memberlist.numAlive(),
    });
    this.keys = {
      install: (key) => keyManager.install(key),
      use: (key) => keyManager.use(key),
      remove: (key) => keyManager.remove(key),
      list: () => keyManager.list(),
    };
  }

  // ------------------------------------------------------------------ lifecycle

  async start(): Promise<void> {
    if (this.state !== 'created') throw new Error('Serf already started');
    await this.memberlist.start();
    this.state = 'alive';
    // memberlist reports this node's own join as it starts; make sure it is listed either way.
    if (this.memberTable.get(this.localName) === undefined)
      this.emitMembers(this.memberTable.nodeJoined(memberAddress(this.memberlist.localNode())));
    this.every(this.options.reapIntervalMs ?? SERF_DEFAULTS.reapIntervalMs, () => this.reap());
    this.every(this.options.reconnectIntervalMs ?? SERF_DEFAULTS.reconnectIntervalMs, () => this.reconnect());
  }

  /** Joins through the targets, then broadcasts a join intent; throws when none answered. */
  async join(targets: JoinTarget[], ignoreOld: boolean): Promise<number> {
    if (this.state !== 'alive') throw new Error("Serf can't Join after Leave or Shutdown");
    if (ignoreOld) this.ignoreOldJoins++;
    let outcome: { joined: number; errors: string[] };
    try {
      outcome = await this.memberlist.join(targets);
    } finally {
      if (ignoreOld) this.ignoreOldJoins--;
    }
    if (outcome.joined === 0) throw new Error(formatJoinErrors(outcome.errors));
    this.broadcastJoin(this.clock.time());
    return outcome.joined;
  }

  /** Leave intent, wait for it to go out, memberlist leave, propagate delay. */
  async leave(): Promise<void> {
    if (this.state === 'left') return;
    if (this.state === 'leaving') throw new Error('Leave already in progress');
    if (this.state === 'shutdown') throw new Error('Leave called after Shutdown');
    if (this.state === 'created') throw new Error('Serf not started');
    this.state = 'leaving';
    const intent = { lTime: this.clock.time(), node: this.localName, prune: false };
    this.clock.increment();
    this.handleLeaveIntent(intent.node, intent.lTime, intent.prune);
    if (this.hasAliveMembers()) {
      const raw = encodeSerfMessage({ type: 'leave', body: intent });
      const sent = await this.broadcastAndWait(this.intentBroadcasts, raw, SERF_DEFAULTS.broadcastTimeoutMs);
      // serf gives up here; Cairn still leaves at the memberlist level so peers see `left`, not `failed`.
      if (!sent) this.options.logger.warn({}, 'timeout while waiting for graceful leave');
    }
    await this.memberlist.leave(SERF_DEFAULTS.broadcastTimeoutMs);
    // Stay up a little so peers probing us learn of the leave before we go quiet.
    await this.sleep(SERF_DEFAULTS.leavePropagateDelayMs);
    if (this.state === 'leaving') this.state = 'left';
  }

  /** Marks a failed member left (prune: erases it); throws for an unknown member. */
  async forceLeave(name: string, prune: boolean): Promise<void> {
    if (this.memberTable.get(name) === undefined) throw new Error(`No node found with name '${name}'`);
    const intent = { lTime: this.clock.time(), node: name, prune };
    this.clock.increment();
    this.handleLeaveIntent(intent.node, intent.lTime, intent.prune);
    if (!this.hasAliveMembers()) return;
    const raw = encodeSerfMessage({ type: 'leave', body: intent });
    if (!(await this.broadcastAndWait(this.intentBroadcasts, raw, SERF_DEFAULTS.broadcastTimeoutMs)))
      throw new Error('timed out broadcasting node removal');
  }

  /** Stops timers, queries and memberlist; no leave (peers will see this node fail). Idempotent. */
  async shutdown(): Promise<void> {
    if (this.state === 'shutdown') return;
    this.state = 'shutdown';
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    this.coalescer.stop();
    this.collectors.finishAll();
    this.intentBroadcasts.clear();
    this.queryBroadcasts.clear();
    this.eventBroadcasts.clear();
    await this.memberlist.shutdown();
  }

  // ------------------------------------------------------------------ members and tags

  members(): SerfMember[] {
    return this.memberTable.all();
  }

  localMember(): SerfMember {
    const listed = this.memberTable.get(this.localName);
    if (listed !== undefined) return listed;
    return memberFrom(memberAddress(this.memberlist.localNode()), 'alive');
  }

  async setTags(tags: Record<string, string>): Promise<void> {
    checkTagsSize(tags);
    this.tags = { ...tags };
    if (this.state !== 'alive') return;
    await this.memberlist.updateNode(SERF_DEFAULTS.broadcastTimeoutMs);
    // memberlist may or may not report its own node's update; the table must show the new tags.
    const listed = this.memberTable.get(this.localName);
    if (listed !== undefined && !sameTags(listed.tags, this.tags))
      this.emitMembers(this.memberTable.nodeUpdated(memberAddress(this.memberlist.localNode())));
  }

  subscribe(listener: (event: SerfEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  // ------------------------------------------------------------------ user events and queries

  /** Throws when name + payload exceed the 512-byte limit. */
  userEvent(name: string, payload: Uint8Array, coalesce: boolean): void {
    const limit = SERF_DEFAULTS.userEventSizeLimit;
    if (utf8(name).length + payload.length > limit)
      throw new Error(`user event exceeds configured limit of ${limit} bytes before encoding`);
    const message: UserEventMessage = { cc: coalesce, lTime: this.eventClock.time(), name, payload };
    const raw = encodeSerfMessage({ type: 'userEvent', body: message });
    if (raw.length > limit)
      throw new Error(`encoded user event exceeds configured limit of ${limit} bytes after encoding`);
    this.eventClock.increment();
    this.handleUserEvent(message);
    this.eventBroadcasts.queue(raw);
  }

  query(name: string, payload: Uint8Array | null, params: QueryParams = {}): QueryHandle {
    if (this.state === 'created' || this.state === 'shutdown') throw new Error('Serf is not running');
    const local = this.memberlist.localNode();
    const timeoutMs =
      params.timeoutMs ??
      defaultQueryTimeoutMs(this.options.profile.gossipIntervalMs, this.memberlist.numAlive());
    const message: QueryMessage = {
      addr: local.addr,
      filters: encodeQueryFilters(params),
      flags: params.requestAck === true ? QueryFlag.ack : 0,
      // serf draws a non-negative int32.
      id: Math.floor(this.options.random.next() * 2 ** 31),
      lTime: this.queryClock.time(),
      name,
      payload,
      port: local.port,
      relayFactor: params.relayFactor ?? 0,
      sourceNode: this.localName,
      timeoutNs: Math.round(timeoutMs * 1_000_000),
    };
    const raw = encodeSerfMessage({ type: 'query', body: message });
    if (raw.length > QUERY_SIZE_LIMIT) throw new Error(`query exceeds limit of ${QUERY_SIZE_LIMIT} bytes`);
    const collector = this.collectors.register(message.lTime, message.id, timeoutMs);
    // This node is a recipient too: it acks and answers its own query like any other.
    this.handleQuery(message);
    this.queryBroadcasts.queue(raw);
    return collector;
  }

  // ------------------------------------------------------------------ memberlist delegate

  private delegate(): MemberlistDelegate {
    return {
      nodeMeta: () => encodeTags(this.tags),
      notifyUserMessage: (message) => this.handleUserMessage(message),
      broadcasts: (overhead, limit) => this.takeBroadcasts(overhead, limit),
      localState: () => this.localState(),
      mergeRemoteState: (state, join) => this.mergeRemoteState(state, join),
      ackPayload: () => {
        this.ackPayloadBytes ??= encodeCoordinate(ORIGIN_COORDINATE);
        return this.ackPayloadBytes;
      },
      notifyPingComplete: () => {},
      notifyJoin: (node) => this.emitMembers(this.memberTable.nodeJoined(memberAddress(node))),
      notifyLeave: (node) =>
        this.emitMembers(this.memberTable.nodeLeft(node.name, this.options.clock.nowMs())),
      notifyUpdate: (node) => this.emitMembers(this.memberTable.nodeUpdated(memberAddress(node))),
      notifyConflict: (existing, other) => this.handleConflict(existing, other),
    };
  }

  private handleUserMessage(bytes: Uint8Array): void {
    let message: ReturnType<typeof decodeSerfMessage>;
    try {
      message = decodeSerfMessage(bytes);
    } catch (error) {
      this.options.logger.debug({ error: String(error), type: bytes[0] }, 'dropped undecodable serf message');
      return;
    }
    // Messages seen for the first time are gossiped on, byte for byte as they came.
    switch (message.type) {
      case 'leave':
        if (this.handleLeaveIntent(message.body.node, message.body.lTime, message.body.prune))
          this.intentBroadcasts.queue(bytes.slice());
        return;
      case 'join':
        if (this.handleJoinIntent(message.body.node, message.body.lTime))
          this.intentBroadcasts.queue(bytes.slice());
        return;
      case 'userEvent':
        if (this.handleUserEvent(message.body)) this.eventBroadcasts.queue(bytes.slice());
        return;
      case 'query':
        if (this.handleQuery(message.body)) this.queryBroadcasts.queue(bytes.slice());
        return;
      case 'queryResponse':
        this.collectors.deliver(message.body);
        return;
      case 'relay': {
        const destination = message.body.destAddr;
        this.send({ host: hostFromAddr(destination.ip), port: destination.port }, message.inner);
        return;
      }
      case 'pushPull':
        // Only meaningful as push/pull user state; as a gossip message it is noise.
        return;
    }
  }

  private takeBroadcasts(overhead: number, limit: number): Uint8Array[] {
    const transmitLimit = retransmitLimit(this.options.profile.retransmitMult, this.memberlist.numAlive());
    const taken: Uint8Array[] = [];
    let used = 0;
    for (const queue of [this.intentBroadcasts, this.queryBroadcasts, this.eventBroadcasts]) {
      if (queue.length === 0) continue;
      for (const message of queue.take(overhead, limit - used, transmitLimit)) {
        taken.push(message);
        used += message.length + overhead;
      }
    }
    return taken;
  }

  private localState(): Uint8Array {
    return encodeSerfPushPull({
      eventLTime: this.eventClock.time(),
      events: this.eventBuffer.snapshot(),
      lTime: this.clock.time(),
      leftMembers: this.memberTable.leftNames(),
      queryLTime: this.queryClock.time(),
      statusLTimes: this.memberTable.statusLTimes(),
    });
  }

  private mergeRemoteState(state: Uint8Array, join: boolean): void {
    if (state.length === 0) return;
    let decoded: ReturnType<typeof decodeSerfMessage>;
    try {
      decoded = decodeSerfMessage(state);
    } catch (error) {
      this.options.logger.debug({ error: String(error) }, 'dropped undecodable push/pull user state');
      return;
    }
    if (decoded.type !== 'pushPull') return;
    const remote = decoded.body;
    // The peer's clocks are one past the last time it used: witness that last time.
    if (remote.lTime > 0) this.clock.witness(remote.lTime - 1);
    if (remote.eventLTime > 0) this.eventClock.witness(remote.eventLTime - 1);
    if (remote.queryLTime > 0) this.queryClock.witness(remote.queryLTime - 1);
    // Left members first, as leave intents just after their last status time (the leave must
    // have come after it to put them on the left list).
    const left = new Set(remote.leftMembers);
    for (const name of remote.leftMembers)
      this.handleLeaveIntent(name, (remote.statusLTimes.get(name) ?? 0) + 1, false);
    for (const [name, statusLTime] of remote.statusLTimes)
      if (!left.has(name)) this.handleJoinIntent(name, statusLTime);
    if (join && this.ignoreOldJoins > 0)
      this.eventBuffer.minTime = Math.max(this.eventBuffer.minTime, remote.eventLTime);
    for (const slot of remote.events) {
      if (slot === null) continue;
      for (const event of slot.events)
        this.handleUserEvent({ cc: false, lTime: slot.lTime, name: event.name, payload: event.payload });
    }
  }

  // ------------------------------------------------------------------ message handlers

  /** Returns true when the intent was news (to be gossiped on). */
  private handleLeaveIntent(node: string, lTime: number, prune: boolean): boolean {
    this.clock.witness(lTime);
    const nowMs = this.options.clock.nowMs();
    const outcome = this.memberTable.leaveIntent(node, lTime, prune, nowMs, this.state === 'alive');
    this.emitMembers(outcome.events);
    if (outcome.refute) {
      this.options.logger.debug({ lTime }, 'Refuting an older leave intent');
      this.broadcastJoin(this.clock.time());
    }
    if (outcome.pruneLater !== undefined) {
      const name = outcome.pruneLater;
      // Give a leaving member time to finish leaving before it is forgotten.
      this.after(SERF_DEFAULTS.broadcastTimeoutMs + SERF_DEFAULTS.leavePropagateDelayMs, () =>
        this.emitMembers(this.memberTable.erase(name)),
      );
    }
    return outcome.rebroadcast;
  }

  private handleJoinIntent(node: string, lTime: number): boolean {
    this.clock.witness(lTime);
    return this.memberTable.joinIntent(node, lTime, this.options.clock.nowMs()).rebroadcast;
  }

  /** Applies, delivers and returns true for an event not seen before. */
  private handleUserEvent(event: UserEventMessage): boolean {
    this.eventClock.witness(event.lTime);
    if (!this.eventBuffer.record(event.lTime, event.name, event.payload, this.eventClock.time()))
      return false;
    this.coalescer.push(event);
    return true;
  }

  /** Reference §10 receiver steps 1–6. Returns true when the query should be gossiped on. */
  private handleQuery(query: QueryMessage): boolean {
    this.queryClock.witness(query.lTime);
    if (!this.queryBuffer.record(query.lTime, query.id, this.queryClock.time())) return false;
    // Gossip on even when this node is filtered out: others may match.
    const rebroadcast = (query.flags & QueryFlag.noBroadcast) === 0;
    if (!queryFiltersMatch(query.filters, this.localName, this.tags)) return rebroadcast;

    const querier: GossipAddress = { host: hostFromAddr(query.addr), port: query.port };
    if ((query.flags & QueryFlag.ack) !== 0) {
      const ack = encodeSerfMessage({
        type: 'queryResponse',
        body: { flags: QueryFlag.ack, from: this.localName, id: query.id, lTime: query.lTime, payload: null },
      });
      this.sendResponse(query, querier, ack);
    }

    const deadlineMs = this.options.clock.nowMs() + query.timeoutNs / 1_000_000;
    let responded = false;
    const respond = (payload: Uint8Array): void => {
      if (responded) throw new Error('response already sent');
      if (this.options.clock.nowMs() > deadlineMs) throw new Error('response is past the deadline');
      const raw = encodeSerfMessage({
        type: 'queryResponse',
        body: { flags: 0, from: this.localName, id: query.id, lTime: query.lTime, payload },
      });
      if (raw.length > QUERY_RESPONSE_SIZE_LIMIT)
        throw new Error(`response exceeds limit of ${QUERY_RESPONSE_SIZE_LIMIT} bytes`);
      responded = true;
      this.sendResponse(query, querier, raw);
    };

    if (isInternalQuery(query.name)) {
      const answer = answerInternalQuery(query.name, query.payload, {
        localName: this.localName,
        keyring: this.options.keyring,
        wireMember: (name) => this.memberTable.wireMember(name),
        logger: this.options.logger,
        ...(this.options.onKeyringChange !== undefined
          ? { onKeyringChange: this.options.onKeyringChange }
          : {}),
      });
      if (answer !== undefined) {
        try {
          respond(answer);
        } catch (error) {
          this.options.logger.error(
            { query: query.name, error: String(error) },
            'failed to respond to internal query',
          );
        }
      }
      return rebroadcast;
    }
    const incoming: IncomingQuery = {
      name: query.name,
      payload: query.payload,
      lTime: query.lTime,
      sourceNode: query.sourceNode,
      respond,
    };
    this.emit({ type: 'query', query: incoming });
    return rebroadcast;
  }

  /** An ack or response goes straight to the querier, plus copies through relay members. */
  private sendResponse(query: QueryMessage, querier: GossipAddress, raw: Uint8Array): void {
    this.send(querier, raw);
    const relays = pickRelayMembers(
      this.memberTable.all(),
      query.relayFactor,
      this.localName,
      this.options.random,
    );
    if (relays.length === 0) return;
    const relayed = encodeSerfMessage({
      type: 'relay',
      body: { destAddr: { ip: query.addr, port: query.port, zone: '' }, destName: query.sourceNode },
      inner: raw,
    });
    for (const relay of relays) this.send({ host: relay.host, port: relay.port }, relayed);
  }

  private send(to: GossipAddress, message: Uint8Array): void {
    if (this.state === 'shutdown') return;
    this.memberlist.sendUserPacket(to, message);
  }

  // ------------------------------------------------------------------ name conflicts

  private handleConflict(existing: NodeView, other: NodeView): void {
    this.options.logger.warn(
      {
        node: existing.name,
        existing: `${existing.host}:${existing.port}`,
        other: `${other.host}:${other.port}`,
      },
      `Name conflict for '${existing.name}' both ${existing.host}:${existing.port} and ${other.host}:${other.port} are claiming`,
    );
    if (existing.name === this.localName) void this.resolveNameConflict();
  }

  /**
   * Another node claims this node's name: ask the pool (`_serf_conflict`) which address it
   * knows for the name, and shut down when the majority names the other one.
   */
  private async resolveNameConflict(): Promise<void> {
    if (this.resolvingConflict || this.state !== 'alive') return;
    this.resolvingConflict = true;
    try {
      const local = this.memberlist.localNode();
      const handle = this.query(InternalQuery.conflict, utf8(this.localName));
      let responses = 0;
      let matching = 0;
      handle.onResponse((_from, payload) => {
        if (payload === null || payload[0] !== SerfMessageType.conflictResponse) return;
        let member: ReturnType<typeof decodeConflictResponse>;
        try {
          member = decodeConflictResponse(payload);
        } catch {
          return;
        }
        responses++;
        if (member !== null && hostFromAddr(member.addr) === local.host && member.port === local.port)
          matching++;
      });
      await handle.done;
      const majority = Math.floor(responses / 2) + 1;
      if (matching >= majority) {
        this.options.logger.info({ matching, responses }, 'majority in name conflict resolution');
        return;
      }
      this.options.logger.warn({ matching, responses }, 'minority in name conflict resolution, quitting');
      await this.shutdown();
    } finally {
      this.resolvingConflict = false;
    }
  }

  // ------------------------------------------------------------------ reaping and reconnecting

  private reap(): void {
    this.emitMembers(
      this.memberTable.reap(
        this.options.clock.nowMs(),
        this.options.reconnectTimeoutMs ?? SERF_DEFAULTS.reconnectTimeoutMs,
        this.options.tombstoneTimeoutMs ?? SERF_DEFAULTS.tombstoneTimeoutMs,
      ),
    );
  }

  /** With probability failed/alive, try to rejoin one random failed member (it may be back). */
  private reconnect(): void {
    if (this.state !== 'alive') return;
    const failed = this.memberTable.withStatus('failed');
    if (failed.length === 0) return;
    const all = this.memberTable.all();
    const left = all.filter((member) => member.status === 'left').length;
    const alive = Math.max(1, all.length - failed.length - left);
    if (this.options.random.next() > failed.length / alive) return;
    const target = failed[Math.floor(this.options.random.next() * failed.length)]!;
    this.options.logger.info(
      { node: target.name },
      `attempting reconnect to ${target.name} ${target.host}:${target.port}`,
    );
    this.memberlist
      .join([{ name: target.name, address: { host: target.host, port: target.port } }])
      .catch((error: unknown) => this.options.logger.debug({ error: String(error) }, 'reconnect failed'));
  }

  // ------------------------------------------------------------------ helpers

  private broadcastJoin(lTime: number): void {
    this.clock.witness(lTime);
    this.handleJoinIntent(this.localName, lTime);
    this.intentBroadcasts.queue(encodeSerfMessage({ type: 'join', body: { lTime, node: this.localName } }));
  }

  private hasAliveMembers(): boolean {
    return this.memberTable
      .all()
      .some((member) => member.name !== this.localName && member.status === 'alive');
  }

  /** Queues a message and resolves true once it has been sent enough times, false at the timeout. */
  private broadcastAndWait(queue: SerfBroadcastQueue, raw: Uint8Array, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      let settled = false;
      const timer = this.after(timeoutMs, () => {
        if (settled) return;
        settled = true;
        resolve(false);
      });
      queue.queue(raw, () => {
        if (settled) return;
        settled = true;
        timer.cancel();
        this.timers.delete(timer);
        resolve(true);
      });
    });
  }

  private emitMembers(events: MemberEvent[]): void {
    for (const event of events) {
      this.options.logger.info(
        { node: event.member.name, host: event.member.host },
        `${MEMBER_EVENT_LOG[event.type]}: ${event.member.name} ${event.member.host}`,
      );
      this.emit({ type: event.type, members: [event.member] });
    }
  }

  private emit(event: SerfEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.options.logger.error({ error: String(error), event: event.type }, 'serf event listener threw');
      }
    }
  }

  private after(delayMs: number, run: () => void): Timer {
    const timer = this.options.clock.setTimer(delayMs, () => {
      this.timers.delete(timer);
      run();
    });
    this.timers.add(timer);
    return timer;
  }

  private every(intervalMs: number, run: () => void): void {
    const tick = () => {
      if (this.state === 'shutdown') return;
      run();
      this.after(intervalMs, tick);
    };
    this.after(intervalMs, tick);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }
}

function memberAddress(node: NodeView): MemberAddress {
  let tags: Record<string, string>;
  try {
    tags = decodeTags(node.meta);
  } catch {
    tags = {};
  }
  return { name: node.name, host: node.host, addr: node.addr, port: node.port, tags, vsn: node.vsn };
}

function checkTagsSize(tags: Record<string, string>): void {
  if (encodeTags(tags).length > LIMITS.metaMaxSize)
    throw new Error(`Encoded length of tags exceeds limit of ${LIMITS.metaMaxSize} bytes`);
}

function sameTags(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** memberlist's join error, in go-multierror's format (what Consul shows for a failed join). */
function formatJoinErrors(errors: string[]): string {
  if (errors.length === 0) return 'Failed to join any nodes';
  const heading = errors.length === 1 ? '1 error occurred:' : `${errors.length} errors occurred:`;
  return `${heading}\n${errors.map((error) => `\t* ${error}`).join('\n')}\n\n`;
}
