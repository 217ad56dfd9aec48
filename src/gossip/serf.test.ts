/**
 * Several Serf instances in one process over the simulated gossip network (SimGossipNetwork on a
 * SimScheduler): the serf layer end to end on top of the real Memberlist and packet codec.
 * Seeded, so a failing run replays exactly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeAead } from '../io/node-aead.ts';
import { encodeBase64 } from '../lib/base64.ts';
import { silentLogger } from '../ports/logger.ts';
import { addressKey, runGossipSimulation, SimGossipNetwork } from '../sim/gossip-network.ts';
import { SimScheduler } from '../sim/scheduler.ts';
import { SeededRandom } from '../sim/seeded-random.ts';
import { LAN_PROFILE } from './config.ts';
import { Keyring } from './keyring.ts';
import { Serf, type SerfEvent, type SerfMemberStatus, type SerfOptions } from './serf.ts';

const SEED = 4242;
const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null) => (bytes === null ? null : new TextDecoder().decode(bytes));

interface SimNode {
  name: string;
  serf: Serf;
  key: string;
  events: SerfEvent[];
}

interface Cluster {
  scheduler: SimScheduler;
  network: SimGossipNetwork;
  nodes: SimNode[];
  /** Runs the simulation until `stop()` holds; fails after `maxMs` virtual ms. */
  runUntil(stop: () => boolean, maxMs?: number, what?: string): Promise<void>;
  /** Runs `maxMs` virtual ms. */
  runFor(ms: number): Promise<void>;
  /** Awaits a promise while the simulation runs. */
  drive<T>(promise: Promise<T>, maxMs?: number): Promise<T>;
  statusOf(observer: SimNode, name: string): SerfMemberStatus | undefined;
}

async function startCluster(
  size: number,
  overrides: (index: number) => Partial<SerfOptions> = () => ({}),
): Promise<Cluster> {
  const scheduler = new SimScheduler();
  const network = new SimGossipNetwork(scheduler, new SeededRandom(SEED));
  const nodes: SimNode[] = [];
  for (let i = 0; i < size; i++) {
    const name = `node${i}`;
    const advertise = { host: `10.0.0.${i + 1}`, port: 8301 };
    const serf = new Serf({
      nodeName: name,
      tags: { role: 'node', index: String(i) },
      advertise,
      profile: LAN_PROFILE,
      transport: network.transport(advertise),
      clock: scheduler.clock(),
      random: new SeededRandom(SEED + i + 1),
      logger: silentLogger,
      ...overrides(i),
    });
    const node: SimNode = { name, serf, key: addressKey(advertise), events: [] };
    serf.subscribe((event) => node.events.push(event));
    await serf.start();
    nodes.push(node);
  }
  const cluster: Cluster = {
    scheduler,
    network,
    nodes,
    async runUntil(stop, maxMs = 60_000, what = 'condition') {
      const deadline = scheduler.nowMs + maxMs;
      await runGossipSimulation(scheduler, deadline, stop);
      assert.ok(stop(), `${what} not reached within ${maxMs} virtual ms (seed ${SEED})`);
    },
    async runFor(ms) {
      await runGossipSimulation(scheduler, scheduler.nowMs + ms);
    },
    async drive(promise, maxMs = 60_000) {
      let settled = false;
      const outcome = promise.then(
        (value) => {
          settled = true;
          return { value };
        },
        (error: unknown) => {
          settled = true;
          return { error };
        },
      );
      await runGossipSimulation(scheduler, scheduler.nowMs + maxMs, () => settled);
      assert.ok(settled, `operation did not finish within ${maxMs} virtual ms (seed ${SEED})`);
      const result = await outcome;
      if ('error' in result) throw result.error;
      return result.value;
    },
    statusOf(observer, name) {
      return observer.serf.members().find((member) => member.name === name)?.status;
    },
  };
  return cluster;
}

