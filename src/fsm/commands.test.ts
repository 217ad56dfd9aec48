import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { StateStore } from '../state/store.ts';
import {
  type Command,
  CommandType,
  decodeCommand,
  decodeSnapshot,
  encodeCommand,
  encodeSnapshot,
  IGNORE_UNKNOWN_FLAG,
  KvOp,
  TXN_KV_VERBS,
} from './commands.ts';

const text = (value: string) => new TextEncoder().encode(value);

/** Decoded binary comes back as a Uint8Array view; compare bytes, not prototypes. */
function normalise(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_key, inner: unknown) =>
      inner instanceof Uint8Array ? { bytes: [...inner] } : inner,
    ),
  );
}

const examples: Command[] = [
  {
    type: CommandType.register,
    registration: {
      node: {
        ID: 'id',
        Node: 'n1',
        Address: '10.0.0.1',
        Datacenter: 'dc1',
        TaggedAddresses: {},
        Meta: { a: 'b' },
      },
      skipNodeUpdate: false,
      service: {
        Kind: '',
        ID: 'web1',
        Service: 'web',
        Tags: ['v1'],
        Address: '',
        Meta: {},
        Port: 80,
        Weights: { Passing: 1, Warning: 1 },
        EnableTagOverride: false,
      },
      checks: [
        {
          Node: 'n1',
          CheckID: 'serfHealth',
          Name: 'Serf Health Status',
          Status: 'passing',
          Notes: '',
          Output: '',
          ServiceID: '',
          ServiceName: '',
          ServiceTags: [],
          Type: '',
          Interval: '',
          Timeout: '',
          ExposedPort: 0,
          Definition: { Interval: 10_000_000_000 },
        },
      ],
    },
  },
  {
    type: CommandType.register,
    registration: {
      node: { ID: '', Node: 'n2', Address: '', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} },
      skipNodeUpdate: true,
      checks: [],
    },
  },
  { type: CommandType.deregister, node: 'n1', serviceId: 'web1', checkId: '' },
  { type: CommandType.kv, op: KvOp.set, entry: { Key: 'k', Flags: 3, Value: text('value') }, cas: 0 },
  { type: CommandType.kv, op: KvOp.lock, entry: { Key: 'k', Flags: 0, Value: null, Session: 's' }, cas: 0 },
  { type: CommandType.kv, op: KvOp.deleteCas, entry: { Key: 'k', Flags: 0, Value: null }, cas: 2 ** 40 },
  {
    type: CommandType.session,
    op: 'create',
    session: {
      ID: 's',
      Name: 'n',
      Node: 'n1',
      LockDelay: 15_000_000_000,
      Behavior: 'delete',
      TTL: '15s',
      NodeChecks: ['serfHealth'],
      ServiceChecks: null,
    },
  },
  { type: CommandType.session, op: 'destroy', id: 's' },
  { type: CommandType.tombstoneReap, upToIndex: 99 },
  {
    type: CommandType.txn,
    ops: [
      { Verb: 'set', Key: 'a', Value: text('x'), Flags: 0, Index: 0, Session: '' },
      { Verb: 'check-index', Key: 'a', Value: null, Flags: 0, Index: 3, Session: '' },
    ],
  },
];

