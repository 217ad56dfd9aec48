import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MILLISECOND, SECOND } from '../lib/duration.ts';
import type { CheckDefinition } from '../model/records.ts';
import {
  checkIntervalMs,
  DEFAULT_OUTPUT_MAX_BYTES,
  DEFAULT_PROBE_TIMEOUT_MS,
  DEFAULT_SCRIPT_TIMEOUT_MS,
  outputMaxBytesFor,
  probeSpecFor,
} from './probe-spec.ts';

const AGENT_LIMIT = 4096;

describe('probeSpecFor', () => {
  it('builds an HTTP probe with GET, no header, no body by default', () => {
    assert.deepEqual(probeSpecFor('http', { HTTP: 'http://x/health', Interval: 10 * SECOND }, AGENT_LIMIT), {
      kind: 'http',
      timeoutMs: 10_000,
      outputMaxBytes: 4096,
      url: 'http://x/health',
      method: 'GET',
      header: {},
      body: '',
      tlsServerName: '',
      tlsSkipVerify: false,
      disableRedirects: false,
    });
  });

  it('carries every HTTP option the definition gives', () => {
    const spec = probeSpecFor(
      'http',
      {
        HTTP: 'https://x/health',
        Interval: SECOND,
        Timeout: 250 * MILLISECOND,
        Method: 'POST',
        Header: { 'X-A': ['1', '2'] },
        Body: '{}',
        TLSServerName: 'x.example',
        TLSSkipVerify: true,
        DisableRedirects: true,
        OutputMaxSize: 100,
      },
      AGENT_LIMIT,
    );
    assert.deepEqual(spec, {
      kind: 'http',
      timeoutMs: 250,
      outputMaxBytes: 100,
      url: 'https://x/health',
      method: 'POST',
      header: { 'X-A': ['1', '2'] },
      body: '{}',
      tlsServerName: 'x.example',
      tlsSkipVerify: true,
      disableRedirects: true,
    });
  });

  it('builds TCP (with and without TLS), UDP, gRPC and H2PING probes', () => {
    const tls = { tlsServerName: 'n', tlsSkipVerify: true };
    const common = { timeoutMs: 10_000, outputMaxBytes: 4096 };
    const d = { Interval: 5 * SECOND, TLSServerName: 'n', TLSSkipVerify: true };
    assert.deepEqual(probeSpecFor('tcp', { ...d, TCP: 'h:1' }, AGENT_LIMIT), {
      kind: 'tcp',
      ...common,
      address: 'h:1',
      useTls: false,
      ...tls,
    });
    assert.deepEqual(probeSpecFor('tcp', { ...d, TCP: 'h:1', TCPUseTLS: true }, AGENT_LIMIT), {
      kind: 'tcp',
      ...common,
      address: 'h:1',
      useTls: true,
      ...tls,
    });
    assert.deepEqual(probeSpecFor('udp', { ...d, UDP: 'h:2' }, AGENT_LIMIT), {
      kind: 'udp',
      ...common,
      address: 'h:2',
    });
    assert.deepEqual(probeSpecFor('grpc', { ...d, GRPC: 'h:3/svc', GRPCUseTLS: true }, AGENT_LIMIT), {
      kind: 'grpc',
      ...common,
      target: 'h:3/svc',
      useTls: true,
      ...tls,
    });
    assert.deepEqual(probeSpecFor('h2ping', { ...d, H2PING: 'h:4', H2PingUseTLS: true }, AGENT_LIMIT), {
      kind: 'h2ping',
      ...common,
      address: 'h:4',
      useTls: true,
      ...tls,
    });
    const bare = probeSpecFor('h2ping', { Interval: SECOND, H2PING: 'h:4' }, AGENT_LIMIT);
    assert.equal(bare?.kind, 'h2ping');
    assert.equal(bare?.kind === 'h2ping' && bare.useTls, false, 'the decoder is where TLS defaults on');
  });

  it('builds a script probe with a copy of its arguments', () => {
    const args = ['/bin/check', '-v'];
    const spec = probeSpecFor('script', { ScriptArgs: args, Interval: SECOND }, AGENT_LIMIT);
    assert.deepEqual(spec, { kind: 'script', timeoutMs: 30_000, outputMaxBytes: 4096, args });
    assert.notEqual(spec?.kind === 'script' ? spec.args : undefined, args);
  });

  describe('timeouts (check.go: Timeout when > 0, else 10 s; scripts 30 s; the interval plays no part)', () => {
    const targets: [string, CheckDefinition, number][] = [
      ['http', { HTTP: 'http://x' }, DEFAULT_PROBE_TIMEOUT_MS],
      ['tcp', { TCP: 'x:1' }, DEFAULT_PROBE_TIMEOUT_MS],
      ['udp', { UDP: 'x:1' }, DEFAULT_PROBE_TIMEOUT_MS],
      ['grpc', { GRPC: 'x:1' }, DEFAULT_PROBE_TIMEOUT_MS],
      ['h2ping', { H2PING: 'x:1' }, DEFAULT_PROBE_TIMEOUT_MS],
      ['script', { ScriptArgs: ['true'] }, DEFAULT_SCRIPT_TIMEOUT_MS],
    ];
    const cases: [string, Partial<CheckDefinition>, (fallbackMs: number) => number][] = [
      ['no timeout, short interval', { Interval: SECOND }, (fallback) => fallback],
      ['no timeout, long interval', { Interval: 60 * SECOND }, (fallback) => fallback],
      ['a timeout below the interval', { Interval: 10 * SECOND, Timeout: 2 * SECOND }, () => 2_000],
      ['a timeout above the interval', { Interval: SECOND, Timeout: 20 * SECOND }, () => 20_000],
      ['a sub-millisecond timeout', { Interval: SECOND, Timeout: 1_500 }, () => 0.0015],
      ['a negative timeout', { Interval: SECOND, Timeout: -SECOND }, (fallback) => fallback],
    ];
    for (const [type, target, fallbackMs] of targets) {
      for (const [what, timing, expectedMs] of cases) {
        it(`${type}: ${what}`, () => {
          const spec = probeSpecFor(type, { ...target, ...timing }, AGENT_LIMIT);
          assert.equal(spec?.timeoutMs, expectedMs(fallbackMs));
        });
      }
    }
    it("uses Consul's defaults: 10 s, and 30 s for scripts", () => {
      assert.equal(DEFAULT_PROBE_TIMEOUT_MS, 10_000);
      assert.equal(DEFAULT_SCRIPT_TIMEOUT_MS, 30_000);
    });
  });

  it('answers undefined for kinds that are not probed, and for a type without its target', () => {
    const everything: CheckDefinition = {
      HTTP: 'http://x',
      TCP: 'x:1',
      UDP: 'x:1',
      GRPC: 'x:1',
      H2PING: 'x:1',
      ScriptArgs: ['true'],
      TTL: SECOND,
      AliasService: 'web',
    };
    for (const type of ['ttl', 'alias', 'maintenance', 'docker', 'os_service', '', 'other']) {
      assert.equal(probeSpecFor(type, everything, AGENT_LIMIT), undefined, type);
    }
    for (const type of ['http', 'tcp', 'udp', 'grpc', 'h2ping', 'script']) {
      assert.equal(probeSpecFor(type, { Interval: SECOND, ScriptArgs: [] }, AGENT_LIMIT), undefined, type);
    }
  });
});

