import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SECOND } from '../lib/duration.ts';
import { ipFamily } from '../lib/ip-address.ts';
import type { Clock, Timer } from '../ports/clock.ts';
import { silentLogger } from '../ports/logger.ts';
import type { CheckInput } from '../state/catalog.ts';
import {
  DEFAULT_NODE_MAINTENANCE_REASON,
  DEFAULT_SERVICE_MAINTENANCE_REASON,
  LocalAgent,
  LocalAgentError,
  LocalAgentErrorCode,
  SYNC_RETRY_MS,
  TTL_EXPIRED_OUTPUT,
  truncateOutput,
} from './local-agent.ts';
import { check, StoreCatalog, service } from './testing/store-catalog.ts';

/** A clock that moves only when told; due timers fire in order. */
class StepClock implements Clock {
  private now = 0;
  private timers: { due: number; callback: () => void; live: boolean }[] = [];
  nowMs(): number {
    return this.now;
  }
  wallMs(): number {
    return this.now;
  }
  setTimer(delayMs: number, callback: () => void): Timer {
    const timer = { due: this.now + delayMs, callback, live: true };
    this.timers.push(timer);
    return { cancel: () => (timer.live = false) };
  }
  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.due <= target).sort((a, b) => a.due - b.due)[0];
      if (due === undefined) break;
      due.live = false;
      this.now = due.due;
      due.callback();
    }
    this.now = target;
  }
  get pending(): number {
    return this.timers.filter((t) => t.live).length;
  }
}

function setup() {
  const clock = new StepClock();
  const catalog = new StoreCatalog();
  const local = new LocalAgent({ nodeName: 'node1', catalog, clock, logger: silentLogger });
  return { clock, catalog, local };
}

function ttlCheck(id: string, ttlNs: number, overrides: Partial<CheckInput> = {}): CheckInput {
  return check(id, { TTL: ttlNs }, overrides);
}

function httpCheck(id: string, overrides: Partial<CheckInput> = {}): CheckInput {
  return ttlCheck(id, 0, {
    Type: 'http',
    Interval: '10s',
    Definition: { HTTP: 'http://x', Interval: 10 * SECOND },
    ...overrides,
  });
}

async function refusal(promise: Promise<unknown>): Promise<LocalAgentError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof LocalAgentError, String(error));
    return error;
  }
  assert.fail('expected a refusal');
}

describe('LocalAgent services', () => {
  it('writes a service and its checks to the catalog before resolving', async () => {
    const { catalog, local } = setup();
    await local.registerService(service('web', { Tags: ['v1'] }), [
      httpCheck('service:web', { ServiceID: 'web' }),
    ]);
    assert.equal(catalog.service('web')?.Service, 'web');
    const check = catalog.check('service:web');
    assert.equal(check?.ServiceName, 'web');
    assert.deepEqual(check?.ServiceTags, ['v1']);
    assert.deepEqual(
      local.services().map((s) => s.ID),
      ['web'],
    );
    assert.equal(local.check('service:web')?.ServiceName, 'web');
  });

  it('adds lan/wan tagged addresses for an IP address, keeping given ones', async () => {
    const { local } = setup();
    await local.registerService(
      service('db', {
        Address: '10.0.0.5',
        Port: 5432,
        TaggedAddresses: { wan_ipv4: { Address: '1.2.3.4', Port: 1 } },
      }),
      [],
    );
    assert.deepEqual(local.service('db')?.TaggedAddresses, {
      wan_ipv4: { Address: '1.2.3.4', Port: 1 },
      lan_ipv4: { Address: '10.0.0.5', Port: 5432 },
    });
    await local.registerService(service('v6', { Address: '::1', Port: 1 }), []);
    assert.deepEqual(Object.keys(local.service('v6')?.TaggedAddresses ?? {}), ['lan_ipv6', 'wan_ipv6']);
    await local.registerService(service('named', { Address: 'db.example' }), []);
    assert.equal(local.service('named')?.TaggedAddresses, undefined);
  });

  it("refuses a tagged lan_ipv4 address that is not IPv4, with Consul's text", async () => {
    const { local } = setup();
    const error = await refusal(
      local.registerService(
        service('x', { TaggedAddresses: { lan_ipv4: { Address: 'host', Port: 1 } } }),
        [],
      ),
    );
    assert.equal(error.code, LocalAgentErrorCode.invalid);
    assert.equal(error.message, 'Service tagged address "lan_ipv4" must be a valid ipv4 address');
    assert.equal(local.service('x'), undefined);
  });

  it('keeps an existing check status across re-registration and other checks unless replacing', async () => {
    const { catalog, local } = setup();
    await local.registerService(service('web'), [
      ttlCheck('a', 60 * SECOND, { ServiceID: 'web' }),
      ttlCheck('b', 60 * SECOND, { ServiceID: 'web' }),
    ]);
    await local.updateCheck('a', 'passing', 'fine');
    await local.registerService(service('web', { Tags: ['new'] }), [
      ttlCheck('a', 60 * SECOND, { ServiceID: 'web' }),
    ]);
    assert.equal(local.check('a')?.Status, 'passing');
    assert.equal(local.check('a')?.Output, 'fine');
    assert.deepEqual(local.check('b')?.ServiceTags, ['new'], 'a kept check follows the service tags');
    assert.ok(catalog.check('b'));

    await local.registerService(service('web'), [ttlCheck('a', 60 * SECOND, { ServiceID: 'web' })], {
      replaceExistingChecks: true,
    });
    assert.equal(local.check('b'), undefined);
    assert.equal(catalog.check('b'), undefined);
    assert.ok(catalog.check('a'));
  });

  it('deregisters a service with its checks, locally and in the catalog', async () => {
    const { clock, catalog, local } = setup();
    await local.registerService(service('web'), [ttlCheck('service:web', 10 * SECOND, { ServiceID: 'web' })]);
    await local.deregisterService('web');
    assert.equal(local.service('web'), undefined);
    assert.equal(local.check('service:web'), undefined);
    assert.equal(catalog.service('web'), undefined);
    assert.equal(catalog.check('service:web'), undefined);
    assert.equal(clock.pending, 0, 'the TTL timer went with the check');
  });

  it("refuses an unknown service ID with Consul's 404 text", async () => {
    const { local } = setup();
    const error = await refusal(local.deregisterService('nope'));
    assert.equal(error.code, LocalAgentErrorCode.unknownService);
    assert.equal(
      error.message,
      'Unknown service ID "nope". Ensure that the service ID is passed, not the service name.',
    );
  });
});

