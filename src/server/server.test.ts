import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Command, CommandType, decodeCommand, type TxnKvOperation } from '../fsm/commands.ts';
import type { ApplyResult } from '../fsm/fsm.ts';
import { Fsm } from '../fsm/fsm.ts';
import { registerTestNode, settle } from '../http/testing/test-context.ts';
import { SECOND } from '../lib/duration.ts';
import type { Session } from '../model/records.ts';
import { silentLogger } from '../ports/logger.ts';
import type { Random } from '../ports/random.ts';
import { ManualClock } from '../sim/manual-clock.ts';
import { SeededRandom } from '../sim/seeded-random.ts';
import { MemoryStorage } from '../storage/memory-storage.ts';
import { type Consensus, NoLeaderError } from './consensus.ts';
import { createSoleServerRaft } from './raft-node.ts';
import { ApplyError, MAX_LOCK_DELAY_NS, Server } from './server.ts';

/** Delegates to a real consensus and records every command proposed through it. */
class CountingConsensus implements Consensus {
  readonly proposed: Command[] = [];

  constructor(private readonly inner: Consensus) {}

  propose(data: Uint8Array): Promise<ApplyResult> {
    const decoded = decodeCommand(data);
    if (decoded.kind === 'command') this.proposed.push(decoded.command);
    return this.inner.propose(data);
  }
  readBarrier() {
    return this.inner.readBarrier();
  }
  status() {
    return this.inner.status();
  }
  configuration() {
    return this.inner.configuration();
  }
  onLeadershipChange(listener: (isLeader: boolean) => void): void {
    this.inner.onLeadershipChange(listener);
  }
  start() {
    return this.inner.start();
  }
  stop() {
    return this.inner.stop();
  }
}

/** A seeded generator whose second UUID repeats the first: a collision, once. */
class RepeatOnceRandom extends SeededRandom {
  uuidCalls = 0;
  private first: string | undefined;

  override uuid(): string {
    this.uuidCalls++;
    if (this.uuidCalls === 2 && this.first !== undefined) return this.first;
    const fresh = super.uuid();
    this.first ??= fresh;
    return fresh;
  }
}

/** A `-dev` server wired as the agent wires it, with the consensus wrapped to count proposals. */
async function setup(options: { random?: Random; tombstoneTtlMs?: number } = {}) {
  const clock = new ManualClock();
  let server: Server | undefined;
  const fsm = new Fsm({ onLockDelay: (keys, delayNs) => server?.armLockDelay(keys, delayNs) });
  const raft = createSoleServerRaft({
    id: 'id-1',
    nodeName: 'node1',
    address: '127.0.0.1:8300',
    stateMachine: fsm,
    storage: new MemoryStorage(),
    clock,
    random: new SeededRandom(),
    logger: silentLogger,
    schedule: queueMicrotask,
  });
  const consensus = new CountingConsensus(raft);
  server = new Server({
    fsm,
    consensus,
    clock,
    random: options.random ?? new SeededRandom(),
    logger: silentLogger,
    tombstoneTtlMs: options.tombstoneTtlMs,
  });
  await raft.start();
  await registerTestNode(server, 'node1');
  return { clock, raft, consensus, server };
}

type SessionInput = Omit<Session, 'ID' | 'CreateIndex' | 'ModifyIndex'>;

function sessionInput(extra: Partial<SessionInput> = {}): SessionInput {
  return {
    Name: 'test',
    Node: 'node1',
    LockDelay: 15 * SECOND,
    Behavior: 'release',
    TTL: '',
    NodeChecks: ['serfHealth'],
    ServiceChecks: null,
    ...extra,
  };
}

const value = new TextEncoder().encode('held');

function acquire(server: Server, key: string, session: string): Promise<boolean> {
  return server.kv('lock', { Key: key, Flags: 0, Value: value, Session: session });
}

function lockOp(key: string, session: string): TxnKvOperation {
  return { Verb: 'lock', Key: key, Value: value, Flags: 0, Index: 0, Session: session };
}

/** Creates a session holding `key`, then destroys it: the key enters its lock-delay. */
async function invalidateHolder(server: Server, key: string, lockDelayNs: number): Promise<void> {
  const holder = await server.createSession(sessionInput({ LockDelay: lockDelayNs }));
  assert.equal(await acquire(server, key, holder.ID), true);
  await server.destroySession(holder.ID);
}

