/**
 * A tiny upstream DNS server (UDP and TCP on one loopback port) for the recursor tests, built on
 * dns-packet: fixed records by name, NXDOMAIN for other names, and silence for names under
 * `silent.` so a recursor timeout can be seen. It records every query it receives.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { findFreePort } from '../bench/lib/processes.ts';

export {
  dnsPacket,
  type Packet,
  type PacketQuestion,
  type PacketRecord,
} from '../src/dns/testing/dns-packet.ts';

import { dnsPacket, type PacketRecord } from '../src/dns/testing/dns-packet.ts';

const RCODE_NXDOMAIN = 3;

export interface UpstreamQuery {
  name: string;
  type: string;
  transport: 'udp' | 'tcp';
}

export class UpstreamDns {
  readonly queries: UpstreamQuery[] = [];

  private constructor(
    readonly port: number,
    private readonly udp: UdpSocket,
    private readonly tcp: Server,
    private readonly records: Map<string, PacketRecord[]>,
  ) {}

  /** Serves `records` (keyed by lower-case name without the trailing dot) on a free port. */
  static async start(records: Record<string, PacketRecord[]>): Promise<UpstreamDns> {
    const port = await findFreePort();
    const udp = createSocket('udp4');
    const tcp = createServer();
    const upstream = new UpstreamDns(port, udp, tcp, new Map(Object.entries(records)));
    udp.on('message', (message, remote) => {
      const reply = upstream.answer(message, 'udp');
      if (reply !== undefined) udp.send(reply, remote.port, remote.address);
    });
    tcp.on('connection', (socket) => upstream.serveTcp(socket));
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, '127.0.0.1', () => resolve());
    });
    return upstream;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
  }

  private serveTcp(socket: Socket): void {
    let buffered = Buffer.alloc(0);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (buffered.length < 2 + length) break;
        const reply = this.answer(buffered.subarray(2, 2 + length), 'tcp');
        buffered = buffered.subarray(2 + length);
        if (reply === undefined) continue;
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(reply.length);
        socket.write(Buffer.concat([prefix, reply]));
      }
    });
  }

  private answer(message: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined {
    const query = dnsPacket.decode(message);
    const question = query.questions[0]!;
    const name = question.name.toLowerCase().replace(/\.$/, '');
    this.queries.push({ name, type: question.type, transport });
    if (name === 'silent' || name.endsWith('.silent')) return undefined;
    const answers = (this.records.get(name) ?? []).filter(
      (record) => question.type === 'ANY' || record.type === question.type || record.type === 'CNAME',
    );
    const known = this.records.has(name);
    return dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags:
        (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) |
        dnsPacket.RECURSION_AVAILABLE |
        (known ? 0 : RCODE_NXDOMAIN),
      questions: [question],
      answers: answers.map((record) => ({ ...record, name: question.name })),
    });
  }
}
