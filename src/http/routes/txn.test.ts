import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { TxnKvVerb } from '../../fsm/commands.ts';
import { createHttpApp } from '../app.ts';
import type { HttpConfig } from '../context.ts';
import { createTestContext, type TestHarness } from '../testing/test-context.ts';
import { kvRoutes } from './kv.ts';
import { sessionRoutes } from './session.ts';
import { readTransaction, txnRoutes } from './txn.ts';

interface Api {
  harness: TestHarness;
  app: FastifyInstance;
  txn(ops: unknown, query?: string): Promise<LightMyRequestResponse>;
  put(url: string, body?: string): Promise<LightMyRequestResponse>;
  get(url: string): Promise<LightMyRequestResponse>;
  session(): Promise<string>;
  lastLogIndex(): number;
}

async function start(t: TestContext, config: Partial<HttpConfig> = {}): Promise<Api> {
  const harness = await createTestContext({ config });
  const context = harness.context;
  const app = createHttpApp(context, [
    ...txnRoutes(context),
    ...kvRoutes(context),
    ...sessionRoutes(context),
  ]);
  t.after(async () => {
    await app.close();
    await harness.close();
  });
  const api: Api = {
    harness,
    app,
    txn: (ops, query = '') =>
      app.inject({
        method: 'PUT',
        url: `/v1/txn${query}`,
        payload: typeof ops === 'string' ? ops : JSON.stringify(ops),
      }),
    put: (url, body) => app.inject({ method: 'PUT', url, ...(body === undefined ? {} : { payload: body }) }),
    get: (url) => app.inject({ method: 'GET', url }),
    session: async () => {
      const response = await api.put('/v1/session/create', '{"Checks":[],"LockDelay":0}');
      return (response.json() as { ID: string }).ID;
    },
    lastLogIndex: () => harness.consensus.status().lastLogIndex,
  };
  return api;
}

const base64 = (text: string) => Buffer.from(text).toString('base64');
const kv = (Verb: string, Key: string, extra: Record<string, unknown> = {}) => ({
  KV: { Verb, Key, ...extra },
});

interface TxnBody {
  Results: { KV: Record<string, unknown> }[] | null;
  Errors: { OpIndex: number; What: string }[] | null;
}

