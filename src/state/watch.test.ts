import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WatchChannel, WatchTopics } from './watch.ts';

describe('WatchChannel', () => {
  it('wakes every listener once when fired, then forgets them', () => {
    const channel = new WatchChannel();
    const calls: string[] = [];
    channel.subscribe(() => calls.push('a'));
    channel.subscribe(() => calls.push('b'));
    assert.equal(channel.listenerCount, 2);
    assert.equal(channel.fired, false);

    channel.fire();
    channel.fire();

    assert.deepEqual(calls, ['a', 'b']);
    assert.equal(channel.fired, true);
    assert.equal(channel.listenerCount, 0);
  });

  it('does not wake a listener that unsubscribed', () => {
    const channel = new WatchChannel();
    let calls = 0;
    const unsubscribe = channel.subscribe(() => calls++);
    unsubscribe();
    channel.fire();
    assert.equal(calls, 0);
  });

  it('reports idle when its last listener unsubscribes, not before', () => {
    let idle = 0;
    const channel = new WatchChannel(() => idle++);
    const first = channel.subscribe(() => {});
    const second = channel.subscribe(() => {});
    first();
    assert.equal(idle, 0);
    second();
    assert.equal(idle, 1);
    second();
    assert.equal(idle, 1, 'a second unsubscribe is harmless');
  });

  it('does not report idle when a listener unsubscribes after the fire', () => {
    let idle = 0;
    const channel = new WatchChannel(() => idle++);
    const unsubscribe = channel.subscribe(() => {});
    channel.fire();
    unsubscribe();
    assert.equal(idle, 0);
  });

  it('wakes a listener that subscribes after the fire, on the next microtask', async () => {
    const channel = new WatchChannel();
    channel.fire();
    let calls = 0;
    const unsubscribe = channel.subscribe(() => calls++);
    assert.equal(calls, 0, 'not synchronously');
    await Promise.resolve();
    assert.equal(calls, 1);
    unsubscribe();
  });
});

describe('WatchTopics', () => {
  it('creates no channel until someone subscribes', () => {
    const topics = new WatchTopics();
    const watchable = topics.watch('a');
    assert.equal(topics.size, 0);
    assert.equal(topics.has('a'), false);
    watchable.subscribe(() => {});
    assert.equal(topics.size, 1);
    assert.equal(topics.has('a'), true);
  });

  it('fires only the listeners of the fired topic', () => {
    const topics = new WatchTopics();
    const calls: string[] = [];
    topics.watch('a').subscribe(() => calls.push('a'));
    topics.watch('b').subscribe(() => calls.push('b'));
    topics.fire('a');
    assert.deepEqual(calls, ['a']);
    assert.equal(topics.has('a'), false, 'a fired channel is forgotten');
    assert.equal(topics.has('b'), true);
  });

  it('ignores a fire on a topic nobody watches', () => {
    const topics = new WatchTopics();
    topics.fire('nobody');
    assert.equal(topics.size, 0);
  });

  it('gives a fresh channel to a subscriber after a fire', () => {
    const topics = new WatchTopics();
    const watchable = topics.watch('a');
    let first = 0;
    let second = 0;
    watchable.subscribe(() => first++);
    topics.fire('a');
    watchable.subscribe(() => second++);
    assert.equal(second, 0, 'the new subscription is not woken by the old fire');
    topics.fire('a');
    assert.deepEqual([first, second], [1, 1]);
  });

  it('drops a channel once its last listener unsubscribes', () => {
    const topics = new WatchTopics();
    const unsubscribe = topics.watch('a').subscribe(() => {});
    unsubscribe();
    assert.equal(topics.size, 0);
  });

  it('keeps the channel while any listener remains', () => {
    const topics = new WatchTopics();
    let calls = 0;
    const first = topics.watch('a').subscribe(() => {});
    topics.watch('a').subscribe(() => calls++);
    first();
    assert.equal(topics.size, 1);
    topics.fire('a');
    assert.equal(calls, 1);
  });

  it('fires every channel on fireAll and forgets them all', () => {
    const topics = new WatchTopics();
    const calls: string[] = [];
    for (const topic of ['a', 'b', 'c']) topics.watch(topic).subscribe(() => calls.push(topic));
    assert.deepEqual([...topics.topics()], ['a', 'b', 'c']);
    topics.fireAll();
    assert.deepEqual(calls.sort(), ['a', 'b', 'c']);
    assert.equal(topics.size, 0);
  });

  it('wakes a late subscriber of a channel that fired before it subscribed', async () => {
    const topics = new WatchTopics();
    const channel = topics.channel('a');
    topics.fire('a');
    let calls = 0;
    channel.subscribe(() => calls++);
    await Promise.resolve();
    assert.equal(calls, 1);
  });
});
