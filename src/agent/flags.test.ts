import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SECOND } from '../lib/duration.ts';
import { ConfigError, type PartialConfig } from './config.ts';
import { type AgentFlags, agentFlagNames, parseAgentFlags } from './flags.ts';

function flagsOf(argv: string[]): AgentFlags {
  const result = parseAgentFlags(argv);
  if (result instanceof ConfigError) assert.fail(result.message);
  return result;
}

function configOf(argv: string[]): PartialConfig {
  return flagsOf(argv).config;
}

function errorOf(argv: string[]): string {
  const result = parseAgentFlags(argv);
  assert.ok(result instanceof ConfigError, `expected an error, got ${JSON.stringify(result)}`);
  return result.message;
}

describe('parseAgentFlags: Go flag syntax', () => {
  for (const argv of [['-node', 'n1'], ['-node=n1'], ['--node', 'n1'], ['--node=n1']]) {
    it(`reads a value from ${argv.join(' ')}`, () => assert.deepEqual(configOf(argv), { nodeName: 'n1' }));
  }

  const booleans: [string[], boolean][] = [
    [['-server'], true],
    [['--server'], true],
    [['-server=true'], true],
    [['--server=false'], false],
    [['-server=1'], true],
    [['-server=0'], false],
    [['-server=T'], true],
    [['-server=FALSE'], false],
    [['-server=False'], false],
  ];
  for (const [argv, value] of booleans) {
    it(`reads a boolean from ${argv.join(' ')}`, () => assert.deepEqual(configOf(argv), { server: value }));
  }

  it('keeps the value after = whole, = signs included', () => {
    assert.deepEqual(configOf(['-encrypt=abc=']), { encrypt: 'abc=' });
    assert.deepEqual(configOf(['-node=']), { nodeName: '' });
  });

  it('gives a value flag the next argument whatever it looks like', () => {
    assert.deepEqual(configOf(['-node', '-server']), { nodeName: '-server' });
    assert.deepEqual(configOf(['-dns-port', '-1']), { ports: { dns: -1 } });
  });

  it('lets the last of a repeated scalar flag win', () => {
    assert.deepEqual(configOf(['-datacenter', 'a', '-datacenter=b']), { datacenter: 'b' });
  });

  it('stops at --', () => {
    assert.deepEqual(configOf(['-server', '--']), { server: true });
    assert.equal(errorOf(['-server', '--', '-bootstrap']), 'Unexpected extra arguments: [-bootstrap]');
  });

  it('never takes a bare word as a boolean value: it ends the flags', () => {
    assert.equal(errorOf(['-server', 'true']), 'Unexpected extra arguments: [true]');
    assert.equal(errorOf(['-dev', 'x', '-server']), 'Unexpected extra arguments: [x -server]');
    assert.equal(errorOf(['extra']), 'Unexpected extra arguments: [extra]');
    assert.equal(errorOf(['-']), 'Unexpected extra arguments: [-]');
  });

  it('accepts no arguments', () => {
    assert.deepEqual(flagsOf([]), {
      config: {},
      configSources: [],
      configFormat: undefined,
      hclFragments: [],
      warnings: [],
      helpRequested: false,
    });
  });

  it('reports a help request and stops', () => {
    for (const argv of [['-h'], ['-help'], ['--help'], ['-server', '-h', '-nope']]) {
      assert.equal(flagsOf(argv).helpRequested, true, argv.join(' '));
    }
  });
});

describe("parseAgentFlags: errors in Go's wording", () => {
  const table: [string[], string][] = [
    [['-x'], 'flag provided but not defined: -x'],
    [['--frobnicate=1'], 'flag provided but not defined: -frobnicate'],
    [['-Server'], 'flag provided but not defined: -Server'],
    [['-node'], 'flag needs an argument: -node'],
    [['-server', '-config-file'], 'flag needs an argument: -config-file'],
    [['-http-port', 'x'], 'invalid value "x" for flag -http-port: parse error'],
    [['-http-port=1.5'], 'invalid value "1.5" for flag -http-port: parse error'],
    [['-bootstrap-expect', 'three'], 'invalid value "three" for flag -bootstrap-expect: parse error'],
    [
      ['-http-port=70000'],
      'invalid value "70000" for flag -http-port: expected an integer port up to 65535 (-1 or 0 disables it)',
    ],
    [['-server=yes'], 'invalid boolean value "yes" for -server: parse error'],
    [['-dev='], 'invalid boolean value "" for -dev: parse error'],
    [['---server'], 'bad flag syntax: ---server'],
    [['-=x'], 'bad flag syntax: -=x'],
    [
      ['-log-level', 'loud'],
      'invalid value "loud" for flag -log-level: expected one of trace, debug, info, warn, err, error',
    ],
    [
      ['-node-id', 'n1'],
      'invalid value "n1" for flag -node-id: expected a UUID such as "adf4238a-882b-9ddc-4a9d-5b6758e4159e"',
    ],
    [['-config-format', 'yaml'], 'invalid value "yaml" for flag -config-format: expected one of json, hcl'],
    [
      ['-retry-interval', '30'],
      'invalid value "30" for flag -retry-interval: expected a duration such as "10s", "1m30s" or "72h"',
    ],
    [['-retry-max', 'often'], 'invalid value "often" for flag -retry-max: parse error'],
    [['-check_output_max_size', '4k'], 'invalid value "4k" for flag -check_output_max_size: parse error'],
  ];
  for (const [argv, message] of table) {
    it(argv.join(' '), () => assert.equal(errorOf(argv), message));
  }
});

