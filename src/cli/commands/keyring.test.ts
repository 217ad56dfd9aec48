import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { KeyringResponse } from '../../api-client/client.ts';
import { type Harness, startHarness } from '../testing/cli-harness.ts';
import { runKeyring } from './keyring.ts';

const A = 'pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=';
const B = 'HS5lJ+XuTlYKWaeGYyG+/A==';

const responses: KeyringResponse[] = [
  {
    WAN: true,
    Datacenter: 'dc1',
    Segment: '',
    Messages: {},
    Keys: { [A]: 1 },
    PrimaryKeys: { [A]: 1 },
    NumNodes: 1,
  },
  {
    WAN: false,
    Datacenter: 'dc1',
    Segment: '',
    Messages: { n2: 'unreachable' },
    Keys: { [B]: 1, [A]: 2 },
    PrimaryKeys: { [A]: 2 },
    NumNodes: 2,
  },
];

describe('cairn keyring', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  const start = () =>
    startHarness({
      'GET /v1/operator/keyring': () => ({ body: responses }),
      'POST /v1/operator/keyring': () => ({}),
      'PUT /v1/operator/keyring': () => ({}),
      'DELETE /v1/operator/keyring': () => ({
        status: 500,
        body: '1 error occurred:\n\t* dc1 (LAN) error: Removing the primary key is not allowed\n\n',
      }),
    });

  it('-list prints each pool, its node messages and keys with counts, as consul keyring does', async () => {
    harness = await start();
    assert.equal(await runKeyring(harness.client, { list: true }, harness.output), 0);
    assert.equal(
      harness.stdout(),
      [
        '==> Gathering installed encryption keys...',
        '',
        'WAN:',
        `  ${A} [1/1]`,
        '',
        'dc1 (LAN):',
        '  ===> n2: unreachable',
        `  ${B} [1/2]`,
        `  ${A} [2/2]`,
        '',
      ].join('\n'),
    );
  });

  it('-list-primary prints the primary keys only', async () => {
    harness = await start();
    assert.equal(await runKeyring(harness.client, { listPrimary: true }, harness.output), 0);
    assert.doesNotMatch(harness.stdout(), new RegExp(B.replace(/[+/]/g, '\\$&')));
    assert.match(harness.stdout(), /^==> Gathering primary encryption keys\.\.\./);
  });

  it('-install and -use send the key in the body', async () => {
    harness = await start();
    assert.equal(await runKeyring(harness.client, { install: B }, harness.output), 0);
    assert.equal(await runKeyring(harness.client, { use: B, relayFactor: 2 }, harness.output), 0);
    assert.equal(
      harness.stdout(),
      '==> Installing new gossip encryption key...\n==> Changing primary gossip encryption key...\n',
    );
    const [install, use] = harness.agent.requests;
    assert.equal(install!.method, 'POST');
    assert.deepEqual(JSON.parse(new TextDecoder().decode(install!.body)), { Key: B });
    assert.equal(use!.method, 'PUT');
    assert.equal(use!.query.get('relay-factor'), '2');
  });

  it('-remove reports the agent’s error', async () => {
    harness = await start();
    assert.equal(await runKeyring(harness.client, { remove: A }, harness.output), 1);
    assert.equal(harness.stdout(), '==> Removing gossip encryption key...\n');
    assert.match(harness.stderr(), /^error: Unexpected response code: 500 \(1 error occurred:/);
  });

  it('takes exactly one action', async () => {
    harness = await start();
    assert.equal(await runKeyring(harness.client, { list: true, install: A }, harness.output), 1);
    assert.equal(harness.stderr(), 'Only a single action is allowed\n');
    assert.equal(await runKeyring(harness.client, {}, harness.output), 1);
    assert.match(harness.stderr(), /Usage: cairn keyring/);
    assert.equal(harness.agent.requests.length, 0);
  });
});
