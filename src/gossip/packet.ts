/**
 * memberlist's packet and stream layers (reference §2, §5), both directions:
 *
 *   packet (UDP): [label] → encrypt `[1][nonce][ct‖tag]` → CRC `[12][crc32]` → compress `[9]{Algo, Buf}`
 *                 (only when smaller) → compound `[7]…` → messages
 *   stream (TCP): [label] → encrypt `[10][u32 len][1][nonce][ct‖tag]` → compress (always when on) → one message
 *
 * Labels (`[244][len][label]`, memberlist ≥ 0.3.0) are sent only when configured, and are then
 * also the AAD of the encryption; Debian serf (0.2.2) neither sends nor understands them.
 * Decoding never throws anything but GossipDecodeError and bounds every length it trusts.
 */
import { assert } from '../lib/assert.ts';
import { crc32 } from '../lib/crc32.ts';
import type { Aead } from '../ports/aead.ts';
import type { Random } from '../ports/random.ts';
import { LIMITS } from './config.ts';
import type { Keyring } from './keyring.ts';
import { lzwDecode, lzwEncode } from './lzw.ts';
import { GossipDecodeError, type Message, MessageType } from './messages.ts';
import { encodeUtf8, MsgpackReader, MsgpackWriter } from './msgpack.ts';
import {
  decodeMessage,
  decodeStreamMessage,
  encodeCompound,
  readPushPullHeader,
  readUserStreamLength,
} from './wire.ts';

export interface PacketCodecOptions {
  /** LZW-compress packets (when smaller) and streams (always), as memberlist's EnableCompression. */
  compress: boolean;
  /** With a keyring, every packet and stream is encrypted and plaintext input is refused. */
  keyring?: Keyring;
  aead?: Aead;
  /** For nonces. */
  random: Random;
  /**
   * memberlist ≥ 0.3.0 label (1–255 bytes), sent before every packet and stream and bound into
   * the encryption; packets and streams with another label (or none) are dropped. '' = no label,
   * the only setting Debian serf understands.
   */
  label?: string;
}

/** memberlist encryption version 1: AES-GCM without padding (version 0, PKCS#7-padded, is only decrypted). */
const ENCRYPTION_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const ENCRYPTION_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;
const STREAM_HEADER_BYTES = 5;
/** Compound and compress may nest (Go allows any depth); real senders use two levels. */
const MAX_LAYER_DEPTH = 4;
/** The largest stream frame accepted: the 20 MiB push/pull state plus headers and a label. */
const MAX_STREAM_FRAME_BYTES = LIMITS.maxPushStateBytes + 64 * 1024;
/** LZW algorithm number in `compress{Algo}`. */
const LZW_ALGORITHM = 0;

const EMPTY: Uint8Array = new Uint8Array(0);

/** `[9]{Algo: 0, Buf}` around an encoded message. */
export function encodeCompress(message: Uint8Array): Uint8Array {
  const compressed = lzwEncode(message);
  const writer = new MsgpackWriter({ initialCapacity: compressed.length + 16 });
  writer.byte(MessageType.compress).mapHeader(2).str('Algo').int(LZW_ALGORITHM).str('Buf').bytes(compressed);
  return writer.finish();
}

