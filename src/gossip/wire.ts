/**
 * memberlist messages ↔ bytes (reference §4): `[type][msgpack body]` exactly as go-msgpack 0.5.5
 * writes memberlist 0.2.2's structs, i.e. maps with the Go field names in byte-wise order and the
 * `Source*` fields of pings left out when empty. Decoding is liberal (any key order, unknown keys
 * skipped, any int/str/bin width) and bounded: a push/pull's node count and user-state length are
 * checked against the bytes present before anything is allocated.
 */
import { assert } from '../lib/assert.ts';
import { LIMITS } from './config.ts';
import { EMPTY_BYTES } from './interned.ts';
import {
  type AckResp,
  type Alive,
  type Dead,
  type ErrResp,
  GossipDecodeError,
  type IndirectPing,
  type Message,
  MessageType,
  type NackResp,
  type Ping,
  type PushNodeState,
  type PushNodeStateKind,
  type PushPull,
  type Suspect,
} from './messages.ts';
import { encodeUtf8, MsgpackReader, MsgpackWriter } from './msgpack.ts';

/** A field name as its fixstr bytes, written once per message without re-encoding. */
function key(name: string): Uint8Array {
  assert(name.length < 32);
  const out = new Uint8Array(1 + name.length);
  out[0] = 0xa0 | name.length;
  out.set(encodeUtf8(name), 1);
  return out;
}

const K = {
  Addr: key('Addr'),
  Error: key('Error'),
  From: key('From'),
  Incarnation: key('Incarnation'),
  Join: key('Join'),
  Meta: key('Meta'),
  Nack: key('Nack'),
  Name: key('Name'),
  Node: key('Node'),
  Nodes: key('Nodes'),
  Payload: key('Payload'),
  Port: key('Port'),
  SeqNo: key('SeqNo'),
  SourceAddr: key('SourceAddr'),
  SourceNode: key('SourceNode'),
  SourcePort: key('SourcePort'),
  State: key('State'),
  Target: key('Target'),
  UserMsgLen: key('UserMsgLen'),
  UserStateLen: key('UserStateLen'),
  Vsn: key('Vsn'),
} as const;

/** Reused by encodeMessage (synchronous, not re-entrant); finish() copies the bytes out. */
const scratchWriter = new MsgpackWriter({ initialCapacity: 1024 });

/** How many of the omitempty `Source*` fields a ping carries. */
function sourceFieldCount(message: Ping | IndirectPing): number {
  return (
    (message.sourceAddr !== undefined && message.sourceAddr.length > 0 ? 1 : 0) +
    (message.sourceNode !== undefined && message.sourceNode !== '' ? 1 : 0) +
    (message.sourcePort !== undefined && message.sourcePort !== 0 ? 1 : 0)
  );
}

function writeSourceFields(writer: MsgpackWriter, message: Ping | IndirectPing): void {
  if (message.sourceAddr !== undefined && message.sourceAddr.length > 0) {
    writer.raw(K.SourceAddr).bytes(message.sourceAddr);
  }
  if (message.sourceNode !== undefined && message.sourceNode !== '') {
    writer.raw(K.SourceNode).str(message.sourceNode);
  }
  if (message.sourcePort !== undefined && message.sourcePort !== 0) {
    writer.raw(K.SourcePort).int(message.sourcePort);
  }
}

function writePushNodeState(writer: MsgpackWriter, state: PushNodeState): void {
  writer.mapHeader(7);
  writer.raw(K.Addr).bytes(state.addr);
  writer.raw(K.Incarnation).int(state.incarnation);
  writer.raw(K.Meta).bytes(state.meta);
  writer.raw(K.Name).str(state.name);
  writer.raw(K.Port).int(state.port);
  writer.raw(K.State).int(state.state);
  writer.raw(K.Vsn).bytes(state.vsn);
}

/** `[type][msgpack body]` in go-msgpack 0.5.5's exact bytes; `user` → `[8][bytes]`, `pushPull` → the stream form. */
export function encodeMessage(message: Message): Uint8Array {
  return writeMessage(message).finish();
}

/**
 * As `encodeMessage`, but the bytes are the shared copy from interned.ts (immutable): for the
 * broadcasts every node of a pool queues alike (the same alive about the same node), so each
 * queue holds a reference rather than its own copy.
 */
export function encodeSharedMessage(message: Message): Uint8Array {
  return writeMessage(message).finishShared();
}

