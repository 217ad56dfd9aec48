import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Progress, ProgressState } from './progress.ts';

/** A follower known to match through `match`, in replicate state, with a window of `window`. */
function replicating(match: number, window = 2): Progress {
  const progress = new Progress(match + 1, window);
  progress.acknowledge(match);
  progress.becomeReplicate();
  return progress;
}

describe('Progress flow control', () => {
  it('probe: one append at a time, until an answer (or a heartbeat answer) arrives', () => {
    const progress = new Progress(5, 4);
    assert.equal(progress.state, ProgressState.probe);
    assert.equal(progress.isPaused(), false);
    progress.sentAppend(6, 2);
    assert.equal(progress.isPaused(), true);
    assert.equal(progress.next, 5, 'probing does not move next optimistically');
    progress.resumeAfterHeartbeat();
    assert.equal(progress.isPaused(), false);
    progress.sentAppend(4, 0); // an empty probe waits for its answer too
    assert.equal(progress.isPaused(), true);
    assert.equal(progress.acknowledge(6), true);
    assert.equal(progress.isPaused(), false);
  });

  it('replicate: at most `window` unacknowledged appends; each acknowledgement frees what it covers', () => {
    const progress = replicating(3, 2);
    progress.sentAppend(4, 1);
    assert.equal(progress.isPaused(), false);
    progress.sentAppend(6, 2);
    assert.equal(progress.isPaused(), true);
    assert.equal(progress.next, 7, 'replicate sends optimistically');
    assert.equal(progress.inflightCount, 2);
    progress.acknowledge(4);
    assert.equal(progress.inflightCount, 1);
    assert.equal(progress.isPaused(), false);
    progress.acknowledge(6);
    assert.equal(progress.inflightCount, 0);
    assert.equal(progress.match, 6);
  });

  it('replicate: empty appends (commit updates) do not take a slot', () => {
    const progress = replicating(3, 1);
    progress.sentAppend(3, 0);
    assert.equal(progress.inflightCount, 0);
    assert.equal(progress.isPaused(), false);
  });

  it('replicate: a heartbeat answer lets exactly one append past a full window (lost appends)', () => {
    const progress = replicating(3, 2);
    progress.sentAppend(4, 1);
    progress.sentAppend(5, 1);
    assert.equal(progress.isPaused(), true);
    progress.resumeAfterHeartbeat();
    assert.equal(progress.isPaused(), false);
    progress.sentAppend(5, 0);
    assert.equal(progress.isPaused(), true, 'one append only');
  });

  it('replicate: a heartbeat answer with room in the window changes nothing', () => {
    const progress = replicating(3, 2);
    progress.resumeAfterHeartbeat();
    progress.sentAppend(4, 1);
    progress.sentAppend(5, 1);
    assert.equal(progress.isPaused(), true, 'the window still holds at 2');
  });

  it('snapshot: nothing is sent while a snapshot is out; afterwards, continue after it', () => {
    const progress = new Progress(3, 4);
    progress.acknowledge(2);
    progress.becomeSnapshot(10);
    assert.equal(progress.isPaused(), true);
    progress.resumeAfterHeartbeat();
    assert.equal(progress.isPaused(), true);
    progress.becomeProbe();
    assert.equal(progress.next, 11);
    assert.equal(progress.state, ProgressState.probe);
  });
});

describe('Progress.decreaseTo', () => {
  // A rejection of the append after `rejected`, with the follower's hint.
  it('replicate: a rejection at or below match is stale and ignored', () => {
    const progress = replicating(5);
    progress.sentAppend(8, 3);
    assert.equal(progress.decreaseTo(5, 3), false);
    assert.equal(progress.state, ProgressState.replicate);
    assert.equal(progress.next, 9);
  });

  it('replicate: a real rejection drops to probe, never below match + 1', () => {
    const progress = replicating(5);
    progress.sentAppend(8, 3);
    assert.equal(progress.decreaseTo(8, 2), true);
    assert.equal(progress.state, ProgressState.probe);
    assert.equal(progress.next, 6);
    assert.equal(progress.inflightCount, 0);
  });

  it('probe: only the rejection of the outstanding probe counts; the hint moves next back', () => {
    const table: [next: number, rejected: number, hint: number, result: boolean, nextAfter: number][] = [
      [10, 9, 4, true, 5], // jump back to after the hint
      [10, 9, 9, true, 9], // hint at the rejected index itself: one step back
      [10, 9, 20, true, 9], // a hint beyond the rejection never moves next forward
      [10, 7, 4, false, 10], // not the outstanding probe: stale
    ];
    for (const [next, rejected, hint, result, nextAfter] of table) {
      const progress = new Progress(next, 4);
      progress.sentAppend(next - 1, 0);
      assert.equal(
        progress.decreaseTo(rejected, hint),
        result,
        `next=${next} rejected=${rejected} hint=${hint}`,
      );
      assert.equal(progress.next, nextAfter, `next=${next} rejected=${rejected} hint=${hint}`);
      if (result) assert.equal(progress.isPaused(), false, 'a rejection answers the probe');
    }
  });

  it('probe: next never drops to or below match', () => {
    const progress = new Progress(8, 4);
    progress.acknowledge(5);
    progress.next = 8;
    assert.equal(progress.decreaseTo(7, 1), true);
    assert.equal(progress.next, 6);
  });
});