describe('LocalAgent checks', () => {
  it('binds a check to its service and refuses an unknown ServiceID', async () => {
    const { catalog, local } = setup();
    const error = await refusal(local.registerCheck(ttlCheck('c', SECOND, { ServiceID: 'ghost' })));
    assert.equal(error.message, 'ServiceID "ghost" does not exist');
    assert.equal(local.check('c'), undefined);

    await local.registerService(service('api', { Tags: ['t'] }), []);
    await local.registerCheck(ttlCheck('c', SECOND, { ServiceID: 'api' }));
    assert.equal(catalog.check('c')?.ServiceName, 'api');
    assert.deepEqual(local.check('c')?.ServiceTags, ['t']);
  });

  it('turns a TTL check critical with "TTL expired" once the TTL passes without an update', async () => {
    const { clock, catalog, local } = setup();
    await local.registerCheck(ttlCheck('ttl', 100_000_000)); // 100 ms
    await local.updateCheck('ttl', 'passing', '');
    clock.advance(99);
    assert.equal(local.check('ttl')?.Status, 'passing');
    clock.advance(1);
    await Promise.resolve();
    assert.equal(local.check('ttl')?.Status, 'critical');
    assert.equal(local.check('ttl')?.Output, TTL_EXPIRED_OUTPUT);
    assert.equal(catalog.check('ttl')?.Output, TTL_EXPIRED_OUTPUT);
  });

  it('quotes the last output when the TTL expires, and every update restarts the TTL', async () => {
    const { clock, local } = setup();
    await local.registerCheck(ttlCheck('ttl', SECOND));
    clock.advance(900);
    await local.updateCheck('ttl', 'warning', 'slow');
    clock.advance(900);
    assert.equal(local.check('ttl')?.Status, 'warning', 'the update restarted the TTL');
    clock.advance(100);
    assert.equal(local.check('ttl')?.Output, 'TTL expired (last output before timeout follows): slow');
    await local.updateCheck('ttl', 'passing', 'back');
    assert.equal(local.check('ttl')?.Status, 'passing');
  });

  it('refuses status updates for unknown and non-TTL checks', async () => {
    const { local } = setup();
    const unknown = await refusal(local.updateCheck('x', 'passing', ''));
    assert.equal(unknown.code, LocalAgentErrorCode.unknownCheck);
    assert.equal(
      unknown.message,
      'Unknown check ID "x". Ensure that the check ID is passed, not the check name.',
    );
    await local.registerCheck(httpCheck('h'));
    const notTtl = await refusal(local.updateCheck('h', 'passing', ''));
    assert.equal(notTtl.code, LocalAgentErrorCode.notTtl);
    assert.equal(notTtl.message, 'CheckID "h" does not have associated TTL');
  });

  it('stores other check kinds with their definition and initial status, running nothing', async () => {
    const { clock, local } = setup();
    await local.registerCheck(httpCheck('h', { Status: 'passing' }));
    assert.equal(local.check('h')?.Status, 'passing');
    assert.equal(local.check('h')?.Definition.HTTP, 'http://x');
    assert.equal(clock.pending, 0);
  });

  it('cuts output past the limit as Consul does', async () => {
    const { local } = setup();
    await local.registerCheck(ttlCheck('ttl', SECOND, { Definition: { TTL: SECOND, OutputMaxSize: 4 } }));
    await local.updateCheck('ttl', 'passing', 'abcdefgh');
    assert.equal(local.check('ttl')?.Output, 'abcd ... (captured 4 of 8 bytes)');
    assert.equal(truncateOutput('short', 4096), 'short');
  });

  it('deregisters a check and stops its timer', async () => {
    const { clock, catalog, local } = setup();
    await local.registerCheck(ttlCheck('ttl', SECOND));
    await local.deregisterCheck('ttl');
    assert.equal(catalog.check('ttl'), undefined);
    assert.equal(clock.pending, 0);
    assert.equal((await refusal(local.deregisterCheck('ttl'))).code, LocalAgentErrorCode.unknownCheck);
  });
});

