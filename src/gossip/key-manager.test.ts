import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../sim/manual-clock.ts';
import { emptyKeyResult, KeyManager, tallyKeyResponse, withVerdict } from './key-manager.ts';
import { QueryCollectors } from './query.ts';
import { decodeKeyRequest, encodeKeyResponse, QueryFlag } from './serf-wire.ts';

const ok = (keys: string[], primaryKey: string) =>
  encodeKeyResponse({ keys, message: '', primaryKey, result: true });

test('tally: keys and primaries counted per node, failures and odd payloads are errors', () => {
  const result = emptyKeyResult(4);
  tallyKeyResponse(result, 'a', ok(['K1', 'K2'], 'K1'));
  tallyKeyResponse(result, 'b', ok(['K1'], 'K1'));
  tallyKeyResponse(
    result,
    'c',
    encodeKeyResponse({ keys: [], message: 'nope', primaryKey: '', result: false }),
  );
  tallyKeyResponse(result, 'd', Uint8Array.of(3, 1));
  assert.equal(result.numResponses, 4);
  assert.equal(result.numErrors, 2);
  assert.deepEqual(
    [...result.keys],
    [
      ['K1', 2],
      ['K2', 1],
    ],
  );
  assert.deepEqual([...result.primaryKeys], [['K1', 2]]);
  assert.equal(result.messages.get('c'), 'nope');
  assert.match(result.messages.get('d') ?? '', /^Invalid key query response type/);
  assert.equal(withVerdict(result).error, '2/4 nodes reported failure');
});

test('verdict: missing answers are "N/M nodes reported success"; full success has no error', () => {
  const partial = emptyKeyResult(2);
  tallyKeyResponse(partial, 'a', ok([], ''));
  assert.equal(withVerdict(partial).error, '1/2 nodes reported success');
  tallyKeyResponse(partial, 'b', ok([], ''));
  assert.equal(withVerdict(partial).error, undefined);
});

test('an operation resolves as soon as every live node answered, else at the deadline', async () => {
  const clock = new ManualClock();
  const collectors = new QueryCollectors(clock);
  let lTime = 1;
  const sent: { name: string; key: Uint8Array | null }[] = [];
  const manager = new KeyManager({
    query: (name, payload) => {
      sent.push({ name, key: decodeKeyRequest(payload!).key });
      return collectors.register(lTime, 7, 3200);
    },
    numNodes: () => 2,
  });
  const first = manager.install(new Uint8Array(16).fill(9));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  collectors.deliver({ flags: QueryFlag.ack, from: 'a', id: 7, lTime: 1, payload: null });
  collectors.deliver({ flags: 0, from: 'a', id: 7, lTime: 1, payload: ok([], '') });
  collectors.deliver({ flags: 0, from: 'b', id: 7, lTime: 1, payload: ok([], '') });
  const result = await first;
  assert.equal(result.numResponses, 2);
  assert.equal(result.error, undefined);
  assert.equal(sent[0]?.name, '_serf_install-key');
  assert.equal(sent[0]?.key?.length, 16);

  lTime = 2;
  const second = manager.list();
  for (let i = 0; i < 5; i++) await Promise.resolve();
  collectors.deliver({ flags: 0, from: 'a', id: 7, lTime: 2, payload: ok(['K'], 'K') });
  clock.advance(3200);
  const partial = await second;
  assert.equal(partial.error, '1/2 nodes reported success');
  assert.equal(sent[1]?.name, '_serf_list-keys');
  assert.equal(sent[1]?.key, null);
});
