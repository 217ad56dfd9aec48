import { Packr } from 'msgpackr';
import { assert } from '../lib/assert.ts';
import { crc32c } from '../lib/crc32c.ts';
import type { AppendFile, FileSystem } from '../ports/file-system.ts';
import { type Logger, silentLogger } from '../ports/logger.ts';
import {
  type Configuration,
  type Entry,
  EntryKind,
  type HardState,
  type Snapshot,
  Suffrage,
} from '../raft/types.ts';
import type { PersistBatch, RaftStorage, RecoveredState } from './raft-storage.ts';

export interface SegmentStorageOptions {
  fileSystem: FileSystem;
  /** The storage's own directory (`<data-dir>/raft`): holds `wal/`, `snapshots/`, `hard-state`. */
  directory: string;
  /** A segment holding at least this many bytes is closed and the next record starts a new one. */
  segmentBytes?: number;
  /** Told about damage that recovery worked around: a torn tail cut, a damaged snapshot skipped. */
  logger?: Logger;
}

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

/** How many snapshot files to keep: the newest, and one to fall back on if it is damaged. */
const SNAPSHOTS_KEPT = 2;

/** Damage found by `load()` that is not a torn tail. The message says what to do about it. */
export class StorageCorruptionError extends Error {
  override name = 'StorageCorruptionError';

  constructor(
    readonly path: string,
    readonly offset: number | undefined,
    readonly problem: string,
    dataDirectory: string,
  ) {
    super(
      `${path}${offset === undefined ? '' : ` at byte ${offset}`}: ${problem}. ` +
        'This is damage, not the torn end of an interrupted write, so entries this server ' +
        'acknowledged may be gone; it refuses to start rather than forget them. Restore the ' +
        `server from its peers: stop it, move ${dataDirectory} aside, and start it with an empty ` +
        'data directory so that it rejoins and receives a snapshot from the leader (or restore ' +
        `${dataDirectory} from a backup).`,
    );
  }
}

/** Every write after a failed one: the disk's state is uncertain until a restart recovers it. */
export class StorageFailedError extends Error {
  override name = 'StorageFailedError';

  constructor(cause: Error) {
    super(
      `storage failed earlier: ${cause.message}; it refuses further writes because what reached ` +
        'the disk is uncertain. Restart the server: recovery keeps what was durable.',
      { cause },
    );
  }
}

/**
 * msgpackr without records (no structure table to lose) and with `moreTypes`, so a Uint8Array
 * decodes as a Uint8Array (a copy, not a view of the file buffer) rather than a Buffer.
 */
const packr = new Packr({ useRecords: false, moreTypes: true });

const RecordKind = {
  entry: 1,
  hardState: 2,
} as const;

type LogRecord =
  | { kind: typeof RecordKind.entry; entry: Entry }
  | { kind: typeof RecordKind.hardState; hardState: HardState; sequence: number };

/** `[u32 payload length][u32 CRC-32C of payload]`, little-endian. */
const RECORD_HEADER_BYTES = 8;
const SNAPSHOT_MAGIC = new TextEncoder().encode('CAIRNSNP');
/** Magic, u32 body length, u32 CRC-32C of the body. */
const SNAPSHOT_HEADER_BYTES = SNAPSHOT_MAGIC.length + 8;
const INDEX_DIGITS = 20;
const SEGMENT_NAME = /^(\d{20})\.seg$/;
const SNAPSHOT_NAME = /^(\d{20})-(\d{20})\.snap$/;
const TEMPORARY_SUFFIX = '.tmp';

interface Segment {
  /** From the file name: the index of its first entry, or of the next entry if it has none. */
  firstIndex: number;
  path: string;
  /** `entryOffsets[k]` is the byte offset of entry `firstIndex + k`. */
  entryOffsets: number[];
}

/** Where a record was written: the segment and byte offset. */
interface RecordLocation {
  segment: Segment;
  offset: number;
}

const INITIAL_HARD_STATE: HardState = { term: 0, vote: '', commit: 0 };

/**
 * The Raft server's durable storage: the log in segment files, the hard state as records in
 * the same stream, snapshots in their own files. The on-disk formats and the crash-safety
 * argument are in ./README.md; the short version:
 *
 * - One fdatasync per batch: a batch's records go to the current segment in one write, then one
 *   `sync()` when `mustSync` (etcd-io/raft's Ready contract, hashicorp/raft-wal's design).
 * - A torn tail (the end of the last segment, unsynced when the machine died) is truncated at
 *   load; a bad record anywhere else is damage and `load()` refuses to start.
 * - Only the last segment may hold unsynced bytes: a segment is synced before the next one is
 *   created, and a new segment's directory entry is synced before it is used.
 * - Destructive steps (conflict truncation, dropping the log for a leader's snapshot,
 *   compaction) never remove the only durable copy of the latest hard state: when they would, it
 *   is first written to the `hard-state` file (temp, fsync, rename, fsync dir). Hard-state
 *   records carry a sequence number, so recovery takes the newest wherever it is.
 */
