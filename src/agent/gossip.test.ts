import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SerfMember } from '../gossip/serf.ts';
import { MemberStatus } from '../model/records.ts';
import { initialKeys, memberJson, multiError } from './gossip.ts';

const KEY = 'pUqJrVyVRj5jsiYEkM/tFQ==';
const OTHER = 'HS5lJ+XuTlYKWaeGYyG+/A==';

describe('initialKeys (Consul setupKeyrings)', () => {
  it('is unencrypted with neither a key nor a file', () => {
    assert.deepEqual(initialKeys('', undefined, 'LAN'), { keys: [], writeFile: false });
  });

  it('takes -encrypt and writes the keyring file when there is none', () => {
    assert.deepEqual(initialKeys(KEY, undefined, 'LAN'), { keys: [KEY], writeFile: true });
  });

  it('takes the file once it exists, warning when -encrypt is given too', () => {
    assert.deepEqual(initialKeys('', [OTHER, KEY], 'LAN'), { keys: [OTHER, KEY], writeFile: false });
    assert.deepEqual(initialKeys(KEY, [OTHER], 'WAN'), {
      keys: [OTHER],
      writeFile: false,
      warning: 'WARNING: WAN keyring exists but -encrypt given, using keyring',
    });
  });
});

describe('memberJson', () => {
  const member: SerfMember = {
    name: 'n1',
    host: '10.0.0.1',
    port: 8301,
    tags: { role: 'node' },
    status: 'alive',
    protocolMin: 1,
    protocolMax: 5,
    protocolCur: 2,
    delegateMin: 2,
    delegateMax: 5,
    delegateCur: 5,
  };

  it('is Consul’s Member JSON with the serf status number', () => {
    assert.deepEqual(memberJson(member), {
      Name: 'n1',
      Addr: '10.0.0.1',
      Port: 8301,
      Tags: { role: 'node' },
      Status: MemberStatus.alive,
      ProtocolMin: 1,
      ProtocolMax: 5,
      ProtocolCur: 2,
      DelegateMin: 2,
      DelegateMax: 5,
      DelegateCur: 5,
    });
    const statuses = (['alive', 'leaving', 'left', 'failed'] as const).map(
      (status) => memberJson({ ...member, status }).Status,
    );
    assert.deepEqual(statuses, [1, 2, 3, 4]);
  });
});

describe('multiError', () => {
  it('prints as hashicorp/go-multierror does', () => {
    assert.equal(multiError(['a']), '1 error occurred:\n\t* a\n\n');
    assert.equal(multiError(['a', 'b']), '2 errors occurred:\n\t* a\n\t* b\n\n');
  });
});
