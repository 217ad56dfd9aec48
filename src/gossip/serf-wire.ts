/**
 * serf's messages (serf 0.9.x, messages.go), carried as memberlist user messages
 * `[serf type][msgpack]` (reference §9, §10). Lamport times are numbers (exact below 2^53).
 * Encoding is go-msgpack 0.5.5's (sorted Go field names, raw strings); Go maps (StatusLTimes,
 * tags) are written in the insertion order of the JS Map/record, as Go's order is random anyway.
 * Decoding is liberal and throws only GossipDecodeError.
 */
import { GossipDecodeError } from './messages.ts';
import { float64, type GoValue, goStruct, MsgpackReader, MsgpackWriter } from './msgpack.ts';

export const SerfMessageType = {
  leave: 0,
  join: 1,
  pushPull: 2,
  userEvent: 3,
  query: 4,
  queryResponse: 5,
  conflictResponse: 6,
  keyRequest: 7,
  keyResponse: 8,
  relay: 9,
} as const;

/** `{LTime, Node, Prune}` */
export interface LeaveIntent {
  lTime: number;
  node: string;
  prune: boolean;
}

/** `{LTime, Node}` */
export interface JoinIntent {
  lTime: number;
  node: string;
}

/** `{CC, LTime, Name, Payload}` */
export interface UserEventMessage {
  cc: boolean;
  lTime: number;
  name: string;
  payload: Uint8Array;
}

/** Query flags. */
export const QueryFlag = { ack: 1, noBroadcast: 2 } as const;

/** `{Addr, Filters, Flags, ID, LTime, Name, Payload, Port, RelayFactor, SourceNode, Timeout}`; nil lists/payloads are `null`. */
export interface QueryMessage {
  addr: Uint8Array;
  filters: Uint8Array[] | null;
  flags: number;
  id: number;
  lTime: number;
  name: string;
  payload: Uint8Array | null;
  port: number;
  relayFactor: number;
  sourceNode: string;
  /** Nanoseconds (Go `time.Duration`). */
  timeoutNs: number;
}

/** `{Flags, From, ID, LTime, Payload}` */
export interface QueryResponseMessage {
  flags: number;
  from: string;
  id: number;
  lTime: number;
  payload: Uint8Array | null;
}

/** One slot of serf's event buffer: `{Events: [{Name, Payload}], LTime}`. */
export interface UserEventCollection {
  events: { name: string; payload: Uint8Array }[];
  lTime: number;
}

/** `{EventLTime, Events, LTime, LeftMembers, QueryLTime, StatusLTimes}`; `events` slots may be `null`. */
export interface SerfPushPull {
  eventLTime: number;
  events: (UserEventCollection | null)[];
  lTime: number;
  leftMembers: string[];
  queryLTime: number;
  statusLTimes: Map<string, number>;
}

/** serf's `Member` as `_serf_conflict` answers it: `{Addr, DelegateCur, DelegateMax, DelegateMin, Name, Port, ProtocolCur, ProtocolMax, ProtocolMin, Status, Tags}`. */
export interface WireMember {
  name: string;
  addr: Uint8Array;
  port: number;
  tags: Map<string, string>;
  status: number;
  protocolMin: number;
  protocolMax: number;
  protocolCur: number;
  delegateMin: number;
  delegateMax: number;
  delegateCur: number;
}

/** `{Key}` (install/use/remove), nil for list. */
export interface KeyRequest {
  key: Uint8Array | null;
}

/** `{Keys, Message, PrimaryKey, Result}`; keys in base64. */
export interface KeyResponse {
  keys: string[];
  message: string;
  primaryKey: string;
  result: boolean;
}

/** `{DestAddr: {IP, Port, Zone}, DestName}` followed by the raw inner serf message. */
export interface RelayHeader {
  destAddr: { ip: Uint8Array; port: number; zone: string };
  destName: string;
}

