import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Member, MemberStatus } from '../../model/records.ts';
import { memberRole, memberStatus, memberViews, sortRaftServers } from './cluster.ts';

function member(Name: string, Status: MemberStatus, Tags: Record<string, string> | null): Member {
  return {
    Name,
    Addr: '10.0.0.1',
    Port: 8301,
    Tags: Tags as Record<string, string>,
    Status,
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}

describe('cluster', () => {
  it('names serf statuses and colours them', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 0, 9].map((status) => {
        const view = memberStatus(status);
        return `${view.word}:${view.badge}`;
      }),
      [
        'alive:passing',
        'leaving:warning',
        'left:maintenance',
        'failed:critical',
        'none:warning',
        'none:warning',
      ],
    );
  });

  it('reads the role tag as Consul does', () => {
    assert.equal(memberRole({ role: 'consul' }), 'server');
    assert.equal(memberRole({ role: 'node' }), 'client');
    assert.equal(memberRole({ role: 'other' }), 'other');
    assert.equal(memberRole(null), '');
  });

  it('shows members by name with their tags, tolerating missing ones', () => {
    const views = memberViews([
      member('b', 1, { role: 'node', dc: 'dc1', build: '1.20.0:cairn' }),
      member('a', 4, null),
    ]);
    assert.deepEqual(views, [
      {
        name: 'a',
        address: '10.0.0.1:8301',
        status: { word: 'failed', badge: 'critical' },
        role: '',
        datacenter: '',
        version: '',
      },
      {
        name: 'b',
        address: '10.0.0.1:8301',
        status: { word: 'alive', badge: 'passing' },
        role: 'client',
        datacenter: 'dc1',
        version: '1.20.0:cairn',
      },
    ]);
  });

  it('puts the Raft leader first, then servers by name', () => {
    const servers = [
      { Node: 'c', Leader: false },
      { Node: 'b', Leader: true },
      { Node: 'a', Leader: false },
    ];
    assert.deepEqual(
      sortRaftServers(servers).map((server) => server.Node),
      ['b', 'a', 'c'],
    );
    assert.deepEqual(sortRaftServers(null), []);
  });
});
