/**
 * DNS messages as bytes (RFC 1035 §4, RFC 2782 SRV, RFC 6891 EDNS0, RFC 7871 client subnet) ↔
 * the model in `wire.ts`. Reading a query follows miekg/dns's server, as Consul runs it: the
 * accept function (`defaultMsgAcceptFunc`) on the header, then `Msg.Unpack`. Writing a reply
 * compresses names as RFC 1035 §4.1.4 allows and miekg does.
 *
 * This is the per-query hot path, so it allocates little beyond what it returns: messages are
 * written into one module-level scratch buffer (grown on demand, never shrunk) and copied out
 * into a shared slab; name compression uses a fixed open-addressing table of typed arrays rather
 * than a Map of strings. Every function here is synchronous, so the scratch is never seen
 * half-written.
 */
import { assert, unreachable } from '../lib/assert.ts';
import {
  type ClientSubnet,
  type DnsQuery,
  type DnsReply,
  type Edns,
  type QueryRejection,
  type Question,
  Rcode,
  type ResourceRecord,
  RRClass,
  RRType,
} from './wire.ts';

/** A name (or a record) that cannot be written: bad escape, label over 63 bytes, name over 255. */
export class DnsEncodeError extends Error {
  override name = 'DnsEncodeError';
}

const HEADER_BYTES = 12;
/** RFC 1035 §2.3.4: a name is at most 255 bytes on the wire, the root's zero byte included. */
const NAME_BYTES_MAX = 255;
const LABEL_BYTES_MAX = 63;
/** Compression pointers have 14 bits of offset. */
const POINTER_OFFSET_LIMIT = 0x4000;
/** miekg's `maxCompressionPointers`: more pointers than this in one name is an attack, not a name. */
const POINTERS_PER_NAME_MAX = 126;
const UINT16_MAX = 0xffff;
/** RFC 6891 §6.2.5: a requestor's payload size under 512 is read as 512. */
const EDNS_UDP_SIZE_MIN = 512;
/** RFC 7871 §6. */
const OPTION_CLIENT_SUBNET = 8;

const FLAG_QR = 0x8000;
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const FLAG_RA = 0x0080;
const FLAG_CD = 0x0010;
const EDNS_FLAG_DO = 0x8000;

// ---------------------------------------------------------------------------------------------
// Reading

/**
 * Presentation text of each label byte, as miekg's `UnpackDomainName` writes it: the bytes
 * `isDomainNameLabelSpecial` names (`. ' @ ; ( ) " \` and space) behind a backslash, other bytes
 * outside printable ASCII as `\DDD`, the rest as themselves.
 */
const LABEL_BYTE_TEXT: readonly string[] = Array.from({ length: 256 }, (_, byte) => {
  const char = String.fromCharCode(byte);
  if (' .\'@;()"\\'.includes(char)) return `\\${char}`;
  if (byte < 0x20 || byte > 0x7e) return `\\${String(byte).padStart(3, '0')}`;
  return char;
});

/** The presentation form of the last name `readName` read with `wantText`. */
let nameText = '';

/**
 * Reads the name at `offset` of `packet`. Returns the offset just after it (after its first
 * pointer, if it has one), or -1 when it is malformed: runs past the end, a label type other than
 * length or pointer (so a length over 63), a pointer that does not point before the labels that
 * led to it (which also makes loops impossible), more than 126 pointers, or over 255 bytes of
 * wire name. With `wantText`, leaves the presentation form in `nameText`.
 */
function readName(packet: Uint8Array, offset: number, wantText: boolean): number {
  const length = packet.length;
  let position = offset;
  let segmentStart = offset;
  let end = -1;
  let wireBytes = 1;
  let pointers = 0;
  let text = '';
  for (;;) {
    if (position >= length) return -1;
    const byte = packet[position]!;
    if (byte === 0) {
      if (end < 0) end = position + 1;
      break;
    }
    const kind = byte & 0xc0;
    if (kind === 0) {
      const labelEnd = position + 1 + byte;
      if (labelEnd > length) return -1;
      wireBytes += byte + 1;
      if (wireBytes > NAME_BYTES_MAX) return -1;
      if (wantText) {
        for (let i = position + 1; i < labelEnd; i++) text += LABEL_BYTE_TEXT[packet[i]!];
        text += '.';
      }
      position = labelEnd;
    } else if (kind === 0xc0) {
      if (position + 1 >= length) return -1;
      const target = ((byte & 0x3f) << 8) | packet[position + 1]!;
      if (target >= segmentStart || ++pointers > POINTERS_PER_NAME_MAX) return -1;
      if (end < 0) end = position + 2;
      segmentStart = target;
      position = target;
    } else {
      return -1;
    }
  }
  if (wantText) nameText = text === '' ? '.' : text;
  return end;
}