/** Vivaldi coordinate as serf puts it in acks: `[0x01]{Adjustment, Error, Height, Vec}`. */
export interface Coordinate {
  adjustment: number;
  error: number;
  height: number;
  vec: number[];
}

/** Query filters: `[0][msgpack []string]` node names, `[1]{Expr, Tag}` a tag regexp. */
export type QueryFilter = { type: 'node'; names: string[] } | { type: 'tag'; tag: string; expr: string };

export type SerfMessage =
  | { type: 'leave'; body: LeaveIntent }
  | { type: 'join'; body: JoinIntent }
  | { type: 'pushPull'; body: SerfPushPull }
  | { type: 'userEvent'; body: UserEventMessage }
  | { type: 'query'; body: QueryMessage }
  | { type: 'queryResponse'; body: QueryResponseMessage }
  | { type: 'relay'; body: RelayHeader; inner: Uint8Array };

/** The first byte of serf's ack payload (`PingVersion`). */
const PING_VERSION = 1;
/** The first byte of serf tags in memberlist meta. */
const TAG_MAGIC_BYTE = 0xff;

function malformed(message: string): GossipDecodeError {
  return new GossipDecodeError('malformed', message);
}

function writeQuery(writer: MsgpackWriter, query: QueryMessage): void {
  writer.mapHeader(11);
  writer.str('Addr').bytes(query.addr);
  writer.str('Filters');
  if (query.filters === null) writer.nil();
  else {
    writer.arrayHeader(query.filters.length);
    for (const filter of query.filters) writer.bytes(filter);
  }
  writer.str('Flags').int(query.flags);
  writer.str('ID').int(query.id);
  writer.str('LTime').int(query.lTime);
  writer.str('Name').str(query.name);
  writer.str('Payload').bytes(query.payload);
  writer.str('Port').int(query.port);
  writer.str('RelayFactor').int(query.relayFactor);
  writer.str('SourceNode').str(query.sourceNode);
  writer.str('Timeout').int(query.timeoutNs);
}

function writePushPull(writer: MsgpackWriter, state: SerfPushPull): void {
  writer.mapHeader(6);
  writer.str('EventLTime').int(state.eventLTime);
  writer.str('Events').arrayHeader(state.events.length);
  for (const slot of state.events) {
    if (slot === null) {
      writer.nil();
      continue;
    }
    writer.mapHeader(2).str('Events').arrayHeader(slot.events.length);
    for (const event of slot.events)
      writer.mapHeader(2).str('Name').str(event.name).str('Payload').bytes(event.payload);
    writer.str('LTime').int(slot.lTime);
  }
  writer.str('LTime').int(state.lTime);
  writer.str('LeftMembers').arrayHeader(state.leftMembers.length);
  for (const name of state.leftMembers) writer.str(name);
  writer.str('QueryLTime').int(state.queryLTime);
  writer.str('StatusLTimes').mapHeader(state.statusLTimes.size);
  for (const [name, lTime] of state.statusLTimes) writer.str(name).int(lTime);
}

/** `[type][msgpack]` in go-msgpack 0.5.5's bytes (relay: `[9][header][inner]`). */
export function encodeSerfMessage(message: SerfMessage): Uint8Array {
  const writer = new MsgpackWriter();
  writer.byte(SerfMessageType[message.type]);
  switch (message.type) {
    case 'leave':
      writer.mapHeader(3);
      writer.str('LTime').int(message.body.lTime);
      writer.str('Node').str(message.body.node);
      writer.str('Prune').bool(message.body.prune);
      break;
    case 'join':
      writer.mapHeader(2);
      writer.str('LTime').int(message.body.lTime);
      writer.str('Node').str(message.body.node);
      break;
    case 'pushPull':
      writePushPull(writer, message.body);
      break;
    case 'userEvent':
      writer.mapHeader(4);
      writer.str('CC').bool(message.body.cc);
      writer.str('LTime').int(message.body.lTime);
      writer.str('Name').str(message.body.name);
      writer.str('Payload').bytes(message.body.payload);
      break;
    case 'query':
      writeQuery(writer, message.body);
      break;
    case 'queryResponse':
      writer.mapHeader(5);
      writer.str('Flags').int(message.body.flags);
      writer.str('From').str(message.body.from);
      writer.str('ID').int(message.body.id);
      writer.str('LTime').int(message.body.lTime);
      writer.str('Payload').bytes(message.body.payload);
      break;
    case 'relay': {
      const { destAddr, destName } = message.body;
      writer.value(
        goStruct({
          DestAddr: goStruct({ IP: destAddr.ip, Port: destAddr.port, Zone: destAddr.zone }),
          DestName: destName,
        }),
      );
      writer.raw(message.inner);
      break;
    }
  }
  return writer.finish();
}

