import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConfigError,
  completeConfig,
  defaultConfig,
  devDefaults,
  mergeConfig,
  type PartialConfig,
  type RuntimeConfig,
} from './config.ts';
import { validateConfig } from './config-validation.ts';

/** A valid client agent, changed by `layers`, completed as the loader completes it. */
function configWith(...layers: PartialConfig[]): RuntimeConfig {
  return completeConfig(
    mergeConfig(defaultConfig(), { nodeName: 'node1', dataDir: '/var/lib/cairn' }, ...layers),
  ).config;
}

function problemOf(...layers: PartialConfig[]): string | undefined {
  const result = validateConfig(configWith(...layers));
  return result instanceof ConfigError ? result.message : undefined;
}

function warningsOf(...layers: PartialConfig[]): string[] {
  const result = validateConfig(configWith(...layers));
  if (result instanceof ConfigError) assert.fail(result.message);
  return result.warnings;
}

describe('validateConfig', () => {
  it('accepts the defaults with a node name and data directory', () => {
    assert.deepEqual(warningsOf(), []);
  });

  it('accepts -dev without a data directory', () => {
    assert.deepEqual(warningsOf(devDefaults, { dataDir: '' }), []);
  });

  it('refuses ACLs rather than run with them unenforced', () => {
    assert.match(
      problemOf({ acl: { enabled: true } }) ?? '',
      /^acl\.enabled = true: ACLs are not implemented/,
    );
    assert.deepEqual(warningsOf({ acl: { enabled: false } }), []);
  });

  const problems: [string, PartialConfig, string][] = [
    [
      'datacenter characters',
      { datacenter: 'dc 1' },
      'datacenter can only contain lowercase alphanumeric, - or _ characters. received: "dc 1"',
    ],
    ['empty datacenter', { datacenter: '' }, 'datacenter cannot be empty'],
    [
      'primary datacenter characters',
      { primaryDatacenter: 'dc.1' },
      'primary_datacenter can only contain lowercase alphanumeric, - or _ characters. received: "dc.1"',
    ],
    ['data_dir without -dev', { dataDir: '' }, 'data_dir cannot be empty'],
    ['node name', { nodeName: ' ' }, 'node_name cannot be empty'],
    ['-bootstrap without -server', { bootstrap: true }, "'bootstrap = true' requires 'server = true'"],
    [
      'negative bootstrap_expect',
      { server: true, bootstrapExpect: -1 },
      'bootstrap_expect cannot be -1. Must be greater than or equal to zero',
    ],
    [
      'bootstrap_expect on a client',
      { bootstrapExpect: 3 },
      "'bootstrap_expect > 0' requires 'server = true'",
    ],
    [
      'bootstrap_expect in dev mode',
      { ...devDefaults, bootstrapExpect: 3 },
      "'bootstrap_expect > 0' not allowed in dev mode",
    ],
    [
      'bootstrap with bootstrap_expect',
      { server: true, bootstrap: true, bootstrapExpect: 3 },
      "'bootstrap_expect > 0' and 'bootstrap = true' are mutually exclusive",
    ],
    [
      'raft multiplier',
      { performance: { raftMultiplier: 11 } },
      'performance.raft_multiplier cannot be 11. Must be between 1 and 10',
    ],
    [
      'zero raft multiplier',
      { performance: { raftMultiplier: 0 } },
      'performance.raft_multiplier cannot be 0. Must be between 1 and 10',
    ],
    ['bind address', { bindAddr: 'localhost' }, 'bind_addr: invalid ip address: localhost'],
    [
      'bind address template',
      { bindAddr: '{{ GetPrivateIP }}' },
      'bind_addr: invalid ip address: {{ GetPrivateIP }} (go-sockaddr templates are not supported by Cairn)',
    ],
    [
      'client address template',
      { clientAddr: '{{ GetAllInterfaces }}' },
      'client_addr: invalid ip address: {{ GetAllInterfaces }} (go-sockaddr templates are not supported by Cairn)',
    ],
    ['empty bind address', { bindAddr: '' }, 'bind_addr cannot be empty'],
    [
      'several bind addresses',
      { bindAddr: '10.0.0.1 10.0.0.2' },
      "bind_addr cannot contain multiple addresses. Use 'addresses.{dns,http,https}' instead.",
    ],
    ['unix bind address', { bindAddr: 'unix:///tmp/x' }, 'bind_addr cannot be a unix socket'],
    [
      'wildcard advertise address',
      { advertiseAddr: '0.0.0.0' },
      'Advertise address cannot be 0.0.0.0, :: or [::]',
    ],
    ['advertise address', { advertiseAddr: 'my-host' }, 'advertise_addr: invalid ip address: my-host'],
    ['client address', { clientAddr: '127.0.0.1 nope' }, 'client_addr: invalid ip address: nope'],
    ['http address', { addresses: { http: 'x' } }, 'addresses.http: invalid ip address: x'],
    [
      'unix client address',
      { clientAddr: 'unix:///tmp/http.sock' },
      'client_addr: unix sockets are not supported by Cairn: unix:///tmp/http.sock',
    ],
    [
      'wildcard recursor',
      { recursors: ['0.0.0.0:53'] },
      'DNS recursor address cannot be 0.0.0.0, :: or [::]',
    ],
    [
      'wildcard IPv6 recursor',
      { recursors: ['[::]:53'] },
      'DNS recursor address cannot be 0.0.0.0, :: or [::]',
    ],
    [
      'alt_domain that shadows a query',
      { altDomain: 'service.consul' },
      'alt_domain cannot start with {service,connect,node,query,addr,dc1}',
    ],
    [
      'alt_domain under the datacenter',
      { altDomain: 'dc1.example' },
      'alt_domain cannot start with {service,connect,node,query,addr,dc1}',
    ],
    [
      'UI path characters',
      { uiConfig: { contentPath: '/u i/' } },
      'ui-content-path can only contain alphanumeric, -, _, or /. received: "/u i/"',
    ],
    [
      'UI path over the API',
      { uiConfig: { contentPath: '/v1/' } },
      'ui-content-path cannot have \'v[0-9]\'. received: "/v1/"',
    ],
    [
      'UI enabled with a UI directory',
      { uiConfig: { enabled: true, dir: '/srv/ui' } },
      'Both the ui_config.enabled and ui_config.dir (or -ui and -ui-dir) were specified, please provide only one.\n' +
        'If trying to use your own web UI resources, use ui_config.dir or the -ui-dir flag.\n' +
        'The web UI is included in the binary so use ui_config.enabled or the -ui flag to enable it',
    ],
    [
      'UDP answer limit',
      { dnsConfig: { udpAnswerLimit: -1 } },
      'dns_config.udp_answer_limit cannot be -1. Must be greater than or equal to zero',
    ],
    [
      'A record limit',
      { dnsConfig: { aRecordLimit: -2 } },
      'dns_config.a_record_limit cannot be -2. Must be greater than or equal to zero',
    ],
    [
      'SOA timer beyond 32 bits',
      { dnsConfig: { soa: { refresh: 3600, retry: 600, expire: 2 ** 32, minTtl: 0 } } },
      'dns_config.soa.expire must be between 0 and 4294967295, got 4294967296',
    ],
    [
      'node meta key characters',
      { nodeMeta: { 'a b': 'c' } },
      "node_meta invalid: Couldn't load metadata pair ('a b', 'c'): Key contains invalid characters",
    ],
    [
      'reserved node meta prefix',
      { nodeMeta: { 'consul-version': '1' } },
      "node_meta invalid: Couldn't load metadata pair ('consul-version', '1'): Key prefix 'consul-' is reserved for internal use",
    ],
    [
      'node meta value length',
      { nodeMeta: { a: 'x'.repeat(513) } },
      `node_meta invalid: Couldn't load metadata pair ('a', '${'x'.repeat(513)}'): Value is too long (limit: 512 characters)`,
    ],
    [
      'too much node meta',
      { nodeMeta: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) },
      'node_meta invalid: Node metadata cannot contain more than 64 key/value pairs',
    ],
    [
      'gossip key length',
      { encrypt: 'c2hvcnQ=' },
      'encrypt has invalid key: key size must be 16, 24 or 32 bytes',
    ],
    [
      'gossip key alphabet',
      { encrypt: 'not base64!' },
      'encrypt has invalid key: illegal base64 data at input byte 3',
    ],
    [
      'gossip key padding',
      { encrypt: 'pUqJrVyVRj5jsiYEkM/tFQ' },
      'encrypt has invalid key: illegal base64 data at input byte 20',
    ],
    [
      'no check output',
      { checkOutputMaxSize: 0 },
      'check_output_max_size must be positive, to discard check output use the discard_check_output flag',
    ],
    ['a zero retry interval', { retryIntervalNs: 0 }, 'retry_interval must be a positive duration'],
    [
      'a zero WAN retry interval',
      { retryIntervalWanNs: 0 },
      'retry_interval_wan must be a positive duration',
    ],
    ['port range (from code)', { ports: { http: 70_000 } }, 'ports.http: invalid port: 70000'],
    ['serf LAN off', { ports: { serfLan: -1 } }, 'ports.serf_lan cannot be disabled: agents need LAN gossip'],
    [
      'server port off on a server',
      { server: true, ports: { server: -1 } },
      'ports.server cannot be disabled on a server: servers need it for Raft and RPC',
    ],
    [
      'HTTP on the DNS port',
      { ports: { http: 8600 } },
      'HTTP address 127.0.0.1:8600 already configured for DNS',
    ],
    [
      'serf on the RPC port',
      { ports: { serfLan: 8300 } },
      'Serf Advertise LAN address 127.0.0.1:8300 already configured for RPC Advertise',
    ],
  ];
  for (const [name, layer, message] of problems) {
    it(`refuses: ${name}`, () => assert.equal(problemOf(layer), message));
  }

  const accepted: [string, PartialConfig][] = [
    ['16-byte gossip key', { encrypt: 'pUqJrVyVRj5jsiYEkM/tFQ==' }],
    ['32-byte gossip key', { encrypt: 'pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=' }],
    ['24-byte gossip key', { encrypt: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
    ['IPv6 addresses', { bindAddr: '::1', clientAddr: '::1 127.0.0.1', advertiseAddr: 'fe80::1' }],
    ['a wildcard bind address (the agent picks what to advertise)', { bindAddr: '0.0.0.0' }],
    ['disabled DNS and WAN', { ports: { dns: -1, serfWan: -1 } }],
    ['same ports on different addresses', { clientAddr: '127.0.0.2', ports: { http: 8300 } }],
    ['ephemeral ports from code', { ports: { http: 0, dns: 0, serfLan: 0, serfWan: 0, server: 0 } }],
    ['a UI directory in dev mode', { ...devDefaults, uiConfig: { enabled: true, dir: '/srv/ui' } }],
    ['an alt domain', { altDomain: 'example.org' }],
    [
      'one byte of check output, and no deferred check updates',
      { checkOutputMaxSize: 1, checkUpdateIntervalNs: 0 },
    ],
    ['recursors with ports', { recursors: ['8.8.8.8:53', '[2001:4860:4860::8888]:53', '1.1.1.1'] }],
  ];
  for (const [name, layer] of accepted) {
    it(`accepts: ${name}`, () => assert.equal(problemOf(layer), undefined));
  }

  it('warns about node names DNS cannot serve', () => {
    assert.deepEqual(warningsOf({ nodeName: 'host.example.com' }), [
      'Node name "host.example.com" will not be discoverable via DNS due to invalid characters. ' +
        'Valid characters include all alpha-numerics and dashes.',
    ]);
    assert.deepEqual(warningsOf({ nodeName: 'n'.repeat(64) }), [
      `Node name "${'n'.repeat(64)}" will not be discoverable via DNS due to it being too long. ` +
        'Valid lengths are between 1 and 63 bytes.',
    ]);
  });

  it('warns about an empty client address', () => {
    assert.deepEqual(warningsOf({ clientAddr: '' }), [
      'client_addr is empty, client services (DNS, HTTP, HTTPS, GRPC) will not be listening for connections',
    ]);
  });

  it("gives Consul's bootstrap warnings", () => {
    const table = 'See https://www.consul.io/docs/internals/consensus.html#deployment-table';
    assert.deepEqual(warningsOf({ server: true, bootstrap: true }), [
      'bootstrap = true: do not enable unless necessary',
    ]);
    assert.deepEqual(warningsOf({ server: true, bootstrapExpect: 2 }), [
      `bootstrap_expect = 2: A cluster with 2 servers will provide no failure tolerance. ${table}`,
      'bootstrap_expect > 0: expecting 2 servers',
    ]);
    assert.deepEqual(warningsOf({ server: true, bootstrapExpect: 4 }), [
      'bootstrap_expect is even number: A cluster with an even number of servers does not achieve optimum ' +
        `fault tolerance. ${table}`,
      'bootstrap_expect > 0: expecting 4 servers',
    ]);
    assert.deepEqual(warningsOf({ server: true, bootstrapExpect: 3 }), [
      'bootstrap_expect > 0: expecting 3 servers',
    ]);
    assert.deepEqual(warningsOf(devDefaults), []);
  });
});