describe('LocalAgent maintenance', () => {
  it("adds and removes the service maintenance check with Consul's name and default reason", async () => {
    const { catalog, local } = setup();
    await local.registerService(service('web', { Tags: ['a'] }), []);
    await local.enableServiceMaintenance('web', '');
    const check = local.check('_service_maintenance:web');
    assert.equal(check?.Name, 'Service Maintenance Mode');
    assert.equal(check?.Status, 'critical');
    assert.equal(check?.Notes, DEFAULT_SERVICE_MAINTENANCE_REASON);
    assert.equal(check?.ServiceID, 'web');
    assert.equal(catalog.check('_service_maintenance:web')?.ServiceName, 'web');

    await local.enableServiceMaintenance('web', 'second reason');
    assert.equal(
      local.check('_service_maintenance:web')?.Notes,
      DEFAULT_SERVICE_MAINTENANCE_REASON,
      'already on: unchanged',
    );

    await local.disableServiceMaintenance('web');
    assert.equal(local.check('_service_maintenance:web'), undefined);
    assert.equal(catalog.check('_service_maintenance:web'), undefined);
    assert.equal(
      (await refusal(local.enableServiceMaintenance('nope', ''))).code,
      LocalAgentErrorCode.unknownService,
    );
  });

  it('adds and removes the node maintenance check', async () => {
    const { catalog, local } = setup();
    await local.enableNodeMaintenance('upgrading');
    assert.equal(local.check('_node_maintenance')?.Name, 'Node Maintenance Mode');
    assert.equal(local.check('_node_maintenance')?.Notes, 'upgrading');
    assert.equal(catalog.check('_node_maintenance')?.Status, 'critical');
    await local.disableNodeMaintenance();
    assert.equal(catalog.check('_node_maintenance'), undefined);
    await local.enableNodeMaintenance('');
    assert.equal(local.check('_node_maintenance')?.Notes, DEFAULT_NODE_MAINTENANCE_REASON);
  });
});

describe('LocalAgent sync', () => {
  it('keeps a local change when the catalog write fails, and pushes everything again later', async () => {
    const { clock, catalog, local } = setup();
    catalog.failing = true;
    await local.registerService(service('web'), [ttlCheck('service:web', 60 * SECOND, { ServiceID: 'web' })]);
    assert.ok(local.service('web'));
    assert.equal(catalog.service('web'), undefined);

    catalog.failing = false;
    // Consul retries after 15 s plus a stagger of up to 15 s.
    clock.advance(2 * SYNC_RETRY_MS);
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(catalog.service('web'));
    assert.ok(catalog.check('service:web'));
  });

  it('replays a failed deregistration on the next full push', async () => {
    const { clock, catalog, local } = setup();
    await local.registerService(service('web'), []);
    catalog.failing = true;
    await local.deregisterService('web');
    catalog.failing = false;
    clock.advance(2 * SYNC_RETRY_MS);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(catalog.service('web'), undefined);
  });

  it('tells listeners about every change and stops all timers on close', async () => {
    const { clock, catalog, local } = setup();
    let changes = 0;
    const unsubscribe = local.onChange(() => changes++);
    await local.registerCheck(ttlCheck('ttl', SECOND));
    await local.updateCheck('ttl', 'passing', '');
    assert.equal(changes, 2);
    unsubscribe();
    local.close();
    assert.equal(clock.pending, 0);
    const before = catalog.writes;
    clock.advance(10 * SECOND);
    assert.equal(catalog.writes, before);
  });
});

describe('ipFamily', () => {
  const table: [string, 4 | 6 | undefined][] = [
    ['127.0.0.1', 4],
    ['10.1.10.12', 4],
    ['256.1.1.1', undefined],
    ['01.1.1.1', undefined],
    ['::1', 6],
    ['::', 6],
    ['fe80::1:2', 6],
    ['2001:db8:0:0:0:0:2:1', 6],
    ['::ffff:10.0.0.1', 4],
    ['1:2:3:4:5:6:7:8:9', undefined],
    ['1::2::3', undefined],
    ['host.example', undefined],
    ['', undefined],
  ];
  for (const [address, family] of table) {
    it(`reads ${JSON.stringify(address)} as ${family}`, () => assert.equal(ipFamily(address), family));
  }
});
