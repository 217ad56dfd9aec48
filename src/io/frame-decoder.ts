/**
 * The Raft wire format: a stream of frames, each `[u32 big-endian payload length][payload]`,
 * the payload one msgpack-encoded `Message`. `encodeFrame` writes one; `FrameDecoder` turns an
 * arbitrarily chunked byte stream back into validated Messages.
 *
 * Pure: no sockets, clocks or node:* modules, so the decoder is tested (and fuzzed) as a function
 * of its input. Everything arriving here is untrusted: the decoder never throws for bad input,
 * it returns an error (after which the connection is useless: frame boundaries are lost).
 */
import { Packr } from 'msgpackr';
import { assert } from '../lib/assert.ts';
import {
  type Configuration,
  type ConfigurationServer,
  type Entry,
  EntryKind,
  type Message,
  MessageType,
  type Snapshot,
  Suffrage,
} from '../raft/types.ts';

export const FRAME_HEADER_BYTES = 4;
/** Default largest payload accepted: room for an InstallSnapshot of a sizeable catalog. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** The u32 length prefix cannot say more. */
export const LARGEST_EXPRESSIBLE_FRAME_BYTES = 2 ** 32 - 1;

/**
 * `useRecords: false`: plain msgpack maps, decodable by any msgpack library and free of the
 * record extension's cross-message state. `moreTypes: false`: `Uint8Array` is written as msgpack
 * `bin`, not as a typed-array extension. `copyBuffers: true`: decoded `bin` values are fresh
 * `Uint8Array`s, not views pinning the (possibly large) frame they arrived in.
 */
const packr = new Packr({ useRecords: false, moreTypes: false, copyBuffers: true });

/**
 * One frame holding `message`. The result is a fresh buffer the caller owns (msgpackr's `pack`
 * returns a view of a buffer it reuses on the next call).
 */
export function encodeFrame(message: Message): Uint8Array {
  const payload = packr.pack(message);
  assert(
    payload.byteLength <= LARGEST_EXPRESSIBLE_FRAME_BYTES,
    'frame payload exceeds the u32 length prefix',
  );
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.byteLength);
  new DataView(frame.buffer).setUint32(0, payload.byteLength, false);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

export const FrameErrorKind = {
  /** The length prefix exceeds the configured maximum; refused before buffering the payload. */
  oversized: 'oversized',
  /** The payload is not one complete msgpack value. */
  undecodable: 'undecodable',
  /** The payload decodes, but not to a well-formed Message. */
  malformed: 'malformed',
  /** The stream ended in the middle of a frame. */
  truncated: 'truncated',
} as const;
export type FrameErrorKind = (typeof FrameErrorKind)[keyof typeof FrameErrorKind];

export interface FrameError {
  kind: FrameErrorKind;
  /** For the log: what was wrong and what was expected. */
  reason: string;
}

export interface FrameDecodeResult {
  /** The messages completed by this chunk, in stream order (those before an error included). */
  messages: Message[];
  /** Set when the stream is unusable from here on; every later `push` returns it again. */
  error?: FrameError;
}

/**
 * Streaming decoder for one connection. `push` takes chunks split anywhere and returns the
 * messages they complete. It keeps no reference to a pushed chunk after returning (a partial
 * frame is copied), so callers may reuse their buffers.
 *
 * Memory is bounded by `maxFrameBytes` plus one chunk, and grows only as bytes actually arrive:
 * a length prefix alone never makes the decoder allocate its payload's size.
 */
export class FrameDecoder {
  private readonly maxFrameBytes: number;
  /** Payload length of the frame being read, once its header is complete. */
  private payloadBytes: number | undefined;
  /** Copied bytes of the incomplete header or payload being read. */
  private partial: Uint8Array[] = [];
  private partialBytes = 0;
  private failure: FrameError | undefined;

