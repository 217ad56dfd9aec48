/** `cairn members`: the gossip pool as this agent sees it, in `consul members` columns. */

import type { CairnClient } from '../../api-client/client.ts';
import { type Member, MemberStatus } from '../../model/records.ts';
import { formatColumns } from '../columns.ts';
import type { Colors, Output } from '../output.ts';
import { reportFailure } from '../report-error.ts';

export interface MembersOptions {
  detailed?: boolean;
  wan?: boolean;
  /** Regular expression the status word must match (unanchored, like Go's MatchString). */
  status?: string;
}

/** Exit 2 when no member matches, as Consul does. */
export const EXIT_NO_MEMBERS = 2;

export async function runMembers(
  client: CairnClient,
  options: MembersOptions,
  output: Output,
): Promise<number> {
  let statusFilter: RegExp;
  try {
    statusFilter = new RegExp(options.status ?? '.*');
  } catch (error) {
    output.error(`Failed to compile status regexp: ${(error as Error).message}`);
    return 1;
  }
  let members: Member[];
  try {
    members = await client.agent.members({ wan: options.wan ?? false });
  } catch (error) {
    return reportFailure(output, 'Error retrieving members', error);
  }
  const shown = members
    .map(withDefaultTags)
    .filter((member) => statusFilter.test(memberStatusWord(member.Status)));
  if (shown.length === 0) return EXIT_NO_MEMBERS;
  shown.sort(compareMembers);
  const rows = options.detailed ? detailedRows(shown, output.colors) : standardRows(shown, output.colors);
  output.line(formatColumns(rows));
  return 0;
}

/** `serf.MemberStatus.String()`. */
export function memberStatusWord(status: number): string {
  const words: Record<number, string> = {
    [MemberStatus.none]: 'none',
    [MemberStatus.alive]: 'alive',
    [MemberStatus.leaving]: 'leaving',
    [MemberStatus.left]: 'left',
    [MemberStatus.failed]: 'failed',
  };
  return words[status] ?? 'unknown MemberStatus';
}

/** Go's `net.TCPAddr.String()`: IPv6 in brackets. */
export function memberAddress(member: Pick<Member, 'Addr' | 'Port'>): string {
  return member.Addr.includes(':') ? `[${member.Addr}]:${member.Port}` : `${member.Addr}:${member.Port}`;
}

function withDefaultTags(member: Member): Member {
  const tags = { ...member.Tags };
  if (!tags.ap) tags.ap = 'default';
  if (isDefaultPartition(tags.ap)) {
    if (tags.role === 'consul') tags.segment = '<all>';
    else if (!tags.segment) tags.segment = '<default>';
  } else {
    tags.segment = '';
  }
  return { ...member, Tags: tags };
}

/** Servers first, then the default partition, then by segment, partition and name. */
function compareMembers(a: Member, b: Member): number {
  const serverA = a.Tags.role === 'consul';
  const serverB = b.Tags.role === 'consul';
  if (serverA !== serverB) return serverA ? -1 : 1;
  const defaultA = isDefaultPartition(a.Tags.ap);
  const defaultB = isDefaultPartition(b.Tags.ap);
  if (defaultA !== defaultB) return defaultA ? -1 : 1;
  return (
    compareText(a.Tags.segment ?? '', b.Tags.segment ?? '') ||
    compareText(a.Tags.ap ?? '', b.Tags.ap ?? '') ||
    compareText(a.Name, b.Name)
  );
}

function standardRows(members: Member[], colors: Colors): string[][] {
  const rows = [['Node', 'Address', 'Status', 'Type', 'Build', 'Protocol', 'DC', 'Partition', 'Segment']];
  for (const member of members) {
    const { role, build = '', vsn = '', dc = '', ap = '', segment = '' } = member.Tags;
    const status = colorStatus(member.Status, colors);
    const type = role === 'consul' ? 'server' : role === 'node' ? 'client' : undefined;
    if (type === undefined) {
      rows.push([member.Name, memberAddress(member), status, 'unknown', '', '', '', '', '']);
      continue;
    }
    const shortBuild = build === '' ? '< 0.3' : build.split(':')[0]!;
    rows.push([member.Name, memberAddress(member), status, type, shortBuild, vsn, dc, ap, segment]);
  }
  return rows;
}

function detailedRows(members: Member[], colors: Colors): string[][] {
  const rows = [['Node', 'Address', 'Status', 'Tags']];
  for (const member of members) {
    const tags = Object.keys(member.Tags)
      .sort(compareText)
      .map((key) => `${key}=${member.Tags[key]}`)
      .join(',');
    rows.push([member.Name, memberAddress(member), colorStatus(member.Status, colors), tags]);
  }
  return rows;
}

function colorStatus(status: number, colors: Colors): string {
  const word = memberStatusWord(status);
  if (status === MemberStatus.alive) return colors.green(word);
  if (status === MemberStatus.failed) return colors.red(word);
  if (status === MemberStatus.leaving || status === MemberStatus.left) return colors.yellow(word);
  return word;
}

function isDefaultPartition(partition: string | undefined): boolean {
  return partition === undefined || partition === '' || partition === 'default';
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
