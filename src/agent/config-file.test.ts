import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HOUR, SECOND } from '../lib/duration.ts';
import { ConfigError, type PartialConfig } from './config.ts';
import { configFormatOf, ignoredConfigKeys, type ParsedConfigFile, parseConfigText } from './config-file.ts';

function parsed(name: string, text: string): ParsedConfigFile {
  const result = parseConfigText(name, text);
  if (result instanceof ConfigError) assert.fail(result.message);
  return result;
}

function configOf(name: string, text: string): PartialConfig {
  return parsed(name, text).config;
}

function errorOf(name: string, text: string): string {
  const result = parseConfigText(name, text);
  assert.ok(result instanceof ConfigError, `expected an error, got ${JSON.stringify(result)}`);
  return result.message;
}

describe('parseConfigText: the configs client test suites start Consul with (reference §17.2)', () => {
  it('npm consul', () => {
    const { config, warnings } = parsed(
      'config.json',
      '{"primary_datacenter":"dc1","acl":{"enabled":false},"enable_script_checks":true}',
    );
    assert.deepEqual(config, { primaryDatacenter: 'dc1', acl: { enabled: false }, enableScriptChecks: true });
    assert.deepEqual(warnings, []);
  });

  it('python-consul', () => {
    const config = configOf(
      'config.json',
      JSON.stringify({
        ports: { http: 1234, serf_lan: 1235, serf_wan: 1236, server: 1237, dns: -1 },
        performance: { raft_multiplier: 1 },
        enable_script_checks: true,
      }),
    );
    assert.deepEqual(config, {
      ports: { http: 1234, serfLan: 1235, serfWan: 1236, server: 1237, dns: -1 },
      performance: { raftMultiplier: 1 },
      enableScriptChecks: true,
    });
  });

  it('python-consul2, with its encrypt.json', () => {
    assert.deepEqual(configOf('config.json', '{"datacenter":"dc1","primary_datacenter":"dc1"}'), {
      datacenter: 'dc1',
      primaryDatacenter: 'dc1',
    });
    assert.deepEqual(configOf('encrypt.json', '{"encrypt":"pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s="}'), {
      encrypt: 'pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=',
    });
  });

  it('the legacy ACL fixture: acl_datacenter turns ACLs on, acl_master_token is the management token', () => {
    const { config, warnings } = parsed(
      'acl.json',
      '{"acl_datacenter":"dc1","acl_master_token":"root","acl_token":"anon","acl_default_policy":"deny"}',
    );
    assert.deepEqual(config, {
      primaryDatacenter: 'dc1',
      acl: { enabled: true, defaultPolicy: 'deny', tokens: { initialManagement: 'root', default: 'anon' } },
    });
    assert.deepEqual(warnings, [
      "The 'acl_datacenter' field is deprecated. Use the 'primary_datacenter' field instead.",
      "The 'acl_master_token' field is deprecated. Use the 'acl.tokens.initial_management' field instead.",
      "The 'acl_token' field is deprecated. Use the 'acl.tokens.default' field instead.",
      "The 'acl_default_policy' field is deprecated. Use the 'acl.default_policy' field instead.",
    ]);
  });

  it('the modern ACL block with its master token', () => {
    const { config, warnings } = parsed(
      'acl.json',
      JSON.stringify({
        acl: {
          enabled: true,
          default_policy: 'deny',
          enable_token_persistence: true,
          tokens: { master: 'root', agent: 'agent-token' },
        },
      }),
    );
    assert.deepEqual(config, {
      acl: {
        enabled: true,
        defaultPolicy: 'deny',
        enableTokenPersistence: true,
        tokens: { initialManagement: 'root', agent: 'agent-token' },
      },
    });
    assert.deepEqual(warnings, [
      "The 'acl.tokens.master' field is deprecated. Use the 'acl.tokens.initial_management' field instead.",
    ]);
  });

  it('the DNS settings of §15', () => {
    const config = configOf(
      'dns.json',
      JSON.stringify({
        client_addr: '127.0.0.1',
        recursors: ['8.8.8.8'],
        alt_domain: 'test-domain',
        dns_config: {
          allow_stale: false,
          max_stale: '1h',
          udp_answer_limit: 10,
          only_passing: true,
          enable_truncate: true,
          node_ttl: '10s',
          service_ttl: { '*': '5s', web: '30s' },
          enable_additional_node_meta_txt: false,
          recursor_timeout: '3s',
        },
        default_query_time: '300s',
        max_query_time: '600s',
      }),
    );
    assert.deepEqual(config, {
      clientAddr: '127.0.0.1',
      recursors: ['8.8.8.8'],
      altDomain: 'test-domain',
      dnsConfig: {
        allowStale: false,
        maxStaleNs: HOUR,
        udpAnswerLimit: 10,
        onlyPassing: true,
        enableTruncate: true,
        nodeTtlNs: 10 * SECOND,
        serviceTtlNs: { '*': 5 * SECOND, web: 30 * SECOND },
        enableAdditionalNodeMetaTxt: false,
        recursorTimeoutNs: 3 * SECOND,
      },
      defaultQueryTimeNs: 300 * SECOND,
      maxQueryTimeNs: 600 * SECOND,
    });
  });
});