  constructor(options: { maxFrameBytes?: number } = {}) {
    const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    assert(
      Number.isSafeInteger(maxFrameBytes) &&
        maxFrameBytes > 0 &&
        maxFrameBytes <= LARGEST_EXPRESSIBLE_FRAME_BYTES,
      `maxFrameBytes must be an integer in [1, 2^32-1], got ${maxFrameBytes}`,
    );
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes held for the frame in progress (header included); 0 between frames. */
  get bufferedBytes(): number {
    return this.partialBytes + (this.payloadBytes === undefined ? 0 : FRAME_HEADER_BYTES);
  }

  push(chunk: Uint8Array): FrameDecodeResult {
    const messages: Message[] = [];
    if (this.failure !== undefined) return { messages, error: this.failure };
    let offset = 0;
    while (offset < chunk.byteLength) {
      const wanted = this.payloadBytes ?? FRAME_HEADER_BYTES;
      let piece: Uint8Array;
      if (this.partialBytes === 0 && chunk.byteLength - offset >= wanted) {
        // The common case: the whole piece lies in this chunk; decode from a view, no copy.
        piece = chunk.subarray(offset, offset + wanted);
        offset += wanted;
      } else {
        const taken = Math.min(wanted - this.partialBytes, chunk.byteLength - offset);
        // `new Uint8Array(view)` copies: the caller may reuse `chunk` once we return.
        this.partial.push(new Uint8Array(chunk.subarray(offset, offset + taken)));
        this.partialBytes += taken;
        offset += taken;
        if (this.partialBytes < wanted) break;
        piece = concatenate(this.partial, this.partialBytes);
        this.partial = [];
        this.partialBytes = 0;
      }

      if (this.payloadBytes === undefined) {
        const length = new DataView(piece.buffer, piece.byteOffset, FRAME_HEADER_BYTES).getUint32(0, false);
        if (length > this.maxFrameBytes)
          return this.fail(messages, {
            kind: FrameErrorKind.oversized,
            reason: `frame length ${length} exceeds the maximum of ${this.maxFrameBytes} bytes`,
          });
        if (length === 0)
          return this.fail(messages, {
            kind: FrameErrorKind.undecodable,
            reason: 'empty frame: expected a msgpack-encoded message',
          });
        this.payloadBytes = length;
      } else {
        this.payloadBytes = undefined;
        const decoded = decodeMessage(piece);
        if (!decoded.ok) return this.fail(messages, decoded.error);
        messages.push(decoded.message);
      }
    }
    return { messages };
  }

  /** The stream has ended: returns an error when it stopped inside a frame. */
  end(): FrameError | undefined {
    if (this.failure !== undefined) return this.failure;
    if (this.bufferedBytes === 0) return undefined;
    const expected =
      this.payloadBytes === undefined ? 'a 4-byte header' : `${this.payloadBytes}-byte payload`;
    this.failure = {
      kind: FrameErrorKind.truncated,
      reason: `stream ended inside a frame: ${this.partialBytes} bytes of ${expected} received`,
    };
    this.partial = [];
    this.partialBytes = 0;
    return this.failure;
  }

  private fail(messages: Message[], error: FrameError): FrameDecodeResult {
    this.failure = error;
    this.partial = [];
    this.partialBytes = 0;
    this.payloadBytes = undefined;
    return { messages, error };
  }
}

function concatenate(parts: readonly Uint8Array[], totalBytes: number): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  const whole = new Uint8Array(totalBytes);
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.byteLength;
  }
  return whole;
}

type DecodedMessage = { ok: true; message: Message } | { ok: false; error: FrameError };

function decodeMessage(payload: Uint8Array): DecodedMessage {
  let value: unknown;
  try {
    // A fresh plain view: msgpackr decodes `bin` as the input's class (a Node Buffer input would
    // yield Buffers) and caches a DataView on the object it is given.
    value = packr.unpack(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength));
  } catch (error) {
    // Includes RangeError from absurdly deep nesting: the payload is bounded, the stack is not.
    return {
      ok: false,
      error: {
        kind: FrameErrorKind.undecodable,
        reason: `payload is not one msgpack value: ${describeError(error)}`,
      },
    };
  }
  const parsed = parseMessage(value);
  if (typeof parsed === 'string')
    return { ok: false, error: { kind: FrameErrorKind.malformed, reason: parsed } };
  return { ok: true, message: parsed };
}

function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // msgpackr quotes up to 100 characters of the value; keep log lines short and bounded.
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

// ----- validation -------------------------------------------------------------------------

/** Thrown only inside `parseMessage`, never past it. */
class MalformedMessage extends Error {}

/**
 * Checks that `value` is a well-formed Message and returns a fresh copy holding only the known
 * fields (so nothing unexpected, such as extra properties or a different prototype, reaches the
 * Raft core), or a reason naming the offending field and what was expected.
 *
 * Optional fields may be absent or `undefined` (msgpackr's encoding of an explicit `undefined`);
 * unknown fields are ignored rather than refused, so a newer server may add fields.
 */
export function parseMessage(value: unknown): Message | string {
  try {
    return readMessage(value);
  } catch (error) {
    if (error instanceof MalformedMessage) return error.message;
    // A getter or proxy cannot come out of msgpack; anything else here is a bug in this file.
    throw error;
  }
}

const messageTypes: ReadonlySet<unknown> = new Set(Object.values(MessageType));
const entryKinds: ReadonlySet<unknown> = new Set(Object.values(EntryKind));
const suffrages: ReadonlySet<unknown> = new Set(Object.values(Suffrage));