describe('Server lock-delay', () => {
  it('refuses an acquire during the delay without proposing, and allows it when the delay ends', async () => {
    const { clock, consensus, server } = await setup();
    await invalidateHolder(server, 'leader', 15 * SECOND);
    const contender = await server.createSession(sessionInput());

    const proposals = consensus.proposed.length;
    assert.equal(await acquire(server, 'leader', contender.ID), false);
    assert.equal(consensus.proposed.length, proposals, 'nothing proposed');

    clock.advance(14_999);
    assert.equal(await acquire(server, 'leader', contender.ID), false);
    assert.equal(consensus.proposed.length, proposals);

    clock.advance(1);
    assert.equal(await acquire(server, 'leader', contender.ID), true);
    assert.equal(consensus.proposed.length, proposals + 1);
    assert.equal(server.store.kv.get('leader').value?.Session, contender.ID);
    server.close();
  });

  it('delays only acquires: a plain write to the key goes through', async () => {
    const { server } = await setup();
    await invalidateHolder(server, 'leader', 15 * SECOND);
    assert.equal(await server.kv('set', { Key: 'leader', Flags: 0, Value: value }), true);
    server.close();
  });

  it('cuts a lock-delay beyond 60 s to MAX_LOCK_DELAY_NS', async () => {
    assert.equal(MAX_LOCK_DELAY_NS, 60 * SECOND);
    const { clock, server } = await setup();
    await invalidateHolder(server, 'leader', 10 * 60 * SECOND);
    const contender = await server.createSession(sessionInput());

    clock.advance(59_999);
    assert.equal(await acquire(server, 'leader', contender.ID), false);
    clock.advance(1);
    assert.equal(await acquire(server, 'leader', contender.ID), true);
    server.close();
  });

  it('arms no delay for a session with LockDelay 0', async () => {
    const { server } = await setup();
    await invalidateHolder(server, 'leader', 0);
    const contender = await server.createSession(sessionInput());
    assert.equal(await acquire(server, 'leader', contender.ID), true);
    server.close();
  });

  it('fails a transaction whose lock op hits the delay, with Consul’s What, without proposing', async () => {
    const { clock, consensus, server } = await setup();
    await invalidateHolder(server, 'leader', 15 * SECOND);
    const contender = await server.createSession(sessionInput());
    const ops: TxnKvOperation[] = [
      { Verb: 'get-or-empty', Key: 'other', Value: null, Flags: 0, Index: 0, Session: '' },
      lockOp('leader', contender.ID),
    ];

    const proposals = consensus.proposed.length;
    assert.deepEqual(await server.txn(ops), {
      results: [],
      errors: [{ OpIndex: 1, What: 'failed to lock key "leader" due to lock delay' }],
    });
    assert.equal(consensus.proposed.length, proposals);

    clock.advance(15_000);
    const outcome = await server.txn(ops);
    assert.deepEqual(outcome.errors, []);
    assert.equal(consensus.proposed.length, proposals + 1);
    assert.equal(server.store.kv.get('leader').value?.Session, contender.ID);
    server.close();
  });
});

describe('Server sessions', () => {
  it('gives each session a fresh ID even when the generator repeats one', async () => {
    const random = new RepeatOnceRandom(42);
    const { server } = await setup({ random });
    const first = await server.createSession(sessionInput());
    const second = await server.createSession(sessionInput());

    assert.equal(random.uuidCalls, 3, 'the repeated ID was drawn and refused');
    assert.notEqual(first.ID, second.ID);
    assert.deepEqual(
      server.store.sessions.list().value.map((session) => session.ID),
      [first.ID, second.ID].sort(),
    );
    server.close();
  });

  it('arms a TTL timer for a session with a TTL, none without', async () => {
    const { server } = await setup();
    await server.createSession(sessionInput());
    assert.equal(server.sessionTimers.size, 0);
    await server.createSession(sessionInput({ TTL: '10s' }));
    assert.equal(server.sessionTimers.size, 1);
    server.close();
  });

  it('destroys an unrenewed session through Raft TTL × 2 later; its delete-behavior key disappears', async () => {
    const { clock, consensus, server } = await setup();
    const session = await server.createSession(sessionInput({ TTL: '10s', Behavior: 'delete' }));
    assert.equal(await acquire(server, 'service/pg/members/a', session.ID), true);

    clock.advance(19_999);
    await settle();
    assert.notEqual(server.store.sessions.get(session.ID).value, undefined);

    clock.advance(1);
    await settle();
    assert.equal(server.store.sessions.get(session.ID).value, undefined);
    assert.equal(server.store.kv.get('service/pg/members/a').value, undefined);
    assert.deepEqual(consensus.proposed.at(-1), { type: CommandType.session, op: 'destroy', id: session.ID });
    assert.equal(server.sessionTimers.size, 0);

    const contender = await server.createSession(sessionInput());
    assert.equal(await acquire(server, 'service/pg/members/a', contender.ID), false, 'expiry arms the delay');
    server.close();
  });

  it('renew restarts the TTL from full; an unknown session renews to undefined', async () => {
    const { clock, server } = await setup();
    const session = await server.createSession(sessionInput({ TTL: '10s' }));

    clock.advance(15_000);
    assert.equal(server.renewSession(session.ID)?.ID, session.ID);
    clock.advance(19_999);
    await settle();
    assert.notEqual(server.store.sessions.get(session.ID).value, undefined);
    clock.advance(1);
    await settle();
    assert.equal(server.store.sessions.get(session.ID).value, undefined);

    assert.equal(server.renewSession('00000000-0000-4000-8000-000000000000'), undefined);
    assert.equal(server.sessionTimers.size, 0);
    server.close();
  });

  it('destroySession clears the session’s timer', async () => {
    const { server } = await setup();
    const session = await server.createSession(sessionInput({ TTL: '10s' }));
    await server.destroySession(session.ID);
    assert.equal(server.sessionTimers.size, 0);
    server.close();
  });

  it('proposes nothing when the expired session was already invalidated another way', async () => {
    const { clock, consensus, server } = await setup();
    await registerTestNode(server, 'node2');
    await server.createSession(sessionInput({ Node: 'node2', TTL: '10s' }));
    await server.deregister('node2'); // invalidates the session in the FSM; the timer stays

    const proposals = consensus.proposed.length;
    clock.advance(20_000);
    await settle();
    assert.equal(consensus.proposed.length, proposals);
    server.close();
  });

  it('losing leadership clears every timer; regaining it restarts each TTL from full', async () => {
    const { clock, raft, server } = await setup();
    const session = await server.createSession(sessionInput({ TTL: '10s' }));
    clock.advance(15_000);

    await raft.stop();
    assert.equal(server.sessionTimers.size, 0);
    assert.equal(clock.pendingTimers, 0, 'session timers and tombstone GC are stopped');
    clock.advance(60_000);
    await settle();
    assert.notEqual(server.store.sessions.get(session.ID).value, undefined);

    await raft.start();
    assert.equal(server.sessionTimers.size, 1);
    clock.advance(19_999);
    await settle();
    assert.notEqual(server.store.sessions.get(session.ID).value, undefined);
    clock.advance(1);
    await settle();
    assert.equal(server.store.sessions.get(session.ID).value, undefined);
    server.close();
    await raft.stop();
  });
});