function readUint16(packet: Uint8Array, offset: number): number {
  return (packet[offset]! << 8) | packet[offset + 1]!;
}

function readUint32(packet: Uint8Array, offset: number): number {
  return (
    ((packet[offset]! << 24) |
      (packet[offset + 1]! << 16) |
      (packet[offset + 2]! << 8) |
      packet[offset + 3]!) >>>
    0
  );
}

/** The fixed fields of the last record `readRecordHeader` read. */
let recordType = 0;
let recordClass = 0;
let recordTtl = 0;
let recordDataStart = 0;

/**
 * Reads a record's owner name and fixed fields into `record*`; returns the offset of its end
 * (after the RDATA), or -1 when it runs past the end of the packet.
 */
function readRecordHeader(packet: Uint8Array, offset: number, wantOwner: boolean): number {
  const afterName = readName(packet, offset, wantOwner);
  if (afterName < 0 || afterName + 10 > packet.length) return -1;
  recordType = readUint16(packet, afterName);
  recordClass = readUint16(packet, afterName + 2);
  recordTtl = readUint32(packet, afterName + 4);
  recordDataStart = afterName + 10;
  const end = recordDataStart + readUint16(packet, afterName + 8);
  return end > packet.length ? -1 : end;
}

/**
 * Whether the RDATA of a type Cairn knows fills `start`..`end` exactly, as miekg's typed unpack
 * checks it (other types are taken as opaque). Empty RDATA is accepted for any type, as miekg
 * does for update-style records.
 */
function isWellFormedData(packet: Uint8Array, type: number, start: number, end: number): boolean {
  if (start === end) return true;
  switch (type) {
    case RRType.A:
      return end - start === 4;
    case RRType.AAAA:
      return end - start === 16;
    case RRType.NS:
    case RRType.CNAME:
    case RRType.PTR:
      return readName(packet, start, false) === end;
    case RRType.MX:
      return start + 2 < end && readName(packet, start + 2, false) === end;
    case RRType.SRV:
      return start + 6 < end && readName(packet, start + 6, false) === end;
    case RRType.SOA: {
      const afterMname = readName(packet, start, false);
      if (afterMname < 0 || afterMname > end) return false;
      const afterRname = readName(packet, afterMname, false);
      return afterRname >= 0 && afterRname + 20 === end;
    }
    case RRType.TXT: {
      let position = start;
      while (position < end) position += 1 + packet[position]!;
      return position === end;
    }
    default:
      return true;
  }
}

/** Reads and checks `count` records from `offset`; the offset after them, or -1. */
function skipRecords(packet: Uint8Array, offset: number, count: number): number {
  let position = offset;
  for (let i = 0; i < count; i++) {
    const end = readRecordHeader(packet, position, false);
    if (end < 0 || !isWellFormedData(packet, recordType, recordDataStart, end)) return -1;
    position = end;
  }
  return position;
}

/** The question read by `readQuestion`. */
let questionRead: Question | undefined;

/** Reads the question at `offset` into `questionRead`; the offset after it, or -1. */
function readQuestion(packet: Uint8Array, offset: number): number {
  const afterName = readName(packet, offset, true);
  if (afterName < 0 || afterName + 4 > packet.length) return -1;
  questionRead = {
    name: nameText,
    type: readUint16(packet, afterName),
    class: readUint16(packet, afterName + 2),
  };
  return afterName + 4;
}

/** The OPT record read by `readOpt`, or why it is malformed. */
let ednsRead: Edns | undefined;
let ednsProblem = '';

/**
 * Reads an OPT record whose fixed fields `readRecordHeader` has just read (RFC 6891 §6.1) into
 * `ednsRead`, with its client subnet option (RFC 7871 §6) when it has one; false with
 * `ednsProblem` set when it is malformed. Other options are skipped.
 */
function readOpt(packet: Uint8Array, start: number, end: number): boolean {
  let clientSubnet: ClientSubnet | undefined;
  let position = start;
  while (position < end) {
    if (position + 4 > end) {
      ednsProblem = 'an EDNS option runs past the end of the OPT record';
      return false;
    }
    const code = readUint16(packet, position);
    const dataStart = position + 4;
    const dataEnd = dataStart + readUint16(packet, position + 2);
    if (dataEnd > end) {
      ednsProblem = 'an EDNS option runs past the end of the OPT record';
      return false;
    }
    if (code === OPTION_CLIENT_SUBNET) {
      const subnet = readClientSubnet(packet, dataStart, dataEnd);
      if (subnet === undefined) {
        ednsProblem = 'malformed EDNS client subnet option';
        return false;
      }
      clientSubnet ??= subnet;
    }
    position = dataEnd;
  }
  ednsRead = {
    udpSize: Math.max(recordClass, EDNS_UDP_SIZE_MIN),
    version: (recordTtl >>> 16) & 0xff,
    dnssecOk: (recordTtl & EDNS_FLAG_DO) !== 0,
    ...(clientSubnet === undefined ? {} : { clientSubnet }),
  };
  return true;
}

