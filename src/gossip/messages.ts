/**
 * memberlist's messages (memberlist 0.2.x, net.go) as plain records. Field order in the comments
 * is the order on the wire (Go's field names sorted byte-wise); `?` marks Go `omitempty` fields.
 * Byte fields stay `Uint8Array` (Go `[]byte`); node names and errors are UTF-8 strings.
 * Encoding and decoding live in wire.ts; the reference is ../shared/reference/gossip-wire.md §4.
 */

/** The type byte before every message. */
export const MessageType = {
  ping: 0,
  indirectPing: 1,
  ackResp: 2,
  suspect: 3,
  alive: 4,
  dead: 5,
  pushPull: 6,
  compound: 7,
  user: 8,
  compress: 9,
  encrypt: 10,
  nackResp: 11,
  hasCrc: 12,
  errResp: 13,
  hasLabel: 244,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** `{Node, SeqNo, SourceAddr?, SourceNode?, SourcePort?}` */
export interface Ping {
  node: string;
  seqNo: number;
  sourceAddr?: Uint8Array;
  sourceNode?: string;
  sourcePort?: number;
}

/** `{Nack, Node, Port, SeqNo, SourceAddr?, SourceNode?, SourcePort?, Target}` */
export interface IndirectPing {
  nack: boolean;
  node: string;
  port: number;
  seqNo: number;
  sourceAddr?: Uint8Array;
  sourceNode?: string;
  sourcePort?: number;
  target: Uint8Array;
}

/** `{Payload, SeqNo}`; a nil payload is `null`. */
export interface AckResp {
  payload: Uint8Array | null;
  seqNo: number;
}

/** `{SeqNo}` */
export interface NackResp {
  seqNo: number;
}

/** `{From, Incarnation, Node}` */
export interface Suspect {
  from: string;
  incarnation: number;
  node: string;
}

/** `{Addr, Incarnation, Meta, Node, Port, Vsn}`; `vsn` is exactly 6 bytes when sent. */
export interface Alive {
  addr: Uint8Array;
  incarnation: number;
  meta: Uint8Array;
  node: string;
  port: number;
  vsn: Uint8Array;
}

/** `{From, Incarnation, Node}`; `from === node` is a graceful leave. */
export interface Dead {
  from: string;
  incarnation: number;
  node: string;
}

/** A node's state in a push/pull (`State` on the wire). */
export const PushNodeStateKind = { alive: 0, suspect: 1, dead: 2, left: 3 } as const;
export type PushNodeStateKind = (typeof PushNodeStateKind)[keyof typeof PushNodeStateKind];

/** `{Addr, Incarnation, Meta, Name, Port, State, Vsn}` */
export interface PushNodeState {
  addr: Uint8Array;
  incarnation: number;
  meta: Uint8Array;
  name: string;
  port: number;
  state: PushNodeStateKind;
  vsn: Uint8Array;
}

/** Header `{Join, Nodes, UserStateLen}`, then the node states, then the raw user state. */
export interface PushPull {
  join: boolean;
  nodes: PushNodeState[];
  userState: Uint8Array;
}

/** `{Error}` */
export interface ErrResp {
  error: string;
}

/** A decoded message: what a packet or stream carries once compound, CRC, compression, encryption and labels are taken off. */
export type Message =
  | { type: 'ping'; body: Ping }
  | { type: 'indirectPing'; body: IndirectPing }
  | { type: 'ackResp'; body: AckResp }
  | { type: 'nackResp'; body: NackResp }
  | { type: 'suspect'; body: Suspect }
  | { type: 'alive'; body: Alive }
  | { type: 'dead'; body: Dead }
  | { type: 'pushPull'; body: PushPull }
  | { type: 'user'; body: Uint8Array }
  | { type: 'errResp'; body: ErrResp };

/** Why bytes were refused: counted per reason and logged at debug, never thrown past the handler. */
export class GossipDecodeError extends Error {
  constructor(
    readonly reason:
      | 'truncated'
      | 'malformed'
      | 'unknown-type'
      | 'bad-crc'
      | 'decrypt-failed'
      | 'not-encrypted'
      | 'too-large'
      | 'bad-compression'
      | 'bad-label',
    message: string,
  ) {
    super(message);
    this.name = 'GossipDecodeError';
  }
}
