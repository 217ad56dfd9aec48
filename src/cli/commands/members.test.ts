import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Member } from '../../model/records.ts';
import { type Harness, startHarness } from '../testing/cli-harness.ts';
import { EXIT_NO_MEMBERS, memberAddress, runMembers } from './members.ts';

function member(name: string, addr: string, status: Member['Status'], tags: Record<string, string>): Member {
  return {
    Name: name,
    Addr: addr,
    Port: 8301,
    Tags: tags,
    Status: status,
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}

const members: Member[] = [
  member('web-1', '10.0.0.12', 1, { role: 'node', dc: 'dc1', build: '0.1.0:abcdef', vsn: '2' }),
  member('server-b', '10.0.0.2', 1, { role: 'consul', dc: 'dc1', build: '0.1.0', vsn: '2', port: '8300' }),
  member('server-a', '10.0.0.1', 4, { role: 'consul', dc: 'dc1', build: '0.1.0', vsn: '2' }),
  member('odd', '::1', 3, {}),
];

describe('cairn members', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  const start = () =>
    startHarness({
      'GET /v1/agent/members': (request) => ({
        body: request.query.has('wan')
          ? [member('server-a.dc1', '10.0.0.1', 1, { role: 'consul', dc: 'dc1' })]
          : members,
      }),
    });

  it('prints Consul columns: servers first, status words, build without its commit', async () => {
    harness = await start();
    assert.equal(await runMembers(harness.client, {}, harness.output), 0);
    assert.equal(
      harness.stdout(),
      [
        'Node      Address         Status  Type     Build  Protocol  DC   Partition  Segment',
        'server-a  10.0.0.1:8301   failed  server   0.1.0  2         dc1  default    <all>',
        'server-b  10.0.0.2:8301   alive   server   0.1.0  2         dc1  default    <all>',
        'odd       [::1]:8301      left    unknown',
        'web-1     10.0.0.12:8301  alive   client   0.1.0  2         dc1  default    <default>',
        '',
      ].join('\n'),
    );
  });

  it('filters by a status regular expression and exits 2 when nothing matches', async () => {
    harness = await start();
    assert.equal(await runMembers(harness.client, { status: 'fail' }, harness.output), 0);
    assert.match(harness.stdout(), /^Node .*\nserver-a .*failed/);
    assert.equal(harness.stdout().split('\n').length, 3);
    assert.equal(await runMembers(harness.client, { status: '^none$' }, harness.output), EXIT_NO_MEMBERS);
  });

  it('reports a bad regular expression', async () => {
    harness = await start();
    assert.equal(await runMembers(harness.client, { status: '(' }, harness.output), 1);
    assert.match(harness.stderr(), /^Failed to compile status regexp: /);
  });

  it('prints all tags with -detailed', async () => {
    harness = await start();
    await runMembers(harness.client, { detailed: true, wan: true }, harness.output);
    assert.equal(
      harness.stdout(),
      'Node          Address        Status  Tags\nserver-a.dc1  10.0.0.1:8301  alive   ap=default,dc=dc1,role=consul,segment=<all>\n',
    );
  });

  it('reports an agent error in one line', async () => {
    harness = await startHarness({
      'GET /v1/agent/members': () => ({ status: 500, body: 'serf: not running' }),
    });
    assert.equal(await runMembers(harness.client, {}, harness.output), 1);
    assert.equal(
      harness.stderr(),
      'Error retrieving members: Unexpected response code: 500 (serf: not running)\n',
    );
  });
});

describe('memberAddress', () => {
  it('brackets IPv6 like Go', () => {
    assert.equal(memberAddress({ Addr: '10.0.0.1', Port: 8301 }), '10.0.0.1:8301');
    assert.equal(memberAddress({ Addr: 'fe80::1', Port: 8301 }), '[fe80::1]:8301');
  });
});