describe('PUT /v1/txn: writes', () => {
  it('applies a set and answers its entry with a null Value', async (t) => {
    const api = await start(t);
    const response = await api.txn([kv('set', 'a', { Value: base64('one'), Flags: 3 })]);
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const index = ((response.json() as TxnBody).Results![0]!.KV as { ModifyIndex: number }).ModifyIndex;
    assert.equal(
      response.body,
      `{"Results":[{"KV":{"LockIndex":0,"Key":"a","Flags":3,"Value":null,"CreateIndex":${index},"ModifyIndex":${index}}}],"Errors":null}`,
    );
    const stored = ((await api.get('/v1/kv/a')).json() as { Value: string; Flags: number }[])[0];
    assert.equal(stored?.Value, base64('one'));
    assert.equal(stored?.Flags, 3);
  });

  it('decodes ops case-insensitively, as Go does', async (t) => {
    const api = await start(t);
    const response = await api.txn([{ kv: { verb: 'set', key: 'lower', value: base64('v'), flags: 1 } }]);
    assert.equal(response.statusCode, 200);
    assert.equal(((await api.get('/v1/kv/lower')).json() as { Value: string }[])[0]?.Value, base64('v'));
  });

  it('runs every write verb, giving results for writes and values only for gets', async (t) => {
    const api = await start(t);
    const session = await api.session();
    await api.put('/v1/kv/old', 'x');
    await api.put('/v1/kv/tree/a', 'a');
    await api.put('/v1/kv/tree/b', 'b');
    const oldIndex = ((await api.get('/v1/kv/old')).json() as { ModifyIndex: number }[])[0]!.ModifyIndex;
    const txnIndex = api.lastLogIndex() + 1;
    const response = await api.txn([
      kv('set', 'k', { Value: base64('v') }),
      kv('cas', 'old', { Value: base64('y'), Index: oldIndex }),
      kv('lock', 'lock', { Value: base64('l'), Session: session }),
      kv('get', 'k'),
      kv('get-tree', 'tree/'),
      kv('check-index', 'old', { Index: oldIndex }),
      kv('delete-tree', 'tree/'),
      kv('check-not-exists', 'tree/a'),
      kv('unlock', 'lock', { Session: session }),
      kv('check-session', 'lock', { Session: '' }),
      kv('delete', 'k'),
      kv('get-or-empty', 'k', { Flags: 9 }),
    ]);
    assert.equal(response.statusCode, 409, 'check-index sees the cas already applied');
    const failed = response.json() as TxnBody;
    assert.equal(failed.Results, null);
    assert.deepEqual(failed.Errors, [
      { OpIndex: 5, What: `current modify index ${txnIndex} != ${oldIndex}` },
    ]);
    assert.equal(
      ((await api.get('/v1/kv/old')).json() as { Value: string }[])[0]?.Value,
      base64('x'),
      'rolled back',
    );
    assert.equal((await api.get('/v1/kv/k')).statusCode, 404);

    const okIndex = api.lastLogIndex() + 1;
    const ok = await api.txn([
      kv('set', 'k', { Value: base64('v') }),
      kv('cas', 'old', { Value: base64('y'), Index: oldIndex }),
      kv('lock', 'lock', { Value: base64('l'), Session: session }),
      kv('get', 'k'),
      kv('get-tree', 'tree/'),
      kv('delete-tree', 'tree/'),
      kv('check-not-exists', 'tree/a'),
      kv('check-session', 'lock', { Session: session }),
      kv('unlock', 'lock', { Session: session }),
      kv('delete', 'k'),
      kv('get-or-empty', 'k', { Flags: 9 }),
      kv('delete-cas', 'old', { Index: okIndex }),
    ]);
    const body = ok.json() as TxnBody;
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(body.Errors, null);
    const results = body.Results!.map((result) => [result.KV.Key, result.KV.Value]);
    assert.deepEqual(results, [
      ['k', null],
      ['old', null],
      ['lock', null],
      ['k', base64('v')],
      ['tree/a', base64('a')],
      ['tree/b', base64('b')],
      ['lock', null],
      ['lock', null],
      ['k', null],
    ]);
    assert.equal(body.Results![2]!.KV.Session, session);
    assert.equal(body.Results![8]!.KV.Flags, 9, 'get-or-empty echoes the op for a missing key');
    assert.equal(
      (await api.get('/v1/kv/old')).statusCode,
      404,
      'delete-cas at the index this transaction wrote',
    );
    assert.equal((await api.get('/v1/kv/tree/?recurse')).statusCode, 404);
  });

  it('rolls everything back on any failure and reports every failing op: 409', async (t) => {
    const api = await start(t);
    const session = await api.session();
    await api.put('/v1/kv/taken', 'x');
    const before = api.lastLogIndex();
    const response = await api.txn([
      kv('set', 'new', { Value: base64('v') }),
      kv('cas', 'taken', { Index: 999 }),
      kv('unlock', 'taken', { Session: session }),
      kv('lock', 'x', { Session: 'no-such-session' }),
      kv('delete-cas', 'taken', { Index: 1 }),
      kv('get', 'missing'),
    ]);
    assert.equal(response.statusCode, 409);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    assert.deepEqual(response.json(), {
      Results: null,
      Errors: [
        { OpIndex: 1, What: 'failed to set key "taken", index is stale' },
        { OpIndex: 2, What: 'failed to unlock key "taken", lock isn\'t held, or is held by another session' },
        { OpIndex: 3, What: 'invalid session "no-such-session"' },
        { OpIndex: 4, What: 'failed to delete key "taken", index is stale' },
        { OpIndex: 5, What: 'key "missing" doesn\'t exist' },
      ],
    });
    assert.equal((await api.get('/v1/kv/new')).statusCode, 404);
    assert.ok(api.lastLogIndex() > before, 'a write transaction goes through Raft even when it fails');
  });

  it('refuses a lock already held by another session', async (t) => {
    const api = await start(t);
    const one = await api.session();
    const two = await api.session();
    assert.equal((await api.txn([kv('lock', 'l', { Session: one })])).statusCode, 200);
    const response = await api.txn([kv('lock', 'l', { Session: two })]);
    assert.equal(response.statusCode, 409);
    assert.deepEqual((response.json() as TxnBody).Errors, [
      { OpIndex: 0, What: 'failed to lock key "l", lock is already held' },
    ]);
  });

  it('refuses a lock during the lock-delay left by an invalidated holder', async (t) => {
    const api = await start(t);
    const holder = (
      (await api.put('/v1/session/create', '{"Checks":[],"LockDelay":"10s"}')).json() as { ID: string }
    ).ID;
    const next = await api.session();
    await api.put(`/v1/kv/leader?acquire=${holder}`, 'pg1');
    await api.put(`/v1/session/destroy/${holder}`);
    const before = api.lastLogIndex();
    const refused = await api.txn([kv('set', 'other'), kv('lock', 'leader', { Session: next })]);
    assert.equal(refused.statusCode, 409);
    assert.deepEqual((refused.json() as TxnBody).Errors, [
      { OpIndex: 1, What: 'failed to lock key "leader" due to lock delay' },
    ]);
    assert.equal(api.lastLogIndex(), before, 'refused before proposing');
    api.harness.clock.advance(10_000);
    assert.equal((await api.txn([kv('lock', 'leader', { Session: next })])).statusCode, 200);
  });

  it('answers an unknown verb with 409 and the state store wording, proposing nothing', async (t) => {
    const api = await start(t);
    const before = api.lastLogIndex();
    const response = await api.txn([kv('set', 'a', { Value: base64('v') }), kv('frobnicate', 'a')]);
    assert.equal(response.statusCode, 409);
    assert.deepEqual((response.json() as TxnBody).Errors, [
      { OpIndex: 1, What: 'unknown KV verb "frobnicate"' },
    ]);
    assert.equal(api.lastLogIndex(), before);
    assert.equal((await api.get('/v1/kv/a')).statusCode, 404);
  });

  it('refuses another datacenter', async (t) => {
    const api = await start(t);
    const response = await api.txn([kv('set', 'a')], '?dc=dc2');
    assert.equal(response.statusCode, 500);
    assert.equal(response.body, 'No path to datacenter');
  });
});