/** The inner message of `[9]{Algo, Buf}` (type byte included), decompressed within `maxBytes`. */
export function decodeCompress(
  bytes: Uint8Array,
  maxBytes: number = LIMITS.maxDecompressedBytes,
): Uint8Array {
  const reader = new MsgpackReader(bytes, 1);
  let algorithm = LZW_ALGORITHM; // Go's zero value when the field is missing
  let buffer: Uint8Array | null = null;
  reader.struct((name) => {
    if (name === 'Algo') algorithm = reader.int();
    else if (name === 'Buf') buffer = reader.bytesOrNull();
    else return false;
    return true;
  });
  if (algorithm !== LZW_ALGORITHM) {
    throw new GossipDecodeError('bad-compression', `unknown compression algorithm ${algorithm}`);
  }
  return lzwDecode(buffer ?? EMPTY, maxBytes);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function asDecodeError(error: unknown): GossipDecodeError {
  if (error instanceof GossipDecodeError) return error;
  throw error; // a bug, not bad input
}

/**
 * memberlist's packet and stream layers (reference §2, §5): compound, compression, CRC,
 * encryption and labels, both directions. Stateless apart from the shared keyring.
 */
export class PacketCodec {
  private readonly compress: boolean;
  private readonly keyringRef: Keyring | undefined;
  private readonly aead: Aead | undefined;
  private readonly random: Random;
  /** The label as bytes (empty = none), used as the packet AAD. */
  private readonly label: Uint8Array;
  /** `[244][len][label]`, or empty. */
  private readonly labelHeader: Uint8Array;

  constructor(options: PacketCodecOptions) {
    this.compress = options.compress;
    this.keyringRef = options.keyring;
    this.aead = options.aead;
    this.random = options.random;
    assert(this.keyringRef === undefined || this.aead !== undefined, 'a keyring needs an Aead');
    this.label = encodeUtf8(options.label ?? '');
    assert(this.label.length <= 255, 'a label is at most 255 bytes');
    this.labelHeader =
      this.label.length === 0
        ? EMPTY
        : concat(Uint8Array.of(MessageType.hasLabel, this.label.length), this.label);
  }

  /** The shared keyring (mutate it to install, use or remove keys), if encryption is on. */
  get keyring(): Keyring | undefined {
    return this.keyringRef;
  }

  /** Bytes the encryption (and label) layers add to a packet; the piggyback budget subtracts it. */
  packetOverhead(): number {
    return (this.keyringRef === undefined ? 0 : ENCRYPTION_OVERHEAD) + this.labelHeader.length;
  }

  /** One or more encoded messages (`encodeMessage`) → a datagram: compound if several, compress if smaller, CRC if `crc`, encrypt. */
  sealPacket(messages: Uint8Array[], crc: boolean): Uint8Array {
    assert(messages.length > 0, 'sealPacket needs a message');
    let packet: Uint8Array;
    let needsCrc = crc;
    if (crc && !this.compress && messages.length > 1) {
      // The compound straight after room for the CRC header: one buffer, no copy.
      packet = encodeCompound(messages, 5);
      packet[0] = MessageType.hasCrc;
      new DataView(packet.buffer).setUint32(1, crc32(packet.subarray(5)));
      needsCrc = false;
    } else packet = messages.length === 1 ? messages[0]! : encodeCompound(messages);
    if (this.compress) {
      const compressed = encodeCompress(packet);
      if (compressed.length < packet.length) packet = compressed;
    }
    if (needsCrc) {
      const out = new Uint8Array(5 + packet.length);
      out[0] = MessageType.hasCrc;
      new DataView(out.buffer).setUint32(1, crc32(packet));
      out.set(packet, 5);
      packet = out;
    }
    if (this.keyringRef !== undefined) packet = this.encrypt(packet, this.label);
    return this.labelHeader.length === 0 ? packet : concat(this.labelHeader, packet);
  }

  /** A datagram → its messages, flattened; a refused packet or compound part lands in `dropped`. */
  openPacket(packet: Uint8Array): { messages: Message[]; dropped: GossipDecodeError[] } {
    const messages: Message[] = [];
    const dropped: GossipDecodeError[] = [];
    try {
      let buffer = this.stripLabel(packet);
      if (this.keyringRef !== undefined) buffer = this.decrypt(buffer, this.label);
      if (buffer.length > 0 && buffer[0] === MessageType.hasCrc) {
        if (buffer.length < 5) throw new GossipDecodeError('truncated', 'CRC header cut short');
        const expected = new DataView(buffer.buffer, buffer.byteOffset + 1, 4).getUint32(0);
        buffer = buffer.subarray(5);
        if (crc32(buffer) !== expected) throw new GossipDecodeError('bad-crc', 'packet CRC mismatch');
      }
      const budget = { decompressedBytes: LIMITS.maxDecompressedBytes };
      this.openCommand(buffer, 0, budget, messages, dropped);
    } catch (error) {
      dropped.push(asDecodeError(error));
    }
    return { messages, dropped };
  }

  /** One layer of a packet: a compound, a compressed message or a message (Go's handleCommand). */
  private openCommand(
    buffer: Uint8Array,
    depth: number,
    budget: { decompressedBytes: number },
    messages: Message[],
    dropped: GossipDecodeError[],
  ): void {
    try {
      if (depth > MAX_LAYER_DEPTH)
        throw new GossipDecodeError('malformed', 'compound/compress nested too deep');
      if (buffer.length === 0) throw new GossipDecodeError('truncated', 'empty packet');
      switch (buffer[0]) {
        case MessageType.compound:
          this.openCompound(buffer, depth, budget, messages, dropped);
          return;
        case MessageType.compress: {
          const inner = decodeCompress(buffer, budget.decompressedBytes);
          budget.decompressedBytes -= inner.length;
          this.openCommand(inner, depth + 1, budget, messages, dropped);
          return;
        }
        case MessageType.ping:
        case MessageType.indirectPing:
        case MessageType.ackResp:
        case MessageType.nackResp:
        case MessageType.suspect:
        case MessageType.alive:
        case MessageType.dead:
        case MessageType.user:
          messages.push(decodeMessage(buffer));
          return;
      }
      throw new GossipDecodeError('unknown-type', `message type ${buffer[0]} not supported in a packet`);
    } catch (error) {
      dropped.push(asDecodeError(error));
    }
  }

  /** `[7][n][n × u16][parts]`: a part running past the end, and every later one, is dropped as truncated. */
  private openCompound(
    buffer: Uint8Array,
    depth: number,
    budget: { decompressedBytes: number },
    messages: Message[],
    dropped: GossipDecodeError[],
  ): void {
    if (buffer.length < 2) throw new GossipDecodeError('truncated', 'compound without a part count');
    const count = buffer[1]!;
    const headerEnd = 2 + 2 * count;
    if (buffer.length < headerEnd)
      throw new GossipDecodeError('truncated', 'compound length table cut short');
    const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    let offset = headerEnd;
    for (let i = 0; i < count; i++) {
      const length = view.getUint16(2 + 2 * i);
      if (offset + length > buffer.length) {
        for (let j = i; j < count; j++) {
          dropped.push(new GossipDecodeError('truncated', `compound part ${j + 1} of ${count} cut short`));
        }
        return;
      }
      this.openCommand(buffer.subarray(offset, offset + length), depth + 1, budget, messages, dropped);
      offset += length;
    }
  }

  /** One encoded message → stream bytes: `[9]` compress when enabled, then `[10]` encrypt. */
  sealStream(message: Uint8Array): Uint8Array {
    let payload = this.compress ? encodeCompress(message) : message;
    if (this.keyringRef !== undefined) {
      const header = new Uint8Array(STREAM_HEADER_BYTES);
      header[0] = MessageType.encrypt;
      new DataView(header.buffer).setUint32(1, ENCRYPTION_OVERHEAD + payload.length);
      payload = concat(header, this.encrypt(payload, concat(header, this.label)));
    }
    return this.labelHeader.length === 0 ? payload : concat(this.labelHeader, payload);
  }

  /** Complete stream bytes → the message. Throws GossipDecodeError. */
  openStream(bytes: Uint8Array): Message {
    let buffer = this.stripLabel(bytes);
    if (buffer.length === 0) throw new GossipDecodeError('truncated', 'empty stream');
    if (buffer[0] === MessageType.encrypt) {
      if (this.keyringRef === undefined) {
        throw new GossipDecodeError(
          'decrypt-failed',
          'remote state is encrypted and encryption is not configured',
        );
      }
      if (buffer.length < STREAM_HEADER_BYTES)
        throw new GossipDecodeError('truncated', 'stream header cut short');
      const length = new DataView(buffer.buffer, buffer.byteOffset + 1, 4).getUint32(0);
      if (length > LIMITS.maxPushStateBytes) {
        throw new GossipDecodeError('too-large', `encrypted stream of ${length} bytes over the 20 MiB limit`);
      }
      if (buffer.length < STREAM_HEADER_BYTES + length)
        throw new GossipDecodeError('truncated', 'stream cut short');
      const aad = concat(buffer.subarray(0, STREAM_HEADER_BYTES), this.label);
      buffer = this.decrypt(buffer.subarray(STREAM_HEADER_BYTES, STREAM_HEADER_BYTES + length), aad);
    } else if (this.keyringRef !== undefined) {
      throw new GossipDecodeError(
        'not-encrypted',
        'encryption is configured but the remote stream is not encrypted',
      );
    }
    if (buffer.length > 0 && buffer[0] === MessageType.compress) buffer = decodeCompress(buffer);
    return decodeStreamMessage(buffer);
  }

  /**
   * `GossipTransportHandler.streamFrameLength`: how many bytes the stream message at the start of
   * `buffered` takes, or undefined while it is incomplete. Unencrypted streams carry no length, so
   * types 0, 2, 6, 8, 9, 11 and 13 are measured by parsing msgpack. Throws GossipDecodeError when
   * no frame can come of it (unknown type, malformed, over 20 MiB).
   */
  streamFrameLength(buffered: Uint8Array): number | undefined {
    let offset = 0;
    if (buffered.length === 0) return undefined;
    if (buffered[0] === MessageType.hasLabel) {
      if (buffered.length < 2) return undefined;
      const labelLength = buffered[1]!;
      if (labelLength === 0) throw new GossipDecodeError('bad-label', 'empty stream label');
      offset = 2 + labelLength;
      if (buffered.length <= offset) return undefined;
    }
    const type = buffered[offset]!;
    if (type === MessageType.encrypt) {
      if (buffered.length < offset + STREAM_HEADER_BYTES) return undefined;
      const length = new DataView(buffered.buffer, buffered.byteOffset + offset + 1, 4).getUint32(0);
      if (length > LIMITS.maxPushStateBytes) {
        throw new GossipDecodeError('too-large', `encrypted stream of ${length} bytes over the 20 MiB limit`);
      }
      const end = offset + STREAM_HEADER_BYTES + length;
      return buffered.length >= end ? end : undefined;
    }
    const reader = new MsgpackReader(buffered, offset + 1, LIMITS.maxPushStateBytes);
    try {
      switch (type) {
        case MessageType.ping:
        case MessageType.ackResp:
        case MessageType.compress:
        case MessageType.nackResp:
        case MessageType.errResp:
          reader.skip();
          break;
        case MessageType.pushPull: {
          const header = readPushPullHeader(reader);
          for (let i = 0; i < header.nodes; i++) reader.skip();
          reader.rawBytes(header.userStateLength);
          break;
        }
        case MessageType.user:
          reader.rawBytes(readUserStreamLength(reader));
          break;
        default:
          throw new GossipDecodeError('unknown-type', `message type ${type} cannot start a stream`);
      }
    } catch (error) {
      if (!(error instanceof GossipDecodeError) || error.reason !== 'truncated') throw error;
      if (buffered.length > MAX_STREAM_FRAME_BYTES) {
        throw new GossipDecodeError('too-large', 'stream message over the 20 MiB limit');
      }
      return undefined;
    }
    if (reader.offset > MAX_STREAM_FRAME_BYTES) {
      throw new GossipDecodeError('too-large', 'stream message over the 20 MiB limit');
    }
    return reader.offset;
  }

  /** Removes `[244][len][label]` and checks it against ours; unlabelled input must match an empty label. */
  private stripLabel(bytes: Uint8Array): Uint8Array {
    let label: Uint8Array = EMPTY;
    let rest = bytes;
    if (bytes.length > 0 && bytes[0] === MessageType.hasLabel) {
      if (bytes.length < 2) throw new GossipDecodeError('truncated', 'label header cut short');
      const length = bytes[1]!;
      if (length === 0) throw new GossipDecodeError('bad-label', 'empty label');
      if (bytes.length < 2 + length) throw new GossipDecodeError('truncated', 'label cut short');
      label = bytes.subarray(2, 2 + length);
      rest = bytes.subarray(2 + length);
    }
    if (!sameBytes(label, this.label)) throw new GossipDecodeError('bad-label', 'label does not match ours');
    return rest;
  }

  /** `[1][nonce][ct‖tag]` with the primary key. */
  private encrypt(plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    const nonce = new Uint8Array(NONCE_BYTES);
    for (let i = 0; i < NONCE_BYTES; i++) nonce[i] = Math.floor(this.random.next() * 256) & 0xff;
    const sealed = this.aead!.seal(this.keyringRef!.keysView()[0]!, nonce, plaintext, aad);
    return concat(Uint8Array.of(ENCRYPTION_VERSION), nonce, sealed);
  }

  /** Tries every key; version 0 (PKCS#7-padded, memberlist protocol 1) is accepted too. */
  private decrypt(bytes: Uint8Array, aad: Uint8Array): Uint8Array {
    if (bytes.length < ENCRYPTION_OVERHEAD)
      throw new GossipDecodeError('decrypt-failed', 'payload too short to be encrypted');
    const version = bytes[0]!;
    if (version > ENCRYPTION_VERSION) {
      throw new GossipDecodeError('decrypt-failed', `unsupported encryption version ${version}`);
    }
    const nonce = bytes.subarray(1, 1 + NONCE_BYTES);
    const sealed = bytes.subarray(1 + NONCE_BYTES);
    for (const key of this.keyringRef!.keysView()) {
      const plain = this.aead!.open(key, nonce, sealed, aad);
      if (plain === undefined) continue;
      if (version === ENCRYPTION_VERSION) return plain;
      const padding = plain.length > 0 ? plain[plain.length - 1]! : 0;
      if (padding === 0 || padding > 16 || padding > plain.length) break;
      return plain.subarray(0, plain.length - padding);
    }
    throw new GossipDecodeError('decrypt-failed', 'no installed key decrypts the message');
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
