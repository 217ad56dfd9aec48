/**
 * A small msgpack codec that writes exactly what go-msgpack 0.5.5 writes with a zero-value
 * `MsgpackHandle` (reference §3), and reads anything Go would accept (and a little more).
 *
 * Writing: strings and `[]byte` both use the raw str family (fixstr, str16, str32: never str8,
 * never bin, because Go only writes those with `WriteExt`); non-negative integers take the smallest
 * unsigned form; floats are always float64; a Go struct is a map with its keys sorted byte-wise and
 * empty `omitempty` fields left out. A writer made with `writeExt: true` writes str8 and bin
 * instead, as handles with `WriteExt` do (Consul's user events).
 *
 * Reading: a `MsgpackReader` walks a buffer from an offset. Running out of bytes (including a
 * declared length or count larger than what is left) throws GossipDecodeError('truncated'), so a
 * stream parser can wait for more; anything else wrong throws 'malformed'. Lengths are checked
 * against the bytes left before anything is allocated, and nesting depth is capped.
 */
import { EMPTY_BYTES, internAsciiRange, internBytes, internBytesRange } from './interned.ts';
import { GossipDecodeError } from './messages.ts';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** Deeper nesting than this is refused; Go's messages nest three levels at most. */
export const MAX_NESTING_DEPTH = 32;

/** A Go `float64`: plain numbers are written as integers, so floats must say so. */
export class GoFloat64 {
  constructor(readonly value: number) {}
}

/** A Go struct: written as a map with keys sorted byte-wise; `omitEmpty` fields are left out when zero. */
export class GoStruct {
  constructor(
    readonly fields: Readonly<Record<string, GoValue>>,
    readonly omitEmpty: readonly string[] = [],
  ) {}
}

/** A Go value as the writer understands it. `Map` is a Go map, written in insertion order. */
export type GoValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | GoFloat64
  | GoStruct
  | readonly GoValue[]
  | ReadonlyMap<string, GoValue>;

export function float64(value: number): GoFloat64 {
  return new GoFloat64(value);
}

export function goStruct(fields: Record<string, GoValue>, omitEmpty: readonly string[] = []): GoStruct {
  return new GoStruct(fields, omitEmpty);
}

/** Go's `isEmptyValue` for the kinds we write. */
function isEmptyGoValue(value: GoValue): boolean {
  if (value === null || value === false || value === 0 || value === '') return true;
  if (value instanceof Uint8Array) return value.length === 0;
  if (Array.isArray(value)) return value.length === 0;
  if (value instanceof Map) return value.size === 0;
  if (value instanceof GoFloat64) return value.value === 0;
  return false;
}

/** Byte-wise order of UTF-8 keys; for the ASCII field names Go uses this is code-unit order. */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A growable output buffer with go-msgpack 0.5.5's encodings. */
export class MsgpackWriter {
  private buffer: Uint8Array;
  private dataView: DataView | undefined;
  private length = 0;
  private readonly writeExt: boolean;

  constructor(options: { initialCapacity?: number; writeExt?: boolean } = {}) {
    this.buffer = new Uint8Array(options.initialCapacity ?? 128);
    this.writeExt = options.writeExt ?? false;
  }

  /** Made on first use (a writer is made per message; many need no multi-byte number). */
  private get view(): DataView {
    this.dataView ??= new DataView(this.buffer.buffer);
    return this.dataView;
  }

  get byteLength(): number {
    return this.length;
  }

  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  /** What was written, as the shared (interned, immutable) copy: no allocation when seen before. */
  finishShared(): Uint8Array {
    return internBytesRange(this.buffer, 0, this.length);
  }

  /** Empties the writer, keeping its buffer, so hot paths can reuse one writer. */
  reset(): this {
    this.length = 0;
    return this;
  }