describe('command codec', () => {
  it('keeps the registry numbers: they are in every Raft log and snapshot', () => {
    assert.deepEqual(
      { ...CommandType },
      { register: 0, deregister: 1, kv: 2, session: 3, tombstoneReap: 5, txn: 8 },
    );
    assert.equal(IGNORE_UNKNOWN_FLAG, 128);
  });

  for (const command of examples) {
    const label = 'op' in command ? `${command.type}/${command.op}` : `${command.type}`;
    it(`round-trips command ${label}, type byte first`, () => {
      const data = encodeCommand(command);
      assert.equal(data[0], command.type);
      const decoded = decodeCommand(data);
      assert.equal(decoded.kind, 'command');
      assert.deepEqual(
        normalise(decoded.kind === 'command' ? decoded.command : undefined),
        normalise(command),
      );
    });
  }

  it('round-trips any KV write', () => {
    const ops = Object.values(KvOp);
    fc.assert(
      fc.property(
        fc.constantFrom(...ops),
        fc.string(),
        fc.option(fc.uint8Array({ maxLength: 64 }), { nil: null }),
        fc.nat(),
        fc.maxSafeNat(),
        (op, Key, Value, Flags, cas) => {
          const command: Command = { type: CommandType.kv, op, entry: { Key, Flags, Value }, cas };
          const decoded = decodeCommand(encodeCommand(command));
          assert.equal(decoded.kind, 'command');
          if (decoded.kind !== 'command' || decoded.command.type !== CommandType.kv) return;
          assert.equal(decoded.command.entry.Key, Key);
          assert.equal(decoded.command.cas, cas);
          assert.deepEqual(
            decoded.command.entry.Value === null ? null : [...decoded.command.entry.Value],
            Value === null ? null : [...Value],
          );
        },
      ),
    );
  });

  it('keeps an absent service absent', () => {
    const decoded = decodeCommand(encodeCommand(examples[1]!));
    assert.ok(decoded.kind === 'command' && decoded.command.type === CommandType.register);
    assert.equal(decoded.command.registration.service, undefined);
  });

  it('decodes values that do not share memory with the log entry', () => {
    const data = encodeCommand({
      type: CommandType.kv,
      op: KvOp.set,
      entry: { Key: 'k', Flags: 0, Value: text('abc') },
      cas: 0,
    });
    const decoded = decodeCommand(data);
    data.fill(0);
    assert.ok(decoded.kind === 'command' && decoded.command.type === CommandType.kv);
    assert.deepEqual(decoded.command.entry.Value, text('abc'));
  });

  it('decodes byte values as plain Uint8Array, whatever kind of buffer holds the entry', () => {
    const data = Buffer.from(
      encodeCommand({
        type: CommandType.kv,
        op: KvOp.set,
        entry: { Key: 'k', Flags: 0, Value: text('v') },
        cas: 0,
      }),
    );
    const decoded = decodeCommand(data);
    assert.ok(decoded.kind === 'command' && decoded.command.type === CommandType.kv);
    assert.equal(decoded.command.entry.Value?.constructor, Uint8Array);
  });

  it('refuses an unknown type', () => {
    for (const type of [4, 6, 9, 127]) {
      assert.throws(
        () => decodeCommand(Uint8Array.of(type, 0x80)),
        new Error(`unknown Raft command type ${type}: refusing to apply (upgrade Cairn)`),
      );
    }
  });

  it('skips an unknown type that carries the ignore flag', () => {
    for (const type of [9 | IGNORE_UNKNOWN_FLAG, 4 | IGNORE_UNKNOWN_FLAG, 255]) {
      assert.deepEqual(decodeCommand(Uint8Array.of(type, 0xc1)), { kind: 'ignorable', type });
    }
  });

  it('applies a known type even when it carries the ignore flag, as Consul does', () => {
    const command: Command = { type: CommandType.tombstoneReap, upToIndex: 5 };
    const data = encodeCommand(command);
    data[0] = CommandType.tombstoneReap | IGNORE_UNKNOWN_FLAG;
    assert.deepEqual(decodeCommand(data), { kind: 'command', command });
  });

  it('refuses an empty entry', () => {
    assert.throws(() => decodeCommand(new Uint8Array()), /empty Raft command/);
  });

  it('refuses a body whose type disagrees with the type byte', () => {
    const data = encodeCommand({ type: CommandType.session, op: 'destroy', id: 's' });
    data[0] = CommandType.kv;
    assert.throws(() => decodeCommand(data), /type byte 2 does not match body type 3/);
  });

  it('lists exactly the thirteen transaction KV verbs', () => {
    assert.deepEqual([...TXN_KV_VERBS].sort(), [
      'cas',
      'check-index',
      'check-not-exists',
      'check-session',
      'delete',
      'delete-cas',
      'delete-tree',
      'get',
      'get-or-empty',
      'get-tree',
      'lock',
      'set',
      'unlock',
    ]);
  });
});

describe('snapshot codec', () => {
  it('round-trips a store byte for byte', () => {
    const store = new StateStore();
    store.transact(1, () => {
      store.catalog.register(
        examples[0]!.type === CommandType.register ? examples[0]!.registration : assert.fail(),
      );
      store.sessions.create({
        ID: 's',
        Name: '',
        Node: 'n1',
        LockDelay: 0,
        Behavior: 'release',
        TTL: '',
        NodeChecks: ['serfHealth'],
        ServiceChecks: null,
      });
      store.kv.lock({ Key: 'k', Flags: 1, Value: text('v'), Session: 's' });
      store.kv.set({ Key: 'nil', Flags: 0, Value: null });
    });
    store.transact(2, () => store.kv.delete('nil'));
    const bytes = encodeSnapshot(store.snapshot());
    const restored = StateStore.restore(decodeSnapshot(bytes));
    assert.deepEqual(Uint8Array.from(encodeSnapshot(restored.snapshot())), Uint8Array.from(bytes));
    assert.equal(restored.kv.holder('k'), 's');
  });

  it('decodes values that do not share memory with the snapshot bytes', () => {
    const store = new StateStore();
    store.transact(1, () => store.kv.set({ Key: 'k', Flags: 0, Value: text('abc') }));
    const bytes = Uint8Array.from(encodeSnapshot(store.snapshot()));
    const decoded = decodeSnapshot(bytes);
    bytes.fill(0);
    assert.deepEqual(decoded.kv[0]?.Value, text('abc'));
  });

  it('decodes byte values as plain Uint8Array from the Buffer encodeSnapshot returns', () => {
    const store = new StateStore();
    store.transact(1, () => store.kv.set({ Key: 'k', Flags: 0, Value: text('abc') }));
    const decoded = decodeSnapshot(encodeSnapshot(store.snapshot()));
    assert.equal(decoded.kv[0]?.Value?.constructor, Uint8Array);
  });
});
