/**
 * The DNS responder: a pure function from a query and the catalog to a reply, after Consul's
 * `agent/dns.go` (handleQuery, dispatch, handlePtr and the record makers). No IO, no clock, no
 * `Math.random`: time and randomness come in `ResponderEnv`. What it cannot answer alone it says:
 * a name outside its zones goes to the recursors (`recurse`), and a service or node address
 * that is a hostname outside the domain is listed in `unresolved` for the caller to resolve
 * through the recursors and answer again with `resolved`.
 */
import { aggregatedStatus, hasAllTags, withoutCritical } from '../discovery/filters.ts';
import { instancesOf, nodeAt, nodeNamed, serviceAt } from '../discovery/lookups.ts';
import { ipBytes } from '../lib/ip-address.ts';
import { type CatalogNode, CONSUL_SERVICE_NAME } from '../model/records.ts';
import type { CheckServiceNode } from '../state/catalog.ts';
import type { StateStore } from '../state/store.ts';
import { encodeHex, isDnsLabel, type Lookup, parseLookup, zoneOf } from './names.ts';
import type { DnsSettings } from './settings.ts';
import {
  type AddressRecord,
  type DnsQuery,
  type DnsReply,
  type Edns,
  Rcode,
  type ResourceRecord,
  RRType,
  type SoaRecord,
  type TxtRecord,
} from './wire.ts';

export interface ResponderEnv {
  settings: DnsSettings;
  store: StateStore;
  /** A float in [0, 1), for the per-query shuffle. */
  random: () => number;
  /** Wall-clock milliseconds: the SOA serial. */
  wallMs: number;
  /** Records the recursors gave for hostnames in `unresolved`, by lower-cased name. */
  resolved?: ReadonlyMap<string, ResourceRecord[]>;
}

export type Decision =
  | { kind: 'reply'; reply: DnsReply; unresolved: string[] }
  /** A name outside Cairn's zones, or an address it does not know, with recursors configured. */
  | { kind: 'recurse' };

/** How deep a CNAME into the domain is followed (Consul's `maxRecursionLevelDefault`). */
const MAX_RECURSION = 3;
/** Most records a resolved hostname adds without EDNS (Consul's `maxRecurseRecords`). */
const MAX_RECURSE_RECORDS = 5;

enum Outcome {
  ok,
  nxdomain,
  nodata,
}

/** A reply under construction, and what the question was. */
interface Work {
  readonly env: ResponderEnv;
  readonly qname: string;
  readonly qtype: number;
  readonly edns: boolean;
  readonly responseDomain: string;
  readonly answer: ResourceRecord[];
  readonly additional: ResourceRecord[];
  readonly unresolved: string[];
}

export function respond(query: DnsQuery, env: ResponderEnv): Decision {
  const { settings } = env;
  const question = query.question;
  const lower = question.name.toLowerCase();
  const zone = zoneOf(lower, settings.domain, settings.altDomain);
  const recursion = settings.recursors.length > 0;
  const reply: DnsReply = {
    id: query.id,
    opcode: query.opcode,
    rcode: Rcode.NOERROR,
    authoritative: true,
    truncated: false,
    recursionDesired: query.recursionDesired,
    recursionAvailable: recursion,
    checkingDisabled: query.checkingDisabled,
    question,
    answer: [],
    authority: [],
    additional: [],
    ...(query.edns === undefined ? {} : { edns: replyEdns(query.edns) }),
  };
  if (zone.zone === 'foreign') {
    if (recursion) return { kind: 'recurse' };
    // No handler for the name: miekg's mux refuses it.
    return { kind: 'reply', reply: { ...reply, rcode: Rcode.REFUSED, authoritative: false }, unresolved: [] };
  }
  const work: Work = {
    env,
    qname: question.name,
    qtype: question.type,
    edns: query.edns !== undefined,
    responseDomain: zone.zone === 'domain' ? zone.responseDomain : settings.domain,
    answer: reply.answer,
    additional: reply.additional,
    unresolved: [],
  };
  if (zone.zone === 'arpa') {
    const outcome = reverseLookup(work, zone.ip);
    if (outcome === Outcome.nxdomain && recursion) return { kind: 'recurse' };
    finish(work, reply, outcome);
    return { kind: 'reply', reply, unresolved: work.unresolved };
  }
  switch (question.type) {
    case RRType.SOA: {
      const { ns, glue } = nameServers(work);
      reply.answer.push(soaRecord(work));
      reply.authority.push(...ns);
      reply.additional.push(...glue);
      break;
    }
    case RRType.NS: {
      const { ns, glue } = nameServers(work);
      reply.answer.push(...ns);
      reply.additional.push(...glue);
      break;
    }
    case RRType.AXFR:
    case RRType.IXFR:
      reply.rcode = Rcode.NOTIMP;
      break;
    default:
      finish(
        work,
        reply,
        dispatch(work, parseLookup(zone.labels, question.type, settings.datacenter), MAX_RECURSION),
      );
  }
  return { kind: 'reply', reply, unresolved: work.unresolved };
}

