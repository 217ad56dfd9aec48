import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { ProbeDeadline } from './deadline.ts';

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
const never = new Promise<never>(() => {});

describe('ProbeDeadline', () => {
  it('leaves no listener on the signal and no timer, run after run', async () => {
    const controller = new AbortController();
    const timersBefore = timers();
    for (let run = 0; run < 1000; run += 1) {
      const deadline = new ProbeDeadline(60_000, controller.signal);
      assert.deepEqual(await deadline.until(Promise.resolve(run)), { done: true, value: run });
      deadline.dispose();
    }
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    assert.equal(timers(), timersBefore);
  });

  it('answers the pending wait with "aborted" when the signal aborts, and lets go of the signal', async () => {
    const controller = new AbortController();
    const deadline = new ProbeDeadline(60_000, controller.signal);
    const waiting = deadline.until(never);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    controller.abort();
    assert.deepEqual(await waiting, { done: false, cause: 'aborted' });
    assert.deepEqual(await deadline.until(Promise.resolve(1)), { done: false, cause: 'aborted' });
    deadline.dispose();
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  it('is stopped from the start on an aborted signal, without listening to it', async () => {
    const controller = new AbortController();
    controller.abort();
    const deadline = new ProbeDeadline(60_000, controller.signal);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    assert.deepEqual(await deadline.until(never), { done: false, cause: 'aborted' });
    deadline.dispose();
  });

  it('answers "timeout" when the time passes first', async () => {
    const deadline = new ProbeDeadline(1, new AbortController().signal);
    assert.deepEqual(await deadline.until(never), { done: false, cause: 'timeout' });
    deadline.dispose();
  });

  it("passes on the work's failure", async () => {
    const deadline = new ProbeDeadline(60_000, new AbortController().signal);
    await assert.rejects(deadline.until(Promise.reject(new Error('boom'))), /boom/);
    deadline.dispose();
  });
});
