/**
 * The local agent running checks and keeping the catalog in agreement: interval probes through
 * a scripted prober on a manual clock, deferred output writes, reaping of long-critical
 * services, alias checks, anti-entropy against a real state store, and persistence.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SECOND } from '../lib/duration.ts';

/** One second in milliseconds (clock steps); `SECOND` is nanoseconds (definitions). */
const S = 1000;

import type { HealthStatus } from '../model/records.ts';
import type { CheckProber, ProbeResult, ProbeSpec } from '../ports/check-probe.ts';
import type { Logger } from '../ports/logger.ts';
import { silentLogger } from '../ports/logger.ts';
import { ManualClock } from '../sim/manual-clock.ts';
import { SeededRandom } from '../sim/seeded-random.ts';
import type { CheckInput, ServiceInput } from '../state/catalog.ts';
import { LocalAgent, type LocalAgentOptions } from './local-agent.ts';
import type { LocalStateStore, PersistedCheckState } from './local-state-store.ts';
import { check, StoreCatalog, service } from './testing/store-catalog.ts';

/** Answers each URL with the result set for it; counts calls. */
class ScriptedProber implements CheckProber {
  readonly answers = new Map<string, ProbeResult>();
  readonly calls: { target: string; atMs: number }[] = [];
  aborted = 0;
  constructor(private readonly clock: ManualClock) {}
  async probe(spec: ProbeSpec, signal: AbortSignal): Promise<ProbeResult> {
    const target = spec.kind === 'http' ? spec.url : spec.kind === 'script' ? spec.args.join(' ') : '';
    this.calls.push({ target, atMs: this.clock.nowMs() });
    signal.addEventListener('abort', () => this.aborted++);
    return this.answers.get(target) ?? { status: 'critical', output: 'no answer' };
  }
  set(target: string, status: HealthStatus, output: string = status): void {
    this.answers.set(target, { status, output });
  }
}

/** An in-memory `LocalStateStore`. */
class MemoryStateStore implements LocalStateStore {
  services = new Map<string, ServiceInput>();
  checks = new Map<string, CheckInput>();
  states = new Map<string, PersistedCheckState>();
  load() {
    return {
      services: [...this.services.values()],
      checks: [...this.checks.values()],
      checkStates: new Map(this.states),
    };
  }
  saveService(service: ServiceInput) {
    this.services.set(service.ID, service);
  }
  removeService(id: string) {
    this.services.delete(id);
  }
  saveCheck(check: CheckInput) {
    this.checks.set(check.CheckID, check);
  }
  removeCheck(id: string) {
    this.checks.delete(id);
  }
  saveCheckState(id: string, state: PersistedCheckState) {
    this.states.set(id, state);
  }
  removeCheckState(id: string) {
    this.states.delete(id);
  }
}

function recordingLogger(): Logger & { lines: { message: string; fields: object }[] } {
  const lines: { message: string; fields: object }[] = [];
  const record = (fields: object, message: string) => lines.push({ fields, message });
  return {
    lines,
    debug: record,
    info: record,
    warn: record,
    error: record,
    child: () => recordingLogger(),
  } as never;
}

function setup(options: Partial<LocalAgentOptions> = {}) {
  const clock = new ManualClock();
  const catalog = new StoreCatalog('node1', clock);
  const prober = new ScriptedProber(clock);
  const local = new LocalAgent({
    nodeName: 'node1',
    node: { ID: '', Node: 'node1', Address: '127.0.0.1', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} },
    catalog,
    reader: catalog,
    prober,
    clock,
    random: new SeededRandom(7),
    logger: silentLogger,
    ...options,
  });
  return { clock, catalog, prober, local };
}