describe('parseAgentFlags: every flag', () => {
  const table: [string[], PartialConfig][] = [
    [['-dev'], { dev: true }],
    [['-server'], { server: true }],
    [['-bootstrap'], { bootstrap: true }],
    [['-bootstrap-expect', '3'], { bootstrapExpect: 3 }],
    [['-node', 'node1'], { nodeName: 'node1' }],
    [
      ['-node-id', 'ADF4238A-882B-9DDC-4A9D-5B6758E4159E'],
      { nodeId: 'adf4238a-882b-9ddc-4a9d-5b6758e4159e' },
    ],
    [['-datacenter', 'dc2'], { datacenter: 'dc2' }],
    [['-bind', '127.0.0.2'], { bindAddr: '127.0.0.2' }],
    [['-client', '127.0.0.3'], { clientAddr: '127.0.0.3' }],
    [['-advertise', '10.0.0.1'], { advertiseAddr: '10.0.0.1' }],
    [['-data-dir', '/tmp/d'], { dataDir: '/tmp/d' }],
    [['-pid-file', '/tmp/pid'], { pidFile: '/tmp/pid' }],
    [['-http-port', '8501'], { ports: { http: 8501 } }],
    [['-https-port', '8443'], { ports: { https: 8443 } }],
    [['-grpc-port', '8502'], { ports: { grpc: 8502 } }],
    [['-dns-port', '0'], { ports: { dns: -1 } }],
    [['-server-port', '+8300'], { ports: { server: 8300 } }],
    [['-serf-lan-port', '8301'], { ports: { serfLan: 8301 } }],
    [['-serf-wan-port', '-1'], { ports: { serfWan: -1 } }],
    [['-join', 'a', '-join', 'b'], { join: ['a', 'b'] }],
    [['-retry-join', 'a', '-retry-join=b'], { retryJoin: ['a', 'b'] }],
    [['-retry-interval', '1m30s'], { retryIntervalNs: 90 * SECOND }],
    [['-retry-max=3'], { retryMax: 3 }],
    [['-join-wan', 'a', '-join-wan', 'b'], { joinWan: ['a', 'b'] }],
    [['-retry-join-wan', 'w'], { retryJoinWan: ['w'] }],
    [['-retry-interval-wan', '5s'], { retryIntervalWanNs: 5 * SECOND }],
    [['-retry-max-wan', '2'], { retryMaxWan: 2 }],
    [['-log-level', 'ERR'], { logLevel: 'error' }],
    [['-log-json'], { logJson: true }],
    [['-ui'], { uiConfig: { enabled: true } }],
    [['-ui-dir', '/srv/ui'], { uiConfig: { dir: '/srv/ui' } }],
    [['-ui-content-path', '/console/'], { uiConfig: { contentPath: '/console/' } }],
    [['-encrypt', 'pUqJrVyVRj5jsiYEkM/tFQ=='], { encrypt: 'pUqJrVyVRj5jsiYEkM/tFQ==' }],
    [
      ['-node-meta', 'rack:r1', '-node-meta=url:http://x:1', '-node-meta', 'flag'],
      { nodeMeta: { rack: 'r1', url: 'http://x:1', flag: '' } },
    ],
    [['-recursor', '8.8.8.8', '-recursor', '1.1.1.1'], { recursors: ['8.8.8.8', '1.1.1.1'] }],
    [['-domain', 'cairn'], { domain: 'cairn' }],
    [['-alt-domain', 'example.org'], { altDomain: 'example.org' }],
    [['-enable-script-checks'], { enableScriptChecks: true }],
    [['-enable-local-script-checks'], { enableLocalScriptChecks: true }],
    [['-check_output_max_size', '8192'], { checkOutputMaxSize: 8192 }],
  ];
  for (const [argv, config] of table) {
    it(argv.join(' '), () => assert.deepEqual(configOf(argv), config));
  }

  it('collects -config-file and -config-dir in command-line order', () => {
    assert.deepEqual(
      flagsOf(['-config-dir', '/etc/a', '-config-file=x.json', '--config-dir=b', '-config-file', 'y.hcl'])
        .configSources,
      [
        { kind: 'dir', path: '/etc/a' },
        { kind: 'file', path: 'x.json' },
        { kind: 'dir', path: 'b' },
        { kind: 'file', path: 'y.hcl' },
      ],
    );
  });

  it('collects -hcl fragments and -config-format', () => {
    const flags = flagsOf(['-hcl', 'datacenter = "a"', '-hcl=ports { http = 1 }', '-config-format=hcl']);
    assert.deepEqual(flags.hclFragments, ['datacenter = "a"', 'ports { http = 1 }']);
    assert.equal(flags.configFormat, 'hcl');
    assert.deepEqual(flags.config, {});
  });

  it('accepts Consul flags Cairn ignores, with warnings', () => {
    const flags = flagsOf([
      '-syslog',
      '-segment',
      'alpha',
      '-disable-host-node-id=false',
      '-log-file=/x',
      '-server',
    ]);
    assert.deepEqual(flags.config, { server: true });
    assert.deepEqual(flags.warnings, [
      'ignoring flag -syslog: not supported by Cairn',
      'ignoring flag -segment: not supported by Cairn',
      'ignoring flag -disable-host-node-id: not supported by Cairn',
      'ignoring flag -log-file: not supported by Cairn',
    ]);
    assert.equal(errorOf(['-segment']), 'flag needs an argument: -segment');
  });

  it('covers the flags the brief lists', () => {
    const listed =
      'dev server bootstrap bootstrap-expect node node-id datacenter bind client advertise data-dir config-file ' +
      'config-dir pid-file http-port https-port grpc-port dns-port server-port serf-lan-port serf-wan-port join ' +
      'retry-join log-level log-json ui encrypt hcl node-meta recursor domain alt-domain retry-interval ' +
      'retry-max join-wan retry-join-wan';
    for (const name of listed.split(' ')) assert.ok(agentFlagNames.includes(name), name);
  });
});