async function joinAll(cluster: Cluster): Promise<void> {
  const [first, ...rest] = cluster.nodes;
  const seed = first!.serf.memberlist.localNode();
  for (const node of rest)
    assert.equal(
      await cluster.drive(node.serf.join([{ address: { host: seed.host, port: seed.port } }], false)),
      1,
    );
  await cluster.runUntil(
    () => cluster.nodes.every((o) => cluster.nodes.every((s) => cluster.statusOf(o, s.name) === 'alive')),
    30_000,
    'everyone alive everywhere',
  );
}

async function shutdownAll(cluster: Cluster): Promise<void> {
  for (const node of cluster.nodes) await node.serf.shutdown();
}

test('nodes join through one seed; every node lists every node alive with tags and protocol versions', async () => {
  const cluster = await startCluster(4);
  await joinAll(cluster);
  for (const observer of cluster.nodes) {
    const members = observer.serf.members().sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(
      members.map((m) => [m.name, m.host, m.port, m.status, m.tags.index]),
      cluster.nodes.map((n, i) => [n.name, `10.0.0.${i + 1}`, 8301, 'alive', String(i)]),
    );
    const member = members[0]!;
    assert.deepEqual(
      [
        member.protocolMin,
        member.protocolMax,
        member.protocolCur,
        member.delegateMin,
        member.delegateMax,
        member.delegateCur,
      ],
      [1, 5, 2, 2, 5, 5],
    );
    assert.ok(observer.events.some((e) => e.type === 'member-join'));
  }
  assert.equal(cluster.nodes[0]!.serf.localMember().name, 'node0');
  await shutdownAll(cluster);
});

test('a join to nowhere throws with the reason', async () => {
  const cluster = await startCluster(1);
  await assert.rejects(
    cluster.drive(cluster.nodes[0]!.serf.join([{ address: { host: '10.9.9.9', port: 8301 } }], false)),
    /1 error occurred:\n\t\* Failed to join 10\.9\.9\.9:8301/,
  );
  await shutdownAll(cluster);
});

test('a user event reaches every node exactly once, the sender included', async () => {
  const cluster = await startCluster(4);
  await joinAll(cluster);
  cluster.nodes[1]!.serf.userEvent('deploy', utf8('v1'), false);
  const deliveries = (node: SimNode) => node.events.filter((e) => e.type === 'user' && e.name === 'deploy');
  await cluster.runUntil(
    () => cluster.nodes.every((n) => deliveries(n).length >= 1),
    10_000,
    'event everywhere',
  );
  await cluster.runFor(10_000); // plenty of time for duplicates to show up, were they not filtered
  for (const node of cluster.nodes) {
    const got = deliveries(node);
    assert.equal(got.length, 1, `${node.name} got the event once`);
    const event = got[0]!;
    assert.ok(event.type === 'user' && text(event.payload) === 'v1' && event.coalesce === false);
  }
  assert.throws(
    () => cluster.nodes[0]!.serf.userEvent('big', new Uint8Array(510), false),
    /user event exceeds configured limit of 512 bytes before encoding/,
  );
  await shutdownAll(cluster);
});

test('a query collects an ack and a response from every node (serf reachability)', async () => {
  const cluster = await startCluster(4);
  await joinAll(cluster);
  for (const node of cluster.nodes)
    node.serf.subscribe((event) => {
      if (event.type === 'query' && event.query.name === 'whoami')
        event.query.respond(utf8(`I am ${node.name}`));
    });
  const ping = cluster.nodes[0]!.serf.query('_serf_ping', null, { requestAck: true });
  const hello = cluster.nodes[0]!.serf.query('whoami', utf8('?'), { requestAck: true });
  await cluster.drive(Promise.all([ping.done, hello.done]), 10_000);
  const everyone = cluster.nodes.map((n) => n.name).sort();
  assert.deepEqual([...ping.acks].sort(), everyone);
  assert.equal(ping.responses.size, 0, '_serf_ping is answered by the ack alone');
  assert.deepEqual([...hello.acks].sort(), everyone);
  assert.deepEqual(
    [...hello.responses].map(([from, payload]) => [from, text(payload)]).sort(),
    everyone.map((name) => [name, `I am ${name}`]),
  );
  // Only the non-internal query reached the application.
  assert.ok(cluster.nodes.every((n) => n.events.filter((e) => e.type === 'query').length === 1));
  await shutdownAll(cluster);
});