/** Lets promise continuations (probe results, catalog writes) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

async function advance(clock: ManualClock, ms: number, stepMs = 100): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    clock.advance(Math.min(stepMs, ms - done));
    await settle();
  }
}

const http = (
  id: string,
  url: string,
  extra: CheckInput['Definition'] = {},
  overrides: Partial<CheckInput> = {},
) => check(id, { HTTP: url, Interval: 10 * SECOND, ...extra }, overrides);

describe('LocalAgent running checks', () => {
  it('runs an HTTP check after a stagger below its interval, then every interval, into the catalog', async () => {
    const { clock, catalog, prober, local } = setup();
    prober.set('http://a/', 'passing', 'HTTP GET http://a/: 200 OK Output: ok');
    const start = clock.nowMs();
    await local.registerCheck(http('a', 'http://a/'));
    assert.equal(catalog.check('a')?.Status, 'critical');
    await advance(clock, 10 * S);
    assert.equal(prober.calls.length, 1);
    const first = prober.calls[0]!.atMs - start;
    assert.ok(first >= 0 && first < 10 * S, `first run at ${first} ms`);
    assert.equal(local.check('a')?.Status, 'passing');
    assert.equal(catalog.check('a')?.Status, 'passing');
    assert.equal(catalog.check('a')?.Output, 'HTTP GET http://a/: 200 OK Output: ok');
    await advance(clock, 30 * S);
    assert.deepEqual(
      prober.calls.map((call) => call.atMs - prober.calls[0]!.atMs),
      [0, 10 * S, 20 * S, 30 * S],
    );
  });

  it('logs a status change once, not every run', async () => {
    const logger = recordingLogger();
    const { clock, prober, local } = setup({ logger });
    prober.set('http://a/', 'passing');
    await local.registerCheck(http('a', 'http://a/'));
    await advance(clock, 60 * S);
    prober.set('http://a/', 'critical');
    await advance(clock, 60 * S);
    const changes = logger.lines.filter((line) => line.message === 'Check status changed');
    assert.deepEqual(
      changes.map((line) => (line.fields as { status: string }).status),
      ['passing', 'critical'],
    );
  });

  it('writes an output-only change after check_update_interval, a status change at once', async () => {
    const { clock, catalog, prober, local } = setup({ checkUpdateIntervalMs: 60 * S });
    prober.set('http://a/', 'passing', 'one');
    await local.registerCheck(http('a', 'http://a/'));
    await advance(clock, 10 * S);
    assert.equal(catalog.check('a')?.Output, 'one');
    prober.set('http://a/', 'passing', 'two');
    await advance(clock, 10 * S);
    assert.equal(local.check('a')?.Output, 'two');
    assert.equal(catalog.check('a')?.Output, 'one');
    await advance(clock, 90 * S);
    assert.equal(catalog.check('a')?.Output, 'two');
    prober.set('http://a/', 'warning', 'three');
    await advance(clock, 10 * S);
    assert.equal(catalog.check('a')?.Status, 'warning');
    assert.equal(catalog.check('a')?.Output, 'three');
  });

  it('applies SuccessBeforePassing, FailuresBeforeWarning and FailuresBeforeCritical run by run', async () => {
    const { clock, catalog, prober, local } = setup();
    const thresholds = { SuccessBeforePassing: 2, FailuresBeforeWarning: 2, FailuresBeforeCritical: 3 };
    await local.registerCheck(http('a', 'http://a/', thresholds));
    const seen: string[] = [];
    const run = async (status: HealthStatus) => {
      prober.set('http://a/', status);
      await advance(clock, 10 * S);
      seen.push(catalog.check('a')!.Status);
    };
    // The first result always goes through (Consul's counters start at their thresholds).
    for (const status of ['passing', 'critical', 'critical', 'critical', 'passing', 'passing'] as const) {
      await run(status);
    }
    assert.deepEqual(seen, ['passing', 'passing', 'warning', 'critical', 'critical', 'passing']);
  });

  it('cuts output to OutputMaxSize and drops it with discard_check_output', async () => {
    const { clock, prober, local } = setup();
    prober.set('http://a/', 'passing', 'x'.repeat(100));
    await local.registerCheck(http('a', 'http://a/', { OutputMaxSize: 10 }));
    await advance(clock, 10 * S);
    assert.equal(local.check('a')?.Output, `${'x'.repeat(10)} ... (captured 10 of 100 bytes)`);

    const quiet = setup({ discardCheckOutput: true });
    quiet.prober.set('http://a/', 'passing', 'noisy');
    await quiet.local.registerCheck(http('a', 'http://a/'));
    await advance(quiet.clock, 10 * S);
    assert.equal(quiet.local.check('a')?.Status, 'passing');
    assert.equal(quiet.local.check('a')?.Output, '');
  });

  it('keeps an unchanged check running on its schedule when registered again; restarts a changed one', async () => {
    const { clock, prober, local } = setup();
    prober.set('http://a/', 'passing');
    await local.registerCheck(http('a', 'http://a/'));
    await advance(clock, 25 * S);
    const before = prober.calls.length;
    const plan = prober.calls.at(-1)!.atMs;
    await local.registerCheck(http('a', 'http://a/'));
    await advance(clock, 10 * S);
    assert.equal(prober.calls.length, before + 1);
    assert.equal(prober.calls.at(-1)!.atMs, plan + 10 * S);
    assert.equal(local.check('a')?.Status, 'passing');

    prober.set('http://b/', 'warning');
    await local.registerCheck(http('a', 'http://b/'));
    await advance(clock, 10 * S);
    assert.equal(prober.calls.at(-1)!.target, 'http://b/');
    assert.equal(local.check('a')?.Status, 'warning');
  });

  it('stops running a deregistered check and aborts everything on close', async () => {
    const { clock, prober, local } = setup();
    await local.registerCheck(http('a', 'http://a/'));
    await local.registerCheck(http('b', 'http://b/'));
    await advance(clock, 10 * S);
    await local.deregisterCheck('a');
    const calls = prober.calls.length;
    await advance(clock, 30 * S);
    assert.ok(prober.calls.slice(calls).every((call) => call.target === 'http://b/'));
    local.close();
    assert.ok(prober.aborted >= 2);
    const after = prober.calls.length;
    await advance(clock, 30 * S);
    assert.equal(prober.calls.length, after);
  });
});

/** Service `web` with an HTTP check on `http://web/` that reaps it after 30 s critical. */
function registerReapable(local: LocalAgent): Promise<void> {
  return local.registerService(service('web'), [
    http('service:web', 'http://web/', { DeregisterCriticalServiceAfter: 30 * SECOND }, { ServiceID: 'web' }),
  ]);
}

