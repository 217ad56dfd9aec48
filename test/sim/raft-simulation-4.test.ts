import { describe, it } from 'node:test';
import { runShard } from './run-shard.ts';

describe('raft simulation, shard 4 of 4', () => {
  it('keeps every safety invariant and a linearizable history under faults', () => runShard(3));
});
