/**
 * Reading a question name: which zone it falls in (Cairn's domain, its alternative, the
 * reverse-lookup tree, or someone else's) and, inside the domain, what it asks for. The rules
 * are Consul's `dispatch` and `parseLocality` (agent/dns.go, dns_ce.go).
 */
import { RRType } from './wire.ts';

/** Where a (lower-cased) question name belongs. */
export type Zone =
  /** Under the domain or alternative domain: `labels` are the ones before it. */
  | { zone: 'domain'; responseDomain: string; labels: string[] }
  /** Under `arpa.`: `ip` is the address an in-addr.arpa/ip6.arpa name spells, if it spells one. */
  | { zone: 'arpa'; ip: Uint8Array | undefined }
  | { zone: 'foreign' };

/** What a name inside the domain asks for. */
export type Lookup =
  | { kind: 'service'; service: string; tag: string; datacenter: string }
  | { kind: 'node'; node: string; datacenter: string }
  | { kind: 'addr'; ip: Uint8Array }
  | { kind: 'query'; query: string; datacenter: string }
  /** A name Cairn has nothing under: a peer, `.connect`, `.ingress`, `.virtual`. */
  | { kind: 'none' }
  /** A name that does not parse: Consul's `QName invalid`. */
  | { kind: 'invalid' };

/**
 * The labels of a presentation-form name without the root, escapes kept as written (`a\.b` is
 * one label), as miekg's `SplitDomainName` gives them.
 */
export function splitLabels(name: string): string[] {
  const body = name.endsWith('.') && !name.endsWith('\\.') ? name.slice(0, -1) : name;
  if (body === '' || body === '.') return [];
  if (!body.includes('\\')) return body.split('.');
  const labels: string[] = [];
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const char = body[i];
    if (char === '\\') i++;
    else if (char === '.') {
      labels.push(body.slice(start, i));
      start = i + 1;
    }
  }
  labels.push(body.slice(start));
  return labels;
}

/** The labels of the configured domains, split once. */
const splitDomains = new Map<string, string[]>();

function domainLabels(domain: string): string[] {
  let labels = splitDomains.get(domain);
  if (labels === undefined) {
    labels = splitLabels(domain);
    splitDomains.set(domain, labels);
  }
  return labels;
}

/** The zone of `name` (lower-cased): the longest of the domain and the alternative domain wins. */
export function zoneOf(name: string, domain: string, altDomain: string): Zone {
  const labels = splitLabels(name);
  let best: { responseDomain: string; length: number } | undefined;
  for (const candidate of altDomain === '' ? [domain] : [domain, altDomain]) {
    const suffix = domainLabels(candidate);
    if (suffix.length > labels.length || (best !== undefined && suffix.length <= best.length)) continue;
    if (suffix.every((label, i) => labels[labels.length - suffix.length + i] === label)) {
      best = { responseDomain: candidate, length: suffix.length };
    }
  }
  if (best !== undefined) {
    return {
      zone: 'domain',
      responseDomain: best.responseDomain,
      labels: labels.slice(0, labels.length - best.length),
    };
  }
  if (labels[labels.length - 1] === 'arpa') return { zone: 'arpa', ip: addressOfArpa(labels) };
  return { zone: 'foreign' };
}

/** `4.3.2.1.in-addr.arpa` → 1.2.3.4, and the 32 nibbles of an ip6.arpa name → the IPv6 address. */
function addressOfArpa(labels: string[]): Uint8Array | undefined {
  const tree = labels.slice(-2).join('.');
  const parts = labels.slice(0, -2).reverse();
  if (tree === 'in-addr.arpa' && parts.length === 4) {
    const bytes = parts.map((part) => (/^(0|[1-9]\d{0,2})$/.test(part) ? Number(part) : 256));
    return bytes.every((byte) => byte < 256) ? Uint8Array.from(bytes) : undefined;
  }
  if (tree === 'ip6.arpa' && parts.length === 32 && parts.every((part) => /^[0-9a-f]$/.test(part))) {
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(parts[2 * i]! + parts[2 * i + 1]!, 16);
    return bytes;
  }
  return undefined;
}

const KINDS = new Set(['service', 'connect', 'virtual', 'ingress', 'node', 'query', 'addr']);

