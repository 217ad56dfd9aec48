/**
 * The DNS front-end: what a listener calls with each packet. Parse (`codec.ts`) → read the
 * catalog at the configured consistency → decide (`responder.ts`) → fit to the transport
 * (`truncate.ts`) → serialise. Names outside the domain go to the recursors as they came; a
 * hostname answer outside the domain is resolved through them and the question answered again.
 * Nothing here throws to the listener: an unexpected failure is logged and answered SERVFAIL.
 */
import type { Clock } from '../ports/clock.ts';
import type { DnsExchange, DnsHandler, DnsTransport } from '../ports/dns.ts';
import type { Logger } from '../ports/logger.ts';
import type { Random } from '../ports/random.ts';
import type { Consensus } from '../server/consensus.ts';
import type { StateStore } from '../state/store.ts';
import { encodeQuery, encodeReply, isRejection, parseQuery, readReply } from './codec.ts';
import { zoneOf } from './names.ts';
import { type Decision, respond } from './responder.ts';
import type { DnsSettings } from './settings.ts';
import { fits, fitToTransport } from './truncate.ts';
import { type DnsQuery, type DnsReply, Rcode, type ResourceRecord, RRType } from './wire.ts';

/** Where the catalog is read: a server's store, and its consensus for non-stale reads. */
export interface DnsCatalogSource {
  readonly store: StateStore;
  readonly consensus: Pick<Consensus, 'status' | 'readBarrier'>;
}

export interface DnsServerOptions {
  settings: DnsSettings;
  /**
   * Undefined on a client agent, which has no catalog of its own and no server to forward to
   * yet: names in the domain then answer SERVFAIL (Consul's answer to a failed RPC).
   */
  source: DnsCatalogSource | undefined;
  exchange: DnsExchange;
  clock: Clock;
  random: Random;
  logger: Logger;
}

export interface DnsStats {
  queries: number;
  /** Replies by rcode name. */
  rcodes: Record<string, number>;
  /** Queries forwarded to a recursor. */
  recursed: number;
  /** Replies trimmed to fit their transport. */
  trimmed: number;
  /** Packets dropped unanswered (too short to be a message, or a response). */
  dropped: number;
  /** Internal failures answered SERVFAIL. */
  failures: number;
}

const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

export class DnsServer {
  readonly stats: DnsStats = { queries: 0, rcodes: {}, recursed: 0, trimmed: 0, dropped: 0, failures: 0 };
  private readonly settings: DnsSettings;
  private readonly random: () => number;

  constructor(private readonly options: DnsServerOptions) {
    this.settings = options.settings;
    this.random = () => options.random.next();
  }

  /** The listeners' handler. */
  readonly handle: DnsHandler = (packet, transport) => {
    try {
      const query = parseQuery(packet);
      if (isRejection(query)) {
        if (query.action === 'drop') {
          this.stats.dropped++;
          return undefined;
        }
        return this.send(
          {
            id: query.id,
            opcode: query.opcode,
            rcode: query.rcode,
            authoritative: false,
            truncated: false,
            recursionDesired: query.recursionDesired,
            recursionAvailable: false,
            // miekg rejects a foreign opcode on the header alone: its NOTIMP carries no question.
            ...(query.question === undefined || query.rcode === Rcode.NOTIMP
              ? {}
              : { question: query.question }),
            answer: [],
            authority: [],
            additional: [],
          },
          transport,
          false,
        );
      }
      this.stats.queries++;
      const source = this.options.source;
      if (source === undefined) return this.withoutCatalog(query, packet, transport);
      if (this.staleReadAllowed(source))
        return this.answer(source, query, packet, transport, this.decide(source, query));
      return this.consistentAnswer(source, query, packet, transport);
    } catch (error) {
      return this.failure(packet, transport, error);
    }
  };

  /** Stale reads are the default; too stale (no contact with a leader for `max_stale`) they are not. */
  private staleReadAllowed(source: DnsCatalogSource): boolean {
    if (!this.settings.allowStale) return false;
    return source.consensus.status().lastContactMs <= this.settings.maxStaleMs;
  }

  private async consistentAnswer(
    source: DnsCatalogSource,
    query: DnsQuery,
    packet: Uint8Array,
    transport: DnsTransport,
  ) {
    try {
      if (source.consensus.status().leaderAddress === '') return this.servfail(query, transport);
      await source.consensus.readBarrier();
      return await this.answer(source, query, packet, transport, this.decide(source, query));
    } catch (error) {
      return this.failure(packet, transport, error);
    }
  }

  /** Without a catalog only the recursors can answer, and only for names outside the domain. */
  private withoutCatalog(query: DnsQuery, packet: Uint8Array, transport: DnsTransport) {
    const zone = zoneOf(query.question.name.toLowerCase(), this.settings.domain, this.settings.altDomain);
    if (zone.zone !== 'domain' && this.settings.recursors.length > 0)
      return this.recurse(query, packet, transport);
    return this.servfail(query, transport);
  }

  private decide(
    source: DnsCatalogSource,
    query: DnsQuery,
    resolved?: ReadonlyMap<string, ResourceRecord[]>,
  ): Decision {
    return respond(query, {
      settings: this.settings,
      store: source.store,
      random: this.random,
      wallMs: this.options.clock.wallMs(),
      ...(resolved === undefined ? {} : { resolved }),
    });
  }