describe('parseAgentFlags: the invocations client test suites use (reference §17.1)', () => {
  it('npm consul node1', () => {
    const flags = flagsOf(
      (
        '-node node1 -datacenter dc1 -bind 127.0.0.1 -client 127.0.0.1 -bootstrap -server ' +
        '-config-file /t/config.json -data-dir /t/node1/data -pid-file /t/node1/pid'
      ).split(' '),
    );
    assert.deepEqual(flags.config, {
      nodeName: 'node1',
      datacenter: 'dc1',
      bindAddr: '127.0.0.1',
      clientAddr: '127.0.0.1',
      bootstrap: true,
      server: true,
      dataDir: '/t/node1/data',
      pidFile: '/t/node1/pid',
    });
    assert.deepEqual(flags.configSources, [{ kind: 'file', path: '/t/config.json' }]);
  });

  it('npm consul node2 (a client)', () => {
    const flags = flagsOf(
      (
        '-node node2 -datacenter dc1 -bind 127.0.0.2 -client 127.0.0.2 -config-file /t/config.json ' +
        '-data-dir /t/node2/data -pid-file /t/node2/pid'
      ).split(' '),
    );
    assert.equal(flags.config.server, undefined);
    assert.equal(flags.config.bindAddr, '127.0.0.2');
  });

  it('python-consul', () => {
    const flags = flagsOf(['-dev', '-bind=127.0.0.1', '-config-dir=.']);
    assert.deepEqual(flags.config, { dev: true, bindAddr: '127.0.0.1' });
    assert.deepEqual(flags.configSources, [{ kind: 'dir', path: '.' }]);
  });

  it('python-consul2', () => {
    const flags = flagsOf([
      '-dev',
      '-bind=127.0.0.1',
      '-config-dir=.',
      '-bootstrap-expect',
      '1',
      '-config-file=encrypt.json',
    ]);
    assert.deepEqual(flags.config, { dev: true, bindAddr: '127.0.0.1', bootstrapExpect: 1 });
    assert.deepEqual(flags.configSources, [
      { kind: 'dir', path: '.' },
      { kind: 'file', path: 'encrypt.json' },
    ]);
  });
});

describe('parseAgentFlags never throws', () => {
  const isResult = (result: unknown) =>
    result instanceof ConfigError || (typeof result === 'object' && result !== null && 'config' in result);
  const names = [...agentFlagNames, 'h', 'nope'];
  const argument = fc.oneof(
    fc.string(),
    fc.constantFrom(...names).map((name) => `-${name}`),
    fc.tuple(fc.constantFrom(...names), fc.string()).map(([name, value]) => `--${name}=${value}`),
    fc.constantFrom('--', '-', '---', '-=', 'true', '-1', '8500'),
  );

  it('on random argument lists', () => {
    fc.assert(
      fc.property(fc.array(argument, { maxLength: 12 }), (argv) => {
        assert.ok(isResult(parseAgentFlags(argv)));
      }),
      { numRuns: 1000 },
    );
  });
});
