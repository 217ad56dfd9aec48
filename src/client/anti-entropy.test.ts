import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { CheckInput, NodeInput, ServiceInput } from '../state/catalog.ts';
import {
  canonicalJson,
  inSync,
  type LocalNodeState,
  planSync,
  sameRecord,
  scaleFactor,
  syncDelayMs,
} from './anti-entropy.ts';

const node: NodeInput = {
  ID: 'id-1',
  Node: 'node1',
  Address: '10.0.0.1',
  Datacenter: 'dc1',
  TaggedAddresses: { lan: '10.0.0.1' },
  Meta: { rack: 'a' },
};

function service(id: string, overrides: Partial<ServiceInput> = {}): ServiceInput {
  return {
    Kind: '',
    ID: id,
    Service: id,
    Tags: [],
    Address: '',
    Meta: {},
    Port: 80,
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
    ...overrides,
  };
}

function check(id: string, overrides: Partial<CheckInput> = {}): CheckInput {
  return {
    Node: 'node1',
    CheckID: id,
    Name: id,
    Status: 'passing',
    Notes: '',
    Output: 'ok',
    ServiceID: '',
    ServiceName: '',
    ServiceTags: [],
    Type: 'http',
    Interval: '10s',
    Timeout: '',
    ExposedPort: 0,
    Definition: {},
    ...overrides,
  };
}

function local(overrides: Partial<LocalNodeState> = {}): LocalNodeState {
  return { node, services: [], checks: [], deferredOutput: new Set(), ...overrides };
}

describe('anti-entropy intervals', () => {
  it('scales as Consul: 1 up to 128 nodes, doubling the interval with every doubling past it', () => {
    assert.equal(scaleFactor(1), 1);
    assert.equal(scaleFactor(128), 1);
    assert.equal(scaleFactor(129), 2);
    assert.equal(scaleFactor(256), 2);
    assert.equal(scaleFactor(257), 3);
    assert.equal(scaleFactor(8192), 7);
    assert.equal(scaleFactor(8193), 8);
  });

  it('waits the interval plus a stagger below the scaled interval', () => {
    assert.equal(
      syncDelayMs(60_000, 10, () => 0),
      60_000,
    );
    assert.equal(
      syncDelayMs(60_000, 10, () => 0.999_999),
      119_999,
    );
    assert.equal(
      syncDelayMs(60_000, 1000, () => 0.5),
      60_000 + 0.5 * 4 * 60_000,
    );
  });
});

describe('planSync', () => {
  it('is in sync when the catalog holds exactly the local state, key order and indexes aside', () => {
    const web = service('web', { Meta: { a: '1', b: '2' } });
    const remoteWeb = { ...service('web', { Meta: { b: '2', a: '1' } }), CreateIndex: 4, ModifyIndex: 9 };
    const plan = planSync(local({ services: [web], checks: [check('c1')] }), {
      node: { ...node },
      services: [remoteWeb],
      checks: [check('c1')],
    });
    assert.ok(inSync(plan));
  });

  it('registers the node when it is missing or described differently', () => {
    assert.ok(planSync(local(), { node: undefined, services: [], checks: [] }).nodeOutOfSync);
    assert.ok(planSync(local(), { node: { ...node, Meta: {} }, services: [], checks: [] }).nodeOutOfSync);
    assert.ok(
      planSync(local(), { node: { ...node, Address: '10.0.0.2' }, services: [], checks: [] }).nodeOutOfSync,
    );
    assert.ok(!planSync(local(), { node, services: [], checks: [] }).nodeOutOfSync);
  });

  it('removes what the agent does not hold, but never the consul service or serfHealth', () => {
    const plan = planSync(local(), {
      node,
      services: [service('stray'), service('consul')],
      checks: [check('serfHealth'), check('stray-check'), check('service:stray', { ServiceID: 'stray' })],
    });
    assert.deepEqual(plan.deleteServices, ['stray']);
    // The stray service's check goes with the service.
    assert.deepEqual(plan.deleteChecks, ['stray-check']);
  });

  it('writes local entries the catalog lacks or holds differently', () => {
    const plan = planSync(
      local({
        services: [service('web'), service('api')],
        checks: [check('c1'), check('c2', { Status: 'critical' }), check('c3')],
      }),
      { node, services: [service('web', { Port: 81 })], checks: [check('c1'), check('c2')] },
    );
    assert.deepEqual(
      plan.services.map((s) => s.ID),
      ['web', 'api'],
    );
    assert.deepEqual(
      plan.checks.map((c) => c.CheckID),
      ['c2', 'c3'],
    );
  });

  it('leaves a deferred output change to its timer', () => {
    const remote = { node, services: [], checks: [check('c1', { Output: 'old' })] };
    const changed = [check('c1', { Output: 'new' })];
    assert.equal(planSync(local({ checks: changed }), remote).checks.length, 1);
    assert.equal(
      planSync(local({ checks: changed, deferredOutput: new Set(['c1']) }), remote).checks.length,
      0,
    );
    // A status change is never deferred.
    const critical = [check('c1', { Output: 'new', Status: 'critical' })];
    assert.equal(
      planSync(local({ checks: critical, deferredOutput: new Set(['c1']) }), remote).checks.length,
      1,
    );
  });

  it('adopts the catalog tags of a service with EnableTagOverride', () => {
    const plan = planSync(local({ services: [service('web', { EnableTagOverride: true, Tags: ['a'] })] }), {
      node,
      services: [service('web', { EnableTagOverride: true, Tags: ['b', 'c'] })],
      checks: [],
    });
    assert.deepEqual(plan.adoptTags, [{ id: 'web', tags: ['b', 'c'] }]);
    assert.equal(plan.services.length, 0);
    const without = planSync(local({ services: [service('web', { Tags: ['a'] })] }), {
      node,
      services: [service('web', { Tags: ['b'] })],
      checks: [],
    });
    assert.deepEqual(without.adoptTags, []);
    assert.deepEqual(without.services[0]?.Tags, ['a']);
  });
});

describe('sameRecord', () => {
  it('agrees with comparing key-sorted JSON, Raft indexes aside', () => {
    const value = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(value, value, fc.boolean(), (a, b, same) => {
        const right = same ? JSON.parse(JSON.stringify(a)) : b;
        assert.equal(sameRecord(a, right), canonicalJson(a) === canonicalJson(right));
      }),
      { numRuns: 500 },
    );
    assert.ok(sameRecord({ a: 1, CreateIndex: 3, b: undefined }, { ModifyIndex: 9, a: 1 }));
    assert.ok(!sameRecord({ a: [1, 2] }, { a: [2, 1] }));
  });
});
