import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MINUTE, SECOND } from '../lib/duration.ts';
import { ConfigError } from './config.ts';
import { decodeConfiguredDefinitions } from './definitions.ts';
import { type BuiltRuntimeConfig, buildRuntimeConfig, type ConfigText } from './load-config.ts';

function build(argv: string[], sources: ConfigText[] = [], hostname = 'host1'): BuiltRuntimeConfig {
  const result = buildRuntimeConfig({ argv, sources, hostname });
  if (result instanceof ConfigError) assert.fail(result.message);
  return result;
}

function errorOf(argv: string[], sources: ConfigText[] = []): string {
  const result = buildRuntimeConfig({ argv, sources, hostname: 'host1' });
  assert.ok(result instanceof ConfigError, 'expected an error');
  return result.message;
}

const npmConsulConfig: ConfigText = {
  name: '/t/config.json',
  text: '{"primary_datacenter":"dc1","acl":{"enabled":false},"enable_script_checks":true}',
};
const pythonConsulConfig: ConfigText = {
  name: 'config.json',
  text: JSON.stringify({
    ports: { http: 1234, serf_lan: 1235, serf_wan: 1236, server: 1237, dns: -1 },
    performance: { raft_multiplier: 1 },
    enable_script_checks: true,
  }),
};

describe('buildRuntimeConfig: the agents client test suites start (reference §17)', () => {
  it('npm consul node1: a bootstrapping server', () => {
    const { config, warnings } = build(
      (
        '-node node1 -datacenter dc1 -bind 127.0.0.1 -client 127.0.0.1 -bootstrap -server ' +
        '-config-file /t/config.json -data-dir /t/node1/data -pid-file /t/node1/pid'
      ).split(' '),
      [npmConsulConfig],
    );
    assert.equal(config.nodeName, 'node1');
    assert.equal(config.server, true);
    assert.equal(config.bootstrap, true);
    assert.equal(config.dataDir, '/t/node1/data');
    assert.equal(config.pidFile, '/t/node1/pid');
    assert.equal(config.primaryDatacenter, 'dc1');
    assert.equal(config.enableScriptChecks, true);
    assert.equal(config.enableLocalScriptChecks, true);
    assert.equal(config.acl.enabled, false);
    assert.equal(config.ports.http, 8500);
    assert.equal(config.advertiseAddr, '127.0.0.1');
    assert.deepEqual(warnings, ['bootstrap = true: do not enable unless necessary']);
  });

  it('npm consul node2: a client on its own loopback address, same ports', () => {
    const { config, warnings } = build(
      (
        '-node node2 -datacenter dc1 -bind 127.0.0.2 -client 127.0.0.2 -config-file /t/config.json ' +
        '-data-dir /t/node2/data -pid-file /t/node2/pid'
      ).split(' '),
      [npmConsulConfig],
    );
    assert.equal(config.server, false);
    assert.equal(config.bindAddr, '127.0.0.2');
    assert.equal(config.clientAddr, '127.0.0.2');
    assert.equal(config.advertiseAddr, '127.0.0.2');
    assert.equal(config.ports.http, 8500);
    assert.deepEqual(warnings, []);
  });

  it('python-consul: -dev with a config directory', () => {
    const { config, warnings } = build(['-dev', '-bind=127.0.0.1', '-config-dir=.'], [pythonConsulConfig]);
    assert.equal(config.dev, true);
    assert.equal(config.server, true);
    assert.equal(config.bootstrap, true);
    assert.equal(config.dataDir, '');
    assert.equal(config.uiConfig.enabled, true);
    assert.deepEqual(config.ports, {
      http: 1234,
      https: -1,
      grpc: -1,
      dns: -1,
      server: 1237,
      serfLan: 1235,
      serfWan: 1236,
    });
    assert.equal(config.performance.raftMultiplier, 1);
    assert.equal(config.enableScriptChecks, true);
    assert.equal(config.nodeName, 'host1');
    assert.deepEqual(warnings, []);
  });

  it('python-consul2: -bootstrap-expect 1 in dev mode means bootstrap', () => {
    const { config, warnings } = build(
      ['-dev', '-bind=127.0.0.1', '-config-dir=.', '-bootstrap-expect', '1', '-config-file=encrypt.json'],
      [
        { name: 'config.json', text: '{"datacenter":"dc1","primary_datacenter":"dc1"}' },
        { name: 'encrypt.json', text: '{"encrypt":"pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s="}' },
      ],
    );
    assert.equal(config.bootstrap, true);
    assert.equal(config.bootstrapExpect, 0);
    assert.equal(config.encrypt, 'pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=');
    assert.deepEqual(warnings, ['BootstrapExpect is set to 1; this is the same as Bootstrap mode.']);
  });
});

