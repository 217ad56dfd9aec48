import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AssertionError } from '../lib/assert.ts';
import type { HealthStatus, KvEntry, ServiceCheckRef, Session } from '../model/records.ts';
import type { CheckInput, Registration } from '../state/catalog.ts';
import type { StateStore } from '../state/store.ts';
import { check, fireCount, node, service, session, text } from '../state/testing/fixtures.ts';
import {
  type Command,
  CommandType,
  decodeSnapshot,
  encodeCommand,
  encodeSnapshot,
  IGNORE_UNKNOWN_FLAG,
  KvOp,
  type TxnKvOperation,
  type TxnKvVerb,
} from './commands.ts';
import { type ApplyResult, Fsm } from './fsm.ts';

// --- builders ----------------------------------------------------------------------------------

const register = (registration: Registration): Command => ({ type: CommandType.register, registration });
const kv = (
  op: KvOp,
  Key: string,
  value: string | null = null,
  extra: { session?: string; cas?: number } = {},
) =>
  ({
    type: CommandType.kv,
    op,
    entry: { Key, Flags: 0, Value: value === null ? null : text(value), Session: extra.session ?? '' },
    cas: extra.cas ?? 0,
  }) satisfies Command;
const txnOp = (Verb: TxnKvVerb, Key: string, extra: Partial<Omit<TxnKvOperation, 'Verb' | 'Key'>> = {}) => ({
  Verb,
  Key,
  Value: null,
  Flags: 0,
  Index: 0,
  Session: '',
  ...extra,
});

/** An Fsm with a raft index counter, so a test reads as a log. */
class Log {
  readonly fsm: Fsm;
  raftIndex = 0;
  readonly lockDelays: (readonly string[])[] = [];

  constructor() {
    this.fsm = new Fsm({ onLockDelay: (keys) => this.lockDelays.push(keys) });
  }

  get store(): StateStore {
    return this.fsm.store;
  }

  apply(command: Command): ApplyResult {
    this.raftIndex += 1;
    return this.fsm.apply(encodeCommand(command), this.raftIndex);
  }

  txn(...ops: TxnKvOperation[]) {
    const result = this.apply({ type: CommandType.txn, ops });
    assert.equal(result.kind, 'txn');
    return result.kind === 'txn' ? result.outcome : assert.fail();
  }
}

/** Node n1 with serfHealth and sessions s1 and s2: raft indexes 1 and 2. */
function logWithSessions(): Log {
  const log = new Log();
  log.apply(register({ node: node('n1'), skipNodeUpdate: false, checks: [check('n1', 'serfHealth')] }));
  log.apply({
    type: CommandType.session,
    op: 'create',
    session: session('s1', { NodeChecks: ['serfHealth'] }),
  });
  log.apply({ type: CommandType.session, op: 'create', session: session('s2') });
  return log;
}

const textOf = (entry: KvEntry | undefined) =>
  entry?.Value === null || entry?.Value === undefined ? entry?.Value : new TextDecoder().decode(entry.Value);

function snapshotBytes(store: StateStore): Uint8Array {
  return Uint8Array.from(encodeSnapshot(store.snapshot()));
}

function assertSameSnapshot(actual: Uint8Array, expected: Uint8Array, message?: string): void {
  if (Buffer.compare(actual, expected) === 0) return;
  assert.deepEqual(decodeSnapshot(actual), decodeSnapshot(expected), message);
  assert.fail(`${message ?? 'snapshots'}: equal content, different bytes`);
}

// --- apply ---------------------------------------------------------------------------------------