describe('outputMaxBytesFor (agent.go addCheck)', () => {
  const cases: [string, number | undefined, number, number][] = [
    ['the agent limit when the check sets none', undefined, 4096, 4096],
    ['a smaller OutputMaxSize', 100, 4096, 100],
    ['never a larger OutputMaxSize', 10_000, 4096, 4096],
    ['OutputMaxSize equal to the limit', 4096, 4096, 4096],
    ['a raised agent limit', undefined, 65_536, 65_536],
    ['a check below a raised limit', 8192, 65_536, 8192],
    ['4 KiB when the agent limit is unset', undefined, 0, DEFAULT_OUTPUT_MAX_BYTES],
    ['a check below the unset limit', 10, 0, 10],
    ['a negative OutputMaxSize ignored', -5, 4096, 4096],
  ];
  for (const [what, own, agent, expected] of cases) {
    it(what, () => {
      const definition: CheckDefinition = own === undefined ? {} : { OutputMaxSize: own };
      assert.equal(outputMaxBytesFor(definition, agent), expected);
      assert.equal(probeSpecFor('udp', { ...definition, UDP: 'x:1' }, agent)?.outputMaxBytes, expected);
    });
  }
});

describe('checkIntervalMs', () => {
  it('is the Interval in milliseconds, raised to the 1 s minimum', () => {
    assert.equal(checkIntervalMs({ Interval: 10 * SECOND }), 10_000);
    assert.equal(checkIntervalMs({ Interval: 1_500 * MILLISECOND }), 1_500);
    assert.equal(checkIntervalMs({ Interval: SECOND }), 1_000);
    assert.equal(checkIntervalMs({ Interval: 100 * MILLISECOND }), 1_000);
    assert.equal(checkIntervalMs({ Interval: 10 }), 1_000);
    assert.equal(checkIntervalMs({}), 1_000);
  });
});