describe('PUT /v1/txn: read-only transactions', () => {
  it('take the read path: consistency headers, no X-Consul-Index, nothing proposed', async (t) => {
    const api = await start(t);
    await api.put('/v1/kv/a', 'va');
    await api.put('/v1/kv/p/x', 'vx');
    const before = api.lastLogIndex();
    const response = await api.txn([kv('get', 'a'), kv('get-tree', 'p/'), kv('check-not-exists', 'zzz')]);
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['x-consul-index'], undefined);
    assert.equal(response.headers['x-consul-knownleader'], 'true');
    assert.equal(response.headers['x-consul-lastcontact'], '0');
    assert.equal(response.headers['x-consul-effective-consistency'], 'leader');
    const body = response.json() as TxnBody;
    assert.equal(body.Errors, null);
    assert.deepEqual(
      body.Results!.map((result) => [result.KV.Key, result.KV.Value]),
      [
        ['a', base64('va')],
        ['p/x', base64('vx')],
      ],
    );
    assert.equal(api.lastLogIndex(), before);
  });

  it('honour ?stale and ?consistent, and refuse both together', async (t) => {
    const api = await start(t);
    const ops = [kv('get-or-empty', 'a')];
    assert.equal((await api.txn(ops, '?stale')).headers['x-consul-effective-consistency'], 'stale');
    assert.equal((await api.txn(ops, '?consistent')).headers['x-consul-effective-consistency'], 'consistent');
    const both = await api.txn(ops, '?stale&consistent');
    assert.equal(both.statusCode, 400);
    assert.equal(both.body, 'Cannot specify ?stale with ?consistent, conflicting semantics.');
    assert.equal((await api.txn(ops, '?dc=dc2')).body, 'No path to datacenter');
  });

  it('fail with 409 like writes, including for an unknown verb', async (t) => {
    const api = await start(t);
    await api.put('/v1/kv/a', 'v');
    const index = ((await api.get('/v1/kv/a')).json() as { ModifyIndex: number }[])[0]!.ModifyIndex;
    const response = await api.txn([
      kv('check-index', 'a', { Index: index }),
      kv('check-index', 'a', { Index: index + 1 }),
      kv('check-session', 'a', { Session: 'someone' }),
      kv('check-not-exists', 'a'),
      kv('get', 'nope'),
      kv('bogus', 'a'),
    ]);
    assert.equal(response.statusCode, 409);
    assert.equal(response.headers['x-consul-index'], undefined);
    assert.deepEqual(response.json(), {
      Results: null,
      Errors: [
        { OpIndex: 1, What: `current modify index ${index} != ${index + 1}` },
        { OpIndex: 2, What: 'current session "" != "someone"' },
        { OpIndex: 3, What: 'key "a" exists' },
        { OpIndex: 4, What: 'key "nope" doesn\'t exist' },
        { OpIndex: 5, What: 'unknown KV verb "bogus"' },
      ],
    });
  });

  it('answer an empty (or null) list with no results', async (t) => {
    const api = await start(t);
    for (const body of ['[]', 'null']) {
      const response = await api.txn(body);
      assert.equal(response.statusCode, 200, body);
      assert.equal(response.body, '{"Results":[],"Errors":null}');
    }
  });

  it('evaluate exactly as the FSM does', async (t) => {
    const api = await start(t);
    const session = await api.session();
    const keys = fc.constantFrom('a', 'b', 'a/x', 'a/y', '');
    const write = fc.record({
      Verb: fc.constantFrom(TxnKvVerb.set, TxnKvVerb.lock, TxnKvVerb.delete),
      Key: keys,
      Value: fc.option(fc.uint8Array({ maxLength: 4 }), { nil: null }),
      Flags: fc.nat(3),
      Index: fc.constant(0),
      Session: fc.constant(session),
    });
    const read = fc.record({
      Verb: fc.constantFrom(
        TxnKvVerb.get,
        TxnKvVerb.getOrEmpty,
        TxnKvVerb.getTree,
        TxnKvVerb.checkIndex,
        TxnKvVerb.checkSession,
        TxnKvVerb.checkNotExists,
      ),
      Key: keys,
      Value: fc.constant(null),
      Flags: fc.nat(3),
      Index: fc.nat(40),
      Session: fc.constantFrom('', session),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(write, { maxLength: 4 }),
        fc.array(read, { minLength: 1, maxLength: 6 }),
        async (writes, reads) => {
          for (const op of writes) await api.harness.server.txn([op]);
          const evaluated = readTransaction(api.harness.server.store, reads);
          const applied = await api.harness.server.txn(reads);
          assert.deepEqual(evaluated, applied);
        },
      ),
      { numRuns: 100, seed: 7 },
    );
  });
});