describe('buildRuntimeConfig: layer order', () => {
  it('uses the hostname as the node name unless told otherwise', () => {
    assert.equal(build(['-dev']).config.nodeName, 'host1');
    assert.equal(build(['-dev'], [{ name: 'a.json', text: '{"node_name":"file"}' }]).config.nodeName, 'file');
    assert.equal(
      build(['-dev', '-node=flag'], [{ name: 'a.json', text: '{"node_name":"file"}' }]).config.nodeName,
      'flag',
    );
  });

  it('applies files in the order given, later winning, lists appending', () => {
    const { config } = build(
      ['-dev'],
      [
        { name: 'd/a.json', text: '{"datacenter":"a","retry_join":["a"],"node_meta":{"x":"a","y":"a"}}' },
        { name: 'd/b.hcl', text: 'datacenter = "b"\nretry_join = ["b"]\nnode_meta { y = "b" }' },
        { name: 'c.json', text: '{"datacenter":"c"}' },
      ],
    );
    assert.equal(config.datacenter, 'c');
    assert.deepEqual(config.retryJoin, ['a', 'b']);
    assert.deepEqual(config.nodeMeta, { x: 'a', y: 'b' });
  });

  it('lets flags beat files, -dev defaults lose to files, and -hcl beat everything', () => {
    const { config } = build(
      ['-dev', '-datacenter', 'flag', '-http-port', '1', '-hcl', 'ports { dns = 3 }', '-dns-port', '2'],
      [
        {
          name: 'a.json',
          text: '{"datacenter":"file","ports":{"http":9,"dns":9},"ui_config":{"enabled":false}}',
        },
      ],
    );
    assert.equal(config.datacenter, 'flag');
    assert.equal(config.ports.http, 1);
    assert.equal(config.ports.dns, 3);
    assert.equal(config.uiConfig.enabled, false);
  });

  it('puts list flags before the lists of files, as Consul does', () => {
    const { config } = build(
      ['-dev', '-retry-join', 'flag', '-recursor', '9.9.9.9'],
      [{ name: 'a.json', text: '{"retry_join":["file"],"recursors":["1.1.1.1"]}' }],
    );
    assert.deepEqual(config.retryJoin, ['flag', 'file']);
    assert.deepEqual(config.recursors, ['9.9.9.9', '1.1.1.1']);
  });

  it('reads every source in the format -config-format names', () => {
    const { config } = build(
      ['-dev', '-config-format=hcl'],
      [{ name: 'agent.conf', text: 'datacenter = "x"' }],
    );
    assert.equal(config.datacenter, 'x');
  });

  it('collects warnings from flags, files and rules', () => {
    const { warnings } = build(
      ['-dev', '-syslog', '-node', 'my.host'],
      [{ name: 'a.json', text: '{"telemetry":{},"ui":true}' }],
    );
    assert.deepEqual(warnings, [
      'ignoring flag -syslog: not supported by Cairn',
      'ignoring config key telemetry in a.json: not supported by Cairn',
      "The 'ui' field is deprecated. Use the 'ui_config.enabled' field instead.",
      'Node name "my.host" will not be discoverable via DNS due to invalid characters. Valid characters include all alpha-numerics and dashes.',
    ]);
  });

  it('keeps durations in nanoseconds', () => {
    const { config } = build(['-dev'], [{ name: 'a.hcl', text: 'max_query_time = "30s"' }]);
    assert.equal(config.maxQueryTimeNs, 30 * SECOND);
    assert.equal(config.defaultQueryTimeNs, 300 * SECOND);
  });
});

describe('buildRuntimeConfig: errors', () => {
  it('from flags', () => assert.equal(errorOf(['-nope']), 'flag provided but not defined: -nope'));
  it('for a help request', () => assert.equal(errorOf(['-h']), 'flag: help requested'));
  it('from a file', () => {
    assert.equal(
      errorOf(['-dev'], [{ name: 'a.json', text: '{"foo":1}' }]),
      'failed to parse a.json: invalid config key foo',
    );
  });
  it('from an -hcl fragment', () => {
    assert.equal(errorOf(['-dev', '-hcl', 'foo = 1']), 'failed to parse flags-0.hcl: invalid config key foo');
  });
  it('from the rules', () => {
    assert.equal(errorOf([]), 'data_dir cannot be empty');
    assert.equal(errorOf(['-data-dir=/d', '-bootstrap']), "'bootstrap = true' requires 'server = true'");
    assert.equal(errorOf(['-dev', '-bootstrap-expect=3']), "'bootstrap_expect > 0' not allowed in dev mode");
  });
});

