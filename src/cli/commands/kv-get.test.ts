import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { encodeBase64 } from '../../lib/base64.ts';
import { type Harness, startHarness } from '../testing/cli-harness.ts';
import { runKvGet } from './kv-get.ts';

const entry = (key: string, value: string | null, extra: object = {}) => ({
  LockIndex: 0,
  Key: key,
  Flags: 0,
  Value: value === null ? null : encodeBase64(new TextEncoder().encode(value)),
  CreateIndex: 5,
  ModifyIndex: 7,
  ...extra,
});

const tree = [
  entry('app/a', 'one'),
  entry('app/b', 'two', { Flags: 42, LockIndex: 1, Session: 'adf4238a-882b-9ddc-4a9d-5b6758e4159e' }),
  entry('app/c/d', null),
];

describe('cairn kv get', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  const start = () =>
    startHarness({
      'GET /v1/kv/*': (request) => {
        const key = request.path.slice('/v1/kv/'.length);
        const headers = { 'X-Consul-Index': '7' };
        if (request.query.has('keys')) return { headers, body: ['app/a', 'app/b', 'app/c/'] };
        const found = request.query.has('recurse')
          ? tree.filter((e) => e.Key.startsWith(key))
          : tree.filter((e) => e.Key === key);
        return found.length === 0 ? { status: 404, headers } : { headers, body: found };
      },
    });

  it('prints the raw value', async () => {
    harness = await start();
    assert.equal(await runKvGet(harness.client, { key: 'app/a' }, harness.output), 0);
    assert.equal(harness.stdout(), 'one\n');
  });

  it('strips one leading slash from the key', async () => {
    harness = await start();
    await runKvGet(harness.client, { key: '/app/a' }, harness.output);
    assert.equal(harness.agent.requests.at(-1)?.path, '/v1/kv/app/a');
  });

  it('prints the aligned metadata block with -detailed', async () => {
    harness = await start();
    assert.equal(await runKvGet(harness.client, { key: 'app/b', detailed: true }, harness.output), 0);
    assert.equal(
      harness.stdout(),
      [
        'CreateIndex      5',
        'Flags            42',
        'Key              app/b',
        'LockIndex        1',
        'ModifyIndex      7',
        'Session          adf4238a-882b-9ddc-4a9d-5b6758e4159e',
        'Value            two',
        '',
      ].join('\n'),
    );
  });

  it('shows no session as - and the value base64 with -base64', async () => {
    harness = await start();
    await runKvGet(harness.client, { key: 'app/a', detailed: true, base64: true }, harness.output);
    assert.match(harness.stdout(), /^Session {10}-$/m);
    assert.match(harness.stdout(), /^Value {12}b25l$/m);
  });

  it('prints key:value lines with -recurse', async () => {
    harness = await start();
    assert.equal(await runKvGet(harness.client, { key: 'app/', recurse: true }, harness.output), 0);
    assert.equal(harness.stdout(), 'app/a:one\napp/b:two\napp/c/d:\n');
  });

  it('separates detailed blocks with a blank line', async () => {
    harness = await start();
    await runKvGet(harness.client, { key: 'app/', recurse: true, detailed: true }, harness.output);
    const blocks = harness.stdout().split('\n\n');
    assert.equal(blocks.length, 3);
    assert.match(blocks[2]!, /^CreateIndex {6}5\n[\s\S]*Value$/m);
  });

  it('lists keys with -keys and the default separator', async () => {
    harness = await start();
    assert.equal(await runKvGet(harness.client, { key: 'app/', keys: true }, harness.output), 0);
    assert.equal(harness.stdout(), 'app/a\napp/b\napp/c/\n');
    assert.equal(harness.agent.requests.at(-1)?.query.get('separator'), '/');
  });

  it('fails for a missing key, like Consul', async () => {
    harness = await start();
    assert.equal(await runKvGet(harness.client, { key: 'nope' }, harness.output), 1);
    assert.equal(harness.stderr(), 'Error! No key exists at: nope\n');
    assert.equal(harness.stdout(), '');
  });

  it('needs a key unless listing', async () => {
    harness = await start();
    assert.equal(await runKvGet(harness.client, {}, harness.output), 1);
    assert.equal(harness.stderr(), 'Error! Missing KEY argument\n');
    assert.equal(harness.agent.requests.length, 0);
  });

  it('reports agent errors in one line', async () => {
    harness = await startHarness({ 'GET /v1/kv/*': () => ({ status: 500, body: 'No cluster leader' }) });
    assert.equal(await runKvGet(harness.client, { key: 'a', stale: true }, harness.output), 1);
    assert.equal(
      harness.stderr(),
      'Error querying Cairn agent: Unexpected response code: 500 (No cluster leader)\n',
    );
    assert.equal(harness.agent.requests[0]?.query.has('stale'), true);
  });
});