test('query filters: only the named node, or nodes whose tag matches, answer', async () => {
  const cluster = await startCluster(4);
  await joinAll(cluster);
  const byName = cluster.nodes[0]!.serf.query('_serf_ping', null, {
    requestAck: true,
    filterNodes: ['node2'],
  });
  const byTag = cluster.nodes[0]!.serf.query('_serf_ping', null, {
    requestAck: true,
    filterTags: { index: '^[13]$' },
  });
  await cluster.drive(Promise.all([byName.done, byTag.done]), 10_000);
  assert.deepEqual([...byName.acks], ['node2']);
  assert.deepEqual([...byTag.acks].sort(), ['node1', 'node3']);
  await shutdownAll(cluster);
});

test('key install, use, remove and list across an encrypted pool', async () => {
  const first = new Uint8Array(32).fill(7);
  const second = new Uint8Array(32).fill(9);
  const cluster = await startCluster(3, () => ({ keyring: new Keyring([first]), aead: nodeAead }));
  await joinAll(cluster);
  const keys = cluster.nodes[0]!.serf.keys;

  const installed = await cluster.drive(keys.install(second));
  assert.deepEqual(
    [installed.numNodes, installed.numResponses, installed.numErrors, installed.error],
    [3, 3, 0, undefined],
  );
  let listed = await cluster.drive(keys.list());
  assert.deepEqual(
    [...listed.keys].sort(),
    [
      [encodeBase64(first), 3],
      [encodeBase64(second), 3],
    ].sort(),
  );
  assert.deepEqual([...listed.primaryKeys], [[encodeBase64(first), 3]]);

  const used = await cluster.drive(keys.use(second));
  assert.equal(used.error, undefined);
  listed = await cluster.drive(keys.list());
  assert.deepEqual([...listed.primaryKeys], [[encodeBase64(second), 3]]);

  const refused = await cluster.drive(keys.remove(second));
  assert.equal(refused.error, '3/3 nodes reported failure');
  assert.equal(refused.messages.get('node1'), 'Removing the primary key is not allowed');

  const removed = await cluster.drive(keys.remove(first));
  assert.equal(removed.error, undefined);
  listed = await cluster.drive(keys.list());
  assert.deepEqual([...listed.keys], [[encodeBase64(second), 3]]);

  // The pool still talks, on the new key only.
  cluster.nodes[2]!.serf.userEvent('after-rotation', utf8(''), false);
  await cluster.runUntil(
    () => cluster.nodes.every((n) => n.events.some((e) => e.type === 'user' && e.name === 'after-rotation')),
    10_000,
    'event after the rotation',
  );
  await shutdownAll(cluster);
});

test('a graceful leave shows as left everywhere', async () => {
  const cluster = await startCluster(3);
  await joinAll(cluster);
  const leaver = cluster.nodes[2]!;
  await cluster.drive(leaver.serf.leave(), 20_000);
  const others = cluster.nodes.slice(0, 2);
  await cluster.runUntil(
    () => others.every((o) => cluster.statusOf(o, leaver.name) === 'left'),
    10_000,
    'left',
  );
  for (const observer of others) {
    assert.ok(observer.events.some((e) => e.type === 'member-leave' && e.members[0]?.name === leaver.name));
    assert.ok(!observer.events.some((e) => e.type === 'member-failed'), 'never seen as failed');
  }
  await shutdownAll(cluster);
});

