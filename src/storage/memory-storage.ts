import { assert } from '../lib/assert.ts';
import type { Entry, HardState, Snapshot } from '../raft/types.ts';
import type { PersistBatch, RaftStorage, RecoveredState } from './raft-storage.ts';

/**
 * Storage that lives and dies with the process: the in-memory dev agent's. It keeps what
 * `SegmentStorage` would (newest snapshot, the log after it, hard state) and checks the same
 * preconditions, so code tested over it behaves the same over disk. Nothing is synced; `load()`
 * may be called again after `close()`, so a RaftNode restarted over the same instance recovers
 * as from disk.
 */
export class MemoryStorage implements RaftStorage {
  private hardState: HardState = { term: 0, vote: '', commit: 0 };
  private snapshot: Snapshot | undefined;
  /** Contiguous; may start at or before the snapshot's index (entries kept for slow followers). */
  private entries: Entry[] = [];

  load(): RecoveredState {
    const after = this.snapshot?.metadata.index ?? 0;
    const entries = this.entries.filter((entry) => entry.index > after);
    const state: RecoveredState = { hardState: { ...this.hardState }, entries };
    if (this.snapshot !== undefined) state.snapshot = this.snapshot;
    return state;
  }

  save(batch: PersistBatch): void {
    const snapshotIndex = this.snapshot?.metadata.index ?? 0;
    const first = batch.entries[0]?.index;
    for (let i = 1; i < batch.entries.length; i++) {
      assert(batch.entries[i]!.index === batch.entries[i - 1]!.index + 1, 'batch entries must be contiguous');
    }
    if (batch.snapshot !== undefined) {
      const { index } = batch.snapshot.metadata;
      assert(index > snapshotIndex, `snapshot ${index} is not newer than the stored one (${snapshotIndex})`);
      assert(
        first === undefined || first === index + 1,
        `entries after snapshot ${index} must start at ${index + 1}`,
      );
      this.snapshot = batch.snapshot;
      this.entries = [];
    } else if (first !== undefined) {
      const lastIndex = this.entries.at(-1)?.index ?? snapshotIndex;
      assert(
        first > snapshotIndex && first <= Math.max(lastIndex, snapshotIndex) + 1,
        `entry ${first} must follow the snapshot (${snapshotIndex}) and not leave a gap after ${lastIndex}`,
      );
    }
    if (!batch.mustSync) {
      const { hardState } = batch;
      const termOrVoteChanged =
        hardState !== undefined &&
        (hardState.term !== this.hardState.term || hardState.vote !== this.hardState.vote);
      assert(
        first === undefined && batch.snapshot === undefined && !termOrVoteChanged,
        'mustSync must be set when entries, a snapshot, the term or the vote change',
      );
    }
    if (first !== undefined) {
      // Contiguous: cut at `first` by position and append in place (a save must not copy the log).
      const base = this.entries[0]?.index ?? first;
      this.entries.length = Math.max(0, Math.min(this.entries.length, first - base));
      for (const entry of batch.entries) this.entries.push(entry);
    }
    if (batch.hardState !== undefined) this.hardState = { ...batch.hardState };
  }

  saveSnapshot(snapshot: Snapshot, compactThrough: number): void {
    const { index } = snapshot.metadata;
    assert(compactThrough <= index, `compactThrough ${compactThrough} is past the snapshot's index ${index}`);
    assert(index >= (this.snapshot?.metadata.index ?? 0), `snapshot ${index} is older than the stored one`);
    this.snapshot = snapshot;
    this.entries = this.entries.filter((entry) => entry.index > compactThrough);
  }

  close(): void {}
}