/**
 * RFC 7871 §6: family 1 (IPv4, prefixes ≤ 32) or 2 (IPv6, ≤ 128), and exactly
 * ceil(source prefix / 8) address bytes. Family 0 with a zero source prefix and no address is
 * accepted too, as miekg does, because `dig +subnet=0` sends it.
 */
function readClientSubnet(packet: Uint8Array, start: number, end: number): ClientSubnet | undefined {
  if (end - start < 4) return undefined;
  const family = readUint16(packet, start);
  const sourcePrefixLength = packet[start + 2]!;
  const scopePrefixLength = packet[start + 3]!;
  const prefixMax = family === 1 ? 32 : family === 2 ? 128 : 0;
  if (family > 2 || sourcePrefixLength > prefixMax || scopePrefixLength > prefixMax) return undefined;
  if (end - start - 4 !== (sourcePrefixLength + 7) >> 3) return undefined;
  return { family, sourcePrefixLength, scopePrefixLength, address: packet.slice(start + 4, end) };
}

function formatError(
  packet: Uint8Array,
  reason: string,
  question: Question | undefined,
): QueryRejection & { action: 'reply' } {
  return rejection(packet, reason, 0, Rcode.FORMERR, question);
}

function rejection(
  packet: Uint8Array,
  reason: string,
  opcode: number,
  rcode: Rcode,
  question: Question | undefined,
): QueryRejection & { action: 'reply' } {
  return {
    action: 'reply',
    reason,
    id: readUint16(packet, 0),
    opcode,
    rcode,
    ...(question === undefined ? {} : { question }),
    recursionDesired: (packet[2]! & (FLAG_RD >> 8)) !== 0,
  };
}

/**
 * Reads a query packet, or says why it is not one Cairn answers (miekg's accept function, then
 * its unpack): drop what is shorter than a header or a response; NOTIMP for an opcode other than
 * QUERY (miekg lets NOTIFY through, which Cairn does not serve); FORMERR for a question count
 * other than 1, more than one answer or authority record, more than two additional records, or a
 * malformed message: a section that runs past the end, a bad name, a second OPT, a malformed
 * client subnet. Answer and authority records are checked and ignored; so are additional records
 * other than OPT, and bytes after the last section.
 */
export function parseQuery(packet: Uint8Array): DnsQuery | QueryRejection {
  if (packet.length < HEADER_BYTES) return { action: 'drop', reason: 'shorter than a DNS header' };
  const flags = readUint16(packet, 2);
  if ((flags & FLAG_QR) !== 0) return { action: 'drop', reason: 'a response, not a query' };
  const opcode = (flags >> 11) & 0xf;
  const questionCount = readUint16(packet, 4);
  if (opcode !== 0) {
    const question = questionCount > 0 && readQuestion(packet, HEADER_BYTES) > 0 ? questionRead : undefined;
    return rejection(packet, `opcode ${opcode} is not implemented`, opcode, Rcode.NOTIMP, question);
  }
  const answerCount = readUint16(packet, 6);
  const authorityCount = readUint16(packet, 8);
  const additionalCount = readUint16(packet, 10);
  if (questionCount !== 1) return formatError(packet, `${questionCount} questions, expected 1`, undefined);
  if (answerCount > 1)
    return formatError(packet, `${answerCount} answer records, at most 1 expected`, undefined);
  if (authorityCount > 1) {
    return formatError(packet, `${authorityCount} authority records, at most 1 expected`, undefined);
  }
  if (additionalCount > 2) {
    return formatError(packet, `${additionalCount} additional records, at most 2 expected`, undefined);
  }

  let position = readQuestion(packet, HEADER_BYTES);
  if (position < 0) return formatError(packet, 'malformed question', undefined);
  const question = questionRead!;
  position = skipRecords(packet, position, answerCount + authorityCount);
  if (position < 0) return formatError(packet, 'malformed answer or authority record', question);

  let edns: Edns | undefined;
  for (let i = 0; i < additionalCount; i++) {
    const start = position;
    position = readRecordHeader(packet, position, false);
    if (position < 0) return formatError(packet, 'malformed additional record', question);
    if (recordType !== RRType.OPT) {
      if (!isWellFormedData(packet, recordType, recordDataStart, position)) {
        return formatError(packet, 'malformed additional record', question);
      }
      continue;
    }
    if (edns !== undefined) return formatError(packet, 'more than one OPT record', question);
    if (packet[start] !== 0)
      return formatError(packet, 'an OPT record whose owner is not the root', question);
    if (!readOpt(packet, recordDataStart, position)) return formatError(packet, ednsProblem, question);
    edns = ednsRead!;
  }

  return {
    id: readUint16(packet, 0),
    opcode,
    recursionDesired: (flags & FLAG_RD) !== 0,
    checkingDisabled: (flags & FLAG_CD) !== 0,
    question,
    ...(edns === undefined ? {} : { edns }),
  };
}