function readUserEventCollection(reader: MsgpackReader): UserEventCollection | null {
  const collection: UserEventCollection = { events: [], lTime: 0 };
  const present = reader.struct((name) => {
    if (name === 'LTime') collection.lTime = reader.uint();
    else if (name === 'Events') {
      const count = reader.arrayHeaderOrNull() ?? 0;
      for (let i = 0; i < count; i++) {
        const event: { name: string; payload: Uint8Array } = { name: '', payload: new Uint8Array(0) };
        reader.struct((field) => {
          if (field === 'Name') event.name = reader.string();
          else if (field === 'Payload') event.payload = reader.bytesValue();
          else return false;
          return true;
        });
        collection.events.push(event);
      }
    } else return false;
    return true;
  });
  return present ? collection : null;
}

function readPushPull(reader: MsgpackReader): SerfPushPull {
  const state: SerfPushPull = {
    eventLTime: 0,
    events: [],
    lTime: 0,
    leftMembers: [],
    queryLTime: 0,
    statusLTimes: new Map(),
  };
  reader.struct((name) => {
    switch (name) {
      case 'EventLTime':
        state.eventLTime = reader.uint();
        return true;
      case 'Events': {
        const count = reader.arrayHeaderOrNull() ?? 0;
        for (let i = 0; i < count; i++) state.events.push(readUserEventCollection(reader));
        return true;
      }
      case 'LTime':
        state.lTime = reader.uint();
        return true;
      case 'LeftMembers': {
        const count = reader.arrayHeaderOrNull() ?? 0;
        for (let i = 0; i < count; i++) state.leftMembers.push(reader.string());
        return true;
      }
      case 'QueryLTime':
        state.queryLTime = reader.uint();
        return true;
      case 'StatusLTimes': {
        const count = reader.mapHeaderOrNull() ?? 0;
        for (let i = 0; i < count; i++) {
          const member = reader.string();
          state.statusLTimes.set(member, reader.uint());
        }
        return true;
      }
    }
    return false;
  });
  return state;
}

function readBytesList(reader: MsgpackReader): Uint8Array[] | null {
  const count = reader.arrayHeaderOrNull();
  if (count === null) return null;
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) out.push(reader.bytesValue());
  return out;
}

function readQuery(reader: MsgpackReader): QueryMessage {
  const query: QueryMessage = {
    addr: new Uint8Array(0),
    filters: null,
    flags: 0,
    id: 0,
    lTime: 0,
    name: '',
    payload: null,
    port: 0,
    relayFactor: 0,
    sourceNode: '',
    timeoutNs: 0,
  };
  reader.struct((name) => {
    switch (name) {
      case 'Addr':
        query.addr = reader.bytesValue();
        return true;
      case 'Filters':
        query.filters = readBytesList(reader);
        return true;
      case 'Flags':
        query.flags = reader.uint();
        return true;
      case 'ID':
        query.id = reader.uint();
        return true;
      case 'LTime':
        query.lTime = reader.uint();
        return true;
      case 'Name':
        query.name = reader.string();
        return true;
      case 'Payload':
        query.payload = reader.bytesOrNull();
        return true;
      case 'Port':
        query.port = reader.uint();
        return true;
      case 'RelayFactor':
        query.relayFactor = reader.uint();
        return true;
      case 'SourceNode':
        query.sourceNode = reader.string();
        return true;
      case 'Timeout':
        query.timeoutNs = reader.int();
        return true;
    }
    return false;
  });
  return query;
}