describe('Server writes', () => {
  it('raises ApplyError with the FSM’s message for an operating error', async () => {
    const { server } = await setup();
    await assert.rejects(server.createSession(sessionInput({ Node: 'ghost' })), {
      name: 'ApplyError',
      message: 'Missing node registration',
    });
    assert.equal(server.sessionTimers.size, 0);

    await assert.rejects(acquire(server, 'k', 'no-such-session'), {
      name: 'ApplyError',
      message: 'invalid session "no-such-session"',
    });

    const check = {
      Node: 'node1',
      CheckID: 'web-check',
      Name: 'web-check',
      Status: 'passing' as const,
      Notes: '',
      Output: '',
      ServiceID: 'web',
      ServiceName: '',
      ServiceTags: [],
      Type: '',
      Interval: '',
      Timeout: '',
      ExposedPort: 0,
      Definition: {},
    };
    const node = {
      ID: '',
      Node: 'node1',
      Address: '127.0.0.1',
      Datacenter: 'dc1',
      TaggedAddresses: {},
      Meta: {},
    };
    const registering = server.register({ node, skipNodeUpdate: true, checks: [check] });
    await assert.rejects(registering, ApplyError);
    await assert.rejects(registering, { message: 'Missing service registration' });
    server.close();
  });

  it('rejects writes with NoLeaderError once leadership is lost', async () => {
    const { raft, server } = await setup();
    await raft.stop();
    await assert.rejects(server.kv('set', { Key: 'k', Flags: 0, Value: value }), NoLeaderError);
    await assert.rejects(server.createSession(sessionInput()), NoLeaderError);
    server.close();
  });

  it('reaps tombstones through Raft a TTL after noting them', async () => {
    const { clock, consensus, server } = await setup({ tombstoneTtlMs: 4_000 }); // granularity 1 s
    await server.kv('set', { Key: 'k', Flags: 0, Value: value });
    await server.kv('delete', { Key: 'k', Flags: 0, Value: null });
    const deletedAt = server.store.tables.tombstones.get('k');
    assert.ok(deletedAt !== undefined);

    clock.advance(1_000 + 3_999);
    await settle();
    assert.equal(server.store.tables.tombstones.size, 1);
    clock.advance(1);
    await settle();
    assert.equal(server.store.tables.tombstones.size, 0);
    assert.deepEqual(consensus.proposed.at(-1), { type: CommandType.tombstoneReap, upToIndex: deletedAt });
    server.close();
  });

  it('close cancels every timer it owns', async () => {
    const { clock, server } = await setup();
    await server.createSession(sessionInput({ TTL: '10s' }));
    await invalidateHolder(server, 'leader', 15 * SECOND);
    assert.ok(clock.pendingTimers > 1);
    server.close();
    assert.equal(clock.pendingTimers, 1, "only Raft's tick timer, which the server does not own, is left");
  });
});