describe('DeregisterCriticalServiceAfter', () => {
  it('removes the service and its checks once the check has been critical that long (at least 1 min)', async () => {
    const { clock, catalog, prober, local } = setup();
    prober.set('http://web/', 'passing');
    await registerReapable(local);
    await advance(clock, 10 * S);
    assert.equal(local.check('service:web')?.Status, 'passing');
    prober.set('http://web/', 'critical');
    await advance(clock, 10 * S);
    assert.equal(local.check('service:web')?.Status, 'critical');
    // 30 s is raised to the 1 minute minimum.
    await advance(clock, 40 * S);
    assert.ok(local.service('web'));
    await advance(clock, 30 * S);
    assert.equal(local.service('web'), undefined);
    assert.equal(local.check('service:web'), undefined);
    assert.equal(catalog.service('web'), undefined);
  });

  it('forgives a check that recovers in time', async () => {
    const { clock, prober, local } = setup({ deregisterCriticalMinMs: 0 });
    prober.set('http://web/', 'critical');
    await registerReapable(local);
    await advance(clock, 20 * S);
    prober.set('http://web/', 'passing');
    await advance(clock, 20 * S);
    prober.set('http://web/', 'critical');
    await advance(clock, 20 * S);
    assert.ok(local.service('web'), 'the clock restarts when the check turns critical again');
    await advance(clock, 30 * S);
    assert.equal(local.service('web'), undefined);
  });
});

describe('alias checks', () => {
  it('mirrors a local service: its TTL check and the node maintenance', async () => {
    const { clock, local } = setup();
    await local.registerService(service('web'), [
      check('web-ttl', { TTL: 60 * SECOND }, { ServiceID: 'web' }),
    ]);
    await local.registerCheck(check('alias', { AliasService: 'web' }));
    await settle();
    assert.equal(local.check('alias')?.Status, 'critical');
    await local.updateCheck('web-ttl', 'passing', 'fine');
    await settle();
    assert.equal(local.check('alias')?.Status, 'passing');
    await local.enableNodeMaintenance('upgrade');
    await settle();
    assert.equal(local.check('alias')?.Status, 'critical');
    await local.disableNodeMaintenance();
    await local.deregisterService('web');
    await settle();
    assert.equal(local.check('alias')?.Status, 'critical');
    assert.match(local.check('alias')?.Output ?? '', /web/);
    void clock;
  });

  it('mirrors another node through blocking catalog reads', async () => {
    const { catalog, local } = setup();
    const register = (status: HealthStatus) =>
      catalog.apply(() =>
        catalog.store.catalog.register({
          node: {
            ID: '',
            Node: 'node2',
            Address: '10.0.0.2',
            Datacenter: 'dc1',
            TaggedAddresses: {},
            Meta: {},
          },
          skipNodeUpdate: false,
          service: service('db'),
          checks: [check('db-check', { TTL: SECOND }, { Node: 'node2', ServiceID: 'db', Status: status })],
        }),
      );
    register('passing');
    await local.registerCheck(check('alias', { AliasNode: 'node2', AliasService: 'db' }));
    await settle();
    assert.equal(local.check('alias')?.Status, 'passing');
    register('critical');
    await settle();
    assert.equal(local.check('alias')?.Status, 'critical');
    local.close();
  });
});

