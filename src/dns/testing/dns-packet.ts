/**
 * dns-packet 5.6 (the package ships no types), typed for the parts the DNS tests use: the
 * independent encoder and decoder they check Cairn's codec and server against. Test support.
 */
import { createRequire } from 'node:module';

export interface PacketQuestion {
  name: string;
  type: string;
  class?: string;
}
export interface PacketRecord {
  name: string;
  type: string;
  class?: string;
  ttl?: number;
  data?: unknown;
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
  questions?: PacketQuestion[];
  answers?: PacketRecord[];
  authorities?: PacketRecord[];
  additionals?: PacketRecord[];
}
export interface DnsPacketModule {
  encode(packet: Packet): Buffer;
  decode(bytes: Buffer): Required<Pick<Packet, 'id' | 'opcode' | 'rcode' | 'questions' | 'answers'>> & Packet;
  RECURSION_DESIRED: number;
  RECURSION_AVAILABLE: number;
}

export const dnsPacket = createRequire(import.meta.url)('dns-packet') as DnsPacketModule;