describe('Fsm.apply', () => {
  it('applies a registration at the raft index', () => {
    const log = new Log();
    log.raftIndex = 41;
    const result = log.apply(
      register({
        node: node('n1'),
        skipNodeUpdate: false,
        service: service('web1', 'web'),
        checks: [check('n1', 'serfHealth')],
      }),
    );
    assert.deepEqual(result, { kind: 'ok' });
    assert.equal(log.store.catalog.serviceNodes('web').index, 42);
    assert.equal(log.store.catalog.node('n1').value?.CreateIndex, 42);
  });

  it('answers a failed registration with its error and writes nothing', () => {
    const log = new Log();
    const result = log.apply(
      register({ node: node('n1'), skipNodeUpdate: false, checks: [check('n1', 'c', 'passing', 'nope')] }),
    );
    assert.deepEqual(result, { kind: 'error', message: 'Missing service registration' });
    assert.equal(log.store.catalog.node('n1').value, undefined);
    assert.equal(log.store.lastIndex(), 0);
  });

  it('deregisters a service, a check, or a whole node', () => {
    const log = new Log();
    log.apply(
      register({
        node: node('n1'),
        skipNodeUpdate: false,
        service: service('web1', 'web'),
        checks: [check('n1', 'serfHealth'), check('n1', 'extra')],
      }),
    );
    assert.deepEqual(
      log.apply({ type: CommandType.deregister, node: 'n1', serviceId: 'web1', checkId: '' }),
      {
        kind: 'ok',
      },
    );
    assert.deepEqual(log.store.catalog.serviceNodes('web').value, []);
    log.apply({ type: CommandType.deregister, node: 'n1', serviceId: '', checkId: 'extra' });
    assert.deepEqual(
      log.store.catalog.nodeChecks('n1').value.map((c) => c.CheckID),
      ['serfHealth'],
    );
    log.apply({ type: CommandType.deregister, node: 'n1', serviceId: '', checkId: '' });
    assert.equal(log.store.catalog.node('n1').value, undefined);
  });

  it('answers every KV op with its boolean', () => {
    const log = logWithSessions();
    assert.deepEqual(log.apply(kv(KvOp.set, 'k', 'one')), { kind: 'bool', value: true });
    assert.deepEqual(log.apply(kv(KvOp.cas, 'k', 'two', { cas: 1 })), { kind: 'bool', value: false });
    assert.deepEqual(log.apply(kv(KvOp.cas, 'k', 'two', { cas: 4 })), { kind: 'bool', value: true });
    assert.deepEqual(log.apply(kv(KvOp.lock, 'k', 'locked', { session: 's1' })), {
      kind: 'bool',
      value: true,
    });
    assert.deepEqual(log.apply(kv(KvOp.lock, 'k', 'stolen', { session: 's2' })), {
      kind: 'bool',
      value: false,
    });
    assert.deepEqual(log.apply(kv(KvOp.unlock, 'k', 'x', { session: 's2' })), { kind: 'bool', value: false });
    assert.deepEqual(log.apply(kv(KvOp.unlock, 'k', 'free', { session: 's1' })), {
      kind: 'bool',
      value: true,
    });
    assert.equal(textOf(log.store.kv.get('k').value), 'free');
    assert.deepEqual(log.apply(kv(KvOp.deleteCas, 'k', null, { cas: 0 })), { kind: 'bool', value: false });
    assert.deepEqual(log.apply(kv(KvOp.deleteCas, 'k', null, { cas: 10 })), { kind: 'bool', value: true });
    assert.equal(log.store.kv.get('k').value, undefined);
    log.apply(kv(KvOp.set, 'd/1', 'x'));
    log.apply(kv(KvOp.set, 'd/2', 'x'));
    assert.deepEqual(log.apply(kv(KvOp.delete, 'd/1')), { kind: 'bool', value: true });
    assert.deepEqual(log.apply(kv(KvOp.deleteTree, 'd/')), { kind: 'bool', value: true });
    assert.deepEqual(log.store.kv.list('').value, []);
  });

  it('answers a lock by an unknown session with the invalid session error', () => {
    const log = logWithSessions();
    assert.deepEqual(log.apply(kv(KvOp.lock, 'k', 'v', { session: 'ghost' })), {
      kind: 'error',
      message: 'invalid session "ghost"',
    });
    assert.equal(log.store.kv.get('k').value, undefined);
  });

  it('creates a session stamped with the raft index, and destroys it', () => {
    const log = logWithSessions();
    const created = log.apply({ type: CommandType.session, op: 'create', session: session('s3') });
    assert.equal(created.kind, 'session');
    assert.equal(created.kind === 'session' && created.session.CreateIndex, 4);
    log.apply(kv(KvOp.lock, 'k', 'v', { session: 's3' }));
    assert.deepEqual(log.apply({ type: CommandType.session, op: 'destroy', id: 's3' }), { kind: 'ok' });
    assert.equal(log.store.sessions.get('s3').value, undefined);
    assert.equal(log.store.kv.holder('k'), '');
    assert.deepEqual(log.lockDelays, [['k']]);
  });

  it('answers a session create on a missing node with its error', () => {
    const log = new Log();
    assert.deepEqual(log.apply({ type: CommandType.session, op: 'create', session: session('s') }), {
      kind: 'error',
      message: 'Missing node registration',
    });
  });

  it('reaps tombstones up to the given index', () => {
    const log = new Log();
    log.apply(kv(KvOp.set, 'a', 'x'));
    log.apply(kv(KvOp.set, 'b', 'x'));
    log.apply(kv(KvOp.delete, 'a'));
    log.apply(kv(KvOp.delete, 'b'));
    assert.deepEqual(log.apply({ type: CommandType.tombstoneReap, upToIndex: 3 }), { kind: 'ok' });
    assert.deepEqual([...log.store.tables.tombstones.keys()], ['b']);
  });

  it('skips an unknown command flagged ignorable and changes nothing', () => {
    const log = new Log();
    assert.deepEqual(log.fsm.apply(Uint8Array.of(9 | IGNORE_UNKNOWN_FLAG, 0xc0), 1), { kind: 'ok' });
    assert.equal(log.store.lastIndex(), 0);
  });

  it('throws on an unknown command, stopping the replica', () => {
    assert.throws(() => new Fsm().apply(Uint8Array.of(9, 0xc0), 1), /unknown Raft command type 9/);
  });

  it('throws on a programmer error rather than answering it', () => {
    assert.throws(() => new Fsm().apply(encodeCommand(kv(KvOp.set, 'k', 'v')), 0), AssertionError);
  });
});