describe('PUT /v1/txn: bodies that do not decode or are too large', () => {
  it('answers 400 Failed to parse body for what Go could not decode', async (t) => {
    const api = await start(t);
    const cases: [string, RegExp][] = [
      ['', /^Failed to parse body: EOF$/],
      ['{', /^Failed to parse body: /],
      ['{"KV":{}}', /^Failed to parse body: expected a JSON array of operations$/],
      ['["x"]', /^Failed to parse body: \[0\]: expected a JSON object, got string "x"$/],
      ['[{"KV":"set"}]', /^Failed to parse body: \[0\]\.KV: expected a JSON object/],
      [
        '[{"KV":{"Verb":"set","Key":"a","Value":"!!!!"}}]',
        /^Failed to parse body: illegal base64 data at input byte 0$/,
      ],
      [
        '[{"KV":{"Verb":"set","Key":"a","Value":5}}]',
        /^Failed to parse body: \[0\]\.KV\.Value: expected a base64 string, got number$/,
      ],
      [
        '[{"KV":{"Verb":"set","Key":"a","Flags":-1}}]',
        /^Failed to parse body: \[0\]\.KV\.Flags: expected an integer/,
      ],
      [
        '[{"KV":{"Verb":"cas","Key":"a","Index":1.5}}]',
        /^Failed to parse body: \[0\]\.KV\.Index: expected an integer/,
      ],
      ['[{"KV":{"Verb":5,"Key":"a"}}]', /^Failed to parse body: \[0\]\.KV\.Verb: expected a string/],
      ['[{}]', /^Failed to parse body: operation 0 has none of KV, Node, Service or Check$/],
    ];
    const before = api.lastLogIndex();
    for (const [body, expected] of cases) {
      const response = await api.txn(body);
      assert.equal(response.statusCode, 400, body);
      assert.match(response.body, expected, body);
      assert.match(String(response.headers['content-type']), /^text\/plain/);
    }
    assert.equal(api.lastLogIndex(), before);
  });

  it('refuses Node, Service and Check operations, which are not served yet', async (t) => {
    const api = await start(t);
    for (const kind of ['Node', 'Service', 'Check']) {
      const response = await api.txn([kv('set', 'a'), { [kind]: { Verb: 'get' } }]);
      assert.equal(response.statusCode, 400);
      assert.equal(response.body, `${kind} operations in transactions are not supported yet (operation 1)`);
    }
    assert.equal((await api.get('/v1/kv/a')).statusCode, 404);
  });

  it('answers 413 beyond the op limit', async (t) => {
    const api = await start(t);
    const ops = (count: number) => Array.from({ length: count }, (_, i) => kv('set', `k${i}`));
    const response = await api.txn(ops(129));
    assert.equal(response.statusCode, 413);
    assert.equal(response.body, 'Transaction contains too many operations (129 > 128)');
    assert.equal((await api.get('/v1/kv/k0')).statusCode, 404);
    assert.equal((await api.txn(ops(128))).statusCode, 200);
  });

  it('answers 413 for a value beyond kv_max_value_size', async (t) => {
    const api = await start(t, { kvMaxValueBytes: 4, txnMaxRequestBytes: 4096 });
    const response = await api.txn([
      kv('set', 'ok', { Value: base64('1234') }),
      kv('set', 'big', { Value: base64('12345') }),
    ]);
    assert.equal(response.statusCode, 413);
    assert.equal(response.body, 'Value for key "big" is too large (5 > 4 bytes)');
    assert.equal((await api.get('/v1/kv/ok')).statusCode, 404);
  });

  it('answers 413 for a body beyond the request limit, writing nothing', async (t) => {
    const api = await start(t, { kvMaxValueBytes: 64, txnMaxRequestBytes: 256 });
    const before = api.lastLogIndex();
    const body = JSON.stringify([kv('set', 'a', { Value: base64('x'.repeat(300)) })]);
    const response = await api.txn(body);
    assert.equal(response.statusCode, 413);
    assert.equal(response.body, `Request body(${body.length} bytes) too large, max size: 256 bytes`);
    assert.equal(api.lastLogIndex(), before);
  });

  it('takes PUT only', async (t) => {
    const api = await start(t);
    const response = await api.get('/v1/txn');
    assert.equal(response.statusCode, 405);
    assert.equal(response.headers.allow, 'OPTIONS,PUT');
  });
});