function readRelayHeader(reader: MsgpackReader): RelayHeader {
  const header: RelayHeader = { destAddr: { ip: new Uint8Array(0), port: 0, zone: '' }, destName: '' };
  reader.struct((name) => {
    if (name === 'DestName') header.destName = reader.string();
    else if (name === 'DestAddr') {
      reader.struct((field) => {
        if (field === 'IP') header.destAddr.ip = reader.bytesValue();
        else if (field === 'Port') header.destAddr.port = reader.int();
        else if (field === 'Zone') header.destAddr.zone = reader.string();
        else return false;
        return true;
      });
    } else return false;
    return true;
  });
  return header;
}

/** Throws GossipDecodeError. */
export function decodeSerfMessage(bytes: Uint8Array): SerfMessage {
  if (bytes.length === 0) throw new GossipDecodeError('truncated', 'empty serf message');
  const reader = new MsgpackReader(bytes, 1);
  switch (bytes[0]) {
    case SerfMessageType.leave: {
      const body: LeaveIntent = { lTime: 0, node: '', prune: false };
      reader.struct((name) => {
        if (name === 'LTime') body.lTime = reader.uint();
        else if (name === 'Node') body.node = reader.string();
        else if (name === 'Prune') body.prune = reader.bool();
        else return false;
        return true;
      });
      return { type: 'leave', body };
    }
    case SerfMessageType.join: {
      const body: JoinIntent = { lTime: 0, node: '' };
      reader.struct((name) => {
        if (name === 'LTime') body.lTime = reader.uint();
        else if (name === 'Node') body.node = reader.string();
        else return false;
        return true;
      });
      return { type: 'join', body };
    }
    case SerfMessageType.pushPull:
      return { type: 'pushPull', body: readPushPull(reader) };
    case SerfMessageType.userEvent: {
      const body: UserEventMessage = { cc: false, lTime: 0, name: '', payload: new Uint8Array(0) };
      reader.struct((name) => {
        if (name === 'CC') body.cc = reader.bool();
        else if (name === 'LTime') body.lTime = reader.uint();
        else if (name === 'Name') body.name = reader.string();
        else if (name === 'Payload') body.payload = reader.bytesValue();
        else return false;
        return true;
      });
      return { type: 'userEvent', body };
    }
    case SerfMessageType.query:
      return { type: 'query', body: readQuery(reader) };
    case SerfMessageType.queryResponse: {
      const body: QueryResponseMessage = { flags: 0, from: '', id: 0, lTime: 0, payload: null };
      reader.struct((name) => {
        if (name === 'Flags') body.flags = reader.uint();
        else if (name === 'From') body.from = reader.string();
        else if (name === 'ID') body.id = reader.uint();
        else if (name === 'LTime') body.lTime = reader.uint();
        else if (name === 'Payload') body.payload = reader.bytesOrNull();
        else return false;
        return true;
      });
      return { type: 'queryResponse', body };
    }
    case SerfMessageType.relay: {
      const body = readRelayHeader(reader);
      return { type: 'relay', body, inner: bytes.slice(reader.offset) };
    }
  }
  throw new GossipDecodeError('unknown-type', `unknown serf message type ${bytes[0]}`);
}

/** `[0x02]` + push/pull user state, and back. */
export function encodeSerfPushPull(state: SerfPushPull): Uint8Array {
  return encodeSerfMessage({ type: 'pushPull', body: state });
}