/**
 * What the labels before the domain ask for. The kind is the rightmost kind label; for an SRV
 * question a rightmost label starting with `_` means `service` (`_web._tcp.consul`). Labels after
 * the kind are the locality: nothing, `<dc>`, `<dc>.dc` or `<peer>.peer`.
 */
export function parseLookup(labels: string[], qtype: number, datacenter: string): Lookup {
  let kind: string | undefined;
  let parts: string[] = [];
  let suffixes: string[] = [];
  for (let i = labels.length - 1; i >= 0; i--) {
    const label = labels[i]!;
    if (KINDS.has(label)) {
      [kind, parts, suffixes] = [label, labels.slice(0, i), labels.slice(i + 1)];
      break;
    }
    if (qtype === RRType.SRV && label.startsWith('_')) {
      [kind, parts, suffixes] = ['service', labels.slice(0, i + 1), labels.slice(i + 1)];
      break;
    }
  }
  const n = parts.length;
  switch (kind) {
    case 'service': {
      if (n < 1) return { kind: 'invalid' };
      const locality = parseLocality(suffixes, datacenter);
      if (locality === undefined) return { kind: 'invalid' };
      if (locality === 'peer') return { kind: 'none' };
      if (n === 2 && parts[0]!.startsWith('_') && parts[1]!.startsWith('_')) {
        const tag = parts[1]!.slice(1);
        return {
          kind: 'service',
          service: parts[0]!.slice(1),
          tag: tag === 'tcp' ? '' : tag,
          datacenter: locality,
        };
      }
      return {
        kind: 'service',
        service: parts[n - 1]!,
        tag: parts.slice(0, n - 1).join('.'),
        datacenter: locality,
      };
    }
    case 'node': {
      if (n < 1) return { kind: 'invalid' };
      const locality = parseLocality(suffixes, datacenter);
      if (locality === undefined) return { kind: 'invalid' };
      if (locality === 'peer') return { kind: 'none' };
      return { kind: 'node', node: parts.join('.'), datacenter: locality };
    }
    case 'query': {
      if (n < 1 || suffixes.length > 1) return { kind: 'invalid' };
      const rfc2782 = n >= 2 && parts[0]!.startsWith('_') && parts[n - 1]!.startsWith('_');
      const query = rfc2782
        ? parts
            .slice(0, n - 1)
            .join('.')
            .slice(1)
        : parts.join('.');
      return { kind: 'query', query, datacenter: suffixes[0] ?? datacenter };
    }
    case 'addr': {
      // Consul ignores whatever follows `addr`.
      if (n !== 1) return { kind: 'invalid' };
      const ip = decodeHex(parts[0]!);
      return ip === undefined || (ip.length !== 4 && ip.length !== 16)
        ? { kind: 'invalid' }
        : { kind: 'addr', ip };
    }
    case 'connect':
    case 'ingress':
    case 'virtual':
      return n < 1 ? { kind: 'invalid' } : { kind: 'none' };
    default:
      return { kind: 'invalid' };
  }
}

/** The datacenter a locality names, 'peer' for a peer, undefined when it does not parse. */
function parseLocality(labels: string[], datacenter: string): string | 'peer' | undefined {
  switch (labels.length) {
    case 0:
      return datacenter;
    case 1:
      return labels[0]!;
    case 2:
    case 4: {
      let dc = '';
      let peer = '';
      for (let i = 0; i < labels.length; i += 2) {
        if (labels[i + 1] === 'dc') dc = labels[i]!;
        else if (labels[i + 1] === 'peer') peer = labels[i]!;
        else return undefined;
      }
      if (dc !== '' && peer !== '') return undefined;
      return peer !== '' ? 'peer' : dc;
    }
    default:
      return undefined;
  }
}

function decodeHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) return undefined;
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** `0a000001` for 10.0.0.1: the label of an `.addr` name (Consul's `encodeIPAsFqdn`). */
export function encodeHex(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += byte.toString(16).padStart(2, '0');
  return text;
}

/** Consul's `InvalidNameRe`: a node name that cannot be a DNS label. */
export function isDnsLabel(name: string): boolean {
  return /^[A-Za-z0-9-]+$/.test(name);
}