describe('buildRuntimeConfig never throws', () => {
  it('on random flags and config documents', () => {
    const flag = fc.constantFrom(
      '-dev',
      '-server',
      '-bootstrap',
      '-bootstrap-expect=3',
      '-bootstrap-expect=1',
      '-data-dir=/d',
      '-node=n',
      '-bind=0.0.0.0',
      '-client=',
      '-http-port=8600',
      '-hcl=ports { http = 1 }',
      '-hcl=}',
      '-encrypt=x',
      '-x',
    );
    const document = fc.dictionary(
      fc.constantFrom(
        'ports',
        'acl',
        'datacenter',
        'server',
        'bootstrap_expect',
        'node_meta',
        'services',
        'foo',
      ),
      fc.jsonValue({ maxDepth: 2 }),
    );
    fc.assert(
      fc.property(
        fc.array(flag, { maxLength: 6 }),
        fc.array(document, { maxLength: 3 }),
        (argv, documents) => {
          const sources = documents.map((value, index) => ({
            name: `${index}.json`,
            text: JSON.stringify(value),
          }));
          const result = buildRuntimeConfig({ argv, sources, hostname: 'h' });
          assert.ok(result instanceof ConfigError || ('config' in result && 'warnings' in result));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('buildRuntimeConfig: check settings', () => {
  it("has Consul's defaults", () => {
    const { config } = build(['-dev']);
    assert.deepEqual(
      [config.checkOutputMaxSize, config.checkUpdateIntervalNs, config.discardCheckOutput],
      [4096, 5 * MINUTE, false],
    );
  });

  it('reads them from files, the size flag beating the files', () => {
    const { config } = build(
      ['-dev', '-check_output_max_size=512'],
      [
        {
          name: 'a.hcl',
          text: 'check_output_max_size = 100\ncheck_update_interval = "0s"\ndiscard_check_output = true',
        },
      ],
    );
    assert.deepEqual(
      [config.checkOutputMaxSize, config.checkUpdateIntervalNs, config.discardCheckOutput],
      [512, 0, true],
    );
  });

  it('refuses an output size below one byte', () => {
    assert.equal(
      errorOf(['-dev', '-check_output_max_size=0']),
      'check_output_max_size must be positive, to discard check output use the discard_check_output flag',
    );
  });
});

describe('buildRuntimeConfig: check definitions, decoded as the agent decodes them', () => {
  const definitionsOf = (name: string, text: string, argv = ['-dev', '-enable-local-script-checks']) =>
    decodeConfiguredDefinitions(build(argv, [{ name, text }]).config, 'node1');

  const snakeJson = JSON.stringify({
    service: {
      name: 'web',
      id: 'web-1',
      port: 80,
      check: {
        http: 'http://127.0.0.1:80/health',
        interval: 10 * SECOND,
        timeout: '2s',
        header: { 'X-A': ['b'] },
        method: 'HEAD',
        tls_skip_verify: true,
        deregister_critical_service_after: '90m',
        success_before_passing: 2,
        failures_before_critical: 3,
      },
      checks: [
        { tcp: '127.0.0.1:80', interval: '5s' },
        { ttl: '30s', notes: 'n', status: 'passing' },
      ],
    },
    check: { id: 'mem', name: 'Memory', args: ['/bin/check-mem'], interval: '10s', timeout: '1s' },
    checks: [
      { name: 'disk', ttl: MINUTE },
      { id: 'web-alias', name: 'Web alias', alias_service: 'web-1', service_id: 'web-1' },
    ],
  });
  // Nanosecond numbers in HCL stay below 2^31: js-hcl-parser (GopherJS) reads HCL integers as
  // 32-bit ints and refuses larger ones with "value out of range", where Consul reads 64 bits.
  const camelHclWithNanoseconds = `
    Service {
      Name = "web"
      ID = "web-1"
      Port = 80
      Check {
        HTTP = "http://127.0.0.1:80/health"
        Interval = "10s"
        Timeout = 2000000000
        Header {
          X-A = ["b"]
        }
        Method = "HEAD"
        TLSSkipVerify = true
        DeregisterCriticalServiceAfter = "90m"
        SuccessBeforePassing = 2
        FailuresBeforeCritical = 3
      }
      Checks = [
        { TCP = "127.0.0.1:80", Interval = "5s" },
        { TTL = "30s", Notes = "n", Status = "passing" },
      ]
    }
    Check {
      ID = "mem"
      Name = "Memory"
      Args = ["/bin/check-mem"]
      Interval = "10s"
      Timeout = 1000000000
    }
    Checks = [
      { Name = "disk", TTL = "1m" },
      { ID = "web-alias", Name = "Web alias", AliasService = "web-1", ServiceID = "web-1" },
    ]
  `;

  it("gives a service's checks Consul's IDs, durations and definition fields", () => {
    const { services, checks } = definitionsOf('a.json', snakeJson);
    assert.equal(services.length, 1);
    const [web] = services;
    assert.equal(web?.service.ID, 'web-1');
    assert.deepEqual(
      web?.checks.map((check) => [check.CheckID, check.Type, check.Interval, check.Timeout, check.Status]),
      [
        ['service:web-1:1', 'http', '10s', '2s', 'critical'],
        ['service:web-1:2', 'tcp', '5s', '', 'critical'],
        ['service:web-1:3', 'ttl', '', '', 'passing'],
      ],
    );
    const http = web?.checks[0];
    assert.equal(http?.Name, "Service 'web' check");
    assert.equal(http?.ServiceID, 'web-1');
    assert.equal(http?.ServiceName, 'web');
    assert.deepEqual(http?.Definition, {
      HTTP: 'http://127.0.0.1:80/health',
      Header: { 'X-A': ['b'] },
      Method: 'HEAD',
      TLSSkipVerify: true,
      Interval: 10 * SECOND,
      Timeout: 2 * SECOND,
      DeregisterCriticalServiceAfter: 90 * MINUTE,
      SuccessBeforePassing: 2,
      FailuresBeforeCritical: 3,
    });
    assert.deepEqual(web?.checks[1]?.Definition, { TCP: '127.0.0.1:80', Interval: 5 * SECOND });
    assert.deepEqual(web?.checks[2]?.Definition, { TTL: 30 * SECOND });
    assert.equal(web?.checks[2]?.Notes, 'n');

    assert.deepEqual(
      checks.map((check) => [
        check.CheckID,
        check.Name,
        check.Type,
        check.Interval,
        check.Timeout,
        check.ServiceID,
      ]),
      [
        ['mem', 'Memory', 'script', '10s', '1s', ''],
        ['disk', 'disk', 'ttl', '0s', '0s', ''],
        ['web-alias', 'Web alias', 'alias', '0s', '0s', 'web-1'],
      ],
    );
    assert.deepEqual(checks[0]?.Definition, {
      ScriptArgs: ['/bin/check-mem'],
      Interval: 10 * SECOND,
      Timeout: SECOND,
    });
    assert.deepEqual(checks[1]?.Definition, { TTL: MINUTE });
    assert.deepEqual(checks[2]?.Definition, { AliasService: 'web-1' });
  });

  it('reads the same definitions from HCL with CamelCase keys, and from nanosecond numbers', () => {
    assert.deepEqual(definitionsOf('a.hcl', camelHclWithNanoseconds), definitionsOf('a.json', snakeJson));
  });

  it('reads repeated HCL check blocks, and a single checks block, as lists', () => {
    const { services, checks } = definitionsOf(
      'a.hcl',
      `
      service {
        name = "db"
        checks {
          ttl = "1m"
        }
      }
      service {
        name = "cache"
        checks {
          tcp = "127.0.0.1:6379"
          interval = "10s"
        }
        checks {
          ttl = "1m"
        }
      }
      check {
        name = "a"
        ttl = "10s"
      }
      check {
        name = "b"
        ttl = "20s"
      }
      `,
    );
    assert.deepEqual(
      services.map(({ service, checks }) => [service.ID, checks.map((check) => check.CheckID)]),
      [
        ['db', ['service:db']],
        ['cache', ['service:cache:1', 'service:cache:2']],
      ],
    );
    assert.deepEqual(
      checks.map((check) => [check.CheckID, check.Definition.TTL]),
      [
        ['a', 10 * SECOND],
        ['b', 20 * SECOND],
      ],
    );
  });

  it("refuses a bad definition with Consul's message and its position", () => {
    const refusal = (text: string, argv?: string[]) => {
      try {
        definitionsOf('a.json', text, argv);
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.message;
      }
      assert.fail('expected a refusal');
    };
    assert.equal(
      refusal('{"checks":[{"name":"ok","ttl":"1s"},{"name":"x","http":"http://x"}]}'),
      'checks[1]: Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks',
    );
    assert.equal(
      refusal('{"service":{"name":"web","check":{"ttl":"soon"}}}'),
      'services[0]: Request decode failed: service.Check.TTL: expected a duration like "10s", got string "soon"',
    );
    assert.equal(
      refusal('{"check":{"name":"s","args":["true"],"interval":"10s"}}', ['-dev']),
      "checks[0]: Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or 'enable_local_script_checks' to true",
    );
  });
});
