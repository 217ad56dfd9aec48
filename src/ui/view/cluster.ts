/** The cluster page: gossip members as people read them, and the Raft servers in order. */

import type { Member, MemberStatus } from '../../model/records.ts';
import type { Health } from '../health.ts';
import { hostPort } from './address.ts';
import { compareText } from './services.ts';

export interface MemberStatusView {
  word: 'none' | 'alive' | 'leaving' | 'left' | 'failed';
  /** The badge colour: alive green, leaving amber, failed red, left (a clean exit) neutral. */
  badge: Health;
}

const statuses: Record<number, MemberStatusView> = {
  0: { word: 'none', badge: 'warning' },
  1: { word: 'alive', badge: 'passing' },
  2: { word: 'leaving', badge: 'warning' },
  3: { word: 'left', badge: 'maintenance' },
  4: { word: 'failed', badge: 'critical' },
};

/** Serf's status number (`serf.MemberStatus`) as a word and a colour. */
export function memberStatus(status: MemberStatus | number): MemberStatusView {
  return statuses[status] ?? { word: 'none', badge: 'warning' };
}

/** `consul` in the role tag marks a server, as in Consul; anything else is shown as it is. */
export function memberRole(tags: Record<string, string> | null | undefined): string {
  const role = tags?.role ?? '';
  if (role === 'consul') return 'server';
  if (role === 'node') return 'client';
  return role;
}

export interface MemberView {
  name: string;
  address: string;
  status: MemberStatusView;
  role: string;
  datacenter: string;
  /** The `build` tag: `<Consul version>:<build>`. */
  version: string;
}

/** Members by name. */
export function memberViews(members: readonly Member[] | null): MemberView[] {
  return (members ?? [])
    .map((member) => ({
      name: member.Name,
      address: hostPort(member.Addr, member.Port),
      status: memberStatus(member.Status),
      role: memberRole(member.Tags),
      datacenter: member.Tags?.dc ?? '',
      version: member.Tags?.build ?? '',
    }))
    .sort((a, b) => compareText(a.name, b.name));
}

/** Raft servers, the leader first, then by node name. */
export function sortRaftServers<T extends { Node: string; Leader: boolean }>(
  servers: readonly T[] | null,
): T[] {
  return [...(servers ?? [])].sort(
    (a, b) => Number(b.Leader) - Number(a.Leader) || compareText(a.Node, b.Node),
  );
}