/** Sets the rcode; NXDOMAIN and NODATA carry the zone's SOA in Authority (RFC 2308). */
function finish(work: Work, reply: DnsReply, outcome: Outcome): void {
  if (outcome === Outcome.ok) return;
  if (outcome === Outcome.nxdomain) reply.rcode = Rcode.NXDOMAIN;
  reply.authority.push(soaRecord(work));
}

/** The OPT of a reply: the requester's size echoed, a client subnet answered as valid for all. */
function replyEdns(edns: Edns): Edns {
  return {
    udpSize: edns.udpSize,
    version: 0,
    dnssecOk: false,
    ...(edns.clientSubnet === undefined
      ? {}
      : { clientSubnet: { ...edns.clientSubnet, scopePrefixLength: 0 } }),
  };
}

function dispatch(work: Work, lookup: Lookup, depth: number): Outcome {
  const { settings } = work.env;
  switch (lookup.kind) {
    case 'service':
      // Another datacenter is out of reach until WAN federation: Consul's "No path to datacenter".
      if (lookup.datacenter !== settings.datacenter) return Outcome.nxdomain;
      return serviceLookup(work, lookup.service, lookup.tag, depth);
    case 'node':
      if (lookup.datacenter !== settings.datacenter) return Outcome.nxdomain;
      return nodeLookup(work, lookup.node, depth);
    case 'addr':
      return addrLookup(work, lookup.ip);
    case 'query': // no prepared queries yet: Consul's ErrQueryNotFound
    case 'none':
    case 'invalid':
      return Outcome.nxdomain;
  }
}

// --- nodes -------------------------------------------------------------------------------------

function nodeLookup(work: Work, name: string, depth: number): Outcome {
  const { settings, store } = work.env;
  const node = nodeNamed(store, name);
  if (node === undefined) return Outcome.nxdomain;
  const qtype = work.qtype;
  if (qtype !== RRType.ANY && qtype !== RRType.A && qtype !== RRType.AAAA && qtype !== RRType.TXT) {
    return Outcome.nodata;
  }
  if (qtype !== RRType.TXT)
    work.answer.push(...nodeRecords(work, node, qtype, work.qname, settings.nodeTtl, depth));
  if (settings.nodeMetaTxt || qtype === RRType.TXT || qtype === RRType.ANY) {
    const target = qtype === RRType.TXT || qtype === RRType.ANY ? work.answer : work.additional;
    target.push(...metaTxtRecords(work.qname, node, settings.nodeTtl));
  }
  return work.answer.length === 0 ? Outcome.nodata : Outcome.ok;
}

