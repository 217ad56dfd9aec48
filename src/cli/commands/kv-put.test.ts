import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { kvStore } from '../../api-client/testing/fake-agent.ts';
import { type Harness, memoryInput, startHarness } from '../testing/cli-harness.ts';
import { runKvPut } from './kv-put.ts';

describe('cairn kv put', () => {
  let harness: Harness;
  let store: ReturnType<typeof kvStore>;
  afterEach(() => harness.close());

  const start = async () => {
    store = kvStore({ existing: 'old' });
    harness = await startHarness({ '* /v1/kv/*': store.handler });
  };

  it('writes the value and says so', async () => {
    await start();
    assert.equal(
      await runKvPut(harness.client, { key: 'a', data: 'hello' }, harness.output, memoryInput()),
      0,
    );
    assert.equal(harness.stdout(), 'Success! Data written to: a\n');
    assert.equal(store.valueOf('a'), 'hello');
  });

  it('writes an empty value when there is no data', async () => {
    await start();
    assert.equal(await runKvPut(harness.client, { key: 'empty' }, harness.output, memoryInput()), 0);
    assert.equal(store.entries.get('empty')?.Value, null);
  });

  it('reads @file and - (stdin)', async () => {
    await start();
    const input = memoryInput({ 'value.txt': 'from file' }, 'from stdin');
    await runKvPut(harness.client, { key: 'f', data: '@value.txt' }, harness.output, input);
    await runKvPut(harness.client, { key: 's', data: '-' }, harness.output, input);
    assert.equal(store.valueOf('f'), 'from file');
    assert.equal(store.valueOf('s'), 'from stdin');
  });

  it('reports an unreadable file', async () => {
    await start();
    assert.equal(
      await runKvPut(harness.client, { key: 'f', data: '@nope' }, harness.output, memoryInput()),
      1,
    );
    assert.equal(harness.stderr(), 'Error! Failed to read file: open nope: no such file or directory\n');
  });

  it('decodes -base64 data and sets -flags', async () => {
    await start();
    await runKvPut(
      harness.client,
      { key: 'b', data: 'aGk=', base64: true, flags: 7 },
      harness.output,
      memoryInput(),
    );
    assert.equal(store.valueOf('b'), 'hi');
    assert.equal(store.entries.get('b')?.Flags, 7);
  });

  it('rejects data that is not base64', async () => {
    await start();
    assert.equal(
      await runKvPut(harness.client, { key: 'b', data: '!!', base64: true }, harness.output, memoryInput()),
      1,
    );
    assert.match(
      harness.stderr(),
      /^Error! Cannot base 64 decode data: illegal base64 data at input byte 0\n$/,
    );
  });

  it('writes with -cas when the index matches', async () => {
    await start();
    const modifyIndex = store.entries.get('existing')!.ModifyIndex;
    const code = await runKvPut(
      harness.client,
      { key: 'existing', data: 'new', cas: true, modifyIndex },
      harness.output,
      memoryInput(),
    );
    assert.equal(code, 0);
    assert.equal(harness.stdout(), 'Success! Data written to: existing\n');
    assert.equal(harness.agent.requests.at(-1)?.query.get('cas'), String(modifyIndex));
  });

  it('fails with exit 1 when the CAS index is stale', async () => {
    await start();
    const code = await runKvPut(
      harness.client,
      { key: 'existing', data: 'new', cas: true, modifyIndex: 999 },
      harness.output,
      memoryInput(),
    );
    assert.equal(code, 1);
    assert.equal(harness.stderr(), 'Error! Did not write to existing: CAS failed\n');
    assert.equal(store.valueOf('existing'), 'old');
  });

  it('needs -modify-index with -cas and -session with -acquire', async () => {
    await start();
    assert.equal(await runKvPut(harness.client, { key: 'k', cas: true }, harness.output, memoryInput()), 1);
    assert.equal(
      await runKvPut(harness.client, { key: 'k', acquire: true }, harness.output, memoryInput()),
      1,
    );
    assert.equal(
      harness.stderr(),
      'Must specify -modify-index with -cas!\nError! Missing -session (required with -acquire and -release)\n',
    );
    assert.equal(harness.agent.requests.length, 0);
  });

  it('acquires and releases locks with the session', async () => {
    const answers = ['true', 'false'];
    harness = await startHarness({ 'PUT /v1/kv/*': () => ({ body: answers.shift() }) });
    const lock = { key: 'lock', session: 'sid', acquire: true };
    assert.equal(await runKvPut(harness.client, lock, harness.output, memoryInput()), 0);
    assert.equal(harness.agent.requests[0]?.query.get('acquire'), 'sid');
    assert.equal(
      await runKvPut(
        harness.client,
        { key: 'lock', session: 'sid', release: true },
        harness.output,
        memoryInput(),
      ),
      1,
    );
    assert.equal(harness.agent.requests[1]?.query.get('release'), 'sid');
    assert.equal(harness.stdout(), 'Success! Lock acquired on: lock\n');
    assert.equal(harness.stderr(), 'Error! Did not release lock\n');
  });

  it('reports an invalid session the way the agent words it', async () => {
    harness = await startHarness({ 'PUT /v1/kv/*': () => ({ status: 500, body: 'invalid session "sid"' }) });
    const code = await runKvPut(
      harness.client,
      { key: 'lock', session: 'sid', acquire: true },
      harness.output,
      memoryInput(),
    );
    assert.equal(code, 1);
    assert.equal(
      harness.stderr(),
      'Error! Failed writing data: Unexpected response code: 500 (invalid session "sid")\n',
    );
  });
});
