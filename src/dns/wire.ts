/**
 * The DNS message model Cairn's responder works in (RFC 1035, RFC 2782 SRV, RFC 6891 EDNS0,
 * RFC 7871 client subnet): plain records, no IO. `codec.ts` reads queries into it and writes
 * replies out of it.
 *
 * Names are in presentation form, fully qualified (`web.service.consul.`), with RFC 1035's
 * escapes for the bytes that need them (`\.` inside a label, `\\`, `\DDD` for non-printable
 * bytes), as miekg/dns (Consul's library) writes them. Comparisons are case-insensitive and
 * done by the caller on lower-cased names.
 */

export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
} as const;
export type RRType = (typeof RRType)[keyof typeof RRType];

export const RRClass = { IN: 1, ANY: 255 } as const;

export const Opcode = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5 } as const;

export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
} as const;
export type Rcode = (typeof Rcode)[keyof typeof Rcode];

/** The question of a query; `type` and `class` are numbers, since any 16-bit value may be asked. */
export interface Question {
  /** As asked (case kept), presentation form, ending in '.'; the root is '.'. */
  name: string;
  type: number;
  class: number;
}

/** RFC 7871 client subnet option, as received (and echoed with a scope). */
export interface ClientSubnet {
  family: number;
  sourcePrefixLength: number;
  scopePrefixLength: number;
  /** The address bytes as sent: ceil(sourcePrefixLength / 8) of them. */
  address: Uint8Array;
}

/** The OPT pseudo-record of a query or a reply. */
export interface Edns {
  /** Requestor's (or our) UDP payload size; values under 512 are read as 512. */
  udpSize: number;
  version: number;
  /** DNSSEC OK bit. */
  dnssecOk: boolean;
  clientSubnet?: ClientSubnet;
}

interface RecordBase {
  /** Owner name, presentation form, ending in '.'. */
  name: string;
  /** Seconds. */
  ttl: number;
}

export interface AddressRecord extends RecordBase {
  type: typeof RRType.A | typeof RRType.AAAA;
  /** 4 bytes for A, 16 for AAAA. */
  address: Uint8Array;
}

export interface NameRecord extends RecordBase {
  type: typeof RRType.CNAME | typeof RRType.NS | typeof RRType.PTR;
  target: string;
}

export interface SrvRecord extends RecordBase {
  type: typeof RRType.SRV;
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export interface TxtRecord extends RecordBase {
  type: typeof RRType.TXT;
  /** Character strings, UTF-8; each is split into 255-byte pieces on the wire. */
  texts: string[];
}

export interface SoaRecord extends RecordBase {
  type: typeof RRType.SOA;
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export type ResourceRecord = AddressRecord | NameRecord | SrvRecord | TxtRecord | SoaRecord;

/** A reply as the responder builds it; the codec writes it with the question echoed. */
export interface DnsReply {
  id: number;
  opcode: number;
  rcode: Rcode;
  authoritative: boolean;
  truncated: boolean;
  recursionDesired: boolean;
  recursionAvailable: boolean;
  /** CD, echoed from the query as miekg's `SetReply` does; clear when absent. */
  checkingDisabled?: boolean;
  /** Echoed from the query; absent in a reply to a query whose question could not be read. */
  question?: Question;
  answer: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
  /** Present when the query had EDNS: the OPT record written at the end of Additional. */
  edns?: Edns;
}

/** A query that reads cleanly (exactly one question, opcode QUERY, QR clear). */
export interface DnsQuery {
  id: number;
  opcode: number;
  recursionDesired: boolean;
  checkingDisabled: boolean;
  question: Question;
  edns?: Edns;
}

/**
 * Why a packet is not a query Cairn answers, and what to do about it (miekg/dns's accept
 * function, which Consul's server runs): `drop` for what must not be answered (shorter than a
 * header, or a response), `reply` with the header-only error reply for the rest (FORMERR for a
 * malformed message or a question count other than one, NOTIMP for an opcode other than QUERY).
 */
export type QueryRejection =
  | { action: 'drop'; reason: string }
  | {
      action: 'reply';
      reason: string;
      id: number;
      opcode: number;
      rcode: Rcode;
      question?: Question;
      recursionDesired: boolean;
    };
