import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../ports/logger.ts';
import { ManualClock } from '../sim/manual-clock.ts';
import { parseJoinAddress, RetryJoiner } from './join.ts';

describe('parseJoinAddress', () => {
  const table: [string, ReturnType<typeof parseJoinAddress>][] = [
    ['10.0.0.1', { host: '10.0.0.1', port: 8301 }],
    ['10.0.0.1:9301', { host: '10.0.0.1', port: 9301 }],
    ['  10.0.0.1:9301 ', { host: '10.0.0.1', port: 9301 }],
    ['consul.service.internal', { host: 'consul.service.internal', port: 8301 }],
    ['localhost:7946', { host: 'localhost', port: 7946 }],
    ['::1', { host: '::1', port: 8301 }],
    ['[::1]', { host: '::1', port: 8301 }],
    ['[fe80::1]:9000', { host: 'fe80::1', port: 9000 }],
    ['n2/10.0.0.2:8301', { name: 'n2', host: '10.0.0.2', port: 8301 }],
  ];
  for (const [text, expected] of table) {
    it(text, () => assert.deepEqual(parseJoinAddress(text, 8301), expected));
  }

  const refused: [string, RegExp][] = [
    ['10.0.0.1:x', /invalid port "x"/],
    ['10.0.0.1:70000', /invalid port "70000"/],
    [':8301', /missing host/],
    ['[::1', /missing '\]'/],
    ['[::1]x', /unexpected text after/],
    ['provider=aws tag_key=consul', /cloud auto-join .* not supported/],
  ];
  for (const [text, pattern] of refused) {
    it(`refuses ${text}`, () => {
      const result = parseJoinAddress(text, 8301);
      assert.equal(typeof result, 'string');
      assert.match(result as string, pattern);
    });
  }
});

/** Lets the joiner's awaited promise chains run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('RetryJoiner', () => {
  function joiner(outcomes: (number | Error)[], maxAttempts: number) {
    const clock = new ManualClock();
    const attempts: (readonly string[])[] = [];
    const exhausted: Error[] = [];
    const retry = new RetryJoiner({
      cluster: 'LAN',
      addresses: ['10.0.0.1', '10.0.0.2'],
      intervalMs: 30_000,
      maxAttempts,
      join: async (addresses) => {
        attempts.push(addresses);
        const outcome = outcomes.shift() ?? new Error('no more outcomes');
        if (outcome instanceof Error) throw outcome;
        return outcome;
      },
      clock,
      logger: silentLogger,
      onExhausted: (error) => exhausted.push(error),
    });
    return { clock, attempts, exhausted, retry };
  }

  it('tries at once, then every interval until a join succeeds', async () => {
    const { clock, attempts, exhausted, retry } = joiner([new Error('refused'), new Error('refused'), 1], 0);
    retry.start();
    await settle();
    assert.equal(attempts.length, 1);
    clock.advance(29_999);
    await settle();
    assert.equal(attempts.length, 1);
    clock.advance(1);
    await settle();
    assert.equal(attempts.length, 2);
    clock.advance(30_000);
    await settle();
    assert.equal(attempts.length, 3);
    clock.advance(300_000);
    await settle();
    assert.equal(attempts.length, 3, 'no attempt after a success');
    assert.deepEqual(attempts[0], ['10.0.0.1', '10.0.0.2']);
    assert.deepEqual(exhausted, []);
  });

  it('gives up after retry_max further failures, as Consul (attempt > max)', async () => {
    const { clock, attempts, exhausted, retry } = joiner([], 2);
    retry.start();
    for (let i = 0; i < 5; i++) {
      await settle();
      clock.advance(30_000);
    }
    await settle();
    assert.equal(attempts.length, 3);
    assert.deepEqual(
      exhausted.map((error) => error.message),
      ['agent: max join LAN retry exhausted, exiting'],
    );
  });

  it('stops: no further attempts', async () => {
    const { clock, attempts, retry } = joiner([], 0);
    retry.start();
    await settle();
    retry.stop();
    clock.advance(120_000);
    await settle();
    assert.equal(attempts.length, 1);
  });
});
