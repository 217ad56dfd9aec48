import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { type FakeAgent, kvStore, startFakeAgent, unusedAddress } from '../api-client/testing/fake-agent.ts';
import { captureOutput } from './output.ts';
import { commandShapeOf, runCli } from './program.ts';
import { memoryInput } from './testing/cli-harness.ts';

describe('runCli', () => {
  let agent: FakeAgent;
  const store = kvStore({ 'app/a': 'one', 'app/b': 'two' });

  before(async () => {
    agent = await startFakeAgent({
      '* /v1/kv/*': store.handler,
      'PUT /v1/agent/reload': () => ({}),
      'PUT /v1/agent/service/maintenance/*': () => ({}),
      'GET /v1/agent/members': () => ({
        body: [
          {
            Name: 'n1',
            Addr: '127.0.0.1',
            Port: 8301,
            Tags: { role: 'consul', dc: 'dc1', vsn: '2' },
            Status: 1,
          },
        ],
      }),
    });
  });
  after(() => agent.close());

  async function cairn(argv: string[], options: { env?: Record<string, string>; stdin?: string } = {}) {
    const { output, stdout, stderr } = captureOutput();
    const agentRuns: string[][] = [];
    const code = await runCli(argv, {
      output,
      env: options.env ?? { CONSUL_HTTP_ADDR: agent.address },
      input: memoryInput({}, options.stdin ?? ''),
      runAgent: async (args) => {
        agentRuns.push(args);
        return 0;
      },
    });
    return { code, stdout: stdout(), stderr: stderr(), agentRuns };
  }

  it('takes Consul-style single-dash flags', async () => {
    const { code, stdout } = await cairn(['kv', 'get', '-recurse', 'app/']);
    assert.equal(code, 0);
    assert.equal(stdout, 'app/a:one\napp/b:two\n');
  });

  it('prefers -http-addr to the environment, given before or after the command', async () => {
    const env = { CONSUL_HTTP_ADDR: await unusedAddress() };
    assert.equal(
      (await cairn(['kv', 'get', `-http-addr=${agent.address}`, 'app/a'], { env })).stdout,
      'one\n',
    );
    assert.equal(
      (await cairn([`-http-addr=${agent.address}`, 'kv', 'get', 'app/a'], { env })).stdout,
      'one\n',
    );
    assert.equal((await cairn(['kv', 'get', '-http-addr', agent.address, 'app/a'], { env })).stdout, 'one\n');
  });

  it('reads CAIRN_HTTP_ADDR before CONSUL_HTTP_ADDR', async () => {
    const env = { CAIRN_HTTP_ADDR: agent.address, CONSUL_HTTP_ADDR: await unusedAddress() };
    assert.equal((await cairn(['kv', 'get', 'app/a'], { env })).code, 0);
  });

  it('sends the token', async () => {
    await cairn(['kv', 'get', '-token=s3cret', 'app/a']);
    assert.equal(agent.requests.at(-1)?.headers['x-consul-token'], 's3cret');
  });

  it('exits 1 on a CAS failure given as -cas -modify-index=N', async () => {
    const { code, stderr } = await cairn(['kv', 'put', '-cas', '-modify-index=999', 'app/a', 'x']);
    assert.equal(code, 1);
    assert.equal(stderr, 'Error! Did not write to app/a: CAS failed\n');
    const modifyIndex = store.entries.get('app/a')!.ModifyIndex;
    const written = await cairn(['kv', 'put', '-cas', `-modify-index=${modifyIndex}`, 'app/a', 'x']);
    assert.equal(written.code, 0);
    assert.equal(written.stdout, 'Success! Data written to: app/a\n');
  });

  it('reads the value from stdin for -, and keeps data that looks like a flag', async () => {
    await cairn(['kv', 'put', 'from-stdin', '-'], { stdin: 'piped' });
    assert.equal(store.valueOf('from-stdin'), 'piped');
    await cairn(['kv', 'put', 'dashed', '-not-a-flag']);
    assert.equal(store.valueOf('dashed'), '-not-a-flag');
  });

  it('prints the members table', async () => {
    const { code, stdout } = await cairn(['members']);
    assert.equal(code, 0);
    assert.match(stdout, /^Node\s+Address\s+Status.*\nn1\s+127\.0\.0\.1:8301\s+alive\s+server/);
  });

  it('prints one line and exits 1 when the agent is unreachable', async () => {
    const address = await unusedAddress();
    const { code, stdout, stderr } = await cairn(['members'], { env: { CONSUL_HTTP_ADDR: address } });
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.equal(
      stderr,
      `Error connecting to Cairn agent: dial tcp ${address}: connect: connection refused\n`,
    );
  });

  it('exits 1 with the command help on a usage error, naming flags with one dash', async () => {
    const extra = await cairn(['members', 'extra']);
    assert.equal(extra.code, 1);
    assert.match(extra.stderr, /too many arguments for 'members'/);
    assert.match(extra.stderr, /Usage: cairn members \[options\]/);
    const unknown = await cairn(['kv', 'get', '-bogus', 'k']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^error: unknown option '-bogus'\n/);
    const badNumber = await cairn(['kv', 'put', '-flags=x', 'k']);
    assert.equal(badNumber.code, 1);
    assert.match(badNumber.stderr, /option '-flags <flags>' argument 'x' is invalid/);
  });

  it('prints help and exits 0 for -h, listing flags the Consul way', async () => {
    const { code, stdout } = await cairn(['kv', 'put', '-h']);
    assert.equal(code, 0);
    assert.match(stdout, /Usage: cairn kv put \[options\] \[key\] \[data\]/);
    assert.match(stdout, /^ {2}-modify-index <index>/m);
    assert.match(stdout, /^ {2}-http-addr <address>/m);
  });

  it('runs reload, and maint with Consul-style flags', async () => {
    const reload = await cairn(['reload']);
    assert.equal(reload.code, 0);
    assert.equal(reload.stdout, 'Configuration reload triggered\n');
    const maint = await cairn(['maint', '-enable', '-service', 'web', '-reason=bad deploy']);
    assert.equal(maint.code, 0);
    assert.equal(maint.stdout, 'Service maintenance is now enabled for "web"\n');
    const request = agent.requests.at(-1)!;
    assert.equal(request.path, '/v1/agent/service/maintenance/web');
    assert.equal(request.query.get('reason'), 'bad deploy');
  });

  it('prints the version for version, -v and -version', async () => {
    for (const argv of [['version'], ['-v'], ['-version']]) {
      const { code, stdout } = await cairn(argv);
      assert.equal(code, 0);
      assert.match(stdout, /^Cairn v\d+\.\d+\.\d+\n/);
    }
  });

  it('hands agent arguments over untouched', async () => {
    const { agentRuns } = await cairn(['agent', '-dev', '-bind=127.0.0.1', '-node', 'n1']);
    assert.deepEqual(agentRuns, [['-dev', '-bind=127.0.0.1', '-node', 'n1']]);
  });
});

describe('commandShapeOf', () => {
  it('sees inherited global flags on every command', () => {
    const root = new Command('x').option('--http-addr <a>').option('--stale');
    root.command('kv').command('get').option('--recurse').option('--separator <s>');
    const get = commandShapeOf(root).subcommands.get('kv')?.subcommands.get('get');
    assert.deepEqual([...(get?.valueFlags ?? [])].sort(), ['http-addr', 'separator']);
    assert.deepEqual([...(get?.booleanFlags ?? [])].sort(), ['help', 'recurse', 'stale']);
  });
});
