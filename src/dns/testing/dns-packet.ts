/**
 * dns-packet 5.6 (the package ships no types), typed for the parts the DNS tests use: the
 * independent encoder and decoder they check Cairn's codec and server against. Names come out
 * without the final dot and without escapes. Test support.
 */
import { createRequire } from 'node:module';

export interface PacketQuestion {
  name: string;
  type: string;
  class?: string;
}
/** An EDNS option: raw, or the client subnet dns-packet reads out. */
export interface PacketOption {
  code: number | string;
  data?: Uint8Array;
  family?: number;
  sourcePrefixLength?: number;
  scopePrefixLength?: number;
  ip?: string;
}
export interface PacketRecord {
  name: string;
  type: string;
  class?: string;
  ttl?: number;
  data?: unknown;
  /** OPT fields (`flags` on encode: the DO bit is 0x8000). */
  udpPayloadSize?: number;
  flags?: number;
  ednsVersion?: number;
  flag_do?: boolean;
  options?: PacketOption[];
}
export interface Packet {
  type?: 'query' | 'response';
  id?: number;
  flags?: number;
  opcode?: string;
  rcode?: string;
  flag_qr?: boolean;
  flag_aa?: boolean;
  flag_tc?: boolean;
  flag_rd?: boolean;
  flag_ra?: boolean;
  flag_cd?: boolean;
  questions?: PacketQuestion[];
  answers?: PacketRecord[];
  authorities?: PacketRecord[];
  additionals?: PacketRecord[];
}
/** What `decode` gives: every section and flag present. */
export type DecodedPacket = Required<Packet> & { questions: Required<PacketQuestion>[] };

export interface DnsPacketModule {
  encode(packet: Packet): Buffer;
  decode(bytes: Uint8Array): DecodedPacket;
  RECURSION_DESIRED: number;
  RECURSION_AVAILABLE: number;
  CHECKING_DISABLED: number;
  DNSSEC_OK: number;
}

export const dnsPacket = createRequire(import.meta.url)('dns-packet') as DnsPacketModule;