describe('parseConfigText: JSON and HCL say the same thing', () => {
  const json = JSON.stringify({
    datacenter: 'east',
    primary_datacenter: 'west',
    node_name: 'node1',
    node_id: 'adf4238a-882b-9ddc-4a9d-5b6758e4159e',
    data_dir: '/var/lib/cairn',
    pid_file: '/run/cairn.pid',
    server: true,
    bootstrap_expect: 3,
    bind_addr: '10.0.0.1',
    client_addr: '127.0.0.1 ::1',
    advertise_addr: '10.0.0.2',
    addresses: { http: '0.0.0.0', dns: '127.0.0.1', grpc: '127.0.0.1' },
    ports: { http: 8501, https: 8502, grpc: -1, dns: 8601, server: 8300, serf_lan: 8301, serf_wan: -1 },
    retry_join: ['10.0.0.3', '10.0.0.4'],
    start_join: ['10.0.0.5'],
    retry_interval: '15s',
    retry_max: 4,
    start_join_wan: ['10.1.0.1'],
    retry_join_wan: ['10.1.0.2'],
    retry_interval_wan: '1m',
    retry_max_wan: 2,
    log_level: 'DEBUG',
    log_json: true,
    ui_config: { enabled: true, content_path: '/console/' },
    encrypt: 'pUqJrVyVRj5jsiYEkM/tFQ==',
    enable_script_checks: false,
    enable_local_script_checks: true,
    check_output_max_size: 8192,
    check_update_interval: '30s',
    discard_check_output: true,
    acl: {
      enabled: true,
      default_policy: 'deny',
      down_policy: 'allow',
      tokens: { agent: 'a', default: 'd' },
    },
    performance: { raft_multiplier: 2 },
    dns_config: { service_ttl: { '*': '5s' }, only_passing: true },
    recursors: ['1.1.1.1'],
    domain: 'cairn',
    node_meta: { rack: 'r1', 'with-dash': 'x' },
    session_ttl_min: '5s',
    service: {
      name: 'web',
      port: 80,
      tags: ['v1'],
      meta: { version: '1' },
      check: { http: 'http://localhost/health', interval: '10s', header: { 'X-A': ['b'] } },
      checks: [{ ttl: '30s' }],
      connect: {
        sidecar_service: { proxy: { upstreams: [{ destination_name: 'db', local_bind_port: 9191 }] } },
      },
    },
    services: [{ name: 'a', checks: [{ tcp: 'localhost:1', interval: '5s' }] }, { name: 'b' }],
    check: { id: 'mem', args: ['/bin/check-mem'], interval: '10s' },
    checks: [{ id: 'disk', ttl: '1m' }],
  });
  const hcl = `
    datacenter = "east"
    primary_datacenter = "west"
    node_name = "node1"
    node_id = "adf4238a-882b-9ddc-4a9d-5b6758e4159e"
    data_dir = "/var/lib/cairn"
    pid_file = "/run/cairn.pid"
    server = true
    bootstrap_expect = 3
    bind_addr = "10.0.0.1"
    client_addr = "127.0.0.1 ::1"
    advertise_addr = "10.0.0.2"
    addresses {
      http = "0.0.0.0"
      dns = "127.0.0.1"
      grpc = "127.0.0.1"
    }
    ports {
      http = 8501
      https = 8502
      grpc = -1
      dns = 8601
      server = 8300
      serf_lan = 8301
      serf_wan = -1
    }
    retry_join = ["10.0.0.3", "10.0.0.4"]
    start_join = ["10.0.0.5"]
    retry_interval = "15s"
    retry_max = 4
    start_join_wan = ["10.1.0.1"]
    retry_join_wan = ["10.1.0.2"]
    retry_interval_wan = "1m"
    retry_max_wan = 2
    log_level = "DEBUG"
    log_json = true
    ui_config {
      enabled = true
      content_path = "/console/"
    }
    encrypt = "pUqJrVyVRj5jsiYEkM/tFQ=="
    enable_script_checks = false
    enable_local_script_checks = true
    check_output_max_size = 8192
    check_update_interval = "30s"
    discard_check_output = true
    acl {
      enabled = true
      default_policy = "deny"
      down_policy = "allow"
      tokens {
        agent = "a"
        default = "d"
      }
    }
    performance {
      raft_multiplier = 2
    }
    dns_config {
      service_ttl {
        "*" = "5s"
      }
      only_passing = true
    }
    recursors = ["1.1.1.1"]
    domain = "cairn"
    node_meta {
      rack = "r1"
      "with-dash" = "x"
    }
    session_ttl_min = "5s"
    service {
      name = "web"
      port = 80
      tags = ["v1"]
      meta {
        version = "1"
      }
      check {
        http = "http://localhost/health"
        interval = "10s"
        header {
          X-A = ["b"]
        }
      }
      checks = [{ ttl = "30s" }]
      connect {
        sidecar_service {
          proxy {
            upstreams = [{ destination_name = "db", local_bind_port = 9191 }]
          }
        }
      }
    }
    services = [
      { name = "a", checks = [{ tcp = "localhost:1", interval = "5s" }] },
      { name = "b" },
    ]
    check {
      id = "mem"
      args = ["/bin/check-mem"]
      interval = "10s"
    }
    checks = [{ id = "disk", ttl = "1m" }]
  `;

  it('gives the same partial config', () => {
    const fromJson = parsed('a.json', json);
    const fromHcl = parsed('a.hcl', hcl);
    assert.deepEqual(fromHcl, fromJson);
  });

  it('maps every key', () => {
    const config = configOf('a.json', json);
    assert.equal(config.nodeId, 'adf4238a-882b-9ddc-4a9d-5b6758e4159e');
    assert.equal(config.logLevel, 'debug');
    assert.deepEqual(config.join, ['10.0.0.5']);
    assert.deepEqual(
      [config.retryIntervalNs, config.retryMax, config.joinWan, config.retryJoinWan],
      [15 * SECOND, 4, ['10.1.0.1'], ['10.1.0.2']],
    );
    assert.deepEqual([config.retryIntervalWanNs, config.retryMaxWan], [60 * SECOND, 2]);
    assert.deepEqual(
      [config.checkOutputMaxSize, config.checkUpdateIntervalNs, config.discardCheckOutput],
      [8192, 30 * SECOND, true],
    );
    assert.deepEqual(config.ports, {
      http: 8501,
      https: 8502,
      grpc: -1,
      dns: 8601,
      server: 8300,
      serfLan: 8301,
      serfWan: -1,
    });
    assert.deepEqual(config.nodeMeta, { rack: 'r1', 'with-dash': 'x' });
    // `service` and `services` append in document order; so do `check` and `checks`.
    assert.deepEqual(
      config.services?.map((service) => (service as { name: string }).name),
      ['web', 'a', 'b'],
    );
    assert.deepEqual(
      config.checks?.map((check) => (check as { id: string }).id),
      ['mem', 'disk'],
    );
  });

  it('keeps HCL blocks inside definitions as objects, and their real lists as lists', () => {
    const [web] = configOf('a.hcl', hcl).services as Record<string, unknown>[];
    assert.deepEqual(web?.meta, { version: '1' });
    assert.deepEqual(web?.checks, [{ ttl: '30s' }]);
    assert.deepEqual(web?.check, {
      http: 'http://localhost/health',
      interval: '10s',
      header: { 'X-A': ['b'] },
    });
    assert.deepEqual(web?.connect, {
      sidecar_service: { proxy: { upstreams: [{ destination_name: 'db', local_bind_port: 9191 }] } },
    });
  });

  it('reads repeated HCL service and check blocks as several definitions', () => {
    const config = configOf('a.hcl', 'service { name = "a" }\nservice { name = "b" }\ncheck { id = "c" }');
    assert.deepEqual(config.services, [{ name: 'a' }, { name: 'b' }]);
    assert.deepEqual(config.checks, [{ id: 'c' }]);
  });

  it('accepts HCL map syntax for blocks', () => {
    assert.deepEqual(configOf('a.hcl', 'ports = { http = 1 }'), { ports: { http: 1 } });
  });
});