// --- txn -----------------------------------------------------------------------------------------

describe('Fsm txn', () => {
  it('sets, and answers with the stored entry without its value', () => {
    const log = new Log();
    const outcome = log.txn(txnOp('set', 'k', { Value: text('v'), Flags: 3 }));
    assert.deepEqual(outcome, {
      results: [
        { Key: 'k', Flags: 3, Value: null, LockIndex: 0, Session: '', CreateIndex: 1, ModifyIndex: 1 },
      ],
      errors: [],
    });
    assert.equal(textOf(log.store.kv.get('k').value), 'v');
  });

  it('cas: writes on a matching index, fails on a stale one', () => {
    const log = new Log();
    log.apply(kv(KvOp.set, 'k', 'one'));
    assert.deepEqual(log.txn(txnOp('cas', 'k', { Index: 99, Value: text('x') })).errors, [
      { OpIndex: 0, What: 'failed to set key "k", index is stale' },
    ]);
    const outcome = log.txn(txnOp('cas', 'k', { Index: 1, Value: text('two') }));
    assert.equal(outcome.errors.length, 0);
    assert.equal(outcome.results[0]?.ModifyIndex, 3);
    assert.equal(textOf(log.store.kv.get('k').value), 'two');
  });

  it('lock and unlock: the holder rules, and the unknown session error', () => {
    const log = logWithSessions();
    const locked = log.txn(txnOp('lock', 'k', { Session: 's1', Value: text('v') }));
    assert.equal(locked.results[0]?.LockIndex, 1);
    assert.equal(locked.results[0]?.Session, 's1');
    assert.deepEqual(log.txn(txnOp('lock', 'k', { Session: 's2' })).errors, [
      { OpIndex: 0, What: 'failed to lock key "k", lock is already held' },
    ]);
    assert.deepEqual(log.txn(txnOp('lock', 'k', { Session: 'ghost' })).errors, [
      { OpIndex: 0, What: 'invalid session "ghost"' },
    ]);
    assert.deepEqual(log.txn(txnOp('unlock', 'k', { Session: 's2' })).errors, [
      { OpIndex: 0, What: 'failed to unlock key "k", lock isn\'t held, or is held by another session' },
    ]);
    const unlocked = log.txn(txnOp('unlock', 'k', { Session: 's1' }));
    assert.equal(unlocked.errors.length, 0);
    assert.equal(unlocked.results[0]?.Session, '');
  });

  it('get returns the value; a missing key is an error', () => {
    const log = new Log();
    log.apply(kv(KvOp.set, 'k', 'v'));
    const outcome = log.txn(txnOp('get', 'k'));
    assert.equal(textOf(outcome.results[0]), 'v');
    assert.deepEqual(log.txn(txnOp('get', 'missing')).errors, [
      { OpIndex: 0, What: 'key "missing" doesn\'t exist' },
    ]);
  });

  it('get-or-empty returns the entry, or an empty one for a missing key', () => {
    const log = new Log();
    log.apply(kv(KvOp.set, 'k', 'v'));
    const outcome = log.txn(txnOp('get-or-empty', 'k'), txnOp('get-or-empty', 'missing', { Session: 's' }));
    assert.equal(textOf(outcome.results[0]), 'v');
    assert.deepEqual(outcome.results[1], {
      Key: 'missing',
      Flags: 0,
      Value: null,
      Session: '',
      LockIndex: 0,
      CreateIndex: 0,
      ModifyIndex: 0,
    });
  });

  it('get-tree returns every entry under the prefix with values', () => {
    const log = new Log();
    log.apply(kv(KvOp.set, 'a/1', 'x'));
    log.apply(kv(KvOp.set, 'a/2', 'y'));
    log.apply(kv(KvOp.set, 'b', 'z'));
    const outcome = log.txn(txnOp('get-tree', 'a/'));
    assert.deepEqual(
      outcome.results.map((e) => [e.Key, textOf(e)]),
      [
        ['a/1', 'x'],
        ['a/2', 'y'],
      ],
    );
  });

  it('check-index passes on the ModifyIndex and fails otherwise', () => {
    const log = new Log();
    log.apply(kv(KvOp.set, 'k', 'v'));
    const passed = log.txn(txnOp('check-index', 'k', { Index: 1 }));
    assert.deepEqual(passed.errors, []);
    assert.equal(passed.results[0]?.Value, null);
    assert.deepEqual(log.txn(txnOp('check-index', 'k', { Index: 7 })).errors, [
      { OpIndex: 0, What: 'current modify index 1 != 7' },
    ]);
    assert.deepEqual(log.txn(txnOp('check-index', 'missing', { Index: 1 })).errors, [
      { OpIndex: 0, What: 'key "missing" doesn\'t exist' },
    ]);
  });

  it('check-session passes on the holder and fails otherwise', () => {
    const log = logWithSessions();
    log.apply(kv(KvOp.lock, 'k', 'v', { session: 's1' }));
    assert.deepEqual(log.txn(txnOp('check-session', 'k', { Session: 's1' })).errors, []);
    assert.deepEqual(log.txn(txnOp('check-session', 'k', { Session: 's2' })).errors, [
      { OpIndex: 0, What: 'current session "s1" != "s2"' },
    ]);
    assert.deepEqual(log.txn(txnOp('check-session', 'missing', { Session: 's1' })).errors, [
      { OpIndex: 0, What: 'key "missing" doesn\'t exist' },
    ]);
  });

  it('check-not-exists passes on a missing key, adding no result, and fails on an existing one', () => {
    const log = new Log();
    log.apply(kv(KvOp.set, 'k', 'v'));
    assert.deepEqual(log.txn(txnOp('check-not-exists', 'missing')), { results: [], errors: [] });
    assert.deepEqual(log.txn(txnOp('check-not-exists', 'k')).errors, [
      { OpIndex: 0, What: 'key "k" exists' },
    ]);
  });

  it('delete verbs add no result; a stale delete-cas fails', () => {
    const log = new Log();
    for (const key of ['a', 'b', 't/1', 't/2']) log.apply(kv(KvOp.set, key, 'v'));
    assert.deepEqual(log.txn(txnOp('delete-cas', 'a', { Index: 3 })).errors, [
      { OpIndex: 0, What: 'failed to delete key "a", index is stale' },
    ]);
    const outcome = log.txn(
      txnOp('delete', 'a'),
      txnOp('delete-tree', 't/'),
      txnOp('delete-cas', 'b', { Index: 2 }),
    );
    assert.deepEqual(outcome, { results: [], errors: [] });
    assert.deepEqual(log.store.kv.list('').value, []);
  });

  it('lets later ops see earlier writes of the same transaction', () => {
    const log = new Log();
    const outcome = log.txn(
      txnOp('set', 'k', { Value: text('v') }),
      txnOp('check-index', 'k', { Index: 1 }),
      txnOp('get', 'k'),
    );
    assert.deepEqual(outcome.errors, []);
    assert.equal(textOf(outcome.results[2]), 'v');
  });

  it('rolls everything back on any failure, lists every error and returns no results', () => {
    const log = logWithSessions();
    log.apply(kv(KvOp.set, 'keep', 'original'));
    log.apply(kv(KvOp.lock, 'held', 'v', { session: 's1' }));
    const before = snapshotBytes(log.store);
    const fired = fireCount([...log.store.kv.list('').watches, ...log.store.kv.get('keep').watches]);

    const outcome = log.txn(
      txnOp('set', 'keep', { Value: text('changed') }),
      txnOp('get', 'missing'),
      txnOp('unlock', 'held', { Session: 's1' }),
      txnOp('delete-tree', ''),
      txnOp('lock', 'new', { Session: 'ghost' }),
    );

    assert.deepEqual(outcome, {
      results: [],
      errors: [
        { OpIndex: 1, What: 'key "missing" doesn\'t exist' },
        { OpIndex: 4, What: 'invalid session "ghost"' },
      ],
    });
    assertSameSnapshot(snapshotBytes(log.store), before);
    assert.equal(fired(), 0);
    assert.deepEqual(log.lockDelays, []);
  });

  it('changes no index when it only reads', () => {
    const log = new Log();
    log.apply(kv(KvOp.set, 'k', 'v'));
    log.txn(txnOp('get', 'k'), txnOp('check-not-exists', 'x'));
    assert.equal(log.store.lastIndex(), 1);
  });
});