/** A node's address record for `qtype`, or a CNAME (and what it resolves to) for a hostname. */
function nodeRecords(
  work: Work,
  node: CatalogNode,
  qtype: number,
  name: string,
  ttl: number,
  depth: number,
): ResourceRecord[] {
  const address = translate(
    node.Address,
    node.TaggedAddresses.lan_ipv4,
    node.TaggedAddresses.lan_ipv6,
    qtype,
  );
  if (address === '') return [];
  const ip = parseIp(address);
  if (ip === undefined) {
    const target = fqdn(address);
    return [{ type: RRType.CNAME, name, ttl, target }, ...resolveHostname(work, target, depth)];
  }
  const record = addressRecord(qtype, ip, name, ttl);
  return record === undefined ? [] : [record];
}

/** Node meta as TXT: `key=value` escaped as RFC 1464 says, or the bare value for `rfc1035-` keys. */
function metaTxtRecords(name: string, node: CatalogNode, ttl: number): TxtRecord[] {
  return metaTexts(node).map((text) => ({ type: RRType.TXT, name, ttl, texts: [text] }));
}

/** The TXT strings of a node's meta, kept per node record (a write replaces the record). */
const nodeMetaTexts = new WeakMap<CatalogNode, string[]>();

function metaTexts(node: CatalogNode): string[] {
  let texts = nodeMetaTexts.get(node);
  if (texts === undefined) {
    texts = Object.keys(node.Meta)
      .sort()
      .map((key) => {
        const value = node.Meta[key]!;
        return key.toLowerCase().startsWith('rfc1035-') ? value : rfc1464(key, value);
      });
    nodeMetaTexts.set(node, texts);
  }
  return texts;
}

function rfc1464(key: string, value: string): string {
  let escaped = key.replaceAll('`', '``').replaceAll('=', '`=');
  escaped = escaped.replace(/^ +/, (spaces) => '` '.repeat(spaces.length));
  escaped = escaped.replace(/ +$/, (spaces) => '` '.repeat(spaces.length));
  return `${escaped}=${value.replaceAll('`', '``')}`;
}

// --- services ----------------------------------------------------------------------------------

function serviceLookup(work: Work, service: string, tag: string, depth: number): Outcome {
  const { settings, store } = work.env;
  let found = instancesOf(store, service);
  if (tag !== '') found = found.filter((entry) => hasAllTags(entry.service, [tag]));
  // A copy: the shuffle must not reorder the shared answer.
  const entries = withoutCritical(found, settings.onlyPassing);
  if (entries.length === 0) return Outcome.nxdomain;
  shuffle(entries, work.env.random);
  const ttl = settings.serviceTtl.for(service);
  if (work.qtype === RRType.SRV) srvRecords(work, entries, ttl, depth);
  else serviceAddressRecords(work, entries, ttl, depth);
  return work.answer.length === 0 ? Outcome.nodata : Outcome.ok;
}

/** Fisher–Yates, as Consul's `CheckServiceNodes.Shuffle`. */
function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

/**
 * A/AAAA (or CNAME) answers, one per distinct address. A CNAME answer is used only when no
 * instance has an address record, and then only the first, as in Consul.
 */
function serviceAddressRecords(work: Work, entries: CheckServiceNode[], ttl: number, depth: number): void {
  const limit = work.env.settings.aRecordLimit;
  const seen = new Set<string>();
  let cname: ResourceRecord[] | undefined;
  let count = 0;
  for (const entry of entries) {
    const { answers } = instanceRecords(work, entry, ttl, depth);
    const first = answers[0];
    if (first === undefined) continue;
    const key = recordKey(first);
    if (seen.has(key)) continue;
    seen.add(key);
    if (first.type === RRType.CNAME) {
      cname ??= answers;
      continue;
    }
    work.answer.push(...answers);
    count++;
    if (count === limit) return;
  }
  if (work.answer.length === 0 && cname !== undefined) work.answer.push(...cname);
}