describe('parseConfigText: errors name the file, the key, the value and what was expected', () => {
  const table: [string, string, string, string][] = [
    ['unknown key', 'a.json', '{"foo": 1}', 'failed to parse a.json: invalid config key foo'],
    [
      'unknown nested key',
      'a.hcl',
      'ports { htp = 1 }',
      'failed to parse a.hcl: invalid config key ports.htp',
    ],
    ['dev is flag-only', 'a.json', '{"dev": true}', 'failed to parse a.json: invalid config key dev'],
    [
      'port as text',
      '/etc/cairn/a.json',
      '{"ports": {"http": "abc"}}',
      'failed to parse /etc/cairn/a.json: ports.http: invalid value "abc", expected an integer port up to 65535 (-1 or 0 disables it)',
    ],
    [
      'port too high',
      'a.hcl',
      'ports { dns = 70000 }',
      'failed to parse a.hcl: ports.dns: invalid value 70000, expected an integer port up to 65535 (-1 or 0 disables it)',
    ],
    [
      'boolean as text',
      'a.json',
      '{"server": "true"}',
      'failed to parse a.json: server: invalid value "true", expected true or false',
    ],
    [
      'duration as a number',
      'a.json',
      '{"dns_config": {"max_stale": 5}}',
      'failed to parse a.json: dns_config.max_stale: invalid value 5, expected a duration such as "10s", "1m30s" or "72h"',
    ],
    [
      'log level',
      'a.json',
      '{"log_level": "loud"}',
      'failed to parse a.json: log_level: invalid value "loud", expected one of trace, debug, info, warn, err, error',
    ],
    [
      'ACL policy',
      'a.json',
      '{"acl": {"default_policy": "maybe"}}',
      'failed to parse a.json: acl.default_policy: invalid value "maybe", expected one of allow, deny',
    ],
    [
      'list as a string',
      'a.json',
      '{"retry_join": "10.0.0.1"}',
      'failed to parse a.json: retry_join: invalid value "10.0.0.1", expected a list of strings',
    ],
    [
      'block as a scalar',
      'a.json',
      '{"ports": 8500}',
      'failed to parse a.json: ports: invalid value 8500, expected a single block of settings',
    ],
    [
      'repeated HCL block',
      'a.hcl',
      'ports { http = 1 }\nports { dns = 2 }',
      'failed to parse a.hcl: ports: invalid value [{"http":1},{"dns":2}], expected a single block of settings',
    ],
    [
      'service as a string',
      'a.json',
      '{"service": "web"}',
      'failed to parse a.json: service: invalid value "web", expected an object or a list of objects',
    ],
    [
      'node id',
      'a.json',
      '{"node_id": "n1"}',
      'failed to parse a.json: node_id: invalid value "n1", expected a UUID such as "adf4238a-882b-9ddc-4a9d-5b6758e4159e"',
    ],
    [
      'check output size as text',
      'a.json',
      '{"check_output_max_size": "4k"}',
      'failed to parse a.json: check_output_max_size: invalid value "4k", expected an integer',
    ],
    [
      'check update interval as a number',
      'a.json',
      '{"check_update_interval": 300}',
      'failed to parse a.json: check_update_interval: invalid value 300, expected a duration such as "10s", "1m30s" or "72h"',
    ],
    ['top level array', 'a.json', '[1]', 'failed to parse a.json: the top level must be an object'],
    ['HCL syntax', 'a.hcl', 'a = "x', 'failed to parse a.hcl: At 1:7: literal not terminated'],
    [
      'unknown format',
      'a.yaml',
      'a: 1',
      'failed to parse a.yaml: unknown config format: the name must end in .json or .hcl, or -config-format must be set',
    ],
  ];
  for (const [name, file, text, message] of table) {
    it(name, () => assert.equal(errorOf(file, text), message));
  }

  it('JSON syntax errors say where', () => {
    assert.match(errorOf('a.json', '{"a": }'), /^failed to parse a\.json: .*JSON/);
  });
});

