import type { Entry, HardState, Snapshot } from '../raft/types.ts';

/** What a server recovers at start: everything it acknowledged before it stopped or crashed. */
export interface RecoveredState {
  hardState: HardState;
  /** The newest intact snapshot, if any. */
  snapshot?: Snapshot;
  /** The log after the snapshot (or from index 1), contiguous, in order. */
  entries: Entry[];
}

/** One Ready's worth of durable writes (see `Ready` in src/raft/types.ts). */
export interface PersistBatch {
  /** A snapshot received from the leader: stored before the entries; replaces the whole log. */
  snapshot?: Snapshot;
  /** Entries to append; the first may be ≤ the last stored index, which discards stored ≥ it. */
  entries: Entry[];
  hardState?: HardState;
  /** fdatasync before returning. */
  mustSync: boolean;
}

/**
 * The Raft server's durable storage: log, hard state and snapshots. `save` returns only once
 * the batch is durable (when `mustSync`); a failure throws and the caller must not acknowledge
 * anything in the batch. Implementations: `SegmentStorage` (segment files over a `FileSystem`)
 * and `MemoryStorage` (for the in-memory dev agent).
 */
export interface RaftStorage {
  load(): RecoveredState;
  save(batch: PersistBatch): void;
  /**
   * Stores a snapshot taken of this server's own FSM, then drops log entries up to
   * `compactThrough` (≤ the snapshot's index: the leader keeps trailing entries for slow
   * followers). Durable before it returns.
   */
  saveSnapshot(snapshot: Snapshot, compactThrough: number): void;
  close(): void;
}