/** `[type][msgpack value]`. */
function typed(type: number, value: GoValue): Uint8Array {
  return new MsgpackWriter().byte(type).value(value).finish();
}

/** The reader after the expected type byte. */
function after(type: number, bytes: Uint8Array, what: string): MsgpackReader {
  if (bytes.length === 0) throw new GossipDecodeError('truncated', `empty ${what}`);
  if (bytes[0] !== type) throw malformed(`${what} starts with ${bytes[0]}, expected ${type}`);
  return new MsgpackReader(bytes, 1);
}

const FilterType = { node: 0, tag: 1 } as const;

export function encodeQueryFilter(filter: QueryFilter): Uint8Array {
  if (filter.type === 'node') return typed(FilterType.node, filter.names);
  return typed(FilterType.tag, goStruct({ Expr: filter.expr, Tag: filter.tag }));
}
export function decodeQueryFilter(bytes: Uint8Array): QueryFilter {
  if (bytes.length === 0) throw new GossipDecodeError('truncated', 'empty query filter');
  const reader = new MsgpackReader(bytes, 1);
  if (bytes[0] === FilterType.node) {
    const count = reader.arrayHeaderOrNull() ?? 0;
    const names: string[] = [];
    for (let i = 0; i < count; i++) names.push(reader.string());
    return { type: 'node', names };
  }
  if (bytes[0] === FilterType.tag) {
    const filter = { type: 'tag' as const, tag: '', expr: '' };
    reader.struct((name) => {
      if (name === 'Tag') filter.tag = reader.string();
      else if (name === 'Expr') filter.expr = reader.string();
      else return false;
      return true;
    });
    return filter;
  }
  throw new GossipDecodeError('unknown-type', `unknown query filter type ${bytes[0]}`);
}

/** `_serf_conflict` response payload: `[6][msgpack Member]`, or `[6][c0]` for unknown. */
export function encodeConflictResponse(member: WireMember | null): Uint8Array {
  if (member === null) return typed(SerfMessageType.conflictResponse, null);
  return typed(
    SerfMessageType.conflictResponse,
    goStruct({
      Addr: member.addr,
      DelegateCur: member.delegateCur,
      DelegateMax: member.delegateMax,
      DelegateMin: member.delegateMin,
      Name: member.name,
      Port: member.port,
      ProtocolCur: member.protocolCur,
      ProtocolMax: member.protocolMax,
      ProtocolMin: member.protocolMin,
      Status: member.status,
      Tags: member.tags,
    }),
  );
}
export function decodeConflictResponse(bytes: Uint8Array): WireMember | null {
  const reader = after(SerfMessageType.conflictResponse, bytes, 'conflict response');
  const member: WireMember = {
    name: '',
    addr: new Uint8Array(0),
    port: 0,
    tags: new Map(),
    status: 0,
    protocolMin: 0,
    protocolMax: 0,
    protocolCur: 0,
    delegateMin: 0,
    delegateMax: 0,
    delegateCur: 0,
  };
  const numeric = {
    DelegateCur: 'delegateCur',
    DelegateMax: 'delegateMax',
    DelegateMin: 'delegateMin',
    Port: 'port',
    ProtocolCur: 'protocolCur',
    ProtocolMax: 'protocolMax',
    ProtocolMin: 'protocolMin',
    Status: 'status',
  } as const;
  const present = reader.struct((name) => {
    if (name === 'Name') member.name = reader.string();
    else if (name === 'Addr') member.addr = reader.bytesValue();
    else if (name === 'Tags') {
      const count = reader.mapHeaderOrNull() ?? 0;
      for (let i = 0; i < count; i++) {
        const key = reader.string();
        member.tags.set(key, reader.string());
      }
    } else if (Object.hasOwn(numeric, name)) member[numeric[name as keyof typeof numeric]] = reader.int();
    else return false;
    return true;
  });
  return present ? member : null;
}