// --- snapshot and restore ---------------------------------------------------------------------

describe('Fsm snapshot and restore', () => {
  it('restores a store with a byte-identical snapshot', () => {
    const log = logWithSessions();
    log.apply(kv(KvOp.lock, 'k', 'v', { session: 's1' }));
    log.apply(kv(KvOp.set, 'gone', 'v'));
    log.apply(kv(KvOp.delete, 'gone'));
    const other = new Fsm();
    other.restore(log.fsm.snapshot());
    assertSameSnapshot(snapshotBytes(other.store), snapshotBytes(log.store));
  });

  it('replaces the store and wakes every blocking query on the old one', () => {
    const log = logWithSessions();
    const old = log.store;
    const fired = fireCount([...old.kv.get('k').watches, ...old.sessions.list().watches]);
    log.fsm.restore(new Fsm().snapshot());
    assert.notEqual(log.store, old);
    assert.equal(fired(), 2);
    assert.equal(log.store.lastIndex(), 0);
  });

  it('keeps the lock-delay callback across a restore', () => {
    const log = logWithSessions();
    log.apply(kv(KvOp.lock, 'k', 'v', { session: 's2' }));
    log.fsm.restore(log.fsm.snapshot());
    log.apply({ type: CommandType.session, op: 'destroy', id: 's2' });
    assert.deepEqual(log.lockDelays, [['k']]);
  });
});

