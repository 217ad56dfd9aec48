/**
 * How the DNS front-end meets the network: listeners hand it each query packet and send back
 * what it returns; an exchange forwards a query to an upstream recursor. `src/io/dns-listener.ts`
 * and `src/io/dns-exchange.ts` are the real ones.
 */

export type DnsTransport = 'udp' | 'tcp';

/**
 * Answers one DNS message: the reply packet, or undefined to send nothing (a packet that must
 * be dropped). Synchronous when it can be (the common, stale-read case), a promise when it must
 * wait (a consistent read, an upstream recursor). Never throws or rejects: a failure inside
 * becomes a SERVFAIL reply.
 */
export type DnsHandler = (
  packet: Uint8Array,
  transport: DnsTransport,
) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

export interface DnsExchange {
  /**
   * Sends `packet` (a whole DNS message) to `server` (`host:port`, IPv6 hosts in brackets) over
   * `transport` and resolves with the first reply whose ID matches. Rejects when nothing usable
   * arrives within `timeoutMs` or the connection fails.
   */
  exchange(
    server: string,
    packet: Uint8Array,
    transport: DnsTransport,
    timeoutMs: number,
  ): Promise<Uint8Array>;
}
