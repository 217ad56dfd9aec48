import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandType, encodeCommand } from '../fsm/commands.ts';
import { type Consensus, RaftRole } from './consensus.ts';
import { Leaderless, NoServersError } from './leaderless.ts';

describe('Leaderless', () => {
  it('rejects every write and barrier with Consul’s "No known Consul servers"', async () => {
    const consensus = new Leaderless();
    await consensus.start();
    const write = encodeCommand({ type: CommandType.tombstoneReap, upToIndex: 1 });
    await assert.rejects(consensus.propose(write), {
      name: 'NoServersError',
      message: 'No known Consul servers',
    });
    await assert.rejects(consensus.readBarrier(), NoServersError);
  });

  it('reports no leader, no log and no servers', async () => {
    const consensus: Consensus = new Leaderless();
    let notified = 0;
    consensus.onLeadershipChange(() => notified++);
    await consensus.start();
    assert.deepEqual(consensus.status(), {
      role: RaftRole.follower,
      leaderAddress: '',
      term: 0,
      commitIndex: 0,
      appliedIndex: 0,
      lastLogIndex: 0,
      lastContactMs: 0,
    });
    assert.deepEqual(consensus.configuration(), { servers: [], index: 0 });
    await consensus.stop();
    assert.equal(notified, 0, 'never a leader, so never a change');
  });
});