export function isRejection(result: DnsQuery | QueryRejection): result is QueryRejection {
  return 'action' in result;
}

const utf8 = new TextDecoder();

/**
 * Reads an upstream recursor's reply: its header and the answer section's A, AAAA, CNAME, NS,
 * PTR, SRV, TXT and SOA records of class IN (others are skipped; each TXT character-string is one
 * text). Undefined when the packet is not a response or is malformed anywhere up to the end of
 * its last section.
 */
export function readReply(
  packet: Uint8Array,
): { id: number; rcode: number; truncated: boolean; answer: ResourceRecord[] } | undefined {
  if (packet.length < HEADER_BYTES) return undefined;
  const flags = readUint16(packet, 2);
  if ((flags & FLAG_QR) === 0) return undefined;
  let position = HEADER_BYTES;
  for (let i = readUint16(packet, 4); i > 0; i--) {
    position = readName(packet, position, false);
    if (position < 0 || position + 4 > packet.length) return undefined;
    position += 4;
  }
  const answer: ResourceRecord[] = [];
  for (let i = readUint16(packet, 6); i > 0; i--) {
    const end = readRecordHeader(packet, position, true);
    if (end < 0) return undefined;
    const record = readAnswerRecord(packet, end);
    if (record === null) return undefined;
    if (record !== undefined) answer.push(record);
    position = end;
  }
  if (skipRecords(packet, position, readUint16(packet, 8) + readUint16(packet, 10)) < 0) return undefined;
  return { id: readUint16(packet, 0), rcode: flags & 0xf, truncated: (flags & FLAG_TC) !== 0, answer };
}

/**
 * The record whose header `readRecordHeader` has just read (owner in `nameText`), ending at
 * `end`: undefined for one Cairn does not decode, null for a malformed one.
 */