  private answer(
    source: DnsCatalogSource,
    query: DnsQuery,
    packet: Uint8Array,
    transport: DnsTransport,
    decision: Decision,
  ): Uint8Array | Promise<Uint8Array | undefined> {
    if (decision.kind === 'recurse') return this.recurse(query, packet, transport);
    if (decision.unresolved.length === 0) return this.send(decision.reply, transport, true);
    return this.resolveThenAnswer(source, query, packet, transport, decision.unresolved);
  }

  private async resolveThenAnswer(
    source: DnsCatalogSource,
    query: DnsQuery,
    packet: Uint8Array,
    transport: DnsTransport,
    names: string[],
  ) {
    const resolved = new Map<string, ResourceRecord[]>();
    await Promise.all(
      names.map(async (name) => {
        resolved.set(name, await this.lookUpstream(name));
      }),
    );
    // The second pass finds every hostname it needs in `resolved`.
    return this.answer(source, query, packet, transport, this.decide(source, query, resolved));
  }

  /** The A records (and CNAMEs) the recursors give for a hostname; none when they all fail. */
  private async lookUpstream(name: string): Promise<ResourceRecord[]> {
    const packet = encodeQuery(Math.floor(this.random() * 0x10000), name, RRType.A, true);
    for (const recursor of this.recursorOrder()) {
      try {
        const reply = readReply(await this.exchange(recursor, packet, 'udp'));
        if (reply !== undefined) return reply.answer;
      } catch (error) {
        this.options.logger.debug({ name, recursor, error: String(error) }, 'cname recurse failed for name');
      }
    }
    this.options.logger.warn({ name }, 'all resolvers failed for name');
    return [];
  }

  /**
   * Forwards the query as it came to each recursor in turn (Consul's `handleRecurse`): the first
   * NOERROR or NXDOMAIN reply, or a truncated one, goes back to the client unchanged; when all
   * fail the answer is SERVFAIL with RA set.
   */
  private async recurse(query: DnsQuery, packet: Uint8Array, transport: DnsTransport): Promise<Uint8Array> {
    this.stats.recursed++;
    for (const recursor of this.recursorOrder()) {
      try {
        const reply = await this.exchange(recursor, packet, transport);
        const read = readReply(reply);
        if (read === undefined) continue;
        if (read.rcode === Rcode.NOERROR || read.rcode === Rcode.NXDOMAIN || read.truncated) {
          this.count(read.rcode);
          return reply;
        }
      } catch (error) {
        this.options.logger.debug({ recursor, error: String(error) }, 'recurse failed');
      }
    }
    this.options.logger.warn({ question: query.question.name }, 'all resolvers failed for question');
    const reply = this.servfailReply(query);
    reply.recursionAvailable = true;
    return this.send(reply, transport, false);
  }

  private exchange(recursor: string, packet: Uint8Array, transport: DnsTransport): Promise<Uint8Array> {
    return this.options.exchange.exchange(recursor, packet, transport, this.settings.recursorTimeoutMs);
  }

  /** `recursor_strategy`: the configured order, or a random one per query. */
  private recursorOrder(): string[] {
    const order = [...this.settings.recursors];
    if (this.settings.recursorStrategy === 'random') {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(this.random() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
    }
    return order;
  }

  private send(reply: DnsReply, transport: DnsTransport, fit: boolean): Uint8Array {
    const options = {
      transport,
      udpAnswerLimit: this.settings.udpAnswerLimit,
      enableTruncate: this.settings.enableTruncate,
      compress: !this.settings.disableCompression,
    };
    let packet = encodeReply(reply, options);
    if (fit && !fits(reply, packet.length, options)) {
      if (fitToTransport(reply, options)) this.stats.trimmed++;
      packet = encodeReply(reply, options);
    }
    this.count(reply.rcode);
    return packet;
  }

  private count(rcode: number): void {
    const name = RCODE_NAMES[rcode] ?? String(rcode);
    this.stats.rcodes[name] = (this.stats.rcodes[name] ?? 0) + 1;
  }

  private servfailReply(query: DnsQuery): DnsReply {
    return {
      id: query.id,
      opcode: query.opcode,
      rcode: Rcode.SERVFAIL,
      authoritative: false,
      truncated: false,
      recursionDesired: query.recursionDesired,
      recursionAvailable: this.settings.recursors.length > 0,
      checkingDisabled: query.checkingDisabled,
      question: query.question,
      answer: [],
      authority: [],
      additional: [],
      ...(query.edns === undefined
        ? {}
        : { edns: { udpSize: query.edns.udpSize, version: 0, dnssecOk: false } }),
    };
  }

  private servfail(query: DnsQuery, transport: DnsTransport): Uint8Array {
    return this.send(this.servfailReply(query), transport, false);
  }

  /** An unexpected error: logged, and answered SERVFAIL when the packet still reads as a query. */
  private failure(packet: Uint8Array, transport: DnsTransport, error: unknown): Uint8Array | undefined {
    this.stats.failures++;
    this.options.logger.error(
      { error: error instanceof Error ? error.message : String(error) },
      'DNS query failed',
    );
    try {
      const query = parseQuery(packet);
      return isRejection(query) ? undefined : this.servfail(query, transport);
    } catch {
      return undefined;
    }
  }
}