/** `[7]{Key}` */
export function encodeKeyRequest(request: KeyRequest): Uint8Array {
  return typed(SerfMessageType.keyRequest, goStruct({ Key: request.key }));
}
export function decodeKeyRequest(bytes: Uint8Array): KeyRequest {
  const reader = after(SerfMessageType.keyRequest, bytes, 'key request');
  const request: KeyRequest = { key: null };
  reader.struct((name) => {
    if (name !== 'Key') return false;
    request.key = reader.bytesOrNull();
    return true;
  });
  return request;
}

/** `[8]{Keys, Message, PrimaryKey, Result}` */
export function encodeKeyResponse(response: KeyResponse): Uint8Array {
  return typed(
    SerfMessageType.keyResponse,
    goStruct({
      Keys: response.keys,
      Message: response.message,
      PrimaryKey: response.primaryKey,
      Result: response.result,
    }),
  );
}
export function decodeKeyResponse(bytes: Uint8Array): KeyResponse {
  const reader = after(SerfMessageType.keyResponse, bytes, 'key response');
  const response: KeyResponse = { keys: [], message: '', primaryKey: '', result: false };
  reader.struct((name) => {
    if (name === 'Keys') {
      const count = reader.arrayHeaderOrNull() ?? 0;
      for (let i = 0; i < count; i++) response.keys.push(reader.string());
    } else if (name === 'Message') response.message = reader.string();
    else if (name === 'PrimaryKey') response.primaryKey = reader.string();
    else if (name === 'Result') response.result = reader.bool();
    else return false;
    return true;
  });
  return response;
}

/** Ack payload `[0x01][msgpack Coordinate]` and back. */
export function encodeCoordinate(coordinate: Coordinate): Uint8Array {
  return typed(
    PING_VERSION,
    goStruct({
      Adjustment: float64(coordinate.adjustment),
      Error: float64(coordinate.error),
      Height: float64(coordinate.height),
      Vec: coordinate.vec.map(float64),
    }),
  );
}
export function decodeCoordinate(bytes: Uint8Array): Coordinate {
  const reader = after(PING_VERSION, bytes, 'ping payload');
  const coordinate: Coordinate = { adjustment: 0, error: 0, height: 0, vec: [] };
  reader.struct((name) => {
    if (name === 'Adjustment') coordinate.adjustment = reader.float();
    else if (name === 'Error') coordinate.error = reader.float();
    else if (name === 'Height') coordinate.height = reader.float();
    else if (name === 'Vec') {
      const count = reader.arrayHeaderOrNull() ?? 0;
      for (let i = 0; i < count; i++) coordinate.vec.push(reader.float());
    } else return false;
    return true;
  });
  return coordinate;
}

/** serf tags in node meta: `[0xFF][msgpack map[string]string]`; meta without 0xFF is the legacy role. */
export function encodeTags(tags: Record<string, string>): Uint8Array {
  return typed(TAG_MAGIC_BYTE, new Map(Object.entries(tags)));
}

/**
 * Tags from node meta. As serf does, undecodable tags are not an error: what was read before
 * the problem is returned (serf logs "Failed to decode tags" and carries on).
 */
export function decodeTags(meta: Uint8Array): Record<string, string> {
  const tags: Record<string, string> = {};
  const set = (key: string, value: string) =>
    Object.defineProperty(tags, key, { value, enumerable: true, writable: true, configurable: true });
  if (meta.length === 0 || meta[0] !== TAG_MAGIC_BYTE) {
    set('role', new TextDecoder().decode(meta));
    return tags;
  }
  const reader = new MsgpackReader(meta, 1);
  try {
    const count = reader.mapHeaderOrNull() ?? 0;
    for (let i = 0; i < count; i++) {
      const key = reader.string();
      set(key, reader.string());
    }
  } catch (error) {
    if (!(error instanceof GossipDecodeError)) throw error;
  }
  return tags;
}