// --- properties ----------------------------------------------------------------------------------

const KEYS = ['a', 'a/b', 'a/c', 'a/b/c', 'ab', 'b', 'b/x'];
const PREFIXES = ['', 'a', 'a/', 'a/b', 'a/b/', 'ab', 'b/', 'zzz'];
const SESSIONS = ['s1', 's2', 's3'];
const NODES = ['n1', 'n2'];
const SERVICE_NAMES = ['web', 'db'];
const SERVICE_IDS = ['web1', 'web2', 'db1'];
const CHECK_IDS = ['serfHealth', 'service:web1', 'service:web2', 'service:db1'];
const TXN_VERBS: TxnKvVerb[] = [
  'set',
  'cas',
  'lock',
  'unlock',
  'get',
  'get-or-empty',
  'get-tree',
  'check-index',
  'check-session',
  'check-not-exists',
  'delete',
  'delete-tree',
  'delete-cas',
];

const valueArbitrary = fc.option(fc.constantFrom('x', 'y', ''), { nil: null });
const statusArbitrary = fc.constantFrom<HealthStatus>('passing', 'warning', 'critical');

const kvArbitrary: fc.Arbitrary<Command> = fc
  .record({
    op: fc.constantFrom(...Object.values(KvOp)),
    key: fc.constantFrom(...KEYS),
    prefix: fc.constantFrom(...PREFIXES),
    value: valueArbitrary,
    flags: fc.constantFrom(0, 1),
    session: fc.constantFrom(...SESSIONS),
    cas: fc.nat({ max: 30 }),
  })
  .map(({ op, key, prefix, value, flags, session: id, cas }) => ({
    type: CommandType.kv,
    op,
    entry: {
      Key: op === KvOp.deleteTree ? prefix : key,
      Flags: flags,
      Value: value === null ? null : text(value),
      Session: id,
    },
    cas,
  }));

const txnOpArbitrary: fc.Arbitrary<TxnKvOperation> = fc
  .record({
    verb: fc.constantFrom(...TXN_VERBS),
    key: fc.constantFrom(...KEYS),
    prefix: fc.constantFrom(...PREFIXES),
    value: valueArbitrary,
    flags: fc.constantFrom(0, 1),
    index: fc.nat({ max: 30 }),
    session: fc.constantFrom(...SESSIONS),
  })
  .map(({ verb, key, prefix, value, flags, index, session: id }) => ({
    Verb: verb,
    Key: verb === 'delete-tree' || verb === 'get-tree' ? prefix : key,
    Value: value === null ? null : text(value),
    Flags: flags,
    Index: index,
    Session: id,
  }));

const txnArbitrary: fc.Arbitrary<Command> = fc
  .array(txnOpArbitrary, { minLength: 1, maxLength: 5 })
  .map((ops) => ({ type: CommandType.txn, ops }));

const sessionArbitrary: fc.Arbitrary<Command> = fc.oneof(
  fc
    .record({
      id: fc.constantFrom(...SESSIONS),
      node: fc.constantFrom(...NODES),
      behavior: fc.constantFrom<Session['Behavior']>('release', 'delete'),
      lockDelay: fc.constantFrom(0, 1000),
      nodeChecks: fc.constantFrom<string[][]>([], ['serfHealth']),
      serviceChecks: fc.constantFrom<(ServiceCheckRef[] | null)[]>(null, [
        { ID: 'service:web1', Namespace: '' },
      ]),
    })
    .map(({ id, node: nodeName, behavior, lockDelay, nodeChecks, serviceChecks }) => ({
      type: CommandType.session,
      op: 'create' as const,
      session: session(id, {
        Node: nodeName,
        Behavior: behavior,
        LockDelay: lockDelay,
        NodeChecks: nodeChecks,
        ServiceChecks: serviceChecks,
      }),
    })),
  fc.constantFrom(...SESSIONS).map((id) => ({ type: CommandType.session, op: 'destroy' as const, id })),
);