function writeMessage(message: Message): MsgpackWriter {
  // Push/pulls can be megabytes: give them their own buffer rather than keep one that large.
  const writer =
    message.type === 'pushPull' ? new MsgpackWriter({ initialCapacity: 4096 }) : scratchWriter.reset();
  writer.byte(MessageType[message.type]);
  switch (message.type) {
    case 'ping': {
      const body = message.body;
      writer.mapHeader(2 + sourceFieldCount(body));
      writer.raw(K.Node).str(body.node);
      writer.raw(K.SeqNo).int(body.seqNo);
      writeSourceFields(writer, body);
      break;
    }
    case 'indirectPing': {
      const body = message.body;
      writer.mapHeader(5 + sourceFieldCount(body));
      writer.raw(K.Nack).bool(body.nack);
      writer.raw(K.Node).str(body.node);
      writer.raw(K.Port).int(body.port);
      writer.raw(K.SeqNo).int(body.seqNo);
      writeSourceFields(writer, body);
      writer.raw(K.Target).bytes(body.target);
      break;
    }
    case 'ackResp':
      writer.mapHeader(2);
      writer.raw(K.Payload).bytes(message.body.payload);
      writer.raw(K.SeqNo).int(message.body.seqNo);
      break;
    case 'nackResp':
      writer.mapHeader(1);
      writer.raw(K.SeqNo).int(message.body.seqNo);
      break;
    case 'suspect':
    case 'dead':
      writer.mapHeader(3);
      writer.raw(K.From).str(message.body.from);
      writer.raw(K.Incarnation).int(message.body.incarnation);
      writer.raw(K.Node).str(message.body.node);
      break;
    case 'alive': {
      const body = message.body;
      writer.mapHeader(6);
      writer.raw(K.Addr).bytes(body.addr);
      writer.raw(K.Incarnation).int(body.incarnation);
      writer.raw(K.Meta).bytes(body.meta);
      writer.raw(K.Node).str(body.node);
      writer.raw(K.Port).int(body.port);
      writer.raw(K.Vsn).bytes(body.vsn);
      break;
    }
    case 'pushPull': {
      const body = message.body;
      writer.mapHeader(3);
      writer.raw(K.Join).bool(body.join);
      writer.raw(K.Nodes).int(body.nodes.length);
      writer.raw(K.UserStateLen).int(body.userState.length);
      for (const state of body.nodes) writePushNodeState(writer, state);
      writer.raw(body.userState);
      break;
    }
    case 'user':
      writer.raw(message.body);
      break;
    case 'errResp':
      writer.mapHeader(1);
      writer.raw(K.Error).str(message.body.error);
      break;
  }
  return writer;
}

/** The stream form of a user message: `[8]{UserMsgLen}[bytes]`. */
export function encodeUserStream(payload: Uint8Array): Uint8Array {
  const writer = new MsgpackWriter({ initialCapacity: payload.length + 20 });
  writer.byte(MessageType.user).mapHeader(1).raw(K.UserMsgLen).int(payload.length).raw(payload);
  return writer.finish();
}

/**
 * `[7][n][n × u16 len][parts…]`; at most 255 parts, each ≤ 65535 bytes. `headroom` zero bytes
 * come first, for a header the caller fills in (the packet CRC) without copying the compound.
 */
