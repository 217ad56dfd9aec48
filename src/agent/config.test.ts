import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HOUR, MINUTE, SECOND } from '../lib/duration.ts';
import {
  completeConfig,
  defaultConfig,
  devDefaults,
  mergeConfig,
  type PartialConfig,
  type RuntimeConfig,
  setConfigValue,
} from './config.ts';

describe('defaultConfig', () => {
  it("has Consul's defaults, except a loopback bind address", () => {
    const config = defaultConfig();
    assert.equal(config.datacenter, 'dc1');
    assert.deepEqual(config.ports, {
      http: 8500,
      https: -1,
      grpc: -1,
      dns: 8600,
      server: 8300,
      serfLan: 8301,
      serfWan: 8302,
    });
    assert.equal(config.bindAddr, '127.0.0.1');
    assert.equal(config.clientAddr, '127.0.0.1');
    assert.equal(config.logLevel, 'info');
    assert.equal(config.performance.raftMultiplier, 5);
    assert.equal(config.dnsConfig.maxStaleNs, 87_600 * HOUR);
    assert.equal(config.dnsConfig.udpAnswerLimit, 3);
    assert.equal(config.dnsConfig.recursorTimeoutNs, 2 * SECOND);
    assert.equal(config.defaultQueryTimeNs, 300 * SECOND);
    assert.equal(config.maxQueryTimeNs, 600 * SECOND);
    assert.equal(config.sessionTtlMinNs, 10 * SECOND);
    assert.equal(config.domain, 'consul.');
    assert.equal(config.acl.defaultPolicy, 'allow');
    assert.equal(config.checkOutputMaxSize, 4096);
    assert.equal(config.checkUpdateIntervalNs, 5 * MINUTE);
    assert.equal(config.discardCheckOutput, false);
  });

  it('returns a fresh value each time', () => {
    const first = defaultConfig();
    first.join.push('x');
    first.ports.http = 1;
    assert.deepEqual(defaultConfig().join, []);
    assert.equal(defaultConfig().ports.http, 8500);
  });
});

describe('devDefaults', () => {
  it('make a single in-memory server on loopback with the UI on', () => {
    const config = mergeConfig(defaultConfig(), devDefaults);
    assert.equal(config.dev, true);
    assert.equal(config.server, true);
    assert.equal(config.bootstrap, true);
    assert.equal(config.bindAddr, '127.0.0.1');
    assert.equal(config.dataDir, '');
    assert.equal(config.uiConfig.enabled, true);
    assert.equal(config.uiConfig.contentPath, '/ui/');
    assert.equal(config.performance.raftMultiplier, 1);
    assert.equal(config.logLevel, 'info');
  });
});

describe('mergeConfig', () => {
  it('lets later layers win for scalars', () => {
    const config = mergeConfig(defaultConfig(), { datacenter: 'a' }, { datacenter: 'b' }, {});
    assert.equal(config.datacenter, 'b');
  });

  it('appends lists in layer order', () => {
    const config = mergeConfig(
      defaultConfig(),
      { retryJoin: ['a'], services: [{ name: 'web' }], recursors: ['1.1.1.1'], join: ['j1'] },
      { retryJoin: ['b'], services: [{ name: 'db' }], checks: [{ id: 'c' }], join: ['j2'] },
    );
    assert.deepEqual(config.retryJoin, ['a', 'b']);
    assert.deepEqual(config.services, [{ name: 'web' }, { name: 'db' }]);
    assert.deepEqual(config.checks, [{ id: 'c' }]);
    assert.deepEqual(config.recursors, ['1.1.1.1']);
    assert.deepEqual(config.join, ['j1', 'j2']);
  });

  it('overlays maps and blocks key by key', () => {
    const config = mergeConfig(
      defaultConfig(),
      { nodeMeta: { a: '1', b: '1' }, ports: { http: 1 }, dnsConfig: { serviceTtlNs: { web: 1 } } },
      { nodeMeta: { b: '2' }, ports: { dns: -1 }, dnsConfig: { serviceTtlNs: { '*': 2 } } },
    );
    assert.deepEqual(config.nodeMeta, { a: '1', b: '2' });
    assert.equal(config.ports.http, 1);
    assert.equal(config.ports.dns, -1);
    assert.equal(config.ports.serfLan, 8301);
    assert.deepEqual(config.dnsConfig.serviceTtlNs, { web: 1, '*': 2 });
    assert.equal(config.dnsConfig.allowStale, true);
  });

  it('never lets undefined override', () => {
    const config = mergeConfig(defaultConfig(), { datacenter: undefined, ports: { http: undefined } });
    assert.equal(config.datacenter, 'dc1');
    assert.equal(config.ports.http, 8500);
  });

  it('does not modify its inputs', () => {
    const base = defaultConfig();
    const layer: PartialConfig = { retryJoin: ['a'], ports: { http: 1 }, nodeMeta: { a: 'b' } };
    const before = structuredClone(base);
    const layerBefore = structuredClone(layer);
    mergeConfig(base, layer, layer);
    assert.deepEqual(base, before);
    assert.deepEqual(layer, layerBefore);
  });

  it('keeps a __proto__ key as data', () => {
    const layer = JSON.parse('{"nodeMeta": {"__proto__": "x", "a": "b"}}') as PartialConfig;
    const config = mergeConfig(defaultConfig(), layer);
    assert.equal(Object.getPrototypeOf(config.nodeMeta), Object.prototype);
    assert.deepEqual(Object.keys(config.nodeMeta).sort(), ['__proto__', 'a']);
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });
});