describe('PUT /v1/txn under arbitrary input', () => {
  it('answers 2xx, 409 JSON or a 4xx with a text body, and changes nothing unless it answers 200', async (t) => {
    const api = await start(t);
    await api.put('/v1/kv/a', 'v');
    const session = await api.session();
    const scalar = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.integer({ min: -3, max: 50 }),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom(base64('x'), 'a', 'a/', session, 'not base64!'),
    );
    const wellTyped = fc.record(
      {
        Verb: fc.constantFrom(...Object.values(TxnKvVerb), 'nope'),
        Key: fc.constantFrom('a', 'a/', 'b', ''),
        Value: fc.option(
          fc.uint8Array({ maxLength: 6 }).map((bytes) => Buffer.from(bytes).toString('base64')),
        ),
        Flags: fc.nat(5),
        Index: fc.nat(30),
        Session: fc.constantFrom('', session, 'unknown'),
      },
      { requiredKeys: ['Verb'] },
    );
    const junk = fc.dictionary(
      fc.constantFrom('Verb', 'verb', 'Key', 'key', 'Value', 'Flags', 'Index', 'Session', 'Junk'),
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...Object.values(TxnKvVerb), 'nope') },
        { weight: 2, arbitrary: scalar },
      ),
      { maxKeys: 6 },
    );
    const op = fc.oneof(
      { weight: 16, arbitrary: wellTyped.map((KV) => ({ KV })) },
      { weight: 1, arbitrary: junk.map((KV) => ({ KV })) },
      { weight: 1, arbitrary: fc.record({ Node: fc.constant({}) }) },
      { weight: 1, arbitrary: scalar },
      { weight: 1, arbitrary: fc.json({ maxDepth: 2 }).map((text) => JSON.parse(text) as unknown) },
    );
    const body = fc.oneof(
      { weight: 6, arbitrary: fc.array(op, { maxLength: 5 }).map((ops) => JSON.stringify(ops)) },
      { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
    );
    const query = fc.constantFrom(
      '',
      '',
      '',
      '?stale',
      '?consistent',
      '?stale&consistent',
      '?dc=dc1',
      '?dc=dc9',
    );
    await fc.assert(
      fc.asyncProperty(body, query, async (payload, params) => {
        const before = JSON.stringify(api.harness.server.store.snapshot());
        const response = await api.txn(payload, params);
        const status = response.statusCode;
        const what = `${status} for ${params} ${payload}: ${response.body}`;
        if (status === 200) {
          assert.equal((response.json() as TxnBody).Errors, null, what);
          return;
        }
        if (status === 409) {
          const failed = response.json() as TxnBody;
          assert.equal(failed.Results, null, what);
          assert.ok((failed.Errors?.length ?? 0) > 0, what);
        } else if (status === 500) {
          assert.equal(response.body, 'No path to datacenter', what);
        } else {
          assert.ok(status >= 400 && status < 500, what);
          assert.match(String(response.headers['content-type']), /^text\/plain/, what);
          assert.notEqual(response.body, '', what);
        }
        assert.equal(JSON.stringify(api.harness.server.store.snapshot()), before, what);
      }),
      { numRuns: 300, seed: 20261121 },
    );
  });
});
