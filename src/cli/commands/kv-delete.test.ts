import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { kvStore } from '../../api-client/testing/fake-agent.ts';
import { type Harness, startHarness } from '../testing/cli-harness.ts';
import { runKvDelete } from './kv-delete.ts';

describe('cairn kv delete', () => {
  let harness: Harness;
  let store: ReturnType<typeof kvStore>;
  afterEach(() => harness.close());

  const start = async () => {
    store = kvStore({ 'app/a': '1', 'app/b': '2', other: '3' });
    harness = await startHarness({ '* /v1/kv/*': store.handler });
  };

  it('deletes one key', async () => {
    await start();
    assert.equal(await runKvDelete(harness.client, { key: 'other' }, harness.output), 0);
    assert.equal(harness.stdout(), 'Success! Deleted key: other\n');
    assert.equal(store.entries.has('other'), false);
  });

  it('deletes a prefix with -recurse', async () => {
    await start();
    assert.equal(await runKvDelete(harness.client, { key: 'app/', recurse: true }, harness.output), 0);
    assert.equal(harness.stdout(), 'Success! Deleted keys with prefix: app/\n');
    assert.deepEqual([...store.entries.keys()], ['other']);
  });

  it('deletes with -cas only when the index matches, else exits 1', async () => {
    await start();
    const stale = { key: 'other', cas: true, modifyIndex: 999 };
    assert.equal(await runKvDelete(harness.client, stale, harness.output), 1);
    assert.equal(harness.stderr(), 'Error! Did not delete key other: CAS failed\n');
    const current = { key: 'other', cas: true, modifyIndex: store.entries.get('other')!.ModifyIndex };
    assert.equal(await runKvDelete(harness.client, current, harness.output), 0);
    assert.equal(store.entries.has('other'), false);
  });

  const usageErrors: [string, object, string][] = [
    ['a key unless recursing', {}, 'Error! Missing KEY argument'],
    [
      '-modify-index with -cas',
      { key: 'k', cas: true },
      'Cannot delete a key that does not exist. Provide a -modify-index greater than than 0.',
    ],
    ['-cas with -modify-index', { key: 'k', modifyIndex: 3 }, 'Cannot specify -modify-index without -cas!'],
    [
      'not both -cas and -recurse',
      { key: 'k', cas: true, modifyIndex: 3, recurse: true },
      'Cannot specify both -cas and -recurse!',
    ],
  ];
  for (const [name, options, message] of usageErrors) {
    it(`needs ${name}`, async () => {
      await start();
      assert.equal(await runKvDelete(harness.client, options, harness.output), 1);
      assert.equal(harness.stderr(), `${message}\n`);
      assert.equal(harness.agent.requests.length, 0);
    });
  }
});