describe('completeConfig', () => {
  const complete = (layer: PartialConfig): { config: RuntimeConfig; warnings: string[] } =>
    completeConfig(mergeConfig(defaultConfig(), layer));

  it('defaults the primary datacenter to the datacenter, lower-cased', () => {
    assert.equal(complete({ datacenter: 'East' }).config.datacenter, 'east');
    assert.equal(complete({ datacenter: 'East' }).config.primaryDatacenter, 'east');
    assert.equal(complete({ datacenter: 'b', primaryDatacenter: 'A' }).config.primaryDatacenter, 'a');
  });

  it('reads bootstrap_expect = 1 as bootstrap, with Consul’s warning', () => {
    const { config, warnings } = complete({ server: true, bootstrapExpect: 1 });
    assert.equal(config.bootstrap, true);
    assert.equal(config.bootstrapExpect, 0);
    assert.deepEqual(warnings, ['BootstrapExpect is set to 1; this is the same as Bootstrap mode.']);
    assert.deepEqual(complete({ server: true, bootstrapExpect: 3 }).warnings, []);
  });

  it('lets script checks imply local script checks', () => {
    assert.equal(complete({ enableScriptChecks: true }).config.enableLocalScriptChecks, true);
    assert.equal(complete({}).config.enableLocalScriptChecks, false);
  });

  it('advertises the bind address unless it is a wildcard', () => {
    assert.equal(complete({ bindAddr: '10.0.0.1' }).config.advertiseAddr, '10.0.0.1');
    assert.equal(complete({ bindAddr: '0.0.0.0' }).config.advertiseAddr, '');
    assert.equal(
      complete({ bindAddr: '0.0.0.0', advertiseAddr: '10.0.0.2' }).config.advertiseAddr,
      '10.0.0.2',
    );
  });

  it('qualifies DNS domains, completes the UI path and removes duplicate recursors', () => {
    const { config } = complete({
      domain: 'Cairn',
      altDomain: 'example.org',
      uiConfig: { contentPath: 'dashboard' },
      recursors: ['8.8.8.8', '1.1.1.1', '8.8.8.8'],
    });
    assert.equal(config.domain, 'cairn.');
    assert.equal(config.altDomain, 'example.org.');
    assert.equal(config.uiConfig.contentPath, '/dashboard/');
    assert.deepEqual(config.recursors, ['8.8.8.8', '1.1.1.1']);
    assert.equal(complete({}).config.altDomain, '');
    assert.equal(complete({ uiConfig: { contentPath: '' } }).config.uiConfig.contentPath, '/ui/');
  });

  it('trims the node name and lower-cases the node ID', () => {
    const { config } = complete({ nodeName: ' n1 ', nodeId: 'ADF4238A-882B-9DDC-4A9D-5B6758E4159E' });
    assert.equal(config.nodeName, 'n1');
    assert.equal(config.nodeId, 'adf4238a-882b-9ddc-4a9d-5b6758e4159e');
  });
});

describe('setConfigValue', () => {
  it('creates blocks on the way and replaces by default', () => {
    const partial: PartialConfig = {};
    setConfigValue(partial, 'acl.tokens.agent', 'a');
    setConfigValue(partial, 'acl.tokens.agent', 'b');
    assert.deepEqual(partial, { acl: { tokens: { agent: 'b' } } });
  });

  it('appends, overlays, and keeps an existing value when asked', () => {
    const partial: PartialConfig = {};
    setConfigValue(partial, 'services', [1], 'append');
    setConfigValue(partial, 'services', [2], 'append');
    setConfigValue(partial, 'nodeMeta', { a: '1' }, 'overlay');
    setConfigValue(partial, 'nodeMeta', { b: '2' }, 'overlay');
    setConfigValue(partial, 'datacenter', 'new');
    setConfigValue(partial, 'datacenter', 'old', 'keepExisting');
    setConfigValue(partial, 'primaryDatacenter', 'old', 'keepExisting');
    assert.deepEqual(partial, {
      services: [1, 2],
      nodeMeta: { a: '1', b: '2' },
      datacenter: 'new',
      primaryDatacenter: 'old',
    });
  });
});