export class SegmentStorage implements RaftStorage {
  private readonly fileSystem: FileSystem;
  private readonly segmentBytes: number;
  private readonly logger: Logger;
  private readonly directory: string;
  private readonly walDirectory: string;
  private readonly snapshotDirectory: string;
  private readonly hardStatePath: string;

  private lifecycle: 'new' | 'open' | 'closed' = 'new';
  /** The first write error; every later write refuses with StorageFailedError. */
  private failure: Error | undefined;

  /** In log order; the last is the one being written. */
  private segments: Segment[] = [];
  private currentFile: AppendFile | undefined;
  /** Framed records not yet handed to `currentFile.append` (one write per batch). */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** The current segment may hold bytes that are not yet durable. */
  private unsynced = false;

  private hardState: HardState = { ...INITIAL_HARD_STATE };
  /** Sequence number of `hardState`; 0 until one is written. */
  private hardStateSequence = 0;
  /** The newest copy of `hardState` in a segment; undefined when it lives only in `hard-state`. */
  private hardStateLocation: RecordLocation | undefined;

  private snapshotIndex = 0;
  /** The last entry's index, or `snapshotIndex` when no entry follows the snapshot. */
  private lastIndex = 0;

  constructor(options: SegmentStorageOptions) {
    const { directory } = options;
    this.fileSystem = options.fileSystem;
    this.segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    assert(
      Number.isInteger(this.segmentBytes) && this.segmentBytes > 0,
      'segmentBytes must be a positive integer',
    );
    this.logger = options.logger ?? silentLogger;
    this.directory = directory.length > 1 ? directory.replace(/\/+$/, '') : directory;
    this.walDirectory = `${this.directory}/wal`;
    this.snapshotDirectory = `${this.directory}/snapshots`;
    this.hardStatePath = `${this.directory}/hard-state`;
  }

  // ---------------------------------------------------------------------------------------------
  // Recovery

  load(): RecoveredState {
    assert(this.lifecycle === 'new', 'load() runs once, before anything else');
    try {
      return this.recover();
    } catch (error) {
      // Half-recovered state is not usable: the caller starts over with a new instance.
      this.lifecycle = 'closed';
      throw error;
    }
  }

  private recover(): RecoveredState {
    this.ensureDirectory(this.directory);
    this.ensureDirectory(this.walDirectory);
    this.ensureDirectory(this.snapshotDirectory);

    const { snapshot, skipped } = this.loadNewestSnapshot();
    const hardStateFile = this.loadHardStateFile();
    const scan = this.scanSegments();
    this.segments = scan.segments;

    this.hardState = scan.hardState?.hardState ?? { ...INITIAL_HARD_STATE };
    this.hardStateSequence = scan.hardState?.sequence ?? 0;
    this.hardStateLocation = scan.hardState?.location;
    if (hardStateFile !== undefined && hardStateFile.sequence > this.hardStateSequence) {
      this.hardState = hardStateFile.hardState;
      this.hardStateSequence = hardStateFile.sequence;
      this.hardStateLocation = undefined;
    }

    this.snapshotIndex = snapshot?.metadata.index ?? 0;
    const { entries, discard } = this.entriesAfterSnapshot(scan.entries, snapshot, skipped);
    this.lastIndex = entries.at(-1)?.index ?? this.snapshotIndex;
    if (discard) this.discardLog();

    const current = this.segments.at(-1);
    if (current !== undefined) {
      this.currentFile = this.fileSystem.openAppend(current.path);
      // A previous process may have left unsynced bytes; sync before rotating away from them.
      this.unsynced = true;
    }
    this.lifecycle = 'open';
    const recovered: RecoveredState = { hardState: { ...this.hardState }, entries };
    if (snapshot !== undefined) recovered.snapshot = snapshot;
    return recovered;
  }

  /** The newest intact snapshot; damaged ones are skipped (and reported), leftovers removed. */
  private loadNewestSnapshot(): { snapshot: Snapshot | undefined; skipped: string[] } {
    const names = this.fileSystem.list(this.snapshotDirectory);
    for (const name of names) {
      if (name.endsWith(TEMPORARY_SUFFIX)) this.fileSystem.remove(`${this.snapshotDirectory}/${name}`);
    }
    const candidates = names
      .map((name) => parseSnapshotName(name))
      .filter((parsed) => parsed !== undefined)
      .sort((a, b) => b.index - a.index || b.term - a.term);
    const skipped: string[] = [];
    for (const candidate of candidates) {
      const path = `${this.snapshotDirectory}/${candidate.name}`;
      const decoded = decodeSnapshotFile(this.fileSystem.readFile(path), candidate);
      if (typeof decoded !== 'string') return { snapshot: decoded, skipped };
      skipped.push(`${path}: ${decoded}`);
      this.logger.warn(
        { path, problem: decoded },
        'skipping a damaged snapshot; falling back to an older one',
      );
    }
    return { snapshot: undefined, skipped };
  }