function readAnswerRecord(packet: Uint8Array, end: number): ResourceRecord | undefined | null {
  const name = nameText;
  const ttl = recordTtl;
  const start = recordDataStart;
  if (!isWellFormedData(packet, recordType, start, end)) return null;
  if (recordClass !== RRClass.IN) return undefined;
  const type = recordType;
  switch (type) {
    case RRType.A:
    case RRType.AAAA:
      if (end - start !== (type === RRType.A ? 4 : 16)) return null;
      return { type, name, ttl, address: packet.slice(start, end) };
    case RRType.CNAME:
    case RRType.NS:
    case RRType.PTR:
      if (readName(packet, start, true) !== end) return null;
      return { type, name, ttl, target: nameText };
    case RRType.SRV:
      if (end - start < 7 || readName(packet, start + 6, true) !== end) return null;
      return {
        type,
        name,
        ttl,
        priority: readUint16(packet, start),
        weight: readUint16(packet, start + 2),
        port: readUint16(packet, start + 4),
        target: nameText,
      };
    case RRType.SOA: {
      const afterMname = readName(packet, start, true);
      if (afterMname < 0) return null;
      const mname = nameText;
      const afterRname = readName(packet, afterMname, true);
      if (afterRname < 0 || afterRname + 20 !== end) return null;
      return {
        type,
        name,
        ttl,
        mname,
        rname: nameText,
        serial: readUint32(packet, afterRname),
        refresh: readUint32(packet, afterRname + 4),
        retry: readUint32(packet, afterRname + 8),
        expire: readUint32(packet, afterRname + 12),
        minimum: readUint32(packet, afterRname + 16),
      };
    }
    case RRType.TXT: {
      if (start === end) return null;
      const texts: string[] = [];
      for (let position = start; position < end; position += 1 + packet[position]!) {
        texts.push(utf8.decode(packet.subarray(position + 1, position + 1 + packet[position]!)));
      }
      return { type, name, ttl, texts };
    }
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

/** The message being written; replaced by a larger one when a message outgrows it. */
let out = new Uint8Array(64 * 1024);
let outView = new DataView(out.buffer);

function reserve(offset: number, bytes: number): void {
  if (offset + bytes <= out.length) return;
  let size = out.length * 2;
  while (size < offset + bytes) size *= 2;
  const larger = new Uint8Array(size);
  larger.set(out);
  out = larger;
  outView = new DataView(out.buffer);
}

/** The wire form of the last name `loadName` read: length-prefixed labels, then the zero byte. */
const nameWire = new Uint8Array(NAME_BYTES_MAX + 8);
let nameWireLength = 0;
/** Offset in `nameWire` of each label's length byte (the root's zero byte not counted). */
const labelStarts = new Int32Array(128);
let labelCount = 0;
/** Hash of the wire bytes from each label to the end of the name, for compression. */
const suffixHashes = new Int32Array(128);
/**
 * The names `nameWire` and `suffixHashes` hold. A reply repeats its names (the question's as
 * every answer's owner), so a name equal to the last one is not read again.
 */
let loadedName: string | undefined;
let hashedName: string | undefined;

function nameError(name: string, problem: string): DnsEncodeError {
  return new DnsEncodeError(`cannot write the name ${JSON.stringify(name)}: ${problem}`);
}

/**
 * Converts a presentation-form name into `nameWire`: `\.`-style escapes stand for the character,
 * `\DDD` for the byte DDD, characters beyond ASCII for their UTF-8 bytes. Throws DnsEncodeError
 * for an empty label, a label over 63 bytes, a name over 255, a bad escape, or a name that does
 * not end in an unescaped '.'.
 */
function loadName(name: string): void {
  if (name === loadedName) return;
  loadedName = undefined;
  if (name === '.') {
    nameWire[0] = 0;
    nameWireLength = 1;
    labelCount = 0;
    loadedName = name;
    return;
  }
  const length = name.length;
  if (length === 0) throw nameError(name, 'it is empty');
  let labelStart = 0;
  let write = 1;
  let count = 0;
  for (let i = 0; i < length; i++) {
    let code = name.charCodeAt(i);
    if (code === 0x2e) {
      const labelBytes = write - labelStart - 1;
      if (labelBytes === 0) throw nameError(name, 'it has an empty label');
      if (labelBytes > LABEL_BYTES_MAX) throw nameError(name, 'a label is longer than 63 bytes');
      nameWire[labelStart] = labelBytes;
      labelStarts[count++] = labelStart;
      labelStart = write++;
      continue;
    }
    if (code === 0x5c) {
      if (++i === length) throw nameError(name, 'it ends in a lone backslash');
      code = name.charCodeAt(i);
      if (isDigit(code) && isDigit(name.charCodeAt(i + 1)) && isDigit(name.charCodeAt(i + 2))) {
        code = (code - 0x30) * 100 + (name.charCodeAt(i + 1) - 0x30) * 10 + (name.charCodeAt(i + 2) - 0x30);
        if (code > 0xff) throw nameError(name, `\\${name.slice(i, i + 3)} is not a byte`);
        i += 2;
        nameWire[write++] = code;
        if (write > NAME_BYTES_MAX) throw nameError(name, 'it is longer than 255 bytes');
        continue;
      }
    }
    if (code < 0x80) {
      nameWire[write++] = code;
    } else {
      const next = i + 1 < length ? name.charCodeAt(i + 1) : 0;
      write = writeUtf8(nameWire, write, code, next);
      if (isSurrogatePair(code, next)) i++;
    }
    if (write > NAME_BYTES_MAX) throw nameError(name, 'it is longer than 255 bytes');
  }
  if (write !== labelStart + 1) throw nameError(name, 'it is not fully qualified (no final dot)');
  if (write > NAME_BYTES_MAX) throw nameError(name, 'it is longer than 255 bytes');
  nameWire[labelStart] = 0;
  nameWireLength = write;
  labelCount = count;
  loadedName = name;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isSurrogatePair(high: number, low: number): boolean {
  return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff;
}

/**
 * Writes the UTF-8 bytes of the UTF-16 code unit `code` (with `next`, when the two are a
 * surrogate pair) at `offset`; returns the offset after them. A lone surrogate is U+FFFD, as
 * TextEncoder writes it.
 */
function writeUtf8(target: Uint8Array, offset: number, code: number, next: number): number {
  let position = offset;
  if (code < 0x80) {
    target[position++] = code;
  } else if (code < 0x800) {
    target[position++] = 0xc0 | (code >> 6);
    target[position++] = 0x80 | (code & 0x3f);
  } else if (isSurrogatePair(code, next)) {
    const point = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
    target[position++] = 0xf0 | (point >> 18);
    target[position++] = 0x80 | ((point >> 12) & 0x3f);
    target[position++] = 0x80 | ((point >> 6) & 0x3f);
    target[position++] = 0x80 | (point & 0x3f);
  } else {
    const unit = code >= 0xd800 && code <= 0xdfff ? 0xfffd : code;
    target[position++] = 0xe0 | (unit >> 12);
    target[position++] = 0x80 | ((unit >> 6) & 0x3f);
    target[position++] = 0x80 | (unit & 0x3f);
  }
  return position;
}

/** UTF-8 byte count of the code unit `code` (4 for a surrogate pair's high half, 0 for its low). */
function utf8Bytes(code: number, previous: number, next: number): number {
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (isSurrogatePair(code, next)) return 4;
  if (isSurrogatePair(previous, code)) return 0;
  return 3;
}

// Compression: suffixes already written (as the hash of their wire bytes → their offset), in an
// open-addressing table. A slot belongs to the current message when its generation matches, so
// a new message needs no clearing. Offsets below 0x4000 each start a label of at least two
// bytes, so at most 8192 entries: the table stays at most half full.
const TABLE_SIZE = 1 << 14;
const TABLE_MASK = TABLE_SIZE - 1;
const slotGenerations = new Uint32Array(TABLE_SIZE);
const slotHashes = new Int32Array(TABLE_SIZE);
const slotOffsets = new Uint16Array(TABLE_SIZE);
let generation = 0;
/** Whether the message being written compresses names. */
let compressing = false;

// The last few whole names written, and where: a reply repeats names (the question's as each
// answer's owner, an SRV target as an A record's owner), and an equal string is the same wire
// name, so it becomes a pointer without hashing or comparing bytes.
const RECENT_NAMES = 4;
const recentNames: string[] = new Array<string>(RECENT_NAMES).fill('');
const recentOffsets = new Int32Array(RECENT_NAMES);
let recentCount = 0;
let recentNext = 0;

function beginMessage(compress: boolean): void {
  compressing = compress;
  if (!compress) return;
  recentCount = 0;
  recentNext = 0;
  generation = (generation + 1) >>> 0;
  if (generation === 0) {
    slotGenerations.fill(0);
    generation = 1;
  }
}

/** FNV-1a over each label's bytes, from the last label to the first: one hash per suffix. */
function hashSuffixes(): void {
  if (hashedName === loadedName) return;
  hashedName = loadedName;
  let hash = 0x811c9dc5 | 0;
  for (let label = labelCount - 1; label >= 0; label--) {
    const start = labelStarts[label]!;
    const end = start + 1 + nameWire[start]!;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ nameWire[i]!, 0x01000193);
    suffixHashes[label] = hash;
  }
}

function slotOf(hash: number): number {
  let mixed = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  mixed ^= mixed >>> 13;
  return mixed & TABLE_MASK;
}

/** Where in the message the suffix of the loaded name from `label` on was written, or -1. */
function findSuffix(label: number): number {
  const hash = suffixHashes[label]!;
  for (let slot = slotOf(hash); slotGenerations[slot] === generation; slot = (slot + 1) & TABLE_MASK) {
    if (slotHashes[slot] === hash && suffixWrittenAt(labelStarts[label]!, slotOffsets[slot]!)) {
      return slotOffsets[slot]!;
    }
  }
  return -1;
}

function rememberSuffix(label: number, offset: number): void {
  let slot = slotOf(suffixHashes[label]!);
  while (slotGenerations[slot] === generation) slot = (slot + 1) & TABLE_MASK;
  slotGenerations[slot] = generation;
  slotHashes[slot] = suffixHashes[label]!;
  slotOffsets[slot] = offset;
}

/**
 * Whether the name in `out` at `offset` (following its pointers) has exactly the bytes of
 * `nameWire` from `start`: case-sensitive, so a pointer never changes a name's case.
 */
function suffixWrittenAt(start: number, offset: number): boolean {
  let a = start;
  let b = offset;
  for (;;) {
    let lengthB = out[b]!;
    while (lengthB >= 0xc0) {
      b = ((lengthB & 0x3f) << 8) | out[b + 1]!;
      lengthB = out[b]!;
    }
    const lengthA = nameWire[a]!;
    if (lengthA !== lengthB) return false;
    if (lengthA === 0) return true;
    for (let i = 1; i <= lengthA; i++) if (nameWire[a + i] !== out[b + i]) return false;
    a += lengthA + 1;
    b += lengthB + 1;
  }
}

/**
 * Writes `name` at `offset`; returns the offset after it. When compressing, the name's longest
 * suffix already written becomes a pointer (unless `mayPoint` is false: the SRV target, which
 * RFC 2782 says is not compressed), and its own suffixes are remembered for later names.
 */
function writeName(name: string, offset: number, mayPoint: boolean): number {
  if (compressing && mayPoint) {
    for (let i = 0; i < recentCount; i++) {
      if (recentNames[i] === name) {
        reserve(offset, 2);
        outView.setUint16(offset, 0xc000 | recentOffsets[i]!);
        return offset + 2;
      }
    }
  }
  loadName(name);
  reserve(offset, nameWireLength);
  if (!compressing) {
    for (let i = 0; i < nameWireLength; i++) out[offset + i] = nameWire[i]!;
    return offset + nameWireLength;
  }
  if (labelCount > 0 && offset < POINTER_OFFSET_LIMIT) {
    recentNames[recentNext] = name;
    recentOffsets[recentNext] = offset;
    recentNext = (recentNext + 1) % RECENT_NAMES;
    if (recentCount < RECENT_NAMES) recentCount++;
  }
  hashSuffixes();
  let written = labelCount;
  let pointer = -1;
  if (mayPoint) {
    for (let label = 0; label < labelCount; label++) {
      pointer = findSuffix(label);
      if (pointer >= 0) {
        written = label;
        break;
      }
    }
  }
  const prefixBytes = pointer >= 0 ? labelStarts[written]! : nameWireLength;
  for (let i = 0; i < prefixBytes; i++) out[offset + i] = nameWire[i]!;
  for (let label = 0; label < written; label++) {
    const at = offset + labelStarts[label]!;
    if (at < POINTER_OFFSET_LIMIT) rememberSuffix(label, at);
  }
  if (pointer < 0) return offset + prefixBytes;
  outView.setUint16(offset + prefixBytes, 0xc000 | pointer);
  return offset + prefixBytes + 2;
}

/** Writes each text as UTF-8 character-strings of at most 255 bytes, split between characters. */
function writeTexts(texts: readonly string[], offset: number): number {
  let position = offset;
  if (texts.length === 0) {
    reserve(position, 1);
    out[position++] = 0;
    return position;
  }
  for (const text of texts) {
    const length = text.length;
    reserve(position, 4 * length + 2);
    let lengthAt = position++;
    let pieceBytes = 0;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      const next = i + 1 < length ? text.charCodeAt(i + 1) : 0;
      const bytes = utf8Bytes(code, i > 0 ? text.charCodeAt(i - 1) : 0, next);
      if (bytes === 0) continue;
      if (pieceBytes + bytes > 255) {
        out[lengthAt] = pieceBytes;
        lengthAt = position++;
        pieceBytes = 0;
      }
      position = writeUtf8(out, position, code, next);
      pieceBytes += bytes;
    }
    out[lengthAt] = pieceBytes;
  }
  return position;
}

/** Room for a record's fixed fields and any fixed-size RDATA; names and texts reserve their own. */
const RECORD_FIXED_BYTES_MAX = 10 + 20;

function writeRecord(record: ResourceRecord, offset: number): number {
  let position = writeName(record.name, offset, true);
  reserve(position, RECORD_FIXED_BYTES_MAX);
  outView.setUint16(position, record.type);
  outView.setUint16(position + 2, RRClass.IN);
  outView.setUint32(position + 4, record.ttl);
  const lengthAt = position + 8;
  position += 10;
  switch (record.type) {
    case RRType.A:
    case RRType.AAAA:
      if (record.address.length !== (record.type === RRType.A ? 4 : 16)) {
        assert(false, `${record.name}: an address record with ${record.address.length} address bytes`);
      }
      for (let i = 0; i < record.address.length; i++) out[position++] = record.address[i]!;
      break;
    case RRType.CNAME:
    case RRType.NS:
    case RRType.PTR:
      position = writeName(record.target, position, true);
      break;
    case RRType.SRV:
      outView.setUint16(position, record.priority);
      outView.setUint16(position + 2, record.weight);
      outView.setUint16(position + 4, record.port);
      position = writeName(record.target, position + 6, false);
      break;
    case RRType.SOA:
      position = writeName(record.mname, position, true);
      position = writeName(record.rname, position, true);
      reserve(position, 20);
      outView.setUint32(position, record.serial);
      outView.setUint32(position + 4, record.refresh);
      outView.setUint32(position + 8, record.retry);
      outView.setUint32(position + 12, record.expire);
      outView.setUint32(position + 16, record.minimum);
      position += 20;
      break;
    case RRType.TXT:
      position = writeTexts(record.texts, position);
      break;
    default:
      unreachable(record, 'record type');
  }
  const dataBytes = position - lengthAt - 2;
  if (dataBytes > UINT16_MAX) {
    throw new DnsEncodeError(`the record data of ${record.name} is ${dataBytes} bytes, over 65535`);
  }
  outView.setUint16(lengthAt, dataBytes);
  return position;
}

/** RFC 6891 §6.1.2–6.1.3: OPT, owner root, class the UDP size, TTL the version and DO bit. */
function writeOpt(edns: Edns, offset: number): number {
  const subnet = edns.clientSubnet;
  const optionBytes = subnet === undefined ? 0 : 8 + subnet.address.length;
  reserve(offset, 11 + optionBytes);
  out[offset] = 0;
  outView.setUint16(offset + 1, RRType.OPT);
  outView.setUint16(offset + 3, edns.udpSize);
  outView.setUint32(offset + 5, (((edns.version & 0xff) << 16) | (edns.dnssecOk ? EDNS_FLAG_DO : 0)) >>> 0);
  outView.setUint16(offset + 9, optionBytes);
  if (subnet === undefined) return offset + 11;
  outView.setUint16(offset + 11, OPTION_CLIENT_SUBNET);
  outView.setUint16(offset + 13, 4 + subnet.address.length);
  outView.setUint16(offset + 15, subnet.family);
  out[offset + 17] = subnet.sourcePrefixLength;
  out[offset + 18] = subnet.scopePrefixLength;
  out.set(subnet.address, offset + 19);
  return offset + 19 + subnet.address.length;
}

function writeSection(records: readonly ResourceRecord[], offset: number): number {
  let position = offset;
  for (let i = 0; i < records.length; i++) position = writeRecord(records[i]!, position);
  return position;
}

/** Writes `reply` into `out`; returns its length. */
function writeReply(reply: DnsReply, compress: boolean): number {
  const additionalCount = reply.additional.length + (reply.edns === undefined ? 0 : 1);
  const recordCountMax = Math.max(reply.answer.length, reply.authority.length, additionalCount);
  if (recordCountMax > UINT16_MAX) {
    throw new DnsEncodeError(`a section of ${recordCountMax} records is over the 65535 a header can count`);
  }
  beginMessage(compress);
  outView.setUint16(0, reply.id);
  outView.setUint16(
    2,
    FLAG_QR |
      ((reply.opcode & 0xf) << 11) |
      (reply.authoritative ? FLAG_AA : 0) |
      (reply.truncated ? FLAG_TC : 0) |
      (reply.recursionDesired ? FLAG_RD : 0) |
      (reply.recursionAvailable ? FLAG_RA : 0) |
      (reply.checkingDisabled === true ? FLAG_CD : 0) |
      (reply.rcode & 0xf),
  );
  outView.setUint16(4, reply.question === undefined ? 0 : 1);
  outView.setUint16(6, reply.answer.length);
  outView.setUint16(8, reply.authority.length);
  outView.setUint16(10, additionalCount);
  let position = HEADER_BYTES;
  const question = reply.question;
  if (question !== undefined) {
    position = writeName(question.name, position, true);
    reserve(position, 4);
    outView.setUint16(position, question.type);
    outView.setUint16(position + 2, question.class);
    position += 4;
  }
  position = writeSection(reply.answer, position);
  position = writeSection(reply.authority, position);
  position = writeSection(reply.additional, position);
  if (reply.edns !== undefined) position = writeOpt(reply.edns, position);
  return position;
}

// Copies handed out are views into a shared slab, as Node's Buffer.allocUnsafe does: a fresh
// ArrayBuffer per message (off the V8 heap past 64 bytes) costs more than writing the message.
const SLAB_BYTES = 16 * 1024;
const SLAB_COPY_BYTES_MAX = 2 * 1024;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

/** The first `length` bytes of `out`, copied into memory no later message overwrites. */
function copyOut(length: number): Uint8Array {
  if (length > SLAB_COPY_BYTES_MAX) return out.slice(0, length);
  if (slabUsed + length > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const copy = slab.subarray(slabUsed, slabUsed + length);
  copy.set(out.subarray(0, length));
  slabUsed = (slabUsed + length + 7) & ~7;
  return copy;
}

/**
 * The reply as bytes: a copy no later call overwrites, but a view into a slab shared with other
 * messages (like a Buffer from `Buffer.allocUnsafe`), so read it through the view, never `.buffer`.
 * It holds the header (QR set, opcode, AA, TC, RD, RA, rcode), the
 * question echoed as given, the three sections, and the OPT record last when `edns` is set.
 * `compress` (default true) writes repeated name suffixes as pointers. A message over 65535
 * bytes is written all the same: fitting it to a transport is the caller's job.
 */
export function encodeReply(reply: DnsReply, options?: { compress?: boolean }): Uint8Array {
  return copyOut(writeReply(reply, options?.compress ?? true));
}

/** The length `encodeReply` would give, without the copy (truncation measures many times). */
export function encodedLength(reply: DnsReply, options?: { compress?: boolean }): number {
  return writeReply(reply, options?.compress ?? true);
}

/** A plain query (one question, class IN, no EDNS), to ask an upstream recursor; a view as from `encodeReply`. */
export function encodeQuery(id: number, name: string, type: number, recursionDesired: boolean): Uint8Array {
  beginMessage(false);
  const end = writeName(name, HEADER_BYTES, false);
  outView.setUint16(0, id);
  outView.setUint16(2, recursionDesired ? FLAG_RD : 0);
  outView.setUint16(4, 1);
  outView.setUint16(6, 0);
  outView.setUint32(8, 0);
  outView.setUint16(end, type);
  outView.setUint16(end + 2, RRClass.IN);
  return copyOut(end + 4);
}
