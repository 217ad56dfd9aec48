import type { MemberEventType, SerfMember, SerfMemberStatus } from './serf-types.ts';
import type { WireMember } from './serf-wire.ts';

/**
 * serf's member status table (reference §9.2, §9.4) as a pure state machine: no clock, no
 * network, no Lamport clock. Inputs are memberlist's notifications (a node joined, left or
 * changed) and serf's intents (join and leave messages with their Lamport times); each returns
 * the member events to emit and what the caller should do next (re-gossip, refute, prune later).
 *
 * The rules:
 * - memberlist decides liveness: join → `alive` (or `leaving` when a leave intent for it is on
 *   file), leave → `left` if the member was `leaving`, `failed` if it was `alive`;
 * - intents carry a Lamport time and apply only when newer than the member's `statusLTime`; a
 *   leave moves `alive → leaving` and `failed → left` (a forced leave); a join moves
 *   `leaving → alive`; intents about unknown members wait in `recentIntents` (one per name, the
 *   newest) until the member shows up or the intent is older than `recentIntentTimeoutMs`;
 * - failed members are reaped after the reconnect timeout, left ones after the tombstone
 *   timeout, both counted from when they failed or left.
 */

/** What the table needs to know of a node from memberlist (a `NodeView` with decoded tags). */
export interface MemberAddress {
  name: string;
  host: string;
  addr: Uint8Array;
  port: number;
  tags: Record<string, string>;
  /** [pmin, pmax, pcur, dmin, dmax, dcur] */
  vsn: Uint8Array;
}

export interface MemberEvent {
  type: MemberEventType;
  /** A snapshot, safe to hand out. */
  member: SerfMember;
}

export interface IntentOutcome {
  /** The intent was news to this node: gossip it on. */
  rebroadcast: boolean;
  events: MemberEvent[];
}

export interface LeaveIntentOutcome extends IntentOutcome {
  /** A leave intent named this node while it is alive: answer with a fresh join intent. */
  refute: boolean;
  /**
   * Prune was asked for a member still `leaving`: erase it once it has had time to finish
   * leaving (serf waits BroadcastTimeout + LeavePropagateDelay), via `erase(name)`.
   */
  pruneLater?: string;
}

export interface MemberTableOptions {
  localName: string;
  /** How long an intent about an unknown member is kept (serf: 5 min). */
  recentIntentTimeoutMs: number;
}

/** serf's `Member.Status` numbers, as `_serf_conflict` answers carry them. */
export const MEMBER_STATUS_CODE: Record<SerfMemberStatus, number> = {
  alive: 1,
  leaving: 2,
  left: 3,
  failed: 4,
};

interface MemberRecord {
  member: SerfMember;
  addr: Uint8Array;
  /** The Lamport time of the last intent applied to this member. */
  statusLTime: number;
  /** When it went failed or left (ms); reaping counts from here. */
  leaveTimeMs: number;
}

interface RecentIntent {
  type: 'join' | 'leave';
  lTime: number;
  receivedMs: number;
}

export class MemberTable {
  private readonly records = new Map<string, MemberRecord>();
  private readonly recentIntents = new Map<string, RecentIntent>();

  constructor(private readonly options: MemberTableOptions) {}

  // ------------------------------------------------------------------ memberlist notifications

  /** memberlist: the node is alive (new, or back from dead or left). */
  nodeJoined(node: MemberAddress): MemberEvent[] {
    let record = this.records.get(node.name);
    if (record === undefined) {
      record = { member: memberFrom(node, 'alive'), addr: node.addr, statusLTime: 0, leaveTimeMs: 0 };
      // An intent that arrived before memberlist told us of the node decides where it starts.
      const intent = this.recentIntents.get(node.name);
      if (intent !== undefined) {
        record.statusLTime = intent.lTime;
        if (intent.type === 'leave') record.member.status = 'leaving';
      }
      this.records.set(node.name, record);
    } else {
      record.member = memberFrom(node, 'alive');
      record.addr = node.addr;
      record.leaveTimeMs = 0;
    }
    return [{ type: 'member-join', member: snapshot(record.member) }];
  }

  /** memberlist: the node is dead or has left. */
  nodeLeft(name: string, nowMs: number): MemberEvent[] {
    const record = this.records.get(name);
    if (record === undefined) return [];
    switch (record.member.status) {
      case 'leaving':
        record.member.status = 'left';
        record.leaveTimeMs = nowMs;
        return [{ type: 'member-leave', member: snapshot(record.member) }];
      case 'alive':
        record.member.status = 'failed';
        record.leaveTimeMs = nowMs;
        return [{ type: 'member-failed', member: snapshot(record.member) }];
      default:
        return [];
    }
  }

  /** memberlist: a live node's meta (tags), address or versions changed. */
  nodeUpdated(node: MemberAddress): MemberEvent[] {
    const record = this.records.get(node.name);
    if (record === undefined) return [];
    record.member = memberFrom(node, record.member.status);
    record.addr = node.addr;
    return [{ type: 'member-update', member: snapshot(record.member) }];
  }

  // ------------------------------------------------------------------ intents

  /** A join intent (already witnessed on the member clock by the caller). */
  joinIntent(node: string, lTime: number, nowMs: number): IntentOutcome {
    const record = this.records.get(node);
    if (record === undefined)
      return { rebroadcast: this.upsertIntent(node, 'join', lTime, nowMs), events: [] };
    if (lTime <= record.statusLTime) return { rebroadcast: false, events: [] };
    record.statusLTime = lTime;
    if (record.member.status === 'leaving') record.member.status = 'alive';
    return { rebroadcast: true, events: [] };
  }

