import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MILLISECOND, SECOND } from '../lib/duration.ts';
import {
  decodeCheckDefinition,
  decodeHealthCheckDefinition,
  decodeServiceDefinition,
  definitionKind,
  isScriptCheck,
  type ServiceDefinition,
} from './definitions.ts';
import { HttpError } from './errors.ts';
import { Fields } from './fields.ts';

const service = (body: unknown): ServiceDefinition => decodeServiceDefinition(Fields.of(body, ''), 'node1');
const check = (body: unknown) => decodeCheckDefinition(Fields.of(body, ''), 'node1');

function refusedWith(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof HttpError, String(error));
    assert.equal(error.status, 400);
    return error.message;
  }
  assert.fail('expected a 400');
}

describe('decodeServiceDefinition', () => {
  it("fills Consul's defaults for a bare name", () => {
    const { service: decoded, checks } = service({ Name: 'web' });
    assert.deepEqual(decoded, {
      Kind: '',
      ID: 'web',
      Service: 'web',
      Tags: [],
      Address: '',
      Meta: {},
      Port: 0,
      Weights: { Passing: 1, Warning: 1 },
      EnableTagOverride: false,
    });
    assert.deepEqual(checks, []);
  });

  it("reads Patroni's lowercase body, with a check of nanosecond and Go-text durations", () => {
    const { service: decoded, checks } = service({
      name: 'demo',
      enabletagoverride: true,
      id: 'demo/pg1',
      address: '127.0.0.1',
      port: 5433,
      tags: ['master', 'primary'],
      check: {
        http: 'http://127.0.0.1:8008/master',
        interval: '5s',
        DeregisterCriticalServiceAfter: '150.0s',
      },
    });
    assert.equal(decoded.ID, 'demo/pg1');
    assert.equal(decoded.EnableTagOverride, true);
    assert.deepEqual(decoded.Tags, ['master', 'primary']);
    assert.equal(checks.length, 1);
    const [only] = checks;
    assert.equal(only?.CheckID, 'service:demo/pg1');
    assert.equal(only?.Name, "Service 'demo' check");
    assert.equal(only?.Status, 'critical');
    assert.equal(only?.Type, 'http');
    assert.equal(only?.Interval, '5s');
    assert.equal(only?.Timeout, '');
    assert.equal(only?.ServiceID, 'demo/pg1');
    assert.deepEqual(only?.ServiceTags, ['master', 'primary']);
    assert.deepEqual(only?.Definition, {
      Interval: 5 * SECOND,
      DeregisterCriticalServiceAfter: 150 * SECOND,
      HTTP: 'http://127.0.0.1:8008/master',
    });
  });

  it('reads snake_case keys as the register endpoint does', () => {
    const { service: decoded, checks } = service({
      name: 'x',
      enable_tag_override: true,
      tagged_addresses: { lan: { address: '10.0.0.1', port: 80 } },
      socket_path: '/tmp/x.sock',
      check: { args: ['true'], interval: 10, deregister_critical_service_after: '1m' },
    });
    assert.equal(decoded.EnableTagOverride, true);
    assert.deepEqual(decoded.TaggedAddresses, { lan: { Address: '10.0.0.1', Port: 80 } });
    assert.equal(decoded.SocketPath, '/tmp/x.sock');
    assert.equal(checks[0]?.Interval, '10ns', 'a bare number is nanoseconds');
    assert.equal(checks[0]?.Type, 'script');
    assert.ok(isScriptCheck(checks[0]!));
  });

  it('numbers several checks from 1, Check first, keeping given IDs', () => {
    const { checks } = service({
      Name: 'web',
      ID: 'web-1',
      Check: { TTL: '10s' },
      Checks: [
        { TTL: '10s', Name: 'second' },
        { TTL: '10s', CheckID: 'own' },
      ],
    });
    assert.deepEqual(
      checks.map((c) => [c.CheckID, c.Name]),
      [
        ['service:web-1:1', "Service 'web' check"],
        ['service:web-1:2', 'second'],
        ['own', "Service 'web' check"],
      ],
    );
  });

  it('gives a lone Checks entry the unnumbered ID, and skips an empty Check block', () => {
    const { checks } = service({ Name: 'web', Check: {}, Checks: [{ TTL: '1s', Status: 'passing' }] });
    assert.deepEqual(
      checks.map((c) => [c.CheckID, c.Status]),
      [['service:web', 'passing']],
    );
  });

  const refusals: [string, unknown, string][] = [
    ['no name', { ID: 'x' }, 'Missing service name'],
    ['the IPv4 any-address', { Name: 'x', Address: '0.0.0.0' }, 'Invalid service address'],
    ['the IPv6 any-address', { Name: 'x', Address: '::' }, 'Invalid service address'],
    [
      'zero passing weight',
      { Name: 'x', Weights: { Passing: 0, Warning: 1 } },
      'Invalid Weights: Passing must be greater than 0',
    ],
    [
      'negative warning weight',
      { Name: 'x', Weights: { Passing: 1, Warning: -1 } },
      'Invalid Weights: Warning must be greater or equal than 0',
    ],
    [
      'a huge weight',
      { Name: 'x', Weights: { Passing: 70000, Warning: 1 } },
      'Invalid Weights: DNS Weight must be between 0 and 65535',
    ],
    [
      'a meta key with a space',
      { Name: 'x', Meta: { 'a b': 'v' } },
      "Invalid Service Meta: Couldn't load metadata pair ('a b', 'v'): Key contains invalid characters",
    ],
    [
      'a reserved meta key',
      { Name: 'x', Meta: { 'consul-x': 'v' } },
      "Invalid Service Meta: Couldn't load metadata pair ('consul-x', 'v'): Key prefix 'consul-' is reserved for internal use",
    ],
    [
      'a check without TTL or interval',
      { Name: 'x', Check: { Notes: 'n' } },
      'Invalid check: TTL must be > 0 for TTL checks',
    ],
    [
      'an HTTP check without interval',
      { Name: 'x', Check: { HTTP: 'http://x' } },
      'Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks',
    ],
    [
      'a Docker check (not supported)',
      { Name: 'x', Check: { Args: ['true'], DockerContainerID: 'c1', Interval: '1s' } },
      'Invalid check: Docker checks (DockerContainerID) are not supported by Cairn',
    ],
    [
      'an OS-service check (not supported)',
      { Name: 'x', Check: { OSService: 'sshd', Interval: '1s' } },
      'Invalid check: OSService checks are not supported by Cairn',
    ],
    [
      'both TTL and interval',
      { Name: 'x', Check: { TTL: '1s', Interval: '1s', TCP: 'x:1' } },
      'Invalid check: Interval and TTL cannot both be specified',
    ],
    [
      'a TTL on an alias check',
      { Name: 'x', Check: { AliasService: 'y', TTL: '1s' } },
      'Invalid check: TTL must be not be set for Alias checks',
    ],
    [
      'a bad check status',
      { Name: 'x', Check: { TTL: '1s', Status: 'fine' } },
      "Status for checks must 'passing', 'warning', 'critical'",
    ],
    [
      'tags of the wrong type',
      { Name: 'x', Tags: 'a' },
      'Request decode failed: Tags: expected a list of strings, got string "a"',
    ],
  ];
  for (const [what, body, message] of refusals) {
    it(`refuses ${what}`, () =>
      assert.equal(
        refusedWith(() => service(body)),
        message,
      ));
  }

  it('refuses a body that does not decode before a missing name', () => {
    assert.match(
      refusedWith(() => service({ Port: 'eighty' })),
      /^Request decode failed: Port:/,
    );
    assert.match(
      refusedWith(() => service({ Check: { Interval: 'soon' } })),
      /^Request decode failed: Check\.Interval:/,
    );
  });

  it("keeps Proxy and Connect as sent, without Connect's sidecar sugar", () => {
    const { service: decoded } = service({
      Name: 'p',
      Kind: 'connect-proxy',
      Proxy: { DestinationServiceName: 'web' },
      Connect: { Native: true, SidecarService: {} },
    });
    assert.equal(decoded.Kind, 'connect-proxy');
    assert.deepEqual(decoded.Proxy, { DestinationServiceName: 'web' });
    assert.deepEqual(decoded.Connect, { Native: true });
  });
});