const registerArbitrary: fc.Arbitrary<Command> = fc
  .record({
    node: fc.constantFrom(...NODES),
    address: fc.constantFrom('10.0.0.1', '10.0.0.2'),
    meta: fc.constantFrom<Record<string, string>[]>({}, { a: '1' }, { a: '1', b: '2' }, { b: '2', a: '1' }),
    skipNodeUpdate: fc.boolean(),
    service: fc.option(
      fc.record({
        id: fc.constantFrom(...SERVICE_IDS),
        name: fc.constantFrom(...SERVICE_NAMES),
        tags: fc.constantFrom<string[][]>([], ['v1'], ['v1', 'v2']),
        port: fc.constantFrom(80, 81),
      }),
      { nil: undefined },
    ),
    nodeCheck: fc.option(statusArbitrary, { nil: undefined }),
    serviceCheck: fc.option(
      fc.record({ serviceId: fc.constantFrom(...SERVICE_IDS), status: statusArbitrary }),
      {
        nil: undefined,
      },
    ),
  })
  .map(({ node: nodeName, address, meta, skipNodeUpdate, service: svc, nodeCheck, serviceCheck }) => {
    const checks: CheckInput[] = [];
    if (nodeCheck !== undefined) checks.push(check(nodeName, 'serfHealth', nodeCheck));
    if (serviceCheck !== undefined) {
      checks.push(
        check(nodeName, `service:${serviceCheck.serviceId}`, serviceCheck.status, serviceCheck.serviceId),
      );
    }
    return register({
      node: node(nodeName, { Address: address, Meta: meta }),
      skipNodeUpdate,
      service: svc === undefined ? undefined : service(svc.id, svc.name, { Tags: svc.tags, Port: svc.port }),
      checks,
    });
  });

const deregisterArbitrary: fc.Arbitrary<Command> = fc
  .record({
    node: fc.constantFrom(...NODES),
    what: fc.constantFrom('node', 'service', 'check'),
    serviceId: fc.constantFrom(...SERVICE_IDS),
    checkId: fc.constantFrom(...CHECK_IDS),
  })
  .map(({ node: nodeName, what, serviceId, checkId }) => ({
    type: CommandType.deregister,
    node: nodeName,
    serviceId: what === 'service' ? serviceId : '',
    checkId: what === 'check' ? checkId : '',
  }));

/** Every write command but the tombstone reap, which lets list indexes fall back by design. */
const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: kvArbitrary, weight: 4 },
  { arbitrary: txnArbitrary, weight: 2 },
  { arbitrary: sessionArbitrary, weight: 2 },
  { arbitrary: registerArbitrary, weight: 3 },
  { arbitrary: deregisterArbitrary, weight: 1 },
);

const stepsArbitrary = fc.array(
  fc.record({ command: commandArbitrary, gap: fc.integer({ min: 1, max: 3 }) }),
  {
    maxLength: 40,
  },
);

type Step = { command: Command; gap: number };

/** Applies `steps` at increasing raft indexes, starting after `raftIndex`; returns the last index used. */
function applySteps(
  fsm: Fsm,
  steps: readonly Step[],
  raftIndex: number,
  after?: (raftIndex: number) => void,
) {
  for (const { command, gap } of steps) {
    raftIndex += gap;
    fsm.apply(encodeCommand(command), raftIndex);
    after?.(raftIndex);
  }
  return raftIndex;
}