  private loadHardStateFile(): { hardState: HardState; sequence: number } | undefined {
    const temporary = `${this.hardStatePath}${TEMPORARY_SUFFIX}`;
    if (this.fileSystem.exists(temporary)) this.fileSystem.remove(temporary);
    if (!this.fileSystem.exists(this.hardStatePath)) return undefined;
    const bytes = this.fileSystem.readFile(this.hardStatePath);
    const frame = readFrame(bytes, 0);
    if ('problem' in frame || frame.next !== bytes.length) {
      const problem = 'problem' in frame ? frame.problem : 'unexpected bytes after the record';
      throw new StorageCorruptionError(this.hardStatePath, 0, problem, this.directory);
    }
    const record = this.decodeOrThrow(frame.payload, this.hardStatePath, 0);
    if (record.kind !== RecordKind.hardState) {
      throw new StorageCorruptionError(
        this.hardStatePath,
        0,
        'holds a log entry, not a hard state',
        this.directory,
      );
    }
    return { hardState: record.hardState, sequence: record.sequence };
  }

  /**
   * Reads every segment in order, checking frames, contiguity and names; cuts a torn tail off the
   * last segment. Returns all entries found (including those the snapshot covers).
   */
  private scanSegments(): {
    segments: Segment[];
    entries: Entry[];
    hardState: { hardState: HardState; sequence: number; location: RecordLocation } | undefined;
  } {
    const names = this.fileSystem.list(this.walDirectory).filter((name) => SEGMENT_NAME.test(name));
    const segments: Segment[] = [];
    const entries: Entry[] = [];
    let hardState: { hardState: HardState; sequence: number; location: RecordLocation } | undefined;
    for (const [position, name] of names.entries()) {
      const path = `${this.walDirectory}/${name}`;
      const segment: Segment = { firstIndex: Number(SEGMENT_NAME.exec(name)![1]), path, entryOffsets: [] };
      const isLast = position === names.length - 1;
      const bytes = this.fileSystem.readFile(path);
      let offset = 0;
      while (offset < bytes.length) {
        const frame = readFrame(bytes, offset);
        if ('problem' in frame) {
          if (isLast && !hasIntactFrameAfter(bytes, offset)) {
            this.cutTornTail(path, offset, bytes.length, frame.problem);
            break;
          }
          throw new StorageCorruptionError(
            path,
            offset,
            `${frame.problem}${isLast ? ', and intact records follow it' : ' (not the last segment)'}`,
            this.directory,
          );
        }
        const record = this.decodeOrThrow(frame.payload, path, offset);
        if (record.kind === RecordKind.entry) {
          const index = record.entry.index;
          if (segment.entryOffsets.length === 0 && index !== segment.firstIndex) {
            const problem = `the segment is named for entry ${segment.firstIndex} but starts with entry ${index}`;
            throw new StorageCorruptionError(path, offset, problem, this.directory);
          }
          const previous = entries.at(-1)?.index;
          if (previous !== undefined && index !== previous + 1) {
            const problem =
              index > previous + 1
                ? `entry ${index} follows entry ${previous}: entries ${previous + 1}..${index - 1} are missing`
                : `entry ${index} follows entry ${previous}: the log goes backwards`;
            throw new StorageCorruptionError(path, offset, problem, this.directory);
          }
          segment.entryOffsets.push(offset);
          entries.push(record.entry);
        } else if (hardState === undefined || record.sequence >= hardState.sequence) {
          hardState = {
            hardState: record.hardState,
            sequence: record.sequence,
            location: { segment, offset },
          };
        }
        offset = frame.next;
      }
      if (segment.entryOffsets.length === 0) {
        if (!isLast) {
          throw new StorageCorruptionError(
            path,
            undefined,
            'holds no entries but is not the newest segment',
            this.directory,
          );
        }
        const previous = entries.at(-1)?.index;
        if (previous !== undefined && segment.firstIndex !== previous + 1) {
          const problem = `holds no entries and is named for entry ${segment.firstIndex}, but the log ends at entry ${previous}`;
          throw new StorageCorruptionError(path, undefined, problem, this.directory);
        }
      }
      segments.push(segment);
    }
    return { segments, entries, hardState };
  }

  private cutTornTail(path: string, offset: number, size: number, problem: string): void {
    this.logger.warn(
      { path, offset, bytes: size - offset, problem },
      'cutting the torn tail of the last log segment (a write interrupted by a crash)',
    );
    const file = this.fileSystem.openAppend(path);
    try {
      file.truncate(offset);
      file.sync();
    } finally {
      file.close();
    }
  }

