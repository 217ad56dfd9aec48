/**
 * Fitting a reply to its transport, as Consul's `trimUDPResponse` and `trimTCPResponse` do:
 * answers are dropped from the end (the Authority section first goes), and Additional keeps only
 * what the remaining SRV answers point at. Over UDP without EDNS at most `udp_answer_limit`
 * answers (never more than 8) go out; the size limit is 512 bytes, the EDNS-advertised size, or
 * 64 KiB over TCP. A trimmed reply has TC set only with `enable_truncate`.
 */
import type { DnsTransport } from '../ports/dns.ts';
import { encodedLength } from './codec.ts';
import { type DnsReply, type ResourceRecord, RRType } from './wire.ts';

/** Consul's `maxUDPAnswerLimit`. */
const MAX_UDP_ANSWERS = 8;
const DEFAULT_UDP_SIZE = 512;
/** The largest UDP payload Consul sends, whatever the requester advertises. */
const MAX_UDP_SIZE = 65_535 - 68;
/** 64 KiB less the header Consul allows for. */
const MAX_TCP_SIZE = 65_523;

export interface FitOptions {
  transport: DnsTransport;
  udpAnswerLimit: number;
  enableTruncate: boolean;
  compress: boolean;
}

/**
 * Whether a reply, `length` bytes encoded, already is what its transport carries: then
 * `fitToTransport` would leave it as it is, and the common reply is encoded once, not measured.
 */
export function fits(reply: DnsReply, length: number, options: FitOptions): boolean {
  const answers = reply.answer.length;
  if (options.transport === 'tcp')
    return answers <= tcpAnswerCap(reply) && (answers <= 1 || length <= MAX_TCP_SIZE);
  const maxSize = udpLimit(reply);
  if (maxSize === DEFAULT_UDP_SIZE && answers > Math.min(MAX_UDP_ANSWERS, options.udpAnswerLimit))
    return false;
  return answers <= 1 || length <= maxSize - 8;
}

/** Trims `reply` in place to what its transport carries; true when something was dropped. */
export function fitToTransport(reply: DnsReply, options: FitOptions): boolean {
  const trimmed = options.transport === 'udp' ? trimUdp(reply, options) : trimTcp(reply, options.compress);
  if (trimmed && options.enableTruncate) reply.truncated = true;
  return trimmed;
}

/** The largest UDP reply the requester takes. */
function udpLimit(reply: DnsReply): number {
  const advertised = reply.edns?.udpSize ?? DEFAULT_UDP_SIZE;
  return Math.min(Math.max(advertised, DEFAULT_UDP_SIZE), MAX_UDP_SIZE);
}

function trimUdp(reply: DnsReply, options: FitOptions): boolean {
  const count = reply.answer.length;
  const maxSize = udpLimit(reply);
  const extras = reply.additional.length > 0 ? indexByName(reply.additional) : undefined;
  const maxAnswers = Math.min(MAX_UDP_ANSWERS, options.udpAnswerLimit);
  // Once answers are cut to the count limit, sizes are measured uncompressed (the reply still
  // goes out compressed): what a downstream server that expands it would have to carry.
  let compress = options.compress;
  if (maxSize === DEFAULT_UDP_SIZE && count > maxAnswers) {
    compress = false;
    reply.answer.length = maxAnswers;
    if (extras !== undefined) syncAdditional(reply, extras);
  }
  // 8 bytes go to the UDP header.
  shrink(reply, maxSize, maxSize - 8, compress, extras);
  return reply.answer.length < count;
}

function trimTcp(reply: DnsReply, compress: boolean): boolean {
  const count = reply.answer.length;
  const cap = tcpAnswerCap(reply);
  if (reply.answer.length > cap) reply.answer.length = cap;
  const extras = reply.additional.length > 0 ? indexByName(reply.additional) : undefined;
  shrink(reply, MAX_TCP_SIZE, MAX_TCP_SIZE, compress, extras);
  return reply.answer.length < count;
}

/** More answers than could ever fit in 64 KiB, cut before measuring. */
function tcpAnswerCap(reply: DnsReply): number {
  return reply.question?.type === RRType.SRV ? 1024 : 4096;
}

/**
 * Drops answers until the reply is at most `limit` bytes (one answer always stays): one at a
 * time when within 100 bytes, by binary search beyond.
 */
function shrink(
  reply: DnsReply,
  maxSize: number,
  limit: number,
  compress: boolean,
  extras: Map<string, ResourceRecord> | undefined,
): void {
  while (reply.answer.length > 1 && encodedLength(reply, { compress }) > limit) {
    reply.authority.length = 0;
    if (encodedLength(reply, { compress }) - maxSize > 100) {
      reply.answer.length = fittingCount(reply, maxSize, compress, extras);
    } else {
      reply.answer.length -= 1;
    }
    if (extras !== undefined) syncAdditional(reply, extras);
  }
}

/** The most answers that fit in `maxSize` (Consul's `dnsBinaryTruncate`). */
function fittingCount(
  reply: DnsReply,
  maxSize: number,
  compress: boolean,
  extras: Map<string, ResourceRecord> | undefined,
): number {
  const all = reply.answer;
  let start = 0;
  let end = all.length + 1;
  try {
    while (end - start > 1) {
      const median = start + Math.floor((end - start) / 2);
      reply.answer = all.slice(0, median);
      if (extras !== undefined) syncAdditional(reply, extras);
      const length = encodedLength(reply, { compress });
      if (length <= maxSize) {
        if (maxSize - length < 10) return median;
        start = median;
      } else {
        end = median;
      }
    }
    return start;
  } finally {
    reply.answer = all;
  }
}

/** The first Additional record of each (lower-cased) name. */
function indexByName(records: readonly ResourceRecord[]): Map<string, ResourceRecord> {
  const index = new Map<string, ResourceRecord>();
  for (const record of records) {
    const name = record.name.toLowerCase();
    if (!index.has(name)) index.set(name, record);
  }
  return index;
}

/** Additional becomes the records the SRV answers' targets need, following CNAMEs (Consul's `syncExtra`). */
function syncAdditional(reply: DnsReply, extras: Map<string, ResourceRecord>): void {
  const additional: ResourceRecord[] = [];
  const resolved = new Set<string>();
  for (const answer of reply.answer) {
    if (answer.type !== RRType.SRV) continue;
    let target = answer.target.toLowerCase();
    while (!resolved.has(target)) {
      resolved.add(target);
      const record = extras.get(target);
      if (record === undefined) break;
      additional.push(record);
      if (record.type !== RRType.CNAME) break;
      target = record.target.toLowerCase();
    }
  }
  reply.additional = additional;
}