/** SRV answers, one per node, address and port, with the targets' records in Additional once each. */
function srvRecords(work: Work, entries: CheckServiceNode[], ttl: number, depth: number): void {
  const { settings } = work.env;
  const seen = new Set<string>();
  const extras = new Set<string>();
  const addAdditional = (record: ResourceRecord) => {
    const key = recordKey(record);
    if (extras.has(key)) return;
    extras.add(key);
    work.additional.push(record);
  };
  for (const entry of entries) {
    const address = translate(
      entry.service.Address,
      entry.service.TaggedAddresses?.lan_ipv4?.Address,
      entry.service.TaggedAddresses?.lan_ipv6?.Address,
      RRType.ANY,
    );
    const tuple = `${entry.node.Node}:${address}:${entry.service.Port}`;
    if (seen.has(tuple)) continue;
    seen.add(tuple);
    const { answers, extra } = instanceRecords(work, entry, ttl, depth);
    work.answer.push(...answers);
    for (const record of extra) addAdditional(record);
    if (settings.nodeMetaTxt) {
      for (const record of metaTxtRecords(nodeName(work, entry.node.Node), entry.node, ttl))
        addAdditional(record);
    }
  }
}

/**
 * The records for one instance (Consul's `makeNodeServiceRecords`): the service's own address if
 * it has one, else its node's; an IP address answers directly (SRV target: the node's name when it
 * is the node's address, else an `.addr` name), a hostname by CNAME (SRV target: the hostname).
 */
function instanceRecords(
  work: Work,
  entry: CheckServiceNode,
  ttl: number,
  depth: number,
): { answers: ResourceRecord[]; extra: ResourceRecord[] } {
  const { node, service } = entry;
  const qtype = work.qtype;
  const serviceAddress = translate(
    service.Address,
    service.TaggedAddresses?.lan_ipv4?.Address,
    service.TaggedAddresses?.lan_ipv6?.Address,
    qtype,
  );
  const nodeAddress = translate(
    node.Address,
    node.TaggedAddresses.lan_ipv4,
    node.TaggedAddresses.lan_ipv6,
    qtype,
  );
  if (serviceAddress === '' && nodeAddress === '') return { answers: [], extra: [] };
  const nodeIp = parseIp(nodeAddress);
  if (serviceAddress === '' && nodeIp !== undefined) {
    const target = node.Address === nodeAddress ? nodeName(work, node.Node) : addrName(work, nodeIp);
    return ipRecords(work, entry, nodeIp, target, ttl);
  }
  if (serviceAddress === '') return hostnameRecords(work, entry, nodeAddress, ttl, depth);
  const serviceIp = parseIp(serviceAddress);
  if (serviceIp !== undefined) return ipRecords(work, entry, serviceIp, addrName(work, serviceIp), ttl);
  // A service whose address is the very name asked for is answered with its node's address.
  if (fqdn(serviceAddress).toLowerCase() === work.qname.toLowerCase() && nodeIp !== undefined) {
    return ipRecords(work, entry, nodeIp, nodeName(work, node.Node), ttl);
  }
  return hostnameRecords(work, entry, serviceAddress, ttl, depth);
}

function ipRecords(
  work: Work,
  entry: CheckServiceNode,
  ip: Uint8Array,
  srvTarget: string,
  ttl: number,
): { answers: ResourceRecord[]; extra: ResourceRecord[] } {
  if (work.qtype !== RRType.SRV) {
    const record = addressRecord(work.qtype, ip, work.qname, ttl);
    return { answers: record === undefined ? [] : [record], extra: [] };
  }
  const record = addressRecord(work.qtype, ip, srvTarget, ttl)!;
  return { answers: [srvRecord(work, entry, srvTarget, ttl)], extra: [record] };
}

function hostnameRecords(
  work: Work,
  entry: CheckServiceNode,
  hostname: string,
  ttl: number,
  depth: number,
): { answers: ResourceRecord[]; extra: ResourceRecord[] } {
  const target = fqdn(hostname);
  const resolved: ResourceRecord[] = [];
  for (const record of resolveHostname(work, target, depth)) {
    if (record.type !== RRType.CNAME && record.type !== RRType.A && record.type !== RRType.AAAA) continue;
    resolved.push({ ...record, ttl });
    if (resolved.length === MAX_RECURSE_RECORDS && !work.edns) break;
  }
  if (work.qtype === RRType.SRV) return { answers: [srvRecord(work, entry, target, ttl)], extra: resolved };
  return { answers: [{ type: RRType.CNAME, name: work.qname, ttl, target }, ...resolved], extra: [] };
}