test('a node that goes down is failed, then reaped after the reconnect timeout', async () => {
  const cluster = await startCluster(3, () => ({ reconnectTimeoutMs: 60_000 }));
  await joinAll(cluster);
  const victim = cluster.nodes[2]!;
  const others = cluster.nodes.slice(0, 2);
  cluster.network.down(victim.key);
  await cluster.runUntil(
    () => others.every((o) => cluster.statusOf(o, victim.name) === 'failed'),
    30_000,
    'failed',
  );
  const failedAt = cluster.scheduler.nowMs;
  await cluster.runUntil(
    () => others.every((o) => cluster.statusOf(o, victim.name) === undefined),
    120_000,
    'reaped',
  );
  // Reaped after the 60 s timeout, at the next 15 s reap tick.
  assert.ok(cluster.scheduler.nowMs - failedAt >= 60_000 - 10_000);
  for (const observer of others)
    assert.ok(observer.events.some((e) => e.type === 'member-reap' && e.members[0]?.name === victim.name));
  await shutdownAll(cluster);
});

test('force-leave turns a failed node left everywhere; an unknown name is refused', async () => {
  const cluster = await startCluster(3);
  await joinAll(cluster);
  const victim = cluster.nodes[2]!;
  const others = cluster.nodes.slice(0, 2);
  cluster.network.down(victim.key);
  await cluster.runUntil(
    () => others.every((o) => cluster.statusOf(o, victim.name) === 'failed'),
    30_000,
    'failed',
  );
  await cluster.drive(others[0]!.serf.forceLeave(victim.name, false), 10_000);
  await cluster.runUntil(
    () => others.every((o) => cluster.statusOf(o, victim.name) === 'left'),
    10_000,
    'left',
  );
  await assert.rejects(others[0]!.serf.forceLeave('ghost', false), /No node found with name 'ghost'/);

  await cluster.drive(others[0]!.serf.forceLeave(victim.name, true), 10_000);
  await cluster.runUntil(
    () => others.every((o) => cluster.statusOf(o, victim.name) === undefined),
    10_000,
    'pruned',
  );
  await shutdownAll(cluster);
});

test('tags changes reach every node as an update; oversized tags are refused', async () => {
  const cluster = await startCluster(3);
  await joinAll(cluster);
  await cluster.drive(cluster.nodes[1]!.serf.setTags({ role: 'web' }));
  await cluster.runUntil(
    () => cluster.nodes.every((o) => o.serf.members().find((m) => m.name === 'node1')?.tags.role === 'web'),
    10_000,
    'tags everywhere',
  );
  await assert.rejects(
    cluster.nodes[1]!.serf.setTags({ big: 'x'.repeat(600) }),
    /Encoded length of tags exceeds limit of 512 bytes/,
  );
  await shutdownAll(cluster);
});

test('a leave intent about a live node is refuted: it stays alive everywhere', async () => {
  const cluster = await startCluster(3);
  await joinAll(cluster);
  const target = cluster.nodes[2]!;
  await cluster.drive(cluster.nodes[0]!.serf.forceLeave(target.name, false), 10_000);
  await cluster.runFor(10_000);
  for (const observer of cluster.nodes) assert.equal(cluster.statusOf(observer, target.name), 'alive');
  await shutdownAll(cluster);
});

test('a late joiner replays buffered user events from push/pull, unless it joins ignoring old events', async () => {
  const cluster = await startCluster(4);
  const [first, second, late, ignoring] = cluster.nodes as [SimNode, SimNode, SimNode, SimNode];
  const seed = first.serf.memberlist.localNode();
  const target = [{ address: { host: seed.host, port: seed.port } }];
  await cluster.drive(second.serf.join(target, false));
  first.serf.userEvent('before', utf8('old'), false);
  await cluster.runFor(5_000);
  await cluster.drive(late.serf.join(target, false));
  await cluster.drive(ignoring.serf.join(target, true));
  await cluster.runFor(5_000);
  const got = (node: SimNode) => node.events.filter((e) => e.type === 'user' && e.name === 'before').length;
  assert.equal(got(late), 1);
  assert.equal(got(ignoring), 0);
  await shutdownAll(cluster);
});
