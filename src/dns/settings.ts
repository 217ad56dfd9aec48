/**
 * What the DNS front-end reads of the agent's configuration (`domain`, `alt_domain`,
 * `recursors`, `dns_config`), in the units it works in. The composition root builds it.
 */

export interface SoaSettings {
  refresh: number;
  retry: number;
  expire: number;
  minttl: number;
}

export interface DnsSettings {
  /** This agent's datacenter, lower-cased. */
  datacenter: string;
  /** Fully qualified and lower-cased: `consul.`. */
  domain: string;
  /** Fully qualified and lower-cased, or '' when there is none. */
  altDomain: string;
  allowStale: boolean;
  maxStaleMs: number;
  /** `udp_answer_limit`; at most 8 answers go out anyway without EDNS. */
  udpAnswerLimit: number;
  /** `a_record_limit`: most A/AAAA answers for a service name; 0 for no limit. */
  aRecordLimit: number;
  onlyPassing: boolean;
  enableTruncate: boolean;
  /** Seconds. */
  nodeTtl: number;
  serviceTtl: ServiceTtls;
  /** `enable_additional_node_meta_txt`. */
  nodeMetaTxt: boolean;
  /** `host:port` each. */
  recursors: string[];
  recursorTimeoutMs: number;
  recursorStrategy: 'sequential' | 'random';
  soa: SoaSettings;
  disableCompression: boolean;
}

/** `service_ttl`: exact names first, then the longest `prefix*` that matches. Seconds. */
export class ServiceTtls {
  private readonly exact = new Map<string, number>();
  /** Longest prefix first. */
  private readonly prefixes: [string, number][] = [];

  constructor(ttls: Record<string, number> = {}) {
    for (const [key, ttl] of Object.entries(ttls)) {
      if (key.endsWith('*')) this.prefixes.push([key.slice(0, -1), ttl]);
      else this.exact.set(key, ttl);
    }
    this.prefixes.sort(([a], [b]) => b.length - a.length);
  }

  /** The TTL for a service name, 0 when nothing matches. */
  for(service: string): number {
    const exact = this.exact.get(service);
    if (exact !== undefined) return exact;
    for (const [prefix, ttl] of this.prefixes) if (service.startsWith(prefix)) return ttl;
    return 0;
  }
}

export const DEFAULT_SOA: SoaSettings = { refresh: 3600, retry: 600, expire: 86400, minttl: 0 };