function srvRecord(work: Work, entry: CheckServiceNode, target: string, ttl: number): ResourceRecord {
  return {
    type: RRType.SRV,
    name: work.qname,
    ttl,
    priority: 1,
    weight: weightOf(entry) & 0xffff,
    port: entry.service.Port & 0xffff,
    target,
  };
}

/** `Weights.Passing`, or `Weights.Warning` when the instance's checks add up to warning. */
function weightOf(entry: CheckServiceNode): number {
  switch (aggregatedStatus(entry.checks)) {
    case 'passing':
      return entry.service.Weights.Passing;
    case 'warning':
      return entry.service.Weights.Warning;
    default:
      return 0;
  }
}

/**
 * What a hostname stands for: inside the domain, the answer to an ANY question for it (up to
 * `depth` CNAMEs deep); outside, what the recursors said, or nothing yet (it is listed in
 * `unresolved`) when there are recursors, or nothing at all when there are none.
 */
function resolveHostname(work: Work, hostname: string, depth: number): ResourceRecord[] {
  const { settings } = work.env;
  const lower = hostname.toLowerCase();
  const zone = zoneOf(lower, settings.domain, settings.altDomain);
  if (zone.zone === 'domain') {
    if (depth < 1) return [];
    const inner: Work = {
      ...work,
      qname: hostname,
      qtype: RRType.ANY,
      responseDomain: zone.responseDomain,
      answer: [],
      additional: [],
    };
    dispatch(inner, parseLookup(zone.labels, RRType.ANY, settings.datacenter), depth - 1);
    return inner.answer;
  }
  if (settings.recursors.length === 0) return [];
  const resolved = work.env.resolved?.get(lower);
  if (resolved !== undefined) return resolved;
  if (!work.unresolved.includes(lower)) work.unresolved.push(lower);
  return [];
}

// --- addresses, reverse lookups, the zone's own records -----------------------------------------

function addrLookup(work: Work, ip: Uint8Array): Outcome {
  const wanted = ip.length === 4 ? RRType.A : RRType.AAAA;
  if (work.qtype !== wanted && work.qtype !== RRType.ANY) return Outcome.nodata;
  work.answer.push(addressRecord(RRType.ANY, ip, work.qname, work.env.settings.nodeTtl)!);
  return Outcome.ok;
}

/** PTR for an address: a node's name first, else a service instance's `<service>.service` name. */
function reverseLookup(work: Work, ip: Uint8Array | undefined): Outcome {
  if (ip === undefined) return Outcome.nxdomain;
  const { settings, store } = work.env;
  const domain = settings.domain;
  const node = nodeAt(store, ip);
  let target: string | undefined;
  if (node !== undefined) target = `${node.Node}.node.${node.Datacenter || settings.datacenter}.${domain}`;
  else {
    const instance = serviceAt(store, ip);
    if (instance !== undefined) {
      target = `${instance.service.Service}.service.${instance.node.Datacenter || settings.datacenter}.${domain}`;
    }
  }
  if (target === undefined) return Outcome.nxdomain;
  if (work.qtype !== RRType.PTR && work.qtype !== RRType.ANY) return Outcome.nodata;
  work.answer.push({ type: RRType.PTR, name: work.qname, ttl: 0, target });
  return Outcome.ok;
}

function soaRecord(work: Work): SoaRecord {
  const { settings, wallMs } = work.env;
  const domain = work.responseDomain;
  return {
    type: RRType.SOA,
    name: domain,
    ttl: settings.soa.minttl,
    mname: `ns.${domain}`,
    rname: `hostmaster.${domain}`,
    serial: Math.floor(wallMs / 1000) >>> 0,
    refresh: settings.soa.refresh,
    retry: settings.soa.retry,
    expire: settings.soa.expire,
    minimum: settings.soa.minttl,
  };
}