  private ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.dataView = undefined;
  }

  /** One raw byte (a type byte, a serf message type). */
  byte(value: number): this {
    this.ensure(1);
    this.buffer[this.length++] = value;
    return this;
  }

  /** Raw bytes, not msgpack-framed. */
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  /** A big-endian u16 / u32 outside msgpack (compound lengths, stream lengths). */
  uint16BigEndian(value: number): this {
    this.ensure(2);
    this.view.setUint16(this.length, value);
    this.length += 2;
    return this;
  }

  uint32BigEndian(value: number): this {
    this.ensure(4);
    this.view.setUint32(this.length, value);
    this.length += 4;
    return this;
  }

  nil(): this {
    return this.byte(0xc0);
  }

  bool(value: boolean): this {
    return this.byte(value ? 0xc3 : 0xc2);
  }

  /** Any Go integer (signed or unsigned): go-msgpack 0.5.5 writes non-negative signed ints as unsigned. */
  int(value: number): this {
    if (!Number.isInteger(value)) throw new TypeError(`msgpack: ${value} is not an integer`);
    if (value >= 0) {
      if (value < 0x80) return this.byte(value);
      this.ensure(9);
      if (value < 0x100) {
        this.buffer[this.length++] = 0xcc;
        this.buffer[this.length++] = value;
      } else if (value < 0x10000) {
        this.buffer[this.length++] = 0xcd;
        this.view.setUint16(this.length, value);
        this.length += 2;
      } else if (value < 0x100000000) {
        this.buffer[this.length++] = 0xce;
        this.view.setUint32(this.length, value);
        this.length += 4;
      } else {
        this.buffer[this.length++] = 0xcf;
        this.view.setBigUint64(this.length, BigInt(value));
        this.length += 8;
      }
      return this;
    }
    if (value >= -32) return this.byte(value & 0xff);
    this.ensure(9);
    if (value >= -0x80) {
      this.buffer[this.length++] = 0xd0;
      this.view.setInt8(this.length, value);
      this.length += 1;
    } else if (value >= -0x8000) {
      this.buffer[this.length++] = 0xd1;
      this.view.setInt16(this.length, value);
      this.length += 2;
    } else if (value >= -0x80000000) {
      this.buffer[this.length++] = 0xd2;
      this.view.setInt32(this.length, value);
      this.length += 4;
    } else {
      this.buffer[this.length++] = 0xd3;
      this.view.setBigInt64(this.length, BigInt(value));
      this.length += 8;
    }
    return this;
  }

  /** A Go `float64`: always `cb`. */
  float64(value: number): this {
    this.ensure(9);
    this.buffer[this.length++] = 0xcb;
    this.view.setFloat64(this.length, value);
    this.length += 8;
    return this;
  }

  /** The header of a string or byte slice of `length` bytes. */
  private rawHeader(length: number, binary: boolean): void {
    this.ensure(5);
    if (this.writeExt && binary) {
      if (length < 0x100) {
        this.buffer[this.length++] = 0xc4;
        this.buffer[this.length++] = length;
        return;
      }
      if (length < 0x10000) {
        this.buffer[this.length++] = 0xc5;
        this.view.setUint16(this.length, length);
        this.length += 2;
        return;
      }
      this.buffer[this.length++] = 0xc6;
      this.view.setUint32(this.length, length);
      this.length += 4;
      return;
    }
    if (length < 32) {
      this.buffer[this.length++] = 0xa0 | length;
    } else if (this.writeExt && length < 0x100) {
      this.buffer[this.length++] = 0xd9;
      this.buffer[this.length++] = length;
    } else if (length < 0x10000) {
      this.buffer[this.length++] = 0xda;
      this.view.setUint16(this.length, length);
      this.length += 2;
    } else {
      this.buffer[this.length++] = 0xdb;
      this.view.setUint32(this.length, length);
      this.length += 4;
    }
  }

  /** A Go `string` (UTF-8). */
  str(value: string): this {
    // ASCII fast path: node names, field names and most values are ASCII.
    let ascii = true;
    for (let i = 0; i < value.length; i++) {
      if (value.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (!ascii) return this.strBytes(textEncoder.encode(value));
    this.rawHeader(value.length, false);
    this.ensure(value.length);
    for (let i = 0; i < value.length; i++) this.buffer[this.length++] = value.charCodeAt(i);
    return this;
  }

  /** A Go `string` given as its bytes. */
  strBytes(bytes: Uint8Array): this {
    this.rawHeader(bytes.length, false);
    return this.raw(bytes);
  }

  /** A Go `[]byte`; `null` is a nil slice (`c0`). */
  bytes(value: Uint8Array | null): this {
    if (value === null) return this.nil();
    this.rawHeader(value.length, true);
    return this.raw(value);
  }

  arrayHeader(count: number): this {
    this.ensure(5);
    if (count < 16) {
      this.buffer[this.length++] = 0x90 | count;
    } else if (count < 0x10000) {
      this.buffer[this.length++] = 0xdc;
      this.view.setUint16(this.length, count);
      this.length += 2;
    } else {
      this.buffer[this.length++] = 0xdd;
      this.view.setUint32(this.length, count);
      this.length += 4;
    }
    return this;
  }

  mapHeader(count: number): this {
    this.ensure(5);
    if (count < 16) {
      this.buffer[this.length++] = 0x80 | count;
    } else if (count < 0x10000) {
      this.buffer[this.length++] = 0xde;
      this.view.setUint16(this.length, count);
      this.length += 2;
    } else {
      this.buffer[this.length++] = 0xdf;
      this.view.setUint32(this.length, count);
      this.length += 4;
    }
    return this;
  }

  /** Any Go value (see GoValue). Hot paths write fields directly instead. */
  value(value: GoValue): this {
    if (value === null) return this.nil();
    switch (typeof value) {
      case 'boolean':
        return this.bool(value);
      case 'number':
        return this.int(value);
      case 'string':
        return this.str(value);
    }
    if (value instanceof Uint8Array) return this.bytes(value);
    if (value instanceof GoFloat64) return this.float64(value.value);
    if (value instanceof GoStruct) return this.struct(value);
    if (Array.isArray(value)) {
      const list = value as readonly GoValue[];
      this.arrayHeader(list.length);
      for (const item of list) this.value(item);
      return this;
    }
    const map = value as ReadonlyMap<string, GoValue>;
    this.mapHeader(map.size);
    for (const [key, item] of map) {
      this.str(key);
      this.value(item);
    }
    return this;
  }

  /** A Go struct as go-msgpack 0.5.5 writes it: a map, keys sorted byte-wise, empty omitempty fields dropped. */
  struct(value: GoStruct): this {
    const keys = Object.keys(value.fields)
      .filter((key) => !(value.omitEmpty.includes(key) && isEmptyGoValue(value.fields[key]!)))
      .sort(compareKeys);
    this.mapHeader(keys.length);
    for (const key of keys) {
      this.str(key);
      this.value(value.fields[key]!);
    }
    return this;
  }
}

/** msgpack bytes of one Go value (a fresh encoder, as memberlist and serf use). */
export function encodeGoValue(value: GoValue, options: { writeExt?: boolean } = {}): Uint8Array {
  return new MsgpackWriter(options).value(value).finish();
}

function truncated(what: string): GossipDecodeError {
  return new GossipDecodeError('truncated', `msgpack: truncated ${what}`);
}

function malformed(message: string): GossipDecodeError {
  return new GossipDecodeError('malformed', `msgpack: ${message}`);
}

/** A decoded msgpack value, for tests and for skipping unknown shapes. Strings stay bytes (Go `[]byte` view). */
export type DecodedValue =
  | null
  | boolean
  | number
  | bigint
  | Uint8Array
  | DecodedValue[]
  | Map<DecodedValue, DecodedValue>;

/** Reads msgpack values from `bytes`, starting at `offset`. */
export class MsgpackReader {
  offset: number;
  private dataView: DataView | undefined;

  constructor(
    readonly bytes: Uint8Array,
    offset = 0,
    /** Declared lengths and element counts above this throw GossipDecodeError('too-large'). */
    private readonly maxDeclaredLength = Number.POSITIVE_INFINITY,
  ) {
    this.offset = offset;
  }

  /** Made on first use: most messages (alive, ping, ack) need no multi-byte number, and a reader is made per message. */
  private get view(): DataView {
    this.dataView ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.dataView;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** The next byte without consuming it. */
  peek(): number {
    if (this.offset >= this.bytes.length) throw truncated('value');
    return this.bytes[this.offset]!;
  }

  /** Consumes a nil if one is next. */
  tryNil(): boolean {
    if (this.peek() !== 0xc0) return false;
    this.offset++;
    return true;
  }

  /** `count` raw bytes (a view into the buffer, not msgpack-framed). */
  rawBytes(count: number): Uint8Array {
    this.checkLength(count);
    const out = this.bytes.subarray(this.offset, this.offset + count);
    this.offset += count;
    return out;
  }

  private byte(): number {
    if (this.offset >= this.bytes.length) throw truncated('value');
    return this.bytes[this.offset++]!;
  }

  private need(count: number): void {
    if (this.offset + count > this.bytes.length) throw truncated('value');
  }

  private uint8(): number {
    this.need(1);
    return this.bytes[this.offset++]!;
  }
  private uint16(): number {
    this.need(2);
    const bytes = this.bytes;
    const at = this.offset;
    this.offset += 2;
    return ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
  }
  private uint32(): number {
    this.need(4);
    const bytes = this.bytes;
    const at = this.offset;
    this.offset += 4;
    return (
      (bytes[at] as number) * 0x1000000 +
      (((bytes[at + 1] as number) << 16) | ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number))
    );
  }

  /** A declared length must fit in what is left; otherwise the data is incomplete (or hostile). */
  private checkLength(length: number): void {
    if (length > this.maxDeclaredLength) {
      throw new GossipDecodeError('too-large', `msgpack: declared length ${length} over the limit`);
    }
    if (length > this.bytes.length - this.offset) throw truncated(`item of ${length} bytes`);
  }

  /** An integer in any msgpack integer form (Go decodes any into any integer type). */
  int(): number {
    const lead = this.byte();
    if (lead < 0x80) return lead;
    if (lead >= 0xe0) return lead - 0x100;
    switch (lead) {
      case 0xcc:
        return this.uint8();
      case 0xcd:
        return this.uint16();
      case 0xce:
        return this.uint32();
      case 0xcf: {
        this.need(8);
        const value = this.view.getBigUint64(this.offset);
        this.offset += 8;
        return Number(value);
      }
      case 0xd0: {
        this.need(1);
        return this.view.getInt8(this.offset++);
      }
      case 0xd1: {
        this.need(2);
        const value = this.view.getInt16(this.offset);
        this.offset += 2;
        return value;
      }
      case 0xd2: {
        this.need(4);
        const value = this.view.getInt32(this.offset);
        this.offset += 4;
        return value;
      }
      case 0xd3: {
        this.need(8);
        const value = this.view.getBigInt64(this.offset);
        this.offset += 8;
        return Number(value);
      }
      case 0xc0:
        return 0; // Go leaves the zero value for nil
    }
    this.offset--;
    throw malformed(`expected an integer, got 0x${lead.toString(16)}`);
  }

  /** An unsigned integer; a negative one is malformed. */
  uint(): number {
    const start = this.offset;
    const value = this.int();
    if (value < 0) {
      this.offset = start;
      throw malformed(`expected an unsigned integer, got ${value}`);
    }
    return value;
  }

  /** A float32/float64, or an integer. */
  float(): number {
    const lead = this.peek();
    if (lead === 0xcb) {
      this.need(9);
      const value = this.view.getFloat64(this.offset + 1);
      this.offset += 9;
      return value;
    }
    if (lead === 0xca) {
      this.need(5);
      const value = this.view.getFloat32(this.offset + 1);
      this.offset += 5;
      return value;
    }
    return this.int();
  }

  /** A bool; Go also accepts the integers 0 and 1, and nil as false. */
  bool(): boolean {
    const lead = this.byte();
    if (lead === 0xc3 || lead === 0x01) return true;
    if (lead === 0xc2 || lead === 0x00 || lead === 0xc0) return false;
    this.offset--;
    throw malformed(`expected a bool, got 0x${lead.toString(16)}`);
  }

  /** The length of a str or bin header, or -1 when the next item is neither. Consumes the header. */
  private rawLength(): number {
    const lead = this.peek();
    if (lead >= 0xa0 && lead <= 0xbf) {
      this.offset++;
      return lead & 0x1f;
    }
    switch (lead) {
      case 0xd9:
      case 0xc4:
        this.need(2);
        this.offset++;
        return this.uint8();
      case 0xda:
      case 0xc5:
        this.need(3);
        this.offset++;
        return this.uint16();
      case 0xdb:
      case 0xc6:
        this.need(5);
        this.offset++;
        return this.uint32();
    }
    return -1;
  }

  /** A `[]byte` from str (any width), bin, or an array of small integers; nil → null. A copy. */
  bytesOrNull(): Uint8Array | null {
    if (this.tryNil()) return null;
    const length = this.rawLength();
    if (length >= 0) return this.rawBytes(length).slice();
    const lead = this.peek();
    if ((lead >= 0x90 && lead <= 0x9f) || lead === 0xdc || lead === 0xdd) {
      const count = this.arrayHeader();
      const out = new Uint8Array(count);
      for (let i = 0; i < count; i++) {
        const value = this.int();
        if (value < 0 || value > 0xff) throw malformed(`byte array element ${value} out of range`);
        out[i] = value;
      }
      return out;
    }
    throw malformed(`expected bytes, got 0x${lead.toString(16)}`);
  }

  /** A `[]byte`, nil read as empty. */
  bytesValue(): Uint8Array {
    return this.bytesOrNull() ?? new Uint8Array(0);
  }

  /**
   * A `[]byte` as `bytesValue` reads it, but the shared copy from interned.ts (no allocation when
   * seen before). For fields every node repeats (Addr, Vsn, Meta); treat the result as immutable.
   */
  bytesShared(): Uint8Array {
    if (this.tryNil()) return EMPTY_BYTES;
    const length = this.rawLength();
    if (length < 0) return internBytes(this.bytesValue());
    this.checkLength(length);
    const start = this.offset;
    this.offset += length;
    return internBytesRange(this.bytes, start, this.offset);
  }

  /** A Go `string` from str (incl. str8) or bin; nil → ''. Invalid UTF-8 becomes U+FFFD. */
  string(): string {
    if (this.tryNil()) return '';
    const length = this.rawLength();
    if (length < 0) throw malformed(`expected a string, got 0x${this.peek().toString(16)}`);
    this.checkLength(length);
    // Field and node names repeat in every packet: shared strings (see interned.ts).
    const ascii = internAsciiRange(this.bytes, this.offset, this.offset + length);
    if (ascii !== undefined) {
      this.offset += length;
      return ascii;
    }
    return decodeUtf8(this.rawBytes(length));
  }

  /** An array header's count (checked against the bytes left: each element takes at least one). */
  arrayHeader(): number {
    const lead = this.peek();
    let count: number;
    if (lead >= 0x90 && lead <= 0x9f) {
      this.offset++;
      count = lead & 0x0f;
    } else if (lead === 0xdc) {
      this.need(3);
      this.offset++;
      count = this.uint16();
    } else if (lead === 0xdd) {
      this.need(5);
      this.offset++;
      count = this.uint32();
    } else {
      throw malformed(`expected an array, got 0x${lead.toString(16)}`);
    }
    this.checkLength(count);
    return count;
  }

  /** An array header, or null for nil. */
  arrayHeaderOrNull(): number | null {
    return this.tryNil() ? null : this.arrayHeader();
  }

  /** A map header's entry count (each entry takes at least two bytes). */
  mapHeader(): number {
    const lead = this.peek();
    let count: number;
    if (lead >= 0x80 && lead <= 0x8f) {
      this.offset++;
      count = lead & 0x0f;
    } else if (lead === 0xde) {
      this.need(3);
      this.offset++;
      count = this.uint16();
    } else if (lead === 0xdf) {
      this.need(5);
      this.offset++;
      count = this.uint32();
    } else {
      throw malformed(`expected a map, got 0x${lead.toString(16)}`);
    }
    if (count > this.maxDeclaredLength) {
      throw new GossipDecodeError('too-large', `msgpack: declared map of ${count} entries over the limit`);
    }
    if (count * 2 > this.remaining) throw truncated(`map of ${count} entries`);
    return count;
  }

  /** A map header, or null for nil. */
  mapHeaderOrNull(): number | null {
    return this.tryNil() ? null : this.mapHeader();
  }

  /**
   * A Go struct encoded as a map: calls `field(name)` for each key; the callback reads the value
   * and returns true, or returns false to have it skipped (unknown fields, as Go does). A nil
   * struct reads as no fields. Returns false for nil.
   */
  struct(field: (name: string) => boolean): boolean {
    if (this.tryNil()) return false;
    const count = this.mapHeader();
    for (let i = 0; i < count; i++) {
      const name = this.string();
      if (!field(name)) this.skip();
    }
    return true;
  }

  /**
   * A struct's next field name, matched against `names` (UTF-8) without making a string: its
   * index, or -1 for a name not listed (the caller then skips the value). The allocation-free
   * form of `struct` for the messages every packet carries (alive, suspect, dead, push/pull
   * states); a nil name is '' as in `string()`.
   */
  fieldIndex(names: readonly Uint8Array[]): number {
    if (this.tryNil()) return -1;
    const length = this.rawLength();
    if (length < 0) throw malformed(`expected a string, got 0x${this.peek().toString(16)}`);
    this.checkLength(length);
    const bytes = this.bytes;
    const start = this.offset;
    this.offset += length;
    next: for (let i = 0; i < names.length; i++) {
      const name = names[i] as Uint8Array;
      if (name.length !== length) continue;
      for (let j = 0; j < length; j++) if (name[j] !== bytes[start + j]) continue next;
      return i;
    }
    return -1;
  }

  /** Skips one value of any kind. */
  skip(depth = 0): void {
    if (depth > MAX_NESTING_DEPTH) throw malformed('nesting too deep');
    const lead = this.peek();
    if (lead < 0x80 || lead >= 0xe0 || lead === 0xc0 || lead === 0xc2 || lead === 0xc3) {
      this.offset++;
      return;
    }
    if (lead <= 0x8f) {
      const count = this.mapHeader();
      for (let i = 0; i < count * 2; i++) this.skip(depth + 1);
      return;
    }
    if (lead <= 0x9f || lead === 0xdc || lead === 0xdd) {
      const count = this.arrayHeader();
      for (let i = 0; i < count; i++) this.skip(depth + 1);
      return;
    }
    if (lead === 0xde || lead === 0xdf) {
      const count = this.mapHeader();
      for (let i = 0; i < count * 2; i++) this.skip(depth + 1);
      return;
    }
    const length = this.rawLength();
    if (length >= 0) {
      this.checkLength(length);
      this.offset += length;
      return;
    }
    const fixed = FIXED_SIZES[lead];
    if (fixed !== undefined) {
      this.need(1 + fixed);
      this.offset += 1 + fixed;
      return;
    }
    // ext 8/16/32: [lead][length][type][data]
    if (lead >= 0xc7 && lead <= 0xc9) {
      this.offset++;
      const extLength = lead === 0xc7 ? this.uint8() : lead === 0xc8 ? this.uint16() : this.uint32();
      this.checkLength(extLength + 1);
      this.offset += extLength + 1;
      return;
    }
    throw malformed(`invalid lead byte 0x${lead.toString(16)}`); // 0xc1, never used
  }

  /** Any value, generically: str/bin as bytes, ints as numbers (bigint beyond 2^53), floats as numbers. */
  value(depth = 0): DecodedValue {
    if (depth > MAX_NESTING_DEPTH) throw malformed('nesting too deep');
    const lead = this.peek();
    if (lead < 0x80 || lead >= 0xe0) return this.int();
    if (lead === 0xc0) {
      this.offset++;
      return null;
    }
    if (lead === 0xc2 || lead === 0xc3) return this.bool();
    if (lead === 0xca || lead === 0xcb) return this.float();
    if (lead === 0xcf || lead === 0xd3) {
      this.need(9);
      const big =
        lead === 0xcf ? this.view.getBigUint64(this.offset + 1) : this.view.getBigInt64(this.offset + 1);
      this.offset += 9;
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(big)
        : big;
    }
    if ((lead >= 0xcc && lead <= 0xce) || (lead >= 0xd0 && lead <= 0xd2)) return this.int();
    if ((lead >= 0x90 && lead <= 0x9f) || lead === 0xdc || lead === 0xdd) {
      const count = this.arrayHeader();
      const out: DecodedValue[] = [];
      for (let i = 0; i < count; i++) out.push(this.value(depth + 1));
      return out;
    }
    if ((lead >= 0x80 && lead <= 0x8f) || lead === 0xde || lead === 0xdf) {
      const count = this.mapHeader();
      const out = new Map<DecodedValue, DecodedValue>();
      for (let i = 0; i < count; i++) {
        const key = this.value(depth + 1);
        out.set(key, this.value(depth + 1));
      }
      return out;
    }
    const length = this.rawLength();
    if (length >= 0) return this.rawBytes(length);
    throw malformed(`unsupported lead byte 0x${lead.toString(16)}`);
  }
}

/** Payload sizes after the lead byte for fixed-size items not handled elsewhere. */
const FIXED_SIZES: Record<number, number> = {
  202: 4,
  203: 8,
  204: 1,
  205: 2,
  206: 4,
  207: 8,
  208: 1,
  209: 2,
  210: 4,
  211: 8,
  212: 2, // fixext 1: type + 1
  213: 3,
  214: 5,
  215: 9,
  216: 17,
};

/** UTF-8 → string with an ASCII fast path (node names and field names). */
export function decodeUtf8(bytes: Uint8Array): string {
  if (bytes.length < 64) {
    for (let i = 0; i < bytes.length; i++) if (bytes[i]! > 0x7f) return textDecoder.decode(bytes);
    // One flat string (appending char by char builds a rope, which every Map lookup and
    // comparison of a node name then has to flatten first).
    return String.fromCharCode.apply(null, bytes as unknown as number[]);
  }
  return textDecoder.decode(bytes);
}

export function encodeUtf8(value: string): Uint8Array {
  return textEncoder.encode(value);
}