describe('anti-entropy', () => {
  it('removes catalog entries of this node that the agent does not hold, at start and periodically', async () => {
    const { clock, catalog, local } = setup({ fullSyncIntervalMs: 60 * S });
    const stray = () =>
      catalog.apply(() =>
        catalog.store.catalog.register({
          node: {
            ID: '',
            Node: 'node1',
            Address: '127.0.0.1',
            Datacenter: 'dc1',
            TaggedAddresses: {},
            Meta: {},
          },
          skipNodeUpdate: true,
          service: service('stray'),
          checks: [check('stray-check', { TTL: SECOND })],
        }),
      );
    stray();
    local.start();
    await settle();
    assert.equal(catalog.service('stray'), undefined);
    assert.equal(catalog.check('stray-check'), undefined);

    await local.registerService(service('web'), []);
    stray();
    catalog.apply(() => catalog.store.catalog.deleteService('node1', 'web'));
    // interval + a stagger below the interval (one node: no scaling)
    await advance(clock, 120 * S, S);
    assert.equal(catalog.service('stray'), undefined);
    assert.ok(catalog.service('web'));
  });

  it('registers the node again when its description in the catalog differs', async () => {
    const { catalog, local } = setup({
      node: {
        ID: '',
        Node: 'node1',
        Address: '127.0.0.1',
        Datacenter: 'dc1',
        TaggedAddresses: {},
        Meta: { rack: 'r1' },
      },
    });
    assert.ok(await local.fullSync());
    assert.deepEqual(catalog.store.catalog.node('node1').value?.Meta, { rack: 'r1' });
    const writes = catalog.writes;
    assert.ok(await local.fullSync());
    assert.equal(catalog.writes, writes, 'a full sync of an agreeing catalog writes nothing');
  });

  it('retries after 15 s plus a stagger when the catalog cannot be read', async () => {
    const { clock, catalog, local } = setup();
    catalog.failing = true;
    local.start();
    await local.registerService(service('web'), []);
    assert.equal(catalog.service('web'), undefined);
    catalog.failing = false;
    await advance(clock, 30 * S, S);
    assert.ok(catalog.service('web'));
  });
});

describe('persistence', () => {
  it('keeps API registrations, not config-file ones, and restores them in a new agent', async () => {
    const store = new MemoryStateStore();
    const first = setup({ store });
    await first.local.registerService(service('api'), [
      check('api-ttl', { TTL: 60 * SECOND }, { ServiceID: 'api' }),
    ]);
    await first.local.registerService(service('from-file'), [], { persist: false });
    await first.local.registerCheck(check('node-ttl', { TTL: 60 * SECOND }));
    await first.local.updateCheck('node-ttl', 'passing', 'alive');
    await first.local.enableServiceMaintenance('api', 'upgrading');
    assert.deepEqual([...store.services.keys()], ['api']);
    assert.deepEqual([...store.checks.keys()].sort(), ['_service_maintenance:api', 'api-ttl', 'node-ttl']);
    first.local.close();

    const second = setup({ store });
    second.local.restore();
    assert.deepEqual(
      second.local.services().map((s) => s.ID),
      ['api'],
    );
    assert.equal(second.local.check('node-ttl')?.Status, 'passing');
    assert.equal(second.local.check('node-ttl')?.Output, 'alive');
    assert.equal(second.local.check('api-ttl')?.Status, 'critical');
    assert.equal(second.local.check('_service_maintenance:api')?.Notes, 'upgrading');
    assert.ok(await second.local.fullSync());
    assert.ok(second.catalog.service('api'));

    await second.local.deregisterService('api');
    assert.equal(store.services.size, 0);
    assert.deepEqual([...store.checks.keys()], ['node-ttl']);
  });

  it('does not restore a TTL status whose TTL ran out while the agent was down', async () => {
    const store = new MemoryStateStore();
    const first = setup({ store });
    await first.local.registerCheck(check('ttl', { TTL: 10 * SECOND }));
    await first.local.updateCheck('ttl', 'passing', 'alive');
    const saved = store.states.get('ttl')!;
    store.states.set('ttl', { ...saved, expiresWallMs: first.clock.wallMs() - 1 });
    const second = setup({ store });
    second.local.restore();
    assert.equal(second.local.check('ttl')?.Status, 'critical');
  });
});