  /**
   * A leave intent (already witnessed by the caller). `selfAlive`: this node is running and not
   * leaving itself, so a leave intent about it is a mistake or stale and must be refuted.
   */
  leaveIntent(
    node: string,
    lTime: number,
    prune: boolean,
    nowMs: number,
    selfAlive: boolean,
  ): LeaveIntentOutcome {
    const record = this.records.get(node);
    if (record === undefined)
      return { rebroadcast: this.upsertIntent(node, 'leave', lTime, nowMs), events: [], refute: false };
    if (lTime <= record.statusLTime) return { rebroadcast: false, events: [], refute: false };
    if (node === this.options.localName && selfAlive) return { rebroadcast: false, events: [], refute: true };

    const events: MemberEvent[] = [];
    switch (record.member.status) {
      case 'alive':
        record.member.status = 'leaving';
        record.statusLTime = lTime;
        break;
      case 'failed':
        // A forced leave: the failed node will not come back, tell the application it left.
        record.member.status = 'left';
        record.statusLTime = lTime;
        events.push({ type: 'member-leave', member: snapshot(record.member) });
        break;
      case 'leaving':
      case 'left':
        break;
    }
    if (!prune) return { rebroadcast: true, events, refute: false };
    if (record.member.status === 'leaving')
      return { rebroadcast: true, events, refute: false, pruneLater: node };
    events.push(...this.erase(node));
    return { rebroadcast: true, events, refute: false };
  }

  /** Keeps the newest intent per unknown node; true when this one was newer (worth re-gossiping). */
  private upsertIntent(node: string, type: 'join' | 'leave', lTime: number, nowMs: number): boolean {
    const existing = this.recentIntents.get(node);
    if (existing !== undefined && existing.lTime >= lTime) return false;
    this.recentIntents.set(node, { type, lTime, receivedMs: nowMs });
    return true;
  }

  // ------------------------------------------------------------------ removal

  /** Forgets a member entirely (prune, reap). */
  erase(name: string): MemberEvent[] {
    const record = this.records.get(name);
    if (record === undefined) return [];
    this.records.delete(name);
    return [{ type: 'member-reap', member: snapshot(record.member) }];
  }

  /** Reaps failed members past `reconnectTimeoutMs`, left ones past `tombstoneTimeoutMs`, and stale intents. */
  reap(nowMs: number, reconnectTimeoutMs: number, tombstoneTimeoutMs: number): MemberEvent[] {
    const events: MemberEvent[] = [];
    for (const [name, record] of [...this.records]) {
      const status = record.member.status;
      const timeoutMs =
        status === 'failed' ? reconnectTimeoutMs : status === 'left' ? tombstoneTimeoutMs : undefined;
      if (timeoutMs !== undefined && nowMs - record.leaveTimeMs > timeoutMs) events.push(...this.erase(name));
    }
    for (const [name, intent] of [...this.recentIntents])
      if (nowMs - intent.receivedMs > this.options.recentIntentTimeoutMs) this.recentIntents.delete(name);
    return events;
  }

  // ------------------------------------------------------------------ reads

  get(name: string): SerfMember | undefined {
    const record = this.records.get(name);
    return record === undefined ? undefined : snapshot(record.member);
  }

  all(): SerfMember[] {
    return [...this.records.values()].map((record) => snapshot(record.member));
  }

  withStatus(status: SerfMemberStatus): SerfMember[] {
    return [...this.records.values()]
      .filter((record) => record.member.status === status)
      .map((record) => snapshot(record.member));
  }

  /** Member name → `statusLTime`, for the push/pull user state. */
  statusLTimes(): Map<string, number> {
    return new Map([...this.records].map(([name, record]) => [name, record.statusLTime]));
  }

  /** Names of `left` members, for the push/pull user state. */
  leftNames(): string[] {
    return [...this.records.values()].filter((r) => r.member.status === 'left').map((r) => r.member.name);
  }

  /** The member as a `_serf_conflict` answer carries it. */
  wireMember(name: string): WireMember | null {
    const record = this.records.get(name);
    if (record === undefined) return null;
    const member = record.member;
    return {
      name: member.name,
      addr: record.addr.slice(),
      port: member.port,
      tags: new Map(Object.entries(member.tags)),
      status: MEMBER_STATUS_CODE[member.status],
      protocolMin: member.protocolMin,
      protocolMax: member.protocolMax,
      protocolCur: member.protocolCur,
      delegateMin: member.delegateMin,
      delegateMax: member.delegateMax,
      delegateCur: member.delegateCur,
    };
  }

  /** The intent on file for a node memberlist has not reported yet (tests, diagnostics). */
  recentIntent(name: string): { type: 'join' | 'leave'; lTime: number } | undefined {
    const intent = this.recentIntents.get(name);
    return intent === undefined ? undefined : { type: intent.type, lTime: intent.lTime };
  }
}

/** A `SerfMember` from memberlist's view of a node; protocol fields come from `Vsn`. */
export function memberFrom(node: MemberAddress, status: SerfMemberStatus): SerfMember {
  const vsn = node.vsn;
  return {
    name: node.name,
    host: node.host,
    port: node.port,
    tags: { ...node.tags },
    status,
    protocolMin: vsn[0] ?? 0,
    protocolMax: vsn[1] ?? 0,
    protocolCur: vsn[2] ?? 0,
    delegateMin: vsn[3] ?? 0,
    delegateMax: vsn[4] ?? 0,
    delegateCur: vsn[5] ?? 0,
  };
}

function snapshot(member: SerfMember): SerfMember {
  return { ...member, tags: { ...member.tags } };
}
