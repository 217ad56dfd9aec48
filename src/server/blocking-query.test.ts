import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settle } from '../http/testing/test-context.ts';
import { ManualClock } from '../sim/manual-clock.ts';
import { SeededRandom } from '../sim/seeded-random.ts';
import type { Read } from '../state/store.ts';
import { StateStore } from '../state/store.ts';
import { WatchChannel } from '../state/watch.ts';
import { type BlockingOptions, blockingQuery, jitteredWaitMs } from './blocking-query.ts';

/** The largest double below 1: what `random()` can return at the top of its range. */
const ALMOST_ONE = 1 - 2 ** -53;

/**
 * One value with its own index and a watch channel, so a test decides exactly when the watch
 * fires and whether the index moves with it.
 */
class Source {
  runs = 0;
  channel = new WatchChannel();

  constructor(
    public value: string,
    public index: number,
  ) {}

  read(): Read<string> {
    this.runs++;
    return { value: this.value, index: this.index, watches: [this.channel] };
  }

  /** A write: the value and index change, and the watch fires. */
  write(value: string, index: number): void {
    this.value = value;
    this.index = index;
    this.wake();
  }

  /** Fires the watch without changing anything (a spurious wake-up). */
  wake(): void {
    const fired = this.channel;
    this.channel = new WatchChannel();
    fired.fire();
  }
}

/** A promise's outcome, readable without awaiting it. */
function track<T>(promise: Promise<T>): { settled: boolean; result: T | undefined } {
  const state: { settled: boolean; result: T | undefined } = { settled: false, result: undefined };
  void promise.then((result) => {
    state.settled = true;
    state.result = result;
  });
  return state;
}

function setup(overrides: Partial<BlockingOptions> = {}) {
  const clock = new ManualClock();
  const options: BlockingOptions = { minIndex: 5, waitMs: 10_000, clock, random: () => 0, ...overrides };
  return { clock, options };
}

describe('jitteredWaitMs', () => {
  const cases: { waitMs: number; random: number; expectedMs: number }[] = [
    { waitMs: 16_000, random: 0, expectedMs: 16_000 },
    { waitMs: 16_000, random: 0.5, expectedMs: 16_500 },
    { waitMs: 16_000, random: ALMOST_ONE, expectedMs: 16_999 },
    { waitMs: 300_000, random: 0, expectedMs: 300_000 },
    { waitMs: 300_000, random: ALMOST_ONE, expectedMs: 318_749 },
    { waitMs: 600_000, random: ALMOST_ONE, expectedMs: 637_499 },
    { waitMs: 10, random: ALMOST_ONE, expectedMs: 10 },
    { waitMs: 0, random: ALMOST_ONE, expectedMs: 0 },
  ];
  for (const { waitMs, random, expectedMs } of cases) {
    it(`wait ${waitMs} ms with random ${random} → ${expectedMs} ms`, () => {
      assert.equal(
        jitteredWaitMs(waitMs, () => random),
        expectedMs,
      );
    });
  }

  it('stays within [wait, wait + wait/16] for any random value', () => {
    const random = new SeededRandom(7);
    for (let sample = 0; sample < 1_000; sample++) {
      const waitMs = Math.floor(random.next() * 600_000);
      const jittered = jitteredWaitMs(waitMs, () => random.next());
      assert.ok(jittered >= waitMs && jittered <= waitMs + waitMs / 16, `${waitMs} → ${jittered}`);
      assert.ok(Number.isInteger(jittered));
    }
  });
});