  /**
   * The entries after the snapshot, and whether the stored log must be dropped because the
   * snapshot supersedes it (a leader's snapshot whose installation a crash interrupted).
   */
  private entriesAfterSnapshot(
    entries: Entry[],
    snapshot: Snapshot | undefined,
    skipped: string[],
  ): { entries: Entry[]; discard: boolean } {
    const snapshotIndex = snapshot?.metadata.index ?? 0;
    const first = entries[0];
    const last = entries.at(-1);
    if (first === undefined || last === undefined) {
      // Only hard states stored: harmless to drop unless named for the next entry.
      const current = this.segments.at(-1);
      return { entries: [], discard: current !== undefined && current.firstIndex !== snapshotIndex + 1 };
    }
    if (first.index > snapshotIndex + 1) {
      const covered =
        snapshot === undefined
          ? 'there is no snapshot'
          : `the newest intact snapshot ends at entry ${snapshotIndex}`;
      const skippedNote = skipped.length > 0 ? ` (damaged snapshots skipped: ${skipped.join('; ')})` : '';
      const problem = `the log starts at entry ${first.index} but ${covered}: entries ${snapshotIndex + 1}..${first.index - 1} are missing${skippedNote}`;
      throw new StorageCorruptionError(this.segments[0]!.path, undefined, problem, this.directory);
    }
    if (last.index < snapshotIndex) return { entries: [], discard: true };
    const atSnapshot = snapshotIndex >= first.index ? entries[snapshotIndex - first.index] : undefined;
    if (snapshot !== undefined && atSnapshot !== undefined && atSnapshot.term !== snapshot.metadata.term) {
      this.logger.warn(
        { snapshotIndex, snapshotTerm: snapshot.metadata.term, entryTerm: atSnapshot.term },
        'the log conflicts with the newest snapshot (an interrupted snapshot install); dropping the log',
      );
      return { entries: [], discard: true };
    }
    return { entries: entries.slice(snapshotIndex + 1 - first.index), discard: false };
  }

