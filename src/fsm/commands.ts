import { Packr } from 'msgpackr';
import type { Session } from '../model/records.ts';
import type { Registration } from '../state/catalog.ts';
import type { KvWrite } from '../state/kv.ts';
import type { StoreSnapshot } from '../state/snapshot.ts';

/**
 * The Raft command registry. Append only: a number, once used, keeps its meaning forever (old
 * logs and snapshots hold it). The numbers follow Consul's `structs.MessageType` where Cairn has
 * the same command, so a reader can hold them side by side.
 *
 * Unknown-command policy: a type this build does not know stops the FSM (applying it wrongly
 * would fork the replicas), unless the writer set `IGNORE_UNKNOWN_FLAG` on it, which says the
 * command is safe to skip (Consul's `IgnoreUnknownTypeFlag`).
 */
export const CommandType = {
  register: 0,
  deregister: 1,
  kv: 2,
  session: 3,
  // 4: Consul's legacy ACL; never used by Cairn.
  tombstoneReap: 5,
  // 6: coordinate batch update, 7: prepared query: reserved for their issues.
  txn: 8,
} as const;
export type CommandType = (typeof CommandType)[keyof typeof CommandType];

export const IGNORE_UNKNOWN_FLAG = 128;

export const KvOp = {
  set: 'set',
  cas: 'cas',
  lock: 'lock',
  unlock: 'unlock',
  delete: 'delete',
  deleteCas: 'delete-cas',
  deleteTree: 'delete-tree',
} as const;
export type KvOp = (typeof KvOp)[keyof typeof KvOp];

/** KV verbs accepted in a transaction (Consul's `api.KVOp`). */
export const TxnKvVerb = {
  set: 'set',
  cas: 'cas',
  lock: 'lock',
  unlock: 'unlock',
  get: 'get',
  getOrEmpty: 'get-or-empty',
  getTree: 'get-tree',
  checkIndex: 'check-index',
  checkSession: 'check-session',
  checkNotExists: 'check-not-exists',
  delete: 'delete',
  deleteTree: 'delete-tree',
  deleteCas: 'delete-cas',
} as const;
export type TxnKvVerb = (typeof TxnKvVerb)[keyof typeof TxnKvVerb];

export const TXN_KV_VERBS: ReadonlySet<string> = new Set(Object.values(TxnKvVerb));

export interface TxnKvOperation {
  Verb: TxnKvVerb;
  Key: string;
  Value: Uint8Array | null;
  Flags: number;
  Index: number;
  Session: string;
}

export type Command =
  | { type: typeof CommandType.register; registration: Registration }
  | { type: typeof CommandType.deregister; node: string; serviceId: string; checkId: string }
  | { type: typeof CommandType.kv; op: KvOp; entry: KvWrite; cas: number }
  | { type: typeof CommandType.session; op: 'create'; session: Omit<Session, 'CreateIndex' | 'ModifyIndex'> }
  | { type: typeof CommandType.session; op: 'destroy'; id: string }
  | { type: typeof CommandType.tombstoneReap; upToIndex: number }
  | { type: typeof CommandType.txn; ops: TxnKvOperation[] };

// Plain maps, no records extension: entries must decode identically on every replica and version.
// copyBuffers: a decoded KV value is stored for good, so it must not be a view into the log entry
// or snapshot buffer it came from (which the caller may reuse, and which the view would pin).
const packr = new Packr({ useRecords: false, moreTypes: false, copyBuffers: true });

/** Encodes a command for the Raft log: one type byte, then the msgpack body. */
export function encodeCommand(command: Command): Uint8Array {
  const body = packr.pack(command);
  const data = new Uint8Array(body.length + 1);
  data[0] = command.type;
  data.set(body, 1);
  return data;
}

export type Decoded = { kind: 'command'; command: Command } | { kind: 'ignorable'; type: number };

/**
 * Decodes a log entry. The ignore flag is not part of the type: a known type is applied with or
 * without it (as Consul's FSM does); an unknown one is skipped if flagged, else refused.
 */
export function decodeCommand(data: Uint8Array): Decoded {
  const typeByte = data[0];
  if (typeByte === undefined) throw new Error('empty Raft command');
  const type = typeByte & ~IGNORE_UNKNOWN_FLAG;
  if (!isKnownType(type)) {
    if ((typeByte & IGNORE_UNKNOWN_FLAG) !== 0) return { kind: 'ignorable', type: typeByte };
    throw new Error(`unknown Raft command type ${typeByte}: refusing to apply (upgrade Cairn)`);
  }
  const command = packr.unpack(plainBytes(data).subarray(1)) as Command;
  if (command.type !== type)
    throw new Error(`Raft command type byte ${type} does not match body type ${command.type}`);
  return { kind: 'command', command };
}

const knownTypes: ReadonlySet<number> = new Set(Object.values(CommandType));
function isKnownType(type: number): boolean {
  return knownTypes.has(type);
}

/** Snapshots use the same codec. */
export function encodeSnapshot(snapshot: StoreSnapshot): Uint8Array {
  // Copy out of msgpackr's shared buffer: a snapshot outlives the next pack call.
  return new Uint8Array(packr.pack(snapshot));
}

export function decodeSnapshot(data: Uint8Array): StoreSnapshot {
  return packr.unpack(plainBytes(data)) as StoreSnapshot;
}

/**
 * A plain `Uint8Array` view of `data`. msgpackr decodes binary as the input's type, so a Node
 * `Buffer` input (a log read from disk, `encodeSnapshot`'s output) would store `Buffer` values on
 * some replicas and `Uint8Array` on others; they differ in `toString()` and `toJSON()`.
 */
function plainBytes(data: Uint8Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