/** JSON with object keys sorted and bytes as arrays: equal content gives an equal string. */
function canonical(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, inner: unknown) {
    const raw = this[key]; // before toJSON, which turns a Buffer into { type, data }
    if (raw instanceof Uint8Array) return [...raw];
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    return Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

interface ReadAnswer {
  index: number;
  fingerprint: string;
}

/** Every read the property ops can affect: its per-result index and a fingerprint of its value. */
function readAnswers(store: StateStore): Map<string, ReadAnswer> {
  const answers = new Map<string, ReadAnswer>();
  const note = (name: string, read: { index: number; value: unknown }, modifyIndexes: number[]) => {
    const index = read.index;
    answers.set(name, { index, fingerprint: canonical(read.value) });
    for (const modifyIndex of modifyIndexes) {
      assert.ok(
        index >= modifyIndex,
        `${name}: index ${index} is below a ModifyIndex ${modifyIndex} it returns`,
      );
    }
  };
  for (const prefix of PREFIXES) {
    const list = store.kv.list(prefix);
    note(
      `list ${prefix}`,
      list,
      list.value.map((e) => e.ModifyIndex),
    );
    note(`keys ${prefix}`, store.kv.keys(prefix, '/'), []);
  }
  for (const key of KEYS) {
    const read = store.kv.get(key);
    note(`get ${key}`, read, read.value === undefined ? [] : [read.value.ModifyIndex]);
  }
  for (const name of SERVICE_NAMES) {
    const read = store.catalog.checkServiceNodes(name);
    note(
      `service ${name}`,
      read,
      read.value.flatMap((e) => [
        e.node.ModifyIndex,
        e.service.ModifyIndex,
        ...e.checks.map((c) => c.ModifyIndex),
      ]),
    );
  }
  const nodes = store.catalog.nodes();
  note(
    'nodes',
    nodes,
    nodes.value.map((n) => n.ModifyIndex),
  );
  const sessions = store.sessions.list();
  note(
    'sessions',
    sessions,
    sessions.value.map((s) => s.ModifyIndex),
  );
  const checks = store.catalog.checksInState('any');
  note(
    'checks',
    checks,
    checks.value.map((c) => c.ModifyIndex),
  );
  const services = store.catalog.services();
  note('services', { index: services.index, value: [...services.value] }, []);
  note('last', { index: store.lastIndex(), value: null }, []);
  return answers;
}

/** Every stored record by identity. */
function records(store: StateStore): Map<string, { CreateIndex: number; ModifyIndex: number }> {
  const snapshot = store.snapshot();
  return new Map<string, { CreateIndex: number; ModifyIndex: number }>([
    ...snapshot.kv.map((e) => [`kv ${e.Key}`, e] as const),
    ...snapshot.nodes.map((n) => [`node ${n.Node}`, n] as const),
    ...snapshot.services.map(({ node: n, service: s }) => [`service ${n}/${s.ID}`, s] as const),
    ...snapshot.checks.map((c) => [`check ${c.Node}/${c.CheckID}`, c] as const),
    ...snapshot.sessions.map((s) => [`session ${s.ID}`, s] as const),
  ]);
}

const withoutIndexes = ({
  CreateIndex: _c,
  ModifyIndex: _m,
  ...rest
}: {
  CreateIndex: number;
  ModifyIndex: number;
}) => canonical(rest);

/** Subscribes to everything the property ops can touch. */
function watchEverything(store: StateStore): () => number {
  return fireCount([
    ...PREFIXES.flatMap((prefix) => store.kv.list(prefix).watches),
    ...KEYS.flatMap((key) => store.kv.get(key).watches),
    ...SERVICE_NAMES.flatMap((name) => store.catalog.checkServiceNodes(name).watches),
    ...store.catalog.nodes().watches,
    ...store.catalog.services().watches,
    ...store.catalog.checksInState('any').watches,
    ...store.sessions.list().watches,
  ]);
}

/** Runs per property: the catalog cases need specific sequences (a rename, a check moving). */
const RUNS = 400;

describe('Fsm properties', () => {
  it('never answers with an index above the raft index, nor lets one go backwards', () => {
    fc.assert(
      fc.property(stepsArbitrary, (steps) => {
        const fsm = new Fsm();
        let previous = readAnswers(fsm.store);
        let lastIndex = 0;
        applySteps(fsm, steps, 0, (raftIndex) => {
          const current = readAnswers(fsm.store);
          for (const [name, { index }] of current) {
            const before = previous.get(name)?.index ?? 0;
            assert.ok(index <= raftIndex, `${name}: index ${index} is above raft index ${raftIndex}`);
            assert.ok(index >= before, `${name}: index went from ${before} to ${index}`);
          }
          for (const [name, index] of fsm.store.tables.indexes)
            assert.ok(index <= raftIndex, `table ${name}`);
          assert.ok(fsm.store.lastIndex() >= lastIndex);
          lastIndex = fsm.store.lastIndex();
          previous = current;
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('moves the index of every read whose answer changed, so no blocking query misses a change', () => {
    fc.assert(
      fc.property(stepsArbitrary, (steps) => {
        const fsm = new Fsm();
        let previous = readAnswers(fsm.store);
        applySteps(fsm, steps, 0, () => {
          const current = readAnswers(fsm.store);
          for (const [name, answer] of current) {
            const before = previous.get(name);
            if (before === undefined || before.fingerprint === answer.fingerprint) continue;
            assert.ok(answer.index > before.index, `${name} changed but its index stayed ${answer.index}`);
          }
          previous = current;
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('stamps the raft index on exactly the records a write changed', () => {
    fc.assert(
      fc.property(stepsArbitrary, (steps) => {
        const fsm = new Fsm();
        let previous = records(fsm.store);
        applySteps(fsm, steps, 0, (raftIndex) => {
          const current = records(fsm.store);
          for (const [id, record] of current) {
            const before = previous.get(id);
            if (before === undefined) {
              assert.deepEqual([record.CreateIndex, record.ModifyIndex], [raftIndex, raftIndex], `new ${id}`);
            } else if (withoutIndexes(before) !== withoutIndexes(record)) {
              assert.deepEqual(
                [record.CreateIndex, record.ModifyIndex],
                [before.CreateIndex, raftIndex],
                `changed ${id}`,
              );
            } else if (record.ModifyIndex !== before.ModifyIndex) {
              // Deleted and re-created by the same write (a txn's delete-tree then set): a new record.
              assert.deepEqual(
                [record.CreateIndex, record.ModifyIndex],
                [raftIndex, raftIndex],
                `re-created ${id}`,
              );
            }
          }
          previous = current;
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('leaves a failed transaction without a trace: same snapshot bytes, no watch fired', () => {
    const failingOp = fc.constantFrom<TxnKvOperation>(
      txnOp('get', 'never/written'),
      txnOp('check-index', 'never/written', { Index: 1 }),
      txnOp('check-session', 'never/written', { Session: 's1' }),
      txnOp('cas', 'a', { Index: 1_000_000, Value: text('x') }),
      txnOp('lock', 'a', { Session: 'no-such-session' }),
      txnOp('unlock', 'a/b', { Session: 'no-such-session' }),
    );
    fc.assert(
      fc.property(
        stepsArbitrary,
        fc.array(txnOpArbitrary, { maxLength: 6 }),
        failingOp,
        fc.nat(),
        (steps, ops, failing, at) => {
          let lockDelays = 0;
          const fsm = new Fsm({ onLockDelay: () => lockDelays++ });
          const raftIndex = applySteps(fsm, steps, 0);
          lockDelays = 0;
          const position = at % (ops.length + 1);
          const txn = [...ops.slice(0, position), failing, ...ops.slice(position)];
          const before = snapshotBytes(fsm.store);
          const fired = watchEverything(fsm.store);

          const result = fsm.apply(encodeCommand({ type: CommandType.txn, ops: txn }), raftIndex + 1);

          assert.ok(result.kind === 'txn');
          assert.ok(result.outcome.errors.some((error) => error.OpIndex === position));
          assert.deepEqual(result.outcome.results, []);
          assertSameSnapshot(snapshotBytes(fsm.store), before);
          assert.equal(fired(), 0);
          assert.equal(lockDelays, 0);
        },
      ),
    );
  });

  it('leaves a failed registration without a trace, even when it had invalidated sessions', () => {
    fc.assert(
      fc.property(stepsArbitrary, registerArbitrary, (steps, command) => {
        const fsm = new Fsm();
        const raftIndex = applySteps(fsm, steps, 0);
        assert.ok(command.type === CommandType.register);
        const { registration } = command;
        const failing = register({
          ...registration,
          checks: [
            ...registration.checks,
            check(registration.node.Node, 'orphan', 'passing', 'no-such-service'),
          ],
        });
        const before = snapshotBytes(fsm.store);
        const fired = watchEverything(fsm.store);

        assert.deepEqual(fsm.apply(encodeCommand(failing), raftIndex + 1), {
          kind: 'error',
          message: 'Missing service registration',
        });
        assertSameSnapshot(snapshotBytes(fsm.store), before);
        assert.equal(fired(), 0);
      }),
      { numRuns: RUNS },
    );
  });

  it('restores from a snapshot to the same store, which then evolves identically', () => {
    fc.assert(
      fc.property(stepsArbitrary, stepsArbitrary, (before, after) => {
        const original = new Fsm();
        const raftIndex = applySteps(original, before, 0);
        const restored = new Fsm();
        restored.restore(original.snapshot());
        assertSameSnapshot(snapshotBytes(restored.store), snapshotBytes(original.store), 'after restore');
        assert.deepEqual(readAnswers(restored.store), readAnswers(original.store));

        applySteps(original, after, raftIndex);
        applySteps(restored, after, raftIndex);
        assertSameSnapshot(snapshotBytes(restored.store), snapshotBytes(original.store), 'after more writes');
        assert.deepEqual(
          [...restored.store.tables.sessionLocks].map(([id, keys]) => [id, [...keys].sort()]).sort(),
          [...original.store.tables.sessionLocks].map(([id, keys]) => [id, [...keys].sort()]).sort(),
        );
      }),
      { numRuns: RUNS },
    );
  });
});