describe('blockingQuery', () => {
  it('answers at once for minIndex 0, without subscribing or setting a timer', async () => {
    const { clock, options } = setup({ minIndex: 0 });
    const source = new Source('v', 9);
    const answer = await blockingQuery(options, () => source.read());
    assert.deepEqual(answer, { value: 'v', index: 9 });
    assert.equal(source.runs, 1);
    assert.equal(source.channel.listenerCount, 0);
    assert.equal(clock.pendingTimers, 0);
  });

  it('answers at once when the index is past minIndex', async () => {
    const { clock, options } = setup({ minIndex: 5 });
    const source = new Source('v', 6);
    assert.deepEqual(await blockingQuery(options, () => source.read()), { value: 'v', index: 6 });
    assert.equal(source.channel.listenerCount, 0);
    assert.equal(clock.pendingTimers, 0);
  });

  it('waits until a watch fires and the index moves, then answers the new value', async () => {
    const { clock, options } = setup({ minIndex: 5 });
    const source = new Source('old', 5);
    const answer = track(blockingQuery(options, () => source.read()));

    await settle();
    assert.equal(answer.settled, false);
    assert.equal(source.channel.listenerCount, 1, 'subscribed in the same turn as the read');
    assert.equal(clock.pendingTimers, 1);

    clock.advance(5_000);
    source.write('new', 8);
    await settle();
    assert.deepEqual(answer.result, { value: 'new', index: 8 });
    assert.equal(source.runs, 2);
    assert.equal(clock.pendingTimers, 0, 'the timeout is cancelled');
  });

  it('re-runs after a spurious wake-up and keeps waiting until the original deadline', async () => {
    const { clock, options } = setup({ minIndex: 5, waitMs: 10_000 });
    const source = new Source('same', 5);
    const answer = track(blockingQuery(options, () => source.read()));

    clock.advance(4_000);
    source.wake();
    await settle();
    assert.equal(answer.settled, false);
    assert.equal(source.runs, 2, 'the query re-ran');
    assert.equal(source.channel.listenerCount, 1, 'and subscribed to the fresh channel');
    assert.equal(clock.pendingTimers, 1, 'the first wait’s timer was cancelled');

    clock.advance(5_999);
    await settle();
    assert.equal(answer.settled, false);
    clock.advance(1);
    await settle();
    assert.deepEqual(answer.result, { value: 'same', index: 5 }, 'the wake did not extend the deadline');
  });

  it('answers the current value with the unchanged index on timeout', async () => {
    const { clock, options } = setup({ minIndex: 5, waitMs: 10_000 });
    const source = new Source('before', 5);
    const answer = track(blockingQuery(options, () => source.read()));

    source.value = 'changed without a watch';
    clock.advance(9_999);
    await settle();
    assert.equal(answer.settled, false);

    clock.advance(1);
    await settle();
    assert.deepEqual(answer.result, { value: 'changed without a watch', index: 5 });
    assert.equal(source.channel.listenerCount, 0, 'the watch is released');
    assert.equal(clock.pendingTimers, 0);
  });

  it('adds at most wait/16 of jitter to the timeout', async () => {
    const { clock, options } = setup({ minIndex: 5, waitMs: 16_000, random: () => ALMOST_ONE });
    const source = new Source('v', 5);
    const answer = track(blockingQuery(options, () => source.read()));

    clock.advance(16_998);
    await settle();
    assert.equal(answer.settled, false);
    clock.advance(1);
    await settle();
    assert.deepEqual(answer.result, { value: 'v', index: 5 });
  });

  it('ends the wait on abort and leaves no listener on the store’s channels', async () => {
    const clock = new ManualClock();
    const store = new StateStore();
    store.transact(4, () => store.kv.set({ Key: 'k', Flags: 0, Value: null }));
    const controller = new AbortController();
    const answer = track(
      blockingQuery({ minIndex: 4, waitMs: 60_000, clock, random: () => 0, signal: controller.signal }, () =>
        store.kv.get('k'),
      ),
    );
    await settle();
    assert.equal(store.watchCount(), 1);

    controller.abort();
    await settle();
    assert.equal(answer.settled, true);
    assert.equal(answer.result?.index, 4);
    assert.equal(store.watchCount(), 0, 'unsubscribed');
    assert.equal(clock.pendingTimers, 0, 'timer cancelled');
  });

  it('answers at once, without subscribing, when the signal is already aborted', async () => {
    const { clock, options } = setup({ minIndex: 5, signal: AbortSignal.abort() });
    const source = new Source('v', 5);
    assert.deepEqual(await blockingQuery(options, () => source.read()), { value: 'v', index: 5 });
    assert.equal(source.channel.listenerCount, 0);
    assert.equal(clock.pendingTimers, 0);
  });

  it('wakes only for the data it read: a write to another key is not a change', async () => {
    const clock = new ManualClock();
    const store = new StateStore();
    store.transact(2, () => store.kv.set({ Key: 'watched', Flags: 0, Value: null }));
    let runs = 0;
    const answer = track(
      blockingQuery({ minIndex: 2, waitMs: 60_000, clock, random: () => 0 }, () => {
        runs++;
        return store.kv.get('watched');
      }),
    );

    store.transact(3, () => store.kv.set({ Key: 'other', Flags: 0, Value: null }));
    await settle();
    assert.equal(runs, 1);
    assert.equal(answer.settled, false);

    store.transact(4, () => store.kv.set({ Key: 'watched', Flags: 1, Value: null }));
    await settle();
    assert.equal(answer.result?.index, 4);
    assert.equal(answer.result?.value?.Flags, 1);
    assert.equal(store.watchCount(), 0);
  });

  it('never answers index 0: it is clamped to 1', async () => {
    const { clock, options } = setup({ minIndex: 0 });
    const empty = new Source('', 0);
    assert.deepEqual(await blockingQuery(options, () => empty.read()), { value: '', index: 1 });

    // A client that got the clamped 1 back blocks on it, and times out with 1 again.
    const answer = track(blockingQuery({ ...options, minIndex: 1 }, () => empty.read()));
    await settle();
    assert.equal(answer.settled, false);
    clock.advance(10_000);
    await settle();
    assert.deepEqual(answer.result, { value: '', index: 1 });
  });

  it('uses isNewer for opaque indexes: a different index answers, even a lower one', async () => {
    const different = (index: number, minIndex: number) => index !== minIndex;
    const { options } = setup({ minIndex: 7, isNewer: different });

    const lower = new Source('lower', 3);
    assert.deepEqual(await blockingQuery(options, () => lower.read()), { value: 'lower', index: 3 });

    const same = new Source('same', 7);
    const answer = track(blockingQuery(options, () => same.read()));
    await settle();
    assert.equal(answer.settled, false);
    same.write('rolled', 2);
    await settle();
    assert.deepEqual(answer.result, { value: 'rolled', index: 2 });
  });

  describe('defer', () => {
    function deferQueue() {
      const queued: (() => void)[] = [];
      return {
        queued,
        defer: (callback: () => void) => queued.push(callback),
        flush: () => {
          for (const callback of queued.splice(0)) callback();
        },
      };
    }

    it('re-runs a woken query only when the deferred callback runs', async () => {
      const queue = deferQueue();
      const { options } = setup({ minIndex: 5, defer: queue.defer });
      const source = new Source('old', 5);
      const answer = track(blockingQuery(options, () => source.read()));

      source.write('new', 6);
      await settle();
      assert.equal(source.runs, 1, 'not re-run yet');
      assert.equal(answer.settled, false);
      assert.equal(queue.queued.length, 1);

      queue.flush();
      await settle();
      assert.equal(source.runs, 2);
      assert.deepEqual(answer.result, { value: 'new', index: 6 });
    });

    it('answers once if the timeout wins the race with a deferred wake', async () => {
      const queue = deferQueue();
      const { clock, options } = setup({ minIndex: 5, waitMs: 1_000, defer: queue.defer });
      const source = new Source('old', 5);
      const promise = blockingQuery(options, () => source.read());
      const answer = track(promise);

      source.write('new', 6);
      clock.advance(1_000);
      await settle();
      assert.deepEqual(answer.result, { value: 'new', index: 6 });
      const runs = source.runs;

      queue.flush();
      await settle();
      assert.equal(source.runs, runs, 'the late deferred callback does nothing');
      assert.equal(clock.pendingTimers, 0);
    });
  });
});