/** Up to three healthy servers (the `consul` service's nodes) as NS records, with their addresses. */
function nameServers(work: Work): { ns: ResourceRecord[]; glue: ResourceRecord[] } {
  const { settings, store } = work.env;
  const servers = withoutCritical(instancesOf(store, CONSUL_SERVICE_NAME), settings.onlyPassing);
  shuffle(servers, work.env.random);
  const ns: ResourceRecord[] = [];
  const glue: ResourceRecord[] = [];
  for (const { node } of servers) {
    if (!isDnsLabel(node.Node)) continue;
    const target = nodeName(work, node.Node).toLowerCase();
    ns.push({ type: RRType.NS, name: work.responseDomain, ttl: settings.nodeTtl, target });
    glue.push(...nodeRecords(work, node, RRType.ANY, target, settings.nodeTtl, MAX_RECURSION));
    if (ns.length === 3) break;
  }
  return { ns, glue };
}

// --- record helpers ----------------------------------------------------------------------------

function nodeName(work: Work, node: string): string {
  return `${node}.node.${work.env.settings.datacenter}.${work.responseDomain}`;
}

function addrName(work: Work, ip: Uint8Array): string {
  return `${encodeHex(ip)}.addr.${work.env.settings.datacenter}.${work.responseDomain}`;
}

/**
 * The address to answer with for `qtype` (Consul's `translateAddressAccept`): an A question takes
 * the tagged `lan_ipv4` or an IPv4 address, AAAA the tagged `lan_ipv6` or an IPv6 address, both
 * a hostname; other questions take the address as it is. '' when nothing fits.
 */
function translate(address: string, v4: string | undefined, v6: string | undefined, qtype: number): string {
  if (qtype === RRType.AAAA && v6) return v6;
  if (qtype === RRType.A && v4) return v4;
  if (qtype !== RRType.A && qtype !== RRType.AAAA) return address;
  const ip = parseIp(address);
  if (ip === undefined) return address;
  return (ip.length === 4) === (qtype === RRType.A) ? address : '';
}

/**
 * An A record for an IPv4 address, AAAA for IPv6, when the question can take it (Consul's
 * `makeARecord`: SRV, NS, TXT and ANY take either).
 */
function addressRecord(qtype: number, ip: Uint8Array, name: string, ttl: number): AddressRecord | undefined {
  const v4 = ip.length === 4;
  const either = qtype === RRType.SRV || qtype === RRType.ANY || qtype === RRType.NS || qtype === RRType.TXT;
  if (v4 && (either || qtype === RRType.A)) return { type: RRType.A, name, ttl, address: ip };
  if (!v4 && (either || qtype === RRType.AAAA)) return { type: RRType.AAAA, name, ttl, address: ip };
  return undefined;
}

/** Parsed IP literals, kept: every query reads the same few hundred addresses again. */
const parsedIps = new Map<string, Uint8Array | null>();

function parseIp(text: string): Uint8Array | undefined {
  if (text === '') return undefined;
  let ip = parsedIps.get(text);
  if (ip === undefined) {
    if (parsedIps.size >= 65_536) parsedIps.clear();
    ip = ipBytes(text) ?? null;
    parsedIps.set(text, ip);
  }
  return ip ?? undefined;
}

function fqdn(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

/** What makes two records the same record (Consul dedupes on the record's text). */
function recordKey(record: ResourceRecord): string {
  const name = record.name.toLowerCase();
  switch (record.type) {
    case RRType.A:
    case RRType.AAAA:
      return `${name} ${record.type} ${record.address.join('.')}`;
    case RRType.CNAME:
    case RRType.NS:
    case RRType.PTR:
      return `${name} ${record.type} ${record.target.toLowerCase()}`;
    case RRType.SRV:
      return `${name} SRV ${record.priority} ${record.weight} ${record.port} ${record.target.toLowerCase()}`;
    case RRType.TXT:
      return `${name} TXT ${JSON.stringify(record.texts)}`;
    case RRType.SOA:
      return `${name} SOA`;
  }
}
