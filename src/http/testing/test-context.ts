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
import { Fsm } from '../../fsm/fsm.ts';
import { SECOND } from '../../lib/duration.ts';
import { SERF_HEALTH_CHECK_ID, SERF_HEALTH_CHECK_NAME } from '../../model/records.ts';
import type { Clock, Timer } from '../../ports/clock.ts';
import { silentLogger } from '../../ports/logger.ts';
import type { Random } from '../../ports/random.ts';
import { Server } from '../../server/server.ts';
import { SingleVoterRaft } from '../../server/single-voter.ts';
import type { AgentSurface, HttpConfig, HttpContext } from '../context.ts';

interface ScheduledTimer {
  dueMs: number;
  sequence: number;
  callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told. `advance(ms)` fires every timer that falls due within the
 * step, earliest first (ties in the order they were set), with `nowMs()` reading each timer's
 * own due time while it runs; timers set by a callback fire in the same step if they fall due.
 */
export class ManualClock implements Clock {
  private now: number;
  private sequence = 0;
  private timers: ScheduledTimer[] = [];

  constructor(
    startMs = 1_000_000,
    private readonly epochMs = Date.UTC(2026, 0, 1),
  ) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  wallMs(): number {
    return this.epochMs + this.now;
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    const timer: ScheduledTimer = {
      dueMs: this.now + Math.max(0, delayMs),
      sequence: this.sequence++,
      callback,
      cancelled: false,
    };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
        this.timers = this.timers.filter((other) => other !== timer);
      },
    };
  }

  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      const next = this.nextDue(target);
      if (next === undefined) break;
      this.timers = this.timers.filter((other) => other !== next);
      this.now = next.dueMs;
      next.callback();
    }
    this.now = target;
  }

  /** Timers still waiting (cancelled ones excluded). */
  get pendingTimers(): number {
    return this.timers.length;
  }

  private nextDue(target: number): ScheduledTimer | undefined {
    let next: ScheduledTimer | undefined;
    for (const timer of this.timers) {
      if (timer.cancelled || timer.dueMs > target) continue;
      if (
        next === undefined ||
        timer.dueMs < next.dueMs ||
        (timer.dueMs === next.dueMs && timer.sequence < next.sequence)
      )
        next = timer;
    }
    return next;
  }
}

/** xorshift32: small, seeded, good enough for jitter and IDs in tests. */
export class SeededRandom implements Random {
  private state: number;

  constructor(seed = 0x2545f491) {
    this.state = seed >>> 0 || 1;
  }

  private nextUint32(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x;
  }

  next(): number {
    return this.nextUint32() / 2 ** 32;
  }

  uuid(): string {
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 16; i++) bytes[i] = this.nextUint32() & 0xff;
    bytes[6] = (bytes[6]! & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
    const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}

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
  consensus: SingleVoterRaft;
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
  const consensus = new SingleVoterRaft(fsm, {
    id: config.nodeId,
    node: config.nodeName,
    address: '127.0.0.1:8300',
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
    checks: [
      {
        Node: name,
        CheckID: SERF_HEALTH_CHECK_ID,
        Name: SERF_HEALTH_CHECK_NAME,
        Status: options.serfHealth ?? 'passing',
        Notes: '',
        Output: 'Agent alive and reachable',
        ServiceID: '',
        ServiceName: '',
        ServiceTags: [],
        Type: '',
        Interval: '',
        Timeout: '',
        ExposedPort: 0,
        Definition: {},
      },
    ],
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
