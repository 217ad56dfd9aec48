import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UserEvent } from '../model/records.ts';
import { SeededRandom } from '../sim/seeded-random.ts';
import { EVENT_BUFFER_SIZE, EventLog, type EventTarget, shouldProcessUserEvent } from './events.ts';

function event(
  filters: Partial<Pick<UserEvent, 'NodeFilter' | 'ServiceFilter' | 'TagFilter' | 'Version'>>,
): UserEvent {
  return {
    ID: 'e1',
    Name: 'deploy',
    Payload: null,
    NodeFilter: '',
    ServiceFilter: '',
    TagFilter: '',
    Version: 1,
    LTime: 3,
    ...filters,
  };
}

const target: EventTarget = {
  nodeName: 'web-1',
  services: [
    { ID: 'api-1', Tags: ['v1', 'primary'] },
    { ID: 'db', Tags: [] },
  ],
};

describe('shouldProcessUserEvent (Consul shouldProcessUserEvent)', () => {
  const table: [string, Parameters<typeof event>[0], boolean][] = [
    ['no filters', {}, true],
    ['node filter matching, unanchored', { NodeFilter: 'web' }, true],
    ['node filter not matching', { NodeFilter: '^db' }, false],
    ['node filter in Go syntax', { NodeFilter: '(?i)WEB-\\d' }, true],
    ['node filter that does not compile', { NodeFilter: '(' }, false],
    ['service filter matching a service ID', { ServiceFilter: '^api' }, true],
    ['service filter matching no service', { ServiceFilter: 'cache' }, false],
    ['service and tag filter on the same service', { ServiceFilter: 'api', TagFilter: '^v1$' }, true],
    ['tag filter matching a tag of another service only', { ServiceFilter: '^db$', TagFilter: 'v1' }, false],
    ['tag filter that does not compile', { ServiceFilter: 'api', TagFilter: '[' }, false],
    ['node and service filters both matching', { NodeFilter: 'web', ServiceFilter: 'db' }, true],
    ['an unknown version', { Version: 2 }, false],
  ];
  for (const [name, filters, expected] of table) {
    it(name, () => assert.equal(shouldProcessUserEvent(event(filters), target), expected));
  }
});

describe('EventLog', () => {
  it('fires by broadcast only: the list fills from what is ingested', () => {
    const sent: UserEvent[] = [];
    const log = new EventLog(new SeededRandom(1), (fired) => sent.push(fired));
    const fired = log.fire({ Name: 'x', Payload: null, NodeFilter: '', ServiceFilter: '', TagFilter: '' });
    assert.equal(fired.Version, 1);
    assert.equal(fired.LTime, 0);
    assert.match(fired.ID, /^[0-9a-f-]{36}$/);
    assert.deepEqual(sent, [fired]);
    assert.deepEqual(log.list().events, []);
    log.ingest({ ...fired, LTime: 7 });
    assert.deepEqual(log.list().events, [{ ...fired, LTime: 7 }]);
  });

  it('wakes watchers once per ingest and keeps the newest 256', () => {
    const log = new EventLog(new SeededRandom(2), () => {});
    let woken = 0;
    log.list().watch(() => woken++);
    for (let i = 1; i <= EVENT_BUFFER_SIZE + 10; i++) log.ingest({ ...event({}), ID: `e${i}`, LTime: i });
    assert.equal(woken, 1);
    const { events } = log.list();
    assert.equal(events.length, EVENT_BUFFER_SIZE);
    assert.equal(events[0]!.ID, 'e11');
    assert.equal(events.at(-1)!.ID, `e${EVENT_BUFFER_SIZE + 10}`);
  });

  it('lets a broadcast failure reach the caller', () => {
    const log = new EventLog(new SeededRandom(3), () => {
      throw new Error('user event exceeds limit of 512 bytes');
    });
    assert.throws(
      () => log.fire({ Name: 'x', Payload: null, NodeFilter: '', ServiceFilter: '', TagFilter: '' }),
      /exceeds limit/,
    );
  });
});