describe('parseConfigText: dns_config', () => {
  it('reads the DNS settings, the SOA timers included', () => {
    const { config, warnings } = parsed(
      'a.hcl',
      'dns_config { a_record_limit = 2\n disable_compression = true\n recursor_strategy = "random"\n soa { refresh = 60\n min_ttl = 5 } }',
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(config, {
      dnsConfig: {
        aRecordLimit: 2,
        disableCompression: true,
        recursorStrategy: 'random',
        soa: { refresh: 60, minTtl: 5 },
      },
    });
    assert.match(errorOf('a.hcl', 'dns_config { recursor_strategy = "fastest" }'), /recursor_strategy/);
  });
});

describe('parseConfigText: Consul keys Cairn does not implement', () => {
  it('are accepted with a warning naming the key and file', () => {
    const { config, warnings } = parsed(
      'a.hcl',
      'telemetry { statsd_address = "x" }\nleave_on_terminate = true\nports { grpc_tls = 8503 }\ndns_config { use_cache = true }',
    );
    assert.deepEqual(config, {});
    assert.deepEqual(warnings, [
      'ignoring config key dns_config.use_cache in a.hcl: not supported by Cairn',
      'ignoring config key leave_on_terminate in a.hcl: not supported by Cairn',
      'ignoring config key ports.grpc_tls in a.hcl: not supported by Cairn',
      'ignoring config key telemetry in a.hcl: not supported by Cairn',
    ]);
  });

  it('include the ones the brief lists', () => {
    for (const key of [
      'telemetry',
      'connect',
      'limits',
      'autopilot',
      'tls',
      'verify_incoming',
      'verify_outgoing',
      'verify_server_hostname',
      'key_file',
      'cert_file',
      'ca_file',
      'leave_on_terminate',
      'skip_leave_on_interrupt',
      'disable_update_check',
      'raft_protocol',
      'license_path',
    ]) {
      assert.ok(ignoredConfigKeys.includes(key), key);
    }
  });
});

describe('parseConfigText: Consul decoding habits', () => {
  it('matches keys case-insensitively', () => {
    assert.deepEqual(configOf('a.json', '{"Datacenter": "x", "Ports": {"HTTP": 1}}'), {
      datacenter: 'x',
      ports: { http: 1 },
    });
  });

  it('reads null as not set', () => {
    assert.deepEqual(configOf('a.json', '{"datacenter": null, "ports": null}'), {});
  });

  it('reads an empty file as an empty layer', () => {
    assert.deepEqual(parsed('a.json', ''), { config: {}, warnings: [] });
    assert.deepEqual(parsed('a.hcl', '  \n'), { config: {}, warnings: [] });
  });

  it('lets a replacement key beat its deprecated form in the same file, whatever the order', () => {
    for (const text of [
      '{"ui": false, "ui_config": {"enabled": true}}',
      '{"ui_config": {"enabled": true}, "ui": false}',
    ]) {
      assert.equal(configOf('a.json', text).uiConfig?.enabled, true, text);
    }
    assert.deepEqual(configOf('a.json', '{"ui": true, "ui_dir": "/ui", "ui_content_path": "/x/"}').uiConfig, {
      enabled: true,
      dir: '/ui',
      contentPath: '/x/',
    });
  });

  it('reads ports of 0 or less as disabled', () => {
    assert.deepEqual(configOf('a.json', '{"ports": {"dns": 0, "grpc": -5}}'), {
      ports: { dns: -1, grpc: -1 },
    });
  });

  it('takes the format from the caller when forced', () => {
    assert.deepEqual(parseConfigText('config', 'datacenter = "x"', 'hcl'), {
      config: { datacenter: 'x' },
      warnings: [],
    });
  });

  it('keeps a __proto__ key as data', () => {
    const config = configOf('a.json', '{"node_meta": {"__proto__": "x"}}');
    assert.deepEqual(Object.keys(config.nodeMeta ?? {}), ['__proto__']);
    assert.equal(Object.getPrototypeOf(config.nodeMeta), Object.prototype);
  });
});

describe('configFormatOf', () => {
  it('goes by extension only', () => {
    assert.equal(configFormatOf('/etc/a.json'), 'json');
    assert.equal(configFormatOf('a.hcl'), 'hcl');
    assert.equal(configFormatOf('a.json.bak'), undefined);
    assert.equal(configFormatOf('a.JSON'), undefined);
  });
});

describe('parseConfigText never throws', () => {
  const isResult = (result: unknown) =>
    result instanceof ConfigError ||
    (typeof result === 'object' && result !== null && 'config' in result && 'warnings' in result);

  it('on any JSON document', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        assert.ok(isResult(parseConfigText('a.json', JSON.stringify(value))));
      }),
      { numRuns: 500 },
    );
  });

  it('on documents made of real keys with random values', () => {
    const keys = [
      'ports',
      'acl',
      'dns_config',
      'service',
      'checks',
      'node_meta',
      'datacenter',
      'retry_join',
      'tokens',
    ];
    const document = fc.dictionary(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 3 }));
    fc.assert(
      fc.property(document, (value) => {
        assert.ok(isResult(parseConfigText('a.json', JSON.stringify(value))));
      }),
      { numRuns: 500 },
    );
  });

  it('on any text, as JSON or HCL', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('a.json', 'a.hcl'), (text, name) => {
        assert.ok(isResult(parseConfigText(name, text)));
      }),
      { numRuns: 300 },
    );
  });
});