  private decodeOrThrow(payload: Uint8Array, path: string, offset: number): LogRecord {
    try {
      return decodeRecord(payload);
    } catch (error) {
      if (!(error instanceof RecordFormatError)) throw error;
      throw new StorageCorruptionError(path, offset, error.message, this.directory);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  save(batch: PersistBatch): void {
    this.requireWritable();
    this.checkBatch(batch);
    try {
      if (batch.snapshot !== undefined) this.installSnapshot(batch.snapshot);
      const first = batch.entries[0];
      if (first !== undefined && first.index <= this.lastIndex) this.truncateFrom(first.index);
      for (const entry of batch.entries) this.appendEntry(entry);
      if (batch.hardState !== undefined) this.appendHardState(batch.hardState);
      this.flush();
      if (batch.mustSync && this.unsynced) this.syncCurrent();
    } catch (error) {
      throw this.fail(error);
    }
  }

  saveSnapshot(snapshot: Snapshot, compactThrough: number): void {
    this.requireWritable();
    const { index } = snapshot.metadata;
    assert(
      Number.isInteger(compactThrough) && compactThrough >= 0 && compactThrough <= index,
      `compactThrough ${compactThrough} must be between 0 and the snapshot's index ${index}`,
    );
    assert(
      index >= this.snapshotIndex,
      `snapshot ${index} is older than the stored one (${this.snapshotIndex})`,
    );
    assert(
      index <= this.lastIndex,
      `a snapshot of this server's FSM (${index}) cannot be ahead of its log (${this.lastIndex})`,
    );
    try {
      this.writeSnapshotFile(snapshot);
      this.snapshotIndex = index;
      this.removeOldSnapshots();
      this.compact(compactThrough);
    } catch (error) {
      throw this.fail(error);
    }
  }

  close(): void {
    if (this.lifecycle === 'closed') return;
    const wasOpen = this.lifecycle === 'open';
    this.lifecycle = 'closed';
    const file = this.currentFile;
    this.currentFile = undefined;
    if (file === undefined) return;
    if (this.failure !== undefined || !wasOpen) {
      try {
        file.close();
      } catch {
        // Already failed: the handle may be unusable too.
      }
      return;
    }
    if (this.unsynced) file.sync();
    file.close();
  }

  private requireWritable(): void {
    assert(this.lifecycle !== 'new', 'load() must run before writes');
    assert(this.lifecycle !== 'closed', 'the storage is closed');
    if (this.failure !== undefined) throw new StorageFailedError(this.failure);
  }

  /** Records the first failure (assertions included: the state may be half-updated) and returns it. */
  private fail(error: unknown): unknown {
    this.failure ??= error instanceof Error ? error : new Error(String(error));
    return error;
  }

  /** The Ready contract's preconditions; a violation is a bug in the caller. */
  private checkBatch(batch: PersistBatch): void {
    const { entries, snapshot, hardState, mustSync } = batch;
    for (let i = 1; i < entries.length; i++) {
      assert(
        entries[i]!.index === entries[i - 1]!.index + 1,
        `batch entries must be contiguous: ${entries[i - 1]!.index} then ${entries[i]!.index}`,
      );
    }
    const first = entries[0]?.index;
    if (snapshot !== undefined) {
      const { index } = snapshot.metadata;
      assert(
        index > this.snapshotIndex,
        `snapshot ${index} is not newer than the stored one (${this.snapshotIndex})`,
      );
      assert(
        first === undefined || first === index + 1,
        `entries after snapshot ${index} must start at ${index + 1}`,
      );
    } else if (first !== undefined) {
      assert(
        first > this.snapshotIndex && first <= this.lastIndex + 1,
        `entry ${first} must follow the snapshot (${this.snapshotIndex}) and not leave a gap after ${this.lastIndex}`,
      );
    }
    if (!mustSync) {
      const termOrVoteChanged =
        hardState !== undefined &&
        (hardState.term !== this.hardState.term || hardState.vote !== this.hardState.vote);
      assert(
        entries.length === 0 && snapshot === undefined && !termOrVoteChanged,
        'mustSync must be set when entries, a snapshot, the term or the vote change',
      );
    }
  }

  private appendEntry(entry: Entry): void {
    assert(entry.index === this.lastIndex + 1, `entry ${entry.index} must follow ${this.lastIndex}`);
    const location = this.appendRecord({ kind: RecordKind.entry, entry });
    assert(
      location.segment.firstIndex + location.segment.entryOffsets.length === entry.index,
      'entry lands where its segment expects it',
    );
    location.segment.entryOffsets.push(location.offset);
    this.lastIndex = entry.index;
  }

  private appendHardState(hardState: HardState): void {
    const sequence = this.hardStateSequence + 1;
    const location = this.appendRecord({ kind: RecordKind.hardState, hardState, sequence });
    this.hardState = { term: hardState.term, vote: hardState.vote, commit: hardState.commit };
    this.hardStateSequence = sequence;
    this.hardStateLocation = location;
  }

  /** Queues a record for the current segment, starting a new segment first if needed. */
  private appendRecord(record: LogRecord): RecordLocation {
    const current = this.segments.at(-1);
    if (current === undefined) {
      this.startSegment(this.lastIndex + 1);
    } else if (
      this.currentFile!.size + this.pendingBytes >= this.segmentBytes &&
      // A segment without entries is named for the next entry; a successor would share its name.
      current.entryOffsets.length > 0
    ) {
      this.flush();
      if (this.unsynced) this.syncCurrent();
      this.currentFile!.close();
      this.currentFile = undefined;
      this.startSegment(this.lastIndex + 1);
    }
    const framed = encodeFrame(encodeRecord(record));
    const location = { segment: this.segments.at(-1)!, offset: this.currentFile!.size + this.pendingBytes };
    this.pending.push(framed);
    this.pendingBytes += framed.length;
    return location;
  }

  /**
   * Creates the segment that the next entry, `firstIndex`, will go to. Its directory entry is
   * made durable before anything is written to it; it starts with a copy of the hard state, so
   * that removing older segments never loses the hard state.
   */
  private startSegment(firstIndex: number): void {
    const path = `${this.walDirectory}/${String(firstIndex).padStart(INDEX_DIGITS, '0')}.seg`;
    assert(!this.fileSystem.exists(path), `segment ${path} already exists`);
    this.currentFile = this.fileSystem.openAppend(path);
    this.fileSystem.syncDirectory(this.walDirectory);
    this.segments.push({ firstIndex, path, entryOffsets: [] });
    this.unsynced = false;
    if (this.hardStateSequence > 0) {
      this.hardStateLocation = this.appendRecord({
        kind: RecordKind.hardState,
        hardState: this.hardState,
        sequence: this.hardStateSequence,
      });
    }
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const bytes = this.pending.length === 1 ? this.pending[0]! : concatenate(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.unsynced = true;
    this.currentFile!.append(bytes);
  }

  private syncCurrent(): void {
    this.currentFile!.sync();
    this.unsynced = false;
  }

  /**
   * Discards stored entries ≥ `index` (Raft's conflict rule). The cut is synced on its own before
   * anything is appended after it, so a crash can never leave new bytes over old ones in a data
   * block whose size change was lost; later segments are removed first, newest first, so a crash
   * leaves a prefix of the log.
   */
  private truncateFrom(index: number): void {
    this.flush();
    const position = this.segments.findLastIndex((segment) => segment.firstIndex <= index);
    const segment = this.segments[position];
    assert(
      segment !== undefined && index - segment.firstIndex < segment.entryOffsets.length,
      `entry ${index} is not stored`,
    );
    const cut = segment.entryOffsets[index - segment.firstIndex]!;
    const later = this.segments.slice(position + 1);
    const location = this.hardStateLocation;
    const hardStateEndangered =
      location !== undefined &&
      (later.includes(location.segment) || (location.segment === segment && location.offset >= cut));
    if (hardStateEndangered) this.writeHardStateFile();
    if (later.length > 0) {
      this.currentFile!.close();
      this.currentFile = undefined;
      this.removeSegments(later.reverse());
      this.segments.length = position + 1;
      this.currentFile = this.fileSystem.openAppend(segment.path);
    }
    this.currentFile!.truncate(cut);
    this.syncCurrent();
    segment.entryOffsets.length = index - segment.firstIndex;
    this.lastIndex = index - 1;
    if (hardStateEndangered) {
      // Keep a copy in the segments too, so that the segments alone describe the state again.
      this.hardStateLocation = this.appendRecord({
        kind: RecordKind.hardState,
        hardState: this.hardState,
        sequence: this.hardStateSequence,
      });
    }
  }

  /**
   * A snapshot from the leader replaces the whole log. The snapshot is durable before any
   * segment goes; if a crash interrupts the removal, `load()` keeps the entries after the
   * snapshot only if they continue it (same term at its index), which Raft allows (§5.3 of the
   * Raft paper, InstallSnapshot step 6).
   */
  private installSnapshot(snapshot: Snapshot): void {
    this.writeSnapshotFile(snapshot);
    this.snapshotIndex = snapshot.metadata.index;
    this.removeOldSnapshots();
    this.discardLog();
    this.lastIndex = this.snapshotIndex;
  }

  /** Removes every segment (newest first), after saving the hard state if only they hold it. */
  private discardLog(): void {
    assert(this.pending.length === 0, 'nothing queued while the log is discarded');
    if (this.segments.length === 0) return;
    if (this.hardStateLocation !== undefined) this.writeHardStateFile();
    this.currentFile?.close();
    this.currentFile = undefined;
    this.removeSegments([...this.segments].reverse());
    this.segments = [];
    this.unsynced = false;
  }

  /** Removes whole segments, oldest first, all of whose entries are ≤ `through`; never the current one. */
  private compact(through: number): void {
    let count = 0;
    while (count < this.segments.length - 1) {
      const segment = this.segments[count]!;
      const last = segment.firstIndex + segment.entryOffsets.length - 1;
      if (segment.entryOffsets.length === 0 || last > through) break;
      count++;
    }
    if (count === 0) return;
    // The newest hard-state copy may be an unsynced one in the current segment (a commit-only
    // batch, or the copy a new segment starts with) while the newest durable copy is in a segment
    // about to go: make the current segment durable first.
    this.flush();
    if (this.unsynced) this.syncCurrent();
    const removed = this.segments.slice(0, count);
    const location = this.hardStateLocation;
    if (location !== undefined && removed.includes(location.segment)) this.writeHardStateFile();
    this.removeSegments(removed);
    this.segments.splice(0, count);
  }

  /**
   * Removes segments one at a time, each removal durable before the next, so that a crash leaves
   * the others whatever order the file system would have persisted the removals in. Callers go
   * newest first (dropping a suffix) or oldest first (compaction): what stays is contiguous.
   */
  private removeSegments(segments: Segment[]): void {
    for (const segment of segments) {
      this.fileSystem.remove(segment.path);
      this.fileSystem.syncDirectory(this.walDirectory);
    }
  }

  private writeHardStateFile(): void {
    const record = {
      kind: RecordKind.hardState,
      hardState: this.hardState,
      sequence: this.hardStateSequence,
    };
    this.writeFileDurably(this.hardStatePath, encodeFrame(encodeRecord(record)), this.directory);
    this.hardStateLocation = undefined;
  }

  private writeSnapshotFile(snapshot: Snapshot): void {
    const { index, term } = snapshot.metadata;
    const name = `${String(term).padStart(INDEX_DIGITS, '0')}-${String(index).padStart(INDEX_DIGITS, '0')}.snap`;
    this.writeFileDurably(
      `${this.snapshotDirectory}/${name}`,
      encodeSnapshotFile(snapshot),
      this.snapshotDirectory,
    );
  }

  /** Keeps the newest `SNAPSHOTS_KEPT`; a removal a crash undoes is simply redone next time. */
  private removeOldSnapshots(): void {
    const snapshots = this.fileSystem
      .list(this.snapshotDirectory)
      .map((name) => parseSnapshotName(name))
      .filter((parsed) => parsed !== undefined)
      .sort((a, b) => b.index - a.index || b.term - a.term);
    for (const old of snapshots.slice(SNAPSHOTS_KEPT)) {
      this.fileSystem.remove(`${this.snapshotDirectory}/${old.name}`);
    }
  }

  /** Temp file, fsync, rename over `path`, fsync the directory: all of `bytes` or the old file. */
  private writeFileDurably(path: string, bytes: Uint8Array, directory: string): void {
    const temporary = `${path}${TEMPORARY_SUFFIX}`;
    if (this.fileSystem.exists(temporary)) this.fileSystem.remove(temporary);
    const file = this.fileSystem.openAppend(temporary);
    try {
      file.append(bytes);
      file.sync();
    } finally {
      file.close();
    }
    this.fileSystem.rename(temporary, path);
    this.fileSystem.syncDirectory(directory);
  }

  /** Creates a missing directory (and parents), syncing each new entry into its parent. */
  private ensureDirectory(path: string): void {
    if (this.fileSystem.exists(path)) return;
    const parent = parentOf(path);
    if (parent !== path) this.ensureDirectory(parent);
    this.fileSystem.makeDirectory(path);
    this.fileSystem.syncDirectory(parent);
  }
}

// -----------------------------------------------------------------------------------------------
// Record format

class RecordFormatError extends Error {
  override name = 'RecordFormatError';
}

function encodeRecord(record: LogRecord): Uint8Array {
  if (record.kind === RecordKind.entry) {
    const { index, term, kind, data, configuration } = record.entry;
    const configurationCopy = configuration === undefined ? null : copyConfiguration(configuration);
    return packr.pack([RecordKind.entry, index, term, kind, plainBytes(data), configurationCopy]);
  }
  const { term, vote, commit } = record.hardState;
  return packr.pack([RecordKind.hardState, record.sequence, term, vote, commit]);
}

function decodeRecord(payload: Uint8Array): LogRecord {
  const value = unpack(payload);
  if (!Array.isArray(value)) throw new RecordFormatError('the record is not a msgpack array');
  if (value[0] === RecordKind.entry && value.length === 6) {
    const [, index, term, kind, data, configuration] = value as unknown[];
    if (!isCount(index) || index < 1)
      throw new RecordFormatError(`entry index ${String(index)} is not valid`);
    if (!isCount(term)) throw new RecordFormatError(`entry ${index} has an invalid term`);
    if (!isEntryKind(kind)) throw new RecordFormatError(`entry ${index} has unknown kind ${String(kind)}`);
    if (!(data instanceof Uint8Array)) throw new RecordFormatError(`entry ${index} has no data bytes`);
    const entry: Entry = { index, term, kind, data };
    if (configuration !== null) entry.configuration = decodeConfiguration(configuration, `entry ${index}`);
    return { kind: RecordKind.entry, entry };
  }
  if (value[0] === RecordKind.hardState && value.length === 5) {
    const [, sequence, term, vote, commit] = value as unknown[];
    if (!isCount(sequence) || !isCount(term) || typeof vote !== 'string' || !isCount(commit)) {
      throw new RecordFormatError('the hard state record has invalid fields');
    }
    return { kind: RecordKind.hardState, sequence, hardState: { term, vote, commit } };
  }
  throw new RecordFormatError(
    `unknown record kind ${JSON.stringify(value[0])} with ${value.length} fields (written by a newer Cairn?)`,
  );
}

/** `[u32 length][u32 CRC-32C][payload]`. */
function encodeFrame(payload: Uint8Array): Uint8Array {
  const framed = new Uint8Array(RECORD_HEADER_BYTES + payload.length);
  const view = new DataView(framed.buffer);
  view.setUint32(0, payload.length, true);
  view.setUint32(4, crc32c(payload), true);
  framed.set(payload, RECORD_HEADER_BYTES);
  return framed;
}

/** The frame at `offset`, or what is wrong with it. */
function readFrame(
  bytes: Uint8Array,
  offset: number,
): { payload: Uint8Array; next: number } | { problem: string } {
  const remaining = bytes.length - offset;
  if (remaining < RECORD_HEADER_BYTES) {
    return {
      problem: `a record header runs past the end of the file (${remaining} of ${RECORD_HEADER_BYTES} bytes)`,
    };
  }
  const length = readUint32(bytes, offset);
  const checksum = readUint32(bytes, offset + 4);
  // msgpack never encodes a record in zero bytes; a zero header is a zero-filled (torn) block.
  if (length === 0) return { problem: 'a record has length 0' };
  if (length > remaining - RECORD_HEADER_BYTES) {
    return {
      problem: `a ${length}-byte record runs past the end of the file (${remaining - RECORD_HEADER_BYTES} bytes left)`,
    };
  }
  const start = offset + RECORD_HEADER_BYTES;
  const payload = bytes.subarray(start, start + length);
  const actual = crc32c(payload);
  if (actual !== checksum) {
    return {
      problem: `checksum mismatch in a ${length}-byte record (stored ${hex(checksum)}, computed ${hex(actual)})`,
    };
  }
  return { payload, next: start + length };
}

/**
 * Whether an intact frame starts anywhere after `offset`. A bad frame with nothing intact after
 * it is a torn tail (a zero-filled or cut block); one followed by intact data is damage.
 */
function hasIntactFrameAfter(bytes: Uint8Array, offset: number): boolean {
  for (let candidate = offset + 1; candidate + RECORD_HEADER_BYTES < bytes.length; candidate++) {
    if (!('problem' in readFrame(bytes, candidate))) return true;
  }
  return false;
}

// -----------------------------------------------------------------------------------------------
// Snapshot file format: magic, u32 body length, u32 CRC-32C of the body, body = msgpack
// { metadata: { index, term, configuration }, data }.

function encodeSnapshotFile(snapshot: Snapshot): Uint8Array {
  const { index, term, configuration } = snapshot.metadata;
  const body = packr.pack({
    metadata: { index, term, configuration: copyConfiguration(configuration) },
    data: plainBytes(snapshot.data),
  });
  const file = new Uint8Array(SNAPSHOT_HEADER_BYTES + body.length);
  file.set(SNAPSHOT_MAGIC);
  const view = new DataView(file.buffer);
  view.setUint32(SNAPSHOT_MAGIC.length, body.length, true);
  view.setUint32(SNAPSHOT_MAGIC.length + 4, crc32c(body), true);
  file.set(body, SNAPSHOT_HEADER_BYTES);
  return file;
}

/** The snapshot, or what is wrong with the file. */
function decodeSnapshotFile(bytes: Uint8Array, expected: { index: number; term: number }): Snapshot | string {
  if (bytes.length < SNAPSHOT_HEADER_BYTES) return `only ${bytes.length} bytes, shorter than the header`;
  if (SNAPSHOT_MAGIC.some((byte, i) => bytes[i] !== byte)) return 'not a Cairn snapshot file (bad magic)';
  const length = readUint32(bytes, SNAPSHOT_MAGIC.length);
  const checksum = readUint32(bytes, SNAPSHOT_MAGIC.length + 4);
  const body = bytes.subarray(SNAPSHOT_HEADER_BYTES);
  if (body.length !== length) return `the header says ${length} body bytes but the file has ${body.length}`;
  const actual = crc32c(body);
  if (actual !== checksum) return `checksum mismatch (stored ${hex(checksum)}, computed ${hex(actual)})`;
  try {
    const value = unpack(body);
    if (typeof value !== 'object' || value === null) return 'the body is not a msgpack map';
    const { metadata, data } = value as { metadata?: unknown; data?: unknown };
    const { index, term, configuration } = (metadata ?? {}) as Record<string, unknown>;
    if (index !== expected.index || term !== expected.term) {
      return `holds term ${String(term)} index ${String(index)} but is named for term ${expected.term} index ${expected.index}`;
    }
    if (!(data instanceof Uint8Array)) return 'no data bytes';
    return {
      metadata: {
        index: expected.index,
        term: expected.term,
        configuration: decodeConfiguration(configuration, 'the snapshot'),
      },
      data,
    };
  } catch (error) {
    if (error instanceof RecordFormatError) return error.message;
    throw error;
  }
}

// -----------------------------------------------------------------------------------------------
// Helpers

function parseSnapshotName(name: string): { name: string; term: number; index: number } | undefined {
  const match = SNAPSHOT_NAME.exec(name);
  if (match === null) return undefined;
  return { name, term: Number(match[1]), index: Number(match[2]) };
}

function unpack(bytes: Uint8Array): unknown {
  try {
    return packr.unpack(bytes);
  } catch (error) {
    throw new RecordFormatError(
      `undecodable msgpack: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function decodeConfiguration(value: unknown, owner: string): Configuration {
  const servers = (value as { servers?: unknown } | null)?.servers;
  if (!Array.isArray(servers)) throw new RecordFormatError(`${owner} has an invalid configuration`);
  return {
    servers: servers.map((server: unknown) => {
      const { id, address, suffrage } = (server ?? {}) as Record<string, unknown>;
      if (typeof id !== 'string' || typeof address !== 'string' || !isSuffrage(suffrage)) {
        throw new RecordFormatError(`${owner} has an invalid configuration server`);
      }
      return { id, address, suffrage };
    }),
  };
}

function copyConfiguration(configuration: Configuration): Configuration {
  return {
    servers: configuration.servers.map(({ id, address, suffrage }) => ({ id, address, suffrage })),
  };
}

const entryKinds: readonly unknown[] = Object.values(EntryKind);
const suffrages: readonly unknown[] = Object.values(Suffrage);

function isEntryKind(value: unknown): value is EntryKind {
  return entryKinds.includes(value);
}

function isSuffrage(value: unknown): value is Suffrage {
  return suffrages.includes(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A plain Uint8Array view of `bytes` (a Buffer would be encoded as msgpack bin, and come back as a Buffer). */
function plainBytes(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function concatenate(chunks: Uint8Array[], totalBytes: number): Uint8Array {
  const joined = new Uint8Array(totalBytes);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  if (slash === -1) return '.';
  return slash === 0 ? '/' : path.slice(0, slash);
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>>
    0
  );
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