describe('decodeCheckDefinition', () => {
  it('defaults the ID to the name and shows zero durations as Go prints them', () => {
    const decoded = check({ Name: 'mem', TTL: '15.0s', Notes: 'n' });
    assert.equal(decoded.CheckID, 'mem');
    assert.equal(decoded.Status, 'critical');
    assert.equal(decoded.Type, 'ttl');
    assert.equal(decoded.Interval, '0s');
    assert.equal(decoded.Timeout, '0s');
    assert.equal(decoded.Notes, 'n');
    assert.deepEqual(decoded.Definition, { TTL: 15 * SECOND });
  });

  it("reads python-consul's lowercase body with an ID and a service", () => {
    const decoded = check({
      name: 'check name',
      args: ['/bin/true'],
      interval: 10,
      id: 'check_id',
      serviceid: 'foo1',
    });
    assert.equal(decoded.CheckID, 'check_id');
    assert.equal(decoded.ServiceID, 'foo1');
    assert.equal(decoded.Type, 'script');
    assert.equal(decoded.Interval, '10ns');
  });

  it('accepts CheckID and service_id too, and the status given', () => {
    const decoded = check({
      Name: 'x',
      CheckID: 'y',
      service_id: 'svc',
      TTL: 100 * MILLISECOND,
      Status: 'passing',
    });
    assert.equal(decoded.CheckID, 'y');
    assert.equal(decoded.ServiceID, 'svc');
    assert.equal(decoded.Status, 'passing');
  });

  it('decodes HTTP headers, method and timeout', () => {
    const decoded = check({
      Name: 'h',
      HTTP: 'http://x/health',
      Method: 'POST',
      Header: { 'X-A': ['1', '2'] },
      Interval: '10s',
      Timeout: '1s',
      TLSSkipVerify: true,
    });
    assert.equal(decoded.Type, 'http');
    assert.equal(decoded.Timeout, '1s');
    assert.deepEqual(decoded.Definition, {
      Interval: 10 * SECOND,
      Timeout: SECOND,
      HTTP: 'http://x/health',
      Header: { 'X-A': ['1', '2'] },
      Method: 'POST',
      TLSSkipVerify: true,
    });
    assert.match(
      refusedWith(() => check({ Name: 'h', Header: { A: 'x' } })),
      /^Request decode failed: Header/,
    );
  });

  it('keeps DisableRedirects and TCPUseTLS when true, in either spelling', () => {
    assert.deepEqual(
      check({ Name: 'h', HTTP: 'http://x', Interval: '1s', DisableRedirects: true }).Definition,
      { Interval: SECOND, HTTP: 'http://x', DisableRedirects: true },
    );
    assert.equal(
      check({ Name: 'h', http: 'http://x', interval: '1s', disable_redirects: true }).Definition
        .DisableRedirects,
      true,
    );
    assert.deepEqual(check({ Name: 't', TCP: 'h:1', Interval: '1s', TCPUseTLS: true }).Definition, {
      Interval: SECOND,
      TCP: 'h:1',
      TCPUseTLS: true,
    });
    assert.equal(
      check({ Name: 't', tcp: 'h:1', interval: '1s', tcp_use_tls: true }).Definition.TCPUseTLS,
      true,
    );
    const off = check({ Name: 't', TCP: 'h:1', Interval: '1s', TCPUseTLS: false, DisableRedirects: false });
    assert.deepEqual(off.Definition, { Interval: SECOND, TCP: 'h:1' }, 'false is omitted, as omitempty does');
  });

  it('turns TLS on for H2PING unless the definition turns it off (CheckDefinition.UnmarshalJSON)', () => {
    assert.deepEqual(check({ Name: 'p', H2PING: 'h:1', Interval: '1s' }).Definition, {
      Interval: SECOND,
      H2PING: 'h:1',
      H2PingUseTLS: true,
    });
    assert.equal(
      check({ Name: 'p', H2PING: 'h:1', Interval: '1s', H2PingUseTLS: false }).Definition.H2PingUseTLS,
      undefined,
    );
    assert.equal(
      check({ name: 'p', h2ping: 'h:1', interval: '1s', h2ping_use_tls: false }).Definition.H2PingUseTLS,
      undefined,
    );
    assert.equal(
      check({ Name: 'p', H2PING: 'h:1', Interval: '1s', H2PingUseTLS: null }).Definition.H2PingUseTLS,
      true,
    );
    assert.equal(check({ Name: 't', TTL: '1s' }).Definition.H2PingUseTLS, undefined, 'only H2PING checks');
    assert.equal(check({ Name: 't', TTL: '1s', H2PingUseTLS: true }).Definition.H2PingUseTLS, true);
  });

  it("defaults H2PING TLS on in a service's checks too", () => {
    const { checks } = service({
      Name: 'web',
      Checks: [
        { H2PING: 'h:1', Interval: '1s' },
        { H2PING: 'h:2', Interval: '1s', H2PingUseTLS: false },
      ],
    });
    assert.deepEqual(
      checks.map((c) => c.Definition.H2PingUseTLS),
      [true, undefined],
    );
  });

  const refusals: [string, unknown, string][] = [
    ['no name', { TTL: '1s' }, 'Missing check name'],
    [
      'a TLS flag of the wrong type',
      { Name: 'x', TCP: 'h:1', Interval: '1s', TCPUseTLS: 'yes' },
      'Request decode failed: TCPUseTLS: expected a boolean, got string "yes"',
    ],
    [
      'DisableRedirects of the wrong type',
      { Name: 'x', HTTP: 'http://x', Interval: '1s', DisableRedirects: 1 },
      'Request decode failed: DisableRedirects: expected a boolean, got number 1',
    ],
    ['a bad status before the type', { Name: 'x', Status: 'ok' }, 'Bad check status'],
    ['a check of no type', { Name: 'x' }, 'Invalid check: TTL must be > 0 for TTL checks'],
    [
      'a script without interval',
      { Name: 'x', Args: ['true'] },
      'Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks',
    ],
    [
      'an interval on an alias',
      { Name: 'x', AliasNode: 'n', TCP: 'h:1', Interval: '1s' },
      'Invalid check: Interval cannot be set for Alias checks',
    ],
    [
      'more failures before warning than critical',
      { Name: 'x', TTL: '1s', FailuresBeforeWarning: 3, FailuresBeforeCritical: 1 },
      "Invalid check: FailuresBeforeWarning can't be higher than FailuresBeforeCritical",
    ],
    [
      'a negative output size',
      { Name: 'x', TTL: '1s', OutputMaxSize: -1 },
      'Invalid check: MaxOutputMaxSize must be positive',
    ],
  ];
  for (const [what, body, message] of refusals) {
    it(`refuses ${what}`, () =>
      assert.equal(
        refusedWith(() => check(body)),
        message,
      ));
  }
});