export function encodeCompound(parts: Uint8Array[], headroom = 0): Uint8Array {
  assert(parts.length <= LIMITS.maxCompoundParts, `compound of ${parts.length} parts`);
  let total = headroom + 2 + 2 * parts.length;
  for (const part of parts) {
    assert(part.length <= 0xffff, `compound part of ${part.length} bytes`);
    total += part.length;
  }
  const out = new Uint8Array(total);
  let offset = headroom;
  out[offset++] = MessageType.compound;
  out[offset++] = parts.length;
  for (const part of parts) {
    out[offset++] = part.length >>> 8;
    out[offset++] = part.length & 0xff;
  }
  for (const part of parts) {
    // Gossip parts are tens of bytes: a loop beats `set`'s per-call cost at that size.
    if (part.length <= 64) for (let i = 0; i < part.length; i++) out[offset + i] = part[i] as number;
    else out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function readPing(reader: MsgpackReader): Ping {
  const ping: Ping = { node: '', seqNo: 0 };
  reader.struct((name) => {
    switch (name) {
      case 'Node':
        ping.node = reader.string();
        return true;
      case 'SeqNo':
        ping.seqNo = reader.uint();
        return true;
      case 'SourceAddr':
        ping.sourceAddr = reader.bytesValue();
        return true;
      case 'SourceNode':
        ping.sourceNode = reader.string();
        return true;
      case 'SourcePort':
        ping.sourcePort = reader.uint();
        return true;
    }
    return false;
  });
  return ping;
}

function readIndirectPing(reader: MsgpackReader): IndirectPing {
  const ping: IndirectPing = { nack: false, node: '', port: 0, seqNo: 0, target: new Uint8Array(0) };
  reader.struct((name) => {
    switch (name) {
      case 'Nack':
        ping.nack = reader.bool();
        return true;
      case 'Node':
        ping.node = reader.string();
        return true;
      case 'Port':
        ping.port = reader.uint();
        return true;
      case 'SeqNo':
        ping.seqNo = reader.uint();
        return true;
      case 'SourceAddr':
        ping.sourceAddr = reader.bytesValue();
        return true;
      case 'SourceNode':
        ping.sourceNode = reader.string();
        return true;
      case 'SourcePort':
        ping.sourcePort = reader.uint();
        return true;
      case 'Target':
        ping.target = reader.bytesValue();
        return true;
    }
    return false;
  });
  return ping;
}

function readAck(reader: MsgpackReader): AckResp {
  const ack: AckResp = { payload: null, seqNo: 0 };
  reader.struct((name) => {
    if (name === 'Payload') ack.payload = reader.bytesOrNull();
    else if (name === 'SeqNo') ack.seqNo = reader.uint();
    else return false;
    return true;
  });
  return ack;
}

function readNack(reader: MsgpackReader): NackResp {
  const nack: NackResp = { seqNo: 0 };
  reader.struct((name) => {
    if (name !== 'SeqNo') return false;
    nack.seqNo = reader.uint();
    return true;
  });
  return nack;
}

// The hot messages (every gossip packet is full of them) match field names as bytes, in the
// order of these lists (`fieldIndex`), instead of decoding each name to a string.
const SUSPECT_FIELDS = ['From', 'Incarnation', 'Node'].map(encodeUtf8);
const ALIVE_FIELDS = ['Addr', 'Incarnation', 'Meta', 'Node', 'Port', 'Vsn'].map(encodeUtf8);
const PUSH_STATE_FIELDS = ['Addr', 'Incarnation', 'Meta', 'Name', 'Port', 'State', 'Vsn'].map(encodeUtf8);

function readSuspectOrDead(reader: MsgpackReader): Suspect | Dead {
  const body: Suspect = { from: '', incarnation: 0, node: '' };
  const count = reader.tryNil() ? 0 : reader.mapHeader();
  for (let i = 0; i < count; i++) {
    switch (reader.fieldIndex(SUSPECT_FIELDS)) {
      case 0:
        body.from = reader.string();
        break;
      case 1:
        body.incarnation = reader.uint();
        break;
      case 2:
        body.node = reader.string();
        break;
      default:
        reader.skip();
    }
  }
  return body;
}

// Alive and push/pull node states carry Addr, Vsn and Meta as shared, immutable arrays
// (interned.ts): every node's table repeats them for every other node.
function readAlive(reader: MsgpackReader): Alive {
  const empty = EMPTY_BYTES;
  const alive: Alive = { addr: empty, incarnation: 0, meta: empty, node: '', port: 0, vsn: empty };
  const count = reader.tryNil() ? 0 : reader.mapHeader();
  for (let i = 0; i < count; i++) {
    switch (reader.fieldIndex(ALIVE_FIELDS)) {
      case 0:
        alive.addr = reader.bytesShared();
        break;
      case 1:
        alive.incarnation = reader.uint();
        break;
      case 2:
        alive.meta = reader.bytesShared();
        break;
      case 3:
        alive.node = reader.string();
        break;
      case 4:
        alive.port = reader.uint();
        break;
      case 5:
        alive.vsn = reader.bytesShared();
        break;
      default:
        reader.skip();
    }
  }
  return alive;
}

function readPushNodeState(reader: MsgpackReader): PushNodeState {
  const empty = EMPTY_BYTES;
  const state: PushNodeState = {
    addr: empty,
    incarnation: 0,
    meta: empty,
    name: '',
    port: 0,
    state: 0,
    vsn: empty,
  };
  const count = reader.tryNil() ? 0 : reader.mapHeader();
  for (let i = 0; i < count; i++) {
    switch (reader.fieldIndex(PUSH_STATE_FIELDS)) {
      case 0:
        state.addr = reader.bytesShared();
        break;
      case 1:
        state.incarnation = reader.uint();
        break;
      case 2:
        state.meta = reader.bytesShared();
        break;
      case 3:
        state.name = reader.string();
        break;
      case 4:
        state.port = reader.uint();
        break;
      case 5: {
        const kind = reader.int();
        // memberlist keeps unknown states and treats them as none of alive/suspect/dead/left.
        if (kind < 0 || kind > 3) throw new GossipDecodeError('malformed', `push/pull node state ${kind}`);
        state.state = kind as PushNodeStateKind;
        break;
      }
      case 6:
        state.vsn = reader.bytesShared();
        break;
      default:
        reader.skip();
    }
  }
  return state;
}

/** A push/pull header `{Join, Nodes, UserStateLen}`, bounded by LIMITS.maxPushStateBytes. */
export interface PushPullHeader {
  join: boolean;
  nodes: number;
  userStateLength: number;
}

/** Reads a push/pull header; counts over the limit throw 'too-large', negative ones 'malformed'. */
export function readPushPullHeader(reader: MsgpackReader): PushPullHeader {
  const header: PushPullHeader = { join: false, nodes: 0, userStateLength: 0 };
  reader.struct((name) => {
    if (name === 'Join') header.join = reader.bool();
    else if (name === 'Nodes') header.nodes = reader.int();
    else if (name === 'UserStateLen') header.userStateLength = reader.int();
    else return false;
    return true;
  });
  if (header.nodes < 0 || header.userStateLength < 0) {
    throw new GossipDecodeError('malformed', 'push/pull header with a negative count');
  }
  if (header.nodes > LIMITS.maxPushStateBytes || header.userStateLength > LIMITS.maxPushStateBytes) {
    throw new GossipDecodeError('too-large', 'push/pull over the 20 MiB limit');
  }
  return header;
}

function readPushPull(reader: MsgpackReader): PushPull {
  const header = readPushPullHeader(reader);
  // Every node state takes at least one byte: a count beyond the bytes left cannot be satisfied.
  if (header.nodes > reader.remaining) {
    throw new GossipDecodeError('truncated', `push/pull declares ${header.nodes} nodes`);
  }
  const nodes: PushNodeState[] = [];
  for (let i = 0; i < header.nodes; i++) nodes.push(readPushNodeState(reader));
  const userState = reader.rawBytes(header.userStateLength).slice();
  return { join: header.join, nodes, userState };
}

function readErrResp(reader: MsgpackReader): ErrResp {
  const body: ErrResp = { error: '' };
  reader.struct((name) => {
    if (name !== 'Error') return false;
    body.error = reader.string();
    return true;
  });
  return body;
}

/** Decodes the body after the type byte; `user` in its packet form (the rest of the bytes). */
function decodeBody(type: number, reader: MsgpackReader, streamForm: boolean): Message {
  switch (type) {
    case MessageType.ping:
      return { type: 'ping', body: readPing(reader) };
    case MessageType.indirectPing:
      return { type: 'indirectPing', body: readIndirectPing(reader) };
    case MessageType.ackResp:
      return { type: 'ackResp', body: readAck(reader) };
    case MessageType.nackResp:
      return { type: 'nackResp', body: readNack(reader) };
    case MessageType.suspect:
      return { type: 'suspect', body: readSuspectOrDead(reader) };
    case MessageType.alive:
      return { type: 'alive', body: readAlive(reader) };
    case MessageType.dead:
      return { type: 'dead', body: readSuspectOrDead(reader) };
    case MessageType.pushPull:
      return { type: 'pushPull', body: readPushPull(reader) };
    case MessageType.errResp:
      return { type: 'errResp', body: readErrResp(reader) };
    case MessageType.user: {
      if (!streamForm) return { type: 'user', body: reader.rawBytes(reader.remaining).slice() };
      return { type: 'user', body: reader.rawBytes(readUserStreamLength(reader)).slice() };
    }
  }
  throw new GossipDecodeError('unknown-type', `unknown message type ${type}`);
}

/** The `{UserMsgLen}` header of a stream user message. */
export function readUserStreamLength(reader: MsgpackReader): number {
  let length = 0;
  reader.struct((name) => {
    if (name !== 'UserMsgLen') return false;
    length = reader.int();
    return true;
  });
  if (length < 0) throw new GossipDecodeError('malformed', `user message length ${length}`);
  if (length > LIMITS.maxPushStateBytes) throw new GossipDecodeError('too-large', 'user message over 20 MiB');
  return length;
}

function decode(bytes: Uint8Array, streamForm: boolean): Message {
  if (bytes.length === 0) throw new GossipDecodeError('truncated', 'empty message');
  const reader = new MsgpackReader(bytes, 1);
  return decodeBody(bytes[0]!, reader, streamForm);
}

/** One bare message (type byte first, no compound/compress/CRC/encryption). Throws GossipDecodeError. */
export function decodeMessage(bytes: Uint8Array): Message {
  return decode(bytes, false);
}

/** As decodeMessage, but a user message in its stream form `[8]{UserMsgLen}[bytes]`. */
export function decodeStreamMessage(bytes: Uint8Array): Message {
  return decode(bytes, true);
}
