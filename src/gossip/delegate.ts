import type { GossipAddress } from '../ports/gossip-transport.ts';

/** A node's liveness as memberlist tracks it. */
export type NodeStateName = 'alive' | 'suspect' | 'dead' | 'left';

/** What memberlist knows of a node, as handed to its owner (a copy: never mutated afterwards). */
export interface NodeView {
  name: string;
  /** IP literal of `addr` (4 bytes → dotted quad, 16 → IPv6 text). */
  host: string;
  addr: Uint8Array;
  port: number;
  meta: Uint8Array;
  incarnation: number;
  state: NodeStateName;
  /** [pmin, pmax, pcur, dmin, dmax, dcur] */
  vsn: Uint8Array;
  /** Clock ms of the last state change. */
  stateChangeMs: number;
}

/**
 * The layer above memberlist (serf) plugs in here: memberlist's `Delegate`, `EventDelegate`,
 * `PingDelegate` and `ConflictDelegate` in one record. Every method is called synchronously
 * from memberlist's own turn and must not call back into memberlist's mutating methods.
 */
export interface MemberlistDelegate {
  /** This node's meta, at most `limit` bytes (serf: `[0xFF][msgpack tags]`). */
  nodeMeta(limit: number): Uint8Array;
  /** A user message (`[8]` payload, the type byte stripped) arrived by packet or stream. */
  notifyUserMessage(message: Uint8Array): void;
  /**
   * Messages to piggyback, each counted with `overhead` extra bytes, within `limit` bytes in all.
   * Called for every outgoing gossip packet, ping and ack.
   */
  broadcasts(overhead: number, limit: number): Uint8Array[];
  /** The user state sent in a push/pull (serf: `[0x02][msgpack messagePushPull]`). */
  localState(join: boolean): Uint8Array;
  /** The peer's user state from a push/pull; called after the node states are merged. */
  mergeRemoteState(state: Uint8Array, join: boolean): void;
  /** Ack payload for pings sent to this node (serf: `[0x01][msgpack Coordinate]`); `null` = nil. */
  ackPayload(): Uint8Array | null;
  /** An ack for our own ping arrived, with the round trip and the peer's payload. */
  notifyPingComplete(node: NodeView, rttMs: number, payload: Uint8Array | null): void;
  /** A node became alive (a new node, or one back from dead/left). */
  notifyJoin(node: NodeView): void;
  /** A node went dead or left. */
  notifyLeave(node: NodeView): void;
  /** A live node's meta, address or versions changed. */
  notifyUpdate(node: NodeView): void;
  /** An alive about a known name came from another address and was refused. */
  notifyConflict(existing: NodeView, other: NodeView): void;
}

/** Counters a memberlist exposes (as a metric, `cairn.gossip.*`). */
export interface MemberlistStats {
  packetsReceived: number;
  packetsSent: number;
  bytesReceived: number;
  bytesSent: number;
  streamsReceived: number;
  streamsSent: number;
  /** Refused input by `GossipDecodeError.reason` (plus 'stream' for stream-level refusals). */
  dropped: Record<string, number>;
  probes: number;
  /** Probes whose direct ack did not come in time, so indirect pings (and a TCP ping) went out. */
  probesIndirect: number;
  probesFailed: number;
  refutations: number;
}

/** A join target: `host:port`, optionally `name/host:port`. */
export interface JoinTarget {
  name?: string;
  address: GossipAddress;
}

/**
 * Note on user messages: `broadcasts()` returns serf messages without memberlist's `[8]` user
 * type byte, and `notifyUserMessage()` receives them without it; memberlist adds and strips it.
 */
