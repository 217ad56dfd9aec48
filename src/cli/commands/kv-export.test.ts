import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { kvStore } from '../../api-client/testing/fake-agent.ts';
import { type Harness, memoryInput, startHarness } from '../testing/cli-harness.ts';
import { runKvExport, toGoIndentedJson } from './kv-export.ts';
import { parseExportedEntries, runKvImport } from './kv-import.ts';

describe('cairn kv export and import', () => {
  const harnesses: Harness[] = [];
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((harness) => harness.close()));
  });

  async function agentWith(initial: Record<string, string>) {
    const store = kvStore(initial);
    const harness = await startHarness({ '* /v1/kv/*': store.handler });
    harnesses.push(harness);
    return { store, harness };
  }

  it('exports the prefix as Consul does: tab-indented JSON with base64 values', async () => {
    const { harness } = await agentWith({ 'app/a': 'one', 'app/b': '<b>', skip: 'x' });
    assert.equal(await runKvExport(harness.client, { prefix: 'app/' }, harness.output), 0);
    assert.equal(
      harness.stdout(),
      '[\n\t{\n\t\t"key": "app/a",\n\t\t"flags": 0,\n\t\t"value": "b25l"\n\t},\n' +
        '\t{\n\t\t"key": "app/b",\n\t\t"flags": 0,\n\t\t"value": "PGI+"\n\t}\n]\n',
    );
  });

  it('round-trips a tree into another agent, under a prefix', async () => {
    const source = await agentWith({ 'app/a': 'one', 'app/dir/': '', 'app/b/c': 'two' });
    await runKvExport(source.harness.client, { prefix: 'app' }, source.harness.output);
    const exported = source.harness.stdout();

    const target = await agentWith({});
    const input = memoryInput({ 'tree.json': exported });
    const code = await runKvImport(
      target.harness.client,
      { data: '@tree.json', prefix: 'copy' },
      target.harness.output,
      input,
    );
    assert.equal(code, 0);
    assert.equal(
      target.harness.stdout(),
      'Imported: copy/app/a\nImported: copy/app/b/c\nImported: copy/app/dir/\n',
    );
    assert.equal(target.store.valueOf('copy/app/a'), 'one');
    assert.equal(target.store.valueOf('copy/app/b/c'), 'two');
    assert.equal(target.store.entries.get('copy/app/dir/')?.Value, null);
  });

  it('imports from stdin and from the argument itself', async () => {
    const { store, harness } = await agentWith({});
    const json = '[{"key":"k1","flags":3,"value":"dg=="}]';
    await runKvImport(harness.client, { data: '-' }, harness.output, memoryInput({}, json));
    await runKvImport(harness.client, { data: json.replace('k1', 'k2') }, harness.output, memoryInput());
    assert.equal(store.valueOf('k1'), 'v');
    assert.equal(store.entries.get('k1')?.Flags, 3);
    assert.equal(store.valueOf('k2'), 'v');
  });

  const failures: [string, string | undefined, string][] = [
    ['no data', undefined, 'Error! Missing DATA argument'],
    ['empty data', '', 'Error! Empty DATA argument'],
    ['data that is not JSON', '{', 'Cannot unmarshal data: '],
    ['JSON that is not a list', '{}', 'Cannot unmarshal data: expected a JSON array'],
    [
      'a value that is not base64',
      '[{"key":"k","value":"%%"}]',
      'Error base 64 decoding value for key k: illegal base64',
    ],
  ];
  for (const [name, data, message] of failures) {
    it(`fails on ${name}`, async () => {
      const { harness } = await agentWith({});
      assert.equal(await runKvImport(harness.client, { data }, harness.output, memoryInput()), 1);
      assert.ok(harness.stderr().startsWith(message), harness.stderr());
      assert.equal(harness.agent.requests.length, 0);
    });
  }
});

describe('parseExportedEntries', () => {
  it('matches field names case-insensitively, as Go does', () => {
    assert.deepEqual(parseExportedEntries('[{"Key":"a","FLAGS":1,"Value":"eA=="}]'), [
      { key: 'a', flags: 1, value: 'eA==' },
    ]);
  });
});

describe('toGoIndentedJson', () => {
  it('escapes HTML characters like encoding/json', () => {
    assert.equal(toGoIndentedJson(['<a&b>']), '[\n\t"\\u003ca\\u0026b\\u003e"\n]');
  });
});