describe('decodeHealthCheckDefinition (catalog register)', () => {
  it('keeps the probe flags as sent, without the agent’s H2PING TLS default', () => {
    const decode = (body: unknown) => decodeHealthCheckDefinition(Fields.of(body, 'Definition'));
    assert.deepEqual(decode({ H2PING: 'h:1', Interval: '1s' }), { Interval: SECOND, H2PING: 'h:1' });
    assert.deepEqual(decode({ H2PING: 'h:1', Interval: '1s', H2PingUseTLS: true }), {
      Interval: SECOND,
      H2PING: 'h:1',
      H2PingUseTLS: true,
    });
    assert.deepEqual(decode({ HTTP: 'http://x', DisableRedirects: true, TCPUseTLS: true }), {
      HTTP: 'http://x',
      DisableRedirects: true,
      TCPUseTLS: true,
    });
  });
});

describe('definitionKind', () => {
  const table: [string, Parameters<typeof definitionKind>, string][] = [
    ['gRPC with interval', [{ GRPC: 'x:1', Interval: SECOND }], 'grpc'],
    ['HTTP with interval', [{ HTTP: 'http://x', Interval: SECOND }], 'http'],
    ['HTTP without interval', [{ HTTP: 'http://x' }], ''],
    ['TTL', [{ TTL: SECOND }], 'ttl'],
    ['TCP', [{ TCP: 'x:1', Interval: SECOND }], 'tcp'],
    ['UDP', [{ UDP: 'x:1', Interval: SECOND }], 'udp'],
    ['alias', [{ AliasService: 'web' }], 'alias'],
    ['docker', [{ ScriptArgs: ['x'], Interval: SECOND }, 'container'], 'docker'],
    ['script', [{ ScriptArgs: ['x'], Interval: SECOND }], 'script'],
    ['H2PING', [{ H2PING: 'x:1', Interval: SECOND }], 'h2ping'],
    ['OS service', [{ Interval: SECOND }, '', 'sshd'], 'os_service'],
    ['nothing', [{}], ''],
  ];
  for (const [what, args, kind] of table) {
    it(`names ${what} ${JSON.stringify(kind)}`, () => assert.equal(definitionKind(...args), kind));
  }
});