function readMessage(value: unknown): Message {
  const fields = readRecord(value, 'message');
  const message: Message = {
    type: readMember(fields.type, 'message.type', messageTypes, 'a known message type'),
    from: readString(fields.from, 'message.from'),
    to: readString(fields.to, 'message.to'),
    term: readCount(fields.term, 'message.term'),
  };
  if (fields.index !== undefined) message.index = readCount(fields.index, 'message.index');
  if (fields.logTerm !== undefined) message.logTerm = readCount(fields.logTerm, 'message.logTerm');
  if (fields.entries !== undefined)
    message.entries = readArray(fields.entries, 'message.entries').map((entry, position) =>
      readEntry(entry, `message.entries[${position}]`),
    );
  if (fields.commit !== undefined) message.commit = readCount(fields.commit, 'message.commit');
  if (fields.reject !== undefined) message.reject = readBoolean(fields.reject, 'message.reject');
  if (fields.rejectHint !== undefined)
    message.rejectHint = readCount(fields.rejectHint, 'message.rejectHint');
  if (fields.rejectHintTerm !== undefined)
    message.rejectHintTerm = readCount(fields.rejectHintTerm, 'message.rejectHintTerm');
  if (fields.snapshot !== undefined) message.snapshot = readSnapshot(fields.snapshot, 'message.snapshot');
  if (fields.context !== undefined) message.context = readCount(fields.context, 'message.context');
  if (fields.transfer !== undefined) message.transfer = readBoolean(fields.transfer, 'message.transfer');
  return message;
}

function readEntry(value: unknown, path: string): Entry {
  const fields = readRecord(value, path);
  const entry: Entry = {
    index: readCount(fields.index, `${path}.index`),
    term: readCount(fields.term, `${path}.term`),
    kind: readMember(fields.kind, `${path}.kind`, entryKinds, 'a known entry kind'),
    data: readBytes(fields.data, `${path}.data`),
  };
  if (fields.configuration !== undefined)
    entry.configuration = readConfiguration(fields.configuration, `${path}.configuration`);
  return entry;
}

function readSnapshot(value: unknown, path: string): Snapshot {
  const fields = readRecord(value, path);
  const metadata = readRecord(fields.metadata, `${path}.metadata`);
  return {
    metadata: {
      index: readCount(metadata.index, `${path}.metadata.index`),
      term: readCount(metadata.term, `${path}.metadata.term`),
      configuration: readConfiguration(metadata.configuration, `${path}.metadata.configuration`),
    },
    data: readBytes(fields.data, `${path}.data`),
  };
}

function readConfiguration(value: unknown, path: string): Configuration {
  const fields = readRecord(value, path);
  return {
    servers: readArray(fields.servers, `${path}.servers`).map((server, position) =>
      readServer(server, `${path}.servers[${position}]`),
    ),
  };
}

function readServer(value: unknown, path: string): ConfigurationServer {
  const fields = readRecord(value, path);
  return {
    id: readString(fields.id, `${path}.id`),
    address: readString(fields.address, `${path}.address`),
    suffrage: readMember(fields.suffrage, `${path}.suffrage`, suffrages, 'voter or nonvoter'),
  };
}

function readRecord(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array)
    throw new MalformedMessage(`${path}: expected a map, got ${describeValue(value)}`);
  return value as Record<string, unknown>;
}

function readArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value))
    throw new MalformedMessage(`${path}: expected an array, got ${describeValue(value)}`);
  return value;
}

function readString(value: unknown, path: string): string {
  if (typeof value !== 'string')
    throw new MalformedMessage(`${path}: expected a string, got ${describeValue(value)}`);
  return value;
}

function readBoolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean')
    throw new MalformedMessage(`${path}: expected a boolean, got ${describeValue(value)}`);
  return value;
}

/** Terms, indexes and counters: integers ≥ 0 that a double represents exactly. */
function readCount(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new MalformedMessage(`${path}: expected a non-negative safe integer, got ${describeValue(value)}`);
  return value;
}

function readBytes(value: unknown, path: string): Uint8Array {
  if (!(value instanceof Uint8Array))
    throw new MalformedMessage(`${path}: expected binary (msgpack bin), got ${describeValue(value)}`);
  // Always a plain Uint8Array: a subclass (Node's Buffer) differs in toString and toJSON.
  return Object.getPrototypeOf(value) === Uint8Array.prototype
    ? value
    : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

function readMember<T extends string>(
  value: unknown,
  path: string,
  allowed: ReadonlySet<unknown>,
  expected: string,
): T {
  if (typeof value !== 'string' || !allowed.has(value))
    throw new MalformedMessage(`${path}: expected ${expected}, got ${describeValue(value)}`);
  return value as T;
}

/** A short description for error messages: never the whole (untrusted, possibly huge) value. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'nil';
  if (typeof value === 'string')
    return value.length <= 40 ? JSON.stringify(value) : `a ${value.length}-character string`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Uint8Array) return `${value.byteLength} bytes of binary`;
  if (value instanceof Date) return 'a timestamp';
  return typeof value === 'object' ? 'a map' : typeof value;
}
