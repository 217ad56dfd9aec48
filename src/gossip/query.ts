import type { Clock, Timer } from '../ports/clock.ts';
import type { Random } from '../ports/random.ts';
import type { QueryHandle, QueryParams, SerfMember } from './serf-types.ts';
import { decodeQueryFilter, encodeQueryFilter, QueryFlag, type QueryResponseMessage } from './serf-wire.ts';

/**
 * Queries (reference §10): the parts that need no Serf instance. Filters decide whether this node
 * answers; the collector gathers acks and responses for a query this node sent, keyed by the
 * query's Lamport time and checked against its random ID; relays pick the members that carry an
 * extra copy of an answer back to the querier.
 */

/** serf QueryTimeoutMult. */
export const QUERY_TIMEOUT_MULT = 16;
/** serf QuerySizeLimit and QueryResponseSizeLimit: the encoded message, type byte included. */
export const QUERY_SIZE_LIMIT = 1024;
export const QUERY_RESPONSE_SIZE_LIMIT = 1024;

/** `GossipInterval × QueryTimeoutMult × ceil(log10(n + 1))`: 3.2 s on LAN for up to 9 nodes. */
export function defaultQueryTimeoutMs(gossipIntervalMs: number, numNodes: number): number {
  return gossipIntervalMs * QUERY_TIMEOUT_MULT * Math.ceil(Math.log10(numNodes + 1));
}

/** The query's `Filters`: one node filter, then one tag filter per tag (serf's order). */
export function encodeQueryFilters(params: QueryParams): Uint8Array[] | null {
  const filters: Uint8Array[] = [];
  if (params.filterNodes !== undefined && params.filterNodes.length > 0)
    filters.push(encodeQueryFilter({ type: 'node', names: params.filterNodes }));
  for (const [tag, expr] of Object.entries(params.filterTags ?? {}))
    filters.push(encodeQueryFilter({ type: 'tag', tag, expr }));
  return filters.length === 0 ? null : filters;
}

/**
 * Whether this node answers: every filter must match. A node filter must name this node; a tag
 * filter needs the tag present and its value matching the (unanchored) regexp. A filter that
 * does not decode, or a regexp that does not compile, means no.
 */
export function queryFiltersMatch(
  filters: Uint8Array[] | null,
  nodeName: string,
  tags: Record<string, string>,
): boolean {
  for (const raw of filters ?? []) {
    let filter: ReturnType<typeof decodeQueryFilter>;
    try {
      filter = decodeQueryFilter(raw);
    } catch {
      return false;
    }
    if (filter.type === 'node') {
      if (!filter.names.includes(nodeName)) return false;
    } else {
      const value = tags[filter.tag];
      if (value === undefined || !goRegexpMatches(filter.expr, value)) return false;
    }
  }
  return true;
}

/**
 * Go `regexp.MatchString` for the common subset: RE2 syntax is close to JavaScript's; leading
 * flag groups like `(?i)` become JS flags, `\A` and `\z` become anchors. False when invalid.
 */
export function goRegexpMatches(expr: string, text: string): boolean {
  let source = expr;
  let flags = '';
  const flagGroup = /^\(\?([imsU]+)\)/.exec(source);
  if (flagGroup !== null) {
    source = source.slice(flagGroup[0].length);
    for (const flag of flagGroup[1] ?? '') if (flag !== 'U' && !flags.includes(flag)) flags += flag;
  }
  source = source.replaceAll('\\A', '^').replaceAll('\\z', '$');
  try {
    return new RegExp(source, flags).test(text);
  } catch {
    return false;
  }
}

/** An IP address as `[]byte` (4 or 16 bytes) → text, as the transport wants it. */
export function hostFromAddr(addr: Uint8Array): string {
  if (addr.length === 4) return addr.join('.');
  if (addr.length === 16) {
    const v4Mapped = addr.subarray(0, 10).every((b) => b === 0) && addr[10] === 0xff && addr[11] === 0xff;
    if (v4Mapped) return addr.subarray(12).join('.');
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push((((addr[i] ?? 0) << 8) | (addr[i + 1] ?? 0)).toString(16));
    return compressIpv6(groups);
  }
  return '';
}

function compressIpv6(groups: string[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

/**
 * Members that relay an answer (serf's relay factor): up to `relayFactor` random alive members
 * other than this node that speak memberlist protocol 5. None when the pool has fewer than
 * `relayFactor + 1` members.
 */
export function pickRelayMembers(
  members: SerfMember[],
  relayFactor: number,
  localName: string,
  random: Random,
): SerfMember[] {
  if (relayFactor <= 0 || members.length < relayFactor + 1) return [];
  const candidates = members.filter(
    (m) => m.status === 'alive' && m.protocolMax >= 5 && m.name !== localName,
  );
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [candidates[i], candidates[j]] = [candidates[j] as SerfMember, candidates[i] as SerfMember];
  }
  return candidates.slice(0, relayFactor);
}

/** The acks and responses to one query this node sent, until its deadline. */
export class QueryCollector implements QueryHandle {
  readonly acks = new Set<string>();
  readonly responses = new Map<string, Uint8Array | null>();
  readonly done: Promise<void>;
  private finished = false;
  private readonly ackListeners: ((from: string) => void)[] = [];
  private readonly responseListeners: ((from: string, payload: Uint8Array | null) => void)[] = [];
  private resolveDone!: () => void;

  constructor(
    readonly lTime: number,
    readonly id: number,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** Listeners hear every ack, those that came before they registered too, once each. */
  onAck(listener: (from: string) => void): void {
    this.ackListeners.push(listener);
    for (const from of this.acks) listener(from);
  }

  onResponse(listener: (from: string, payload: Uint8Array | null) => void): void {
    this.responseListeners.push(listener);
    for (const [from, payload] of this.responses) listener(from, payload);
  }

  /** A response for this query (LTime and ID already matched); duplicates per sender are dropped. */
  deliver(response: QueryResponseMessage): boolean {
    if (this.finished) return false;
    if ((response.flags & QueryFlag.ack) !== 0) {
      if (this.acks.has(response.from)) return false;
      this.acks.add(response.from);
      for (const listener of this.ackListeners) listener(response.from);
    } else {
      if (this.responses.has(response.from)) return false;
      this.responses.set(response.from, response.payload);
      for (const listener of this.responseListeners) listener(response.from, response.payload);
    }
    return true;
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.resolveDone();
  }
}

/** The queries this node has in flight, by Lamport time (serf keys its collectors the same way). */
export class QueryCollectors {
  private readonly byLTime = new Map<number, { collector: QueryCollector; timer: Timer }>();

  constructor(private readonly clock: Clock) {}

  register(lTime: number, id: number, timeoutMs: number): QueryCollector {
    const collector = new QueryCollector(lTime, id);
    const timer = this.clock.setTimer(timeoutMs, () => {
      this.byLTime.delete(lTime);
      collector.finish();
    });
    this.byLTime.get(lTime)?.timer.cancel();
    this.byLTime.get(lTime)?.collector.finish();
    this.byLTime.set(lTime, { collector, timer });
    return collector;
  }

  /** Routes a response: matched by LTime, then ID. False when nobody was waiting for it. */
  deliver(response: QueryResponseMessage): boolean {
    const entry = this.byLTime.get(response.lTime);
    if (entry === undefined || entry.collector.id !== response.id) return false;
    return entry.collector.deliver(response);
  }

  /** Ends every query at once (shutdown). */
  finishAll(): void {
    for (const { collector, timer } of this.byLTime.values()) {
      timer.cancel();
      collector.finish();
    }
    this.byLTime.clear();
  }
}
