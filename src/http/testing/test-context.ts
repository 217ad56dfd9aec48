/**
 * A real `HttpContext` for handler tests: the production FSM, state store, `Server` and
 * single-voter Raft, driven by a manual clock and a seeded random source, so a test decides when
 * time passes and every run is the same. Only what a route test does not exercise is stubbed: the
 * agent surface (gossip, events, metrics) throws, and `local` is absent unless a test gives one.
 *
 * Usage:
 *
 *     const harness = await createTestContext();
 *     const app = createHttpApp(harness.context, kvRoutes(harness.context));
 *     harness.clock.advance(30_000); // fires due timers in order (session TTLs, lock-delays)
 *     await settle();                 // lets the proposals those timers made apply
 *
 * Test support, not production code; it lives beside the HTTP layer because every route test
 * builds one.
 */
import type { LocalAgent } from '../../client/local-agent.ts';
import type { ApplyResult } from '../../fsm/fsm.ts';
import { Fsm } from '../../fsm/fsm.ts';
import { SECOND } from '../../lib/duration.ts';
import { serfHealthCheck } from '../../model/records.ts';
import { silentLogger } from '../../ports/logger.ts';
import { createSoleServerRaft, type RaftNode } from '../../server/raft-node.ts';
import { Server } from '../../server/server.ts';
import { ManualClock } from '../../sim/manual-clock.ts';
import { SeededRandom } from '../../sim/seeded-random.ts';
import { MemoryStorage } from '../../storage/memory-storage.ts';
import { AnswerCache } from '../answer-cache.ts';
import type { AgentSurface, HttpConfig, HttpContext } from '../context.ts';

export { ManualClock, SeededRandom };

/** The settings `createAgent` would derive from a default `-dev` config. */
export const TEST_HTTP_CONFIG: HttpConfig = {
  datacenter: 'dc1',
  primaryDatacenter: 'dc1',
  nodeName: 'node1',
  nodeId: '11111111-2222-4333-8444-555555555555',
  server: true,
  defaultQueryTimeMs: 300_000,
  maxQueryTimeMs: 600_000,
  kvMaxValueBytes: 512 * 1024,
  txnMaxRequestBytes: 512 * 1024,
  txnMaxOps: 128,
  sessionTtlMinNs: 10 * SECOND,
  sessionTtlMaxNs: 24 * 3600 * SECOND,
  enableScriptChecks: false,
};

/** An agent surface whose every method fails: for tests of routes that never reach it. */
export function unusedAgentSurface(overrides: Partial<AgentSurface> = {}): AgentSurface {
  const fail = (): never => {
    throw new Error('agent surface: not in this test');
  };
  return {
    self: fail,
    members: fail,
    join: fail,
    forceLeave: fail,
    leave: fail,
    reload: fail,
    fireEvent: fail,
    events: fail,
    metrics: fail,
    keyring: fail,
    ...overrides,
  };
}

export interface TestContextOptions {
  config?: Partial<HttpConfig>;
  /** The local agent, for routes that need one; absent (and failing if touched) by default. */
  local?: LocalAgent;
  agent?: Partial<AgentSurface>;
  seed?: number;
  /** Register `config.nodeName` with a passing serfHealth check, as the leader does. Default true. */
  registerSelf?: boolean;
}

export interface TestHarness {
  context: HttpContext;
  clock: ManualClock;
  random: SeededRandom;
  fsm: Fsm;
  server: Server;
  consensus: RaftNode<ApplyResult>;
  /** Stops timers and consensus. */
  close(): Promise<void>;
}

/** Builds and starts a single-server context, wired the way `Agent` wires a `-dev` agent. */
export async function createTestContext(options: TestContextOptions = {}): Promise<TestHarness> {
  const config = { ...TEST_HTTP_CONFIG, ...options.config };
  const clock = new ManualClock();
  const random = new SeededRandom(options.seed);
  let server: Server | undefined;
  const fsm = new Fsm({ onLockDelay: (keys, delayNs) => server?.armLockDelay(keys, delayNs) });
  const consensus = createSoleServerRaft({
    id: config.nodeId,
    nodeName: config.nodeName,
    address: '127.0.0.1:8300',
    stateMachine: fsm,
    storage: new MemoryStorage(),
    clock,
    random,
    logger: silentLogger,
    schedule: queueMicrotask,
  });
  server = new Server({ fsm, consensus, clock, random, logger: silentLogger });
  await consensus.start();
  if (options.registerSelf ?? true) await registerTestNode(server, config.nodeName);
  const context: HttpContext = {
    config,
    server,
    local: options.local ?? (undefined as never),
    agent: unusedAgentSurface(options.agent),
    clock,
    random,
    logger: silentLogger,
    stats: { blockingQueries: 0 },
    answers: new AnswerCache(),
  };
  const started = server;
  return {
    context,
    clock,
    random,
    fsm,
    server: started,
    consensus,
    close: async () => {
      started.close();
      await consensus.stop();
    },
  };
}

/** Registers a catalog node with a serfHealth check (passing unless told otherwise). */
export async function registerTestNode(
  server: Server,
  name: string,
  options: { address?: string; serfHealth?: 'passing' | 'critical' } = {},
): Promise<void> {
  const address = options.address ?? '127.0.0.1';
  await server.register({
    node: { ID: '', Node: name, Address: address, Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} },
    skipNodeUpdate: false,
    checks: [serfHealthCheck(name, options.serfHealth ?? 'passing')],
  });
}

/**
 * Lets work already started finish: promise chains (a proposal applying, a TTL expiry's destroy)
 * and the injected request's stream events. A yield to the event loop, not a sleep: no time
 * passes on the manual clock.
 */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Yields until `condition` holds; fails after `turns` event-loop turns instead of hanging. */
export async function waitUntil(condition: () => boolean, what: string, turns = 1_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`timed out waiting until ${what}`);
}
