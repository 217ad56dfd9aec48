import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { NodeFileSystem } from '../io/node-file-system.ts';
import type { FileSystem } from '../ports/file-system.ts';
import type { Logger } from '../ports/logger.ts';
import { type Configuration, type Entry, EntryKind, type HardState, type Snapshot } from '../raft/types.ts';
import { SeededRandom } from '../sim/seeded-random.ts';
import { SimFileSystem, SimulatedPowerCut } from '../sim/sim-file-system.ts';
import { MemoryStorage } from './memory-storage.ts';
import type { PersistBatch, RecoveredState } from './raft-storage.ts';
import { SegmentStorage, StorageCorruptionError, StorageFailedError } from './segment-storage.ts';

const DIRECTORY = 'data/raft';
const WAL = `${DIRECTORY}/wal`;
const SNAPSHOTS = `${DIRECTORY}/snapshots`;
const configuration: Configuration = {
  servers: [
    { id: 'a', address: '10.0.0.1:8300', suffrage: 'voter' },
    { id: 'b', address: '10.0.0.2:8300', suffrage: 'nonvoter' },
  ],
};

function entry(index: number, term: number, text = `entry ${index} of term ${term}`): Entry {
  return { index, term, kind: EntryKind.command, data: new TextEncoder().encode(text) };
}

function entries(first: number, last: number, term: number): Entry[] {
  return Array.from({ length: last - first + 1 }, (_, i) => entry(first + i, term));
}

function snapshotAt(index: number, term: number): Snapshot {
  return { metadata: { index, term, configuration }, data: new TextEncoder().encode(`fsm at ${index}`) };
}

function segmentName(firstIndex: number): string {
  return `${String(firstIndex).padStart(20, '0')}.seg`;
}

/** A logger that keeps the warnings, to check what recovery reported. */
function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const logger = {
    warnings,
    debug() {},
    info() {},
    warn(fields: object, message: string) {
      warnings.push(`${message} ${JSON.stringify(fields)}`);
    },
    error() {},
    child() {
      return logger;
    },
  };
  return logger;
}

function open(
  fileSystem: FileSystem,
  options: { segmentBytes?: number; logger?: Logger; directory?: string } = {},
): { storage: SegmentStorage; recovered: RecoveredState } {
  const storage = new SegmentStorage({ fileSystem, directory: options.directory ?? DIRECTORY, ...options });
  return { storage, recovered: storage.load() };
}

function reopen(fileSystem: FileSystem, storage: SegmentStorage, options: { segmentBytes?: number } = {}) {
  storage.close();
  return open(fileSystem, options).recovered;
}

const hardState = (term: number, vote: string, commit: number): HardState => ({ term, vote, commit });

describe('SegmentStorage', () => {
  it('starts empty and round-trips entries of every kind, the hard state and a snapshot', () => {
    const disk = new SimFileSystem();
    const { storage, recovered } = open(disk);
    assert.deepEqual(recovered, { hardState: hardState(0, '', 0), entries: [] });
    const saved: Entry[] = [
      { index: 1, term: 1, kind: EntryKind.configuration, data: new Uint8Array(0), configuration },
      { index: 2, term: 1, kind: EntryKind.noop, data: new Uint8Array(0) },
      { index: 3, term: 1, kind: EntryKind.command, data: Buffer.from([0, 1, 2, 255]) },
      entry(4, 1),
    ];
    storage.save({ entries: saved, hardState: hardState(1, 'a', 2), mustSync: true });
    storage.saveSnapshot(snapshotAt(2, 1), 0);
    const after = reopen(disk, storage);
    assert.deepEqual(after.hardState, hardState(1, 'a', 2));
    assert.deepEqual(after.snapshot, snapshotAt(2, 1));
    assert.deepEqual(
      after.entries,
      [saved[2], saved[3]].map((e) => ({ ...e!, data: new Uint8Array(e!.data) })),
    );
  });

  it('makes a batch durable with one fdatasync, and a commit-only batch with none', () => {
    const disk = new SimFileSystem();
    const { storage } = open(disk);
    const before = disk.syncCount;
    storage.save({ entries: entries(1, 50, 1), hardState: hardState(1, 'a', 0), mustSync: true });
    assert.equal(disk.syncCount - before, 1);
    storage.save({ entries: [], hardState: hardState(1, 'a', 40), mustSync: false });
    assert.equal(disk.syncCount - before, 1);
    const after = reopen(disk, storage);
    assert.equal(after.entries.length, 50);
    assert.deepEqual(after.hardState, hardState(1, 'a', 40));
  });

  it('rotates to a new segment named for its first entry once a segment is full', () => {
    const disk = new SimFileSystem();
    const { storage } = open(disk, { segmentBytes: 200 });
    storage.save({ entries: [], hardState: hardState(1, 'a', 0), mustSync: true });
    for (let index = 1; index <= 30; index++) storage.save({ entries: [entry(index, 1)], mustSync: true });
    const names = disk.list(WAL);
    assert.ok(names.length > 3, `expected several segments, got ${names.join(', ')}`);
    assert.equal(names[0], segmentName(1));
    const after = reopen(disk, storage, { segmentBytes: 200 });
    assert.deepEqual(after.entries, entries(1, 30, 1));
    for (const name of names) {
      const first = Number(name.slice(0, 20));
      // Every segment starts with the hard state, then its first entry (checked by load).
      assert.ok(first >= 1 && first <= 30);
    }
  });

  it('discards the stored suffix on a conflict, across segment boundaries', () => {
    const disk = new SimFileSystem();
    const { storage } = open(disk, { segmentBytes: 150 });
    storage.save({ entries: entries(1, 20, 1), hardState: hardState(1, 'a', 3), mustSync: true });
    for (let index = 21; index <= 40; index++) storage.save({ entries: [entry(index, 1)], mustSync: true });
    const segmentsBefore = disk.list(WAL).length;
    storage.save({ entries: entries(25, 27, 2), hardState: hardState(2, 'b', 3), mustSync: true });
    assert.ok(disk.list(WAL).length < segmentsBefore);
    let after = reopen(disk, storage, { segmentBytes: 150 });
    assert.deepEqual(after.entries, [...entries(1, 24, 1), ...entries(25, 27, 2)]);
    assert.deepEqual(after.hardState, hardState(2, 'b', 3));

    // Again, back into the middle of the first segment, then keep appending.
    const { storage: second } = open(disk, { segmentBytes: 150 });
    second.save({ entries: entries(4, 5, 3), hardState: hardState(3, 'c', 3), mustSync: true });
    second.save({ entries: entries(6, 8, 3), mustSync: true });
    after = reopen(disk, second, { segmentBytes: 150 });
    assert.deepEqual(after.entries, [...entries(1, 3, 1), ...entries(4, 8, 3)]);
    assert.deepEqual(after.hardState, hardState(3, 'c', 3));
  });

  it('compacts only segments all of whose entries the snapshot covers, never the current one', () => {
    const disk = new SimFileSystem();
    const { storage } = open(disk, { segmentBytes: 150 });
    storage.save({ entries: [], hardState: hardState(1, 'a', 0), mustSync: true });
    for (let index = 1; index <= 30; index++) storage.save({ entries: [entry(index, 1)], mustSync: true });
    const firstIndexes = disk.list(WAL).map((name) => Number(name.slice(0, 20)));
    storage.saveSnapshot(snapshotAt(20, 1), 12);
    const kept = disk.list(WAL).map((name) => Number(name.slice(0, 20)));
    // The segment holding entry 13 stays, and everything after it.
    const holding13 = firstIndexes.filter((first) => first <= 13).at(-1)!;
    assert.deepEqual(
      kept,
      firstIndexes.filter((first) => first >= holding13),
    );
    storage.saveSnapshot(snapshotAt(30, 1), 30);
    assert.deepEqual(disk.list(WAL), [segmentName(firstIndexes.at(-1)!)]);
    // Each segment began with a copy of the hard state, so no separate copy was needed.
    assert.equal(disk.exists(`${DIRECTORY}/hard-state`), false);
    const after = reopen(disk, storage);
    assert.deepEqual(after.snapshot, snapshotAt(30, 1));
    assert.deepEqual(after.entries, []);
    assert.deepEqual(after.hardState, hardState(1, 'a', 0), 'the hard state survives removing its segments');
  });

  it('keeps the hard state written before segments that compaction removes', () => {
    const disk = new SimFileSystem();
    const { storage } = open(disk, { segmentBytes: 120 });
    storage.save({ entries: [entry(1, 5)], hardState: hardState(5, 'b', 1), mustSync: true });
    for (let index = 2; index <= 25; index++) storage.save({ entries: [entry(index, 5)], mustSync: true });
    storage.saveSnapshot(snapshotAt(24, 5), 24);
    const after = reopen(disk, storage);
    assert.deepEqual(after.hardState, hardState(5, 'b', 1));
    assert.deepEqual(after.entries, [entry(25, 5)]);
  });

  it('keeps the hard state when compaction removes the only segment holding it', () => {
    // A crash right after a rotation leaves the new segment empty: the hard state is only in
    // the segment before it, which compaction may then remove.
    const disk = new SimFileSystem();
    const { storage } = open(disk);
    storage.save({ entries: entries(1, 5, 7), hardState: hardState(7, 'c', 5), mustSync: true });
    storage.close();
    const segmentBytes = disk.readFile(`${WAL}/${segmentName(1)}`).length;
    const { storage: full } = open(disk, { segmentBytes });
    // Rotation: sync the full segment (1), create the next (2), sync the directory (3), then
    // the power fails before the new segment's first bytes are written.
    disk.schedulePowerCut(3);
    assert.throws(() => full.save({ entries: [entry(6, 7)], mustSync: true }), SimulatedPowerCut);
    disk.crash({ next: () => 0 });
    assert.equal(disk.readFile(`${WAL}/${segmentName(6)}`).length, 0);
    const { storage: again, recovered } = open(disk, { segmentBytes });
    assert.deepEqual(recovered.entries, entries(1, 5, 7));
    again.saveSnapshot(snapshotAt(5, 7), 5);
    assert.deepEqual(disk.list(WAL), [segmentName(6)]);
    assert.deepEqual(reopen(disk, again).hardState, hardState(7, 'c', 5));
  });

  it('keeps the hard state when compaction runs while its newest copy is not yet synced', () => {
    const disk = new SimFileSystem();
    const { storage } = open(disk);
    storage.save({ entries: entries(1, 5, 3), hardState: hardState(3, 'a', 2), mustSync: true });
    storage.close();
    const segmentBytes = disk.readFile(`${WAL}/${segmentName(1)}`).length;
    const { storage: full } = open(disk, { segmentBytes });
    // A commit-only batch rotates: the new segment's hard-state copies are not synced...
    full.save({ entries: [], hardState: hardState(3, 'a', 4), mustSync: false });
    assert.deepEqual(disk.list(WAL), [segmentName(1), segmentName(6)]);
    // ...when compaction removes the segment with the last synced copy.
    full.saveSnapshot(snapshotAt(5, 3), 5);
    assert.deepEqual(disk.list(WAL), [segmentName(6)]);
    disk.crash({ next: () => 0 });
    const { hardState: recovered } = open(disk).recovered;
    assert.equal(recovered.term, 3);
    assert.equal(recovered.vote, 'a');
  });

  it("replaces the whole log with a leader's snapshot and continues after it", () => {
    const disk = new SimFileSystem();
    const { storage } = open(disk, { segmentBytes: 150 });
    storage.save({ entries: entries(1, 20, 1), hardState: hardState(1, 'a', 5), mustSync: true });
    storage.save({
      snapshot: snapshotAt(50, 3),
      entries: entries(51, 52, 3),
      hardState: hardState(3, '', 50),
      mustSync: true,
    });
    assert.deepEqual(disk.list(WAL), [segmentName(51)]);
    storage.save({ entries: [entry(53, 3)], mustSync: true });
    const after = reopen(disk, storage);
    assert.deepEqual(after.snapshot, snapshotAt(50, 3));
    assert.deepEqual(after.entries, entries(51, 53, 3));
    assert.deepEqual(after.hardState, hardState(3, '', 50));
  });

  it('recovers a consistent state whichever step of a snapshot install a crash interrupts', () => {
    for (const matchingTerm of [true, false]) {
      for (let operations = 0; ; operations++) {
        const disk = new SimFileSystem();
        const { storage } = open(disk, { segmentBytes: 150 });
        storage.save({ entries: entries(1, 30, 2), hardState: hardState(2, 'a', 10), mustSync: true });
        const snapshot = snapshotAt(20, matchingTerm ? 2 : 3);
        disk.schedulePowerCut(operations);
        let completed = true;
        try {
          storage.save({
            snapshot,
            entries: [entry(21, 3)],
            hardState: hardState(3, 'b', 20),
            mustSync: true,
          });
        } catch (error) {
          assert.ok(error instanceof SimulatedPowerCut);
          completed = false;
        }
        disk.cancelPowerCut();
        disk.crash(new SeededRandom(operations + 1));
        const after = open(disk).recovered;
        if (after.snapshot === undefined) {
          assert.deepEqual(after.entries, entries(1, 30, 2), `crash after ${operations} operations`);
          assert.deepEqual(after.hardState, hardState(2, 'a', 10));
        } else {
          assert.deepEqual(after.snapshot, snapshot);
          const expected =
            after.entries[0]?.term === 3 ? [entry(21, 3)] : entries(21, 30, 2).slice(0, after.entries.length);
          assert.deepEqual(after.entries, expected, `crash after ${operations} operations`);
          if (!matchingTerm)
            assert.ok(
              after.entries.every((e) => e.term === 3),
              'conflicting entries dropped',
            );
        }
        if (completed) break;
      }
    }
  });

  for (const [name, damage] of [
    [
      'a header cut short',
      (file: ReturnType<FileSystem['openAppend']>) => file.append(new Uint8Array([9, 0, 0])),
    ],
    [
      'a payload cut short',
      (file: ReturnType<FileSystem['openAppend']>) =>
        file.append(new Uint8Array([200, 0, 0, 0, 1, 2, 3, 4, 5])),
    ],
    ['a zero-filled block', (file: ReturnType<FileSystem['openAppend']>) => file.append(new Uint8Array(512))],
  ] as const) {
    it(`cuts a torn tail (${name}) off the last segment and carries on`, () => {
      const disk = new SimFileSystem();
      const logger = recordingLogger();
      const { storage } = open(disk);
      storage.save({ entries: entries(1, 3, 1), hardState: hardState(1, 'a', 1), mustSync: true });
      storage.close();
      const path = `${WAL}/${segmentName(1)}`;
      const intactSize = disk.readFile(path).length;
      const file = disk.openAppend(path);
      damage(file);
      file.close();
      const { storage: again, recovered } = open(disk, { logger });
      assert.deepEqual(recovered.entries, entries(1, 3, 1));
      assert.equal(disk.readFile(path).length, intactSize);
      assert.match(logger.warnings.join('\n'), /torn tail/);
      again.save({ entries: [entry(4, 1)], mustSync: true });
      assert.deepEqual(reopen(disk, again).entries, entries(1, 4, 1));
    });
  }

  it('cuts a last record whose checksum fails when nothing intact follows it', () => {
    const disk = new SimFileSystem();
    const { storage } = open(disk);
    storage.save({ entries: entries(1, 3, 1), mustSync: true });
    storage.save({ entries: [entry(4, 1)], mustSync: true });
    storage.close();
    const path = `${WAL}/${segmentName(1)}`;
    disk.corruptByte(path, disk.readFile(path).length - 1);
    assert.deepEqual(open(disk).recovered.entries, entries(1, 3, 1));
  });

  it('refuses a damaged record in a middle segment, naming the file, the offset and the remedy', () => {
    const disk = new SimFileSystem();
    const { storage } = open(disk, { segmentBytes: 150 });
    for (let index = 1; index <= 20; index++) storage.save({ entries: [entry(index, 1)], mustSync: true });
    storage.close();
    const middle = disk.list(WAL)[1]!;
    disk.corruptByte(`${WAL}/${middle}`, 12);
    assert.throws(
      () => open(disk),
      (error: unknown) => {
        assert.ok(error instanceof StorageCorruptionError);
        assert.equal(error.path, `${WAL}/${middle}`);
        assert.match(error.message, new RegExp(`${middle} at byte \\d+: checksum mismatch`));
        assert.match(error.message, /not the last segment/);
        assert.match(error.message, /Restore the server from its peers/);
        assert.match(error.message, /move data\/raft aside/);
        return true;
      },
    );
  });

  it('refuses a damaged record in the last segment when intact records follow it', () => {
    const disk = new SimFileSystem();
    const { storage } = open(disk);
    storage.save({ entries: entries(1, 5, 1), mustSync: true });
    storage.close();
    disk.corruptByte(`${WAL}/${segmentName(1)}`, 10);
    assert.throws(() => open(disk), /checksum mismatch.*intact records follow it/);
  });

  it('refuses a log with a missing segment', () => {
    const disk = new SimFileSystem();
    const { storage } = open(disk, { segmentBytes: 150 });
    for (let index = 1; index <= 20; index++) storage.save({ entries: [entry(index, 1)], mustSync: true });
    storage.close();
    const names = disk.list(WAL);
    disk.remove(`${WAL}/${names[1]}`);
    const missingFirst = Number(names[1]!.slice(0, 20));
    const missingLast = Number(names[2]!.slice(0, 20)) - 1;
    assert.throws(() => open(disk), new RegExp(`entries ${missingFirst}\\.\\.${missingLast} are missing`));
  });

  it('falls back to the older snapshot when the newest is damaged, and removes leftover temp files', () => {
    const disk = new SimFileSystem();
    const logger = recordingLogger();
    const { storage } = open(disk);
    storage.save({ entries: entries(1, 30, 1), hardState: hardState(1, 'a', 30), mustSync: true });
    storage.saveSnapshot(snapshotAt(10, 1), 0);
    storage.saveSnapshot(snapshotAt(20, 1), 5);
    storage.saveSnapshot(snapshotAt(25, 1), 5);
    const snapshotFiles = disk.list(SNAPSHOTS);
    assert.equal(snapshotFiles.length, 2, 'keeps the two newest');
    storage.close();
    disk.corruptByte(`${SNAPSHOTS}/${snapshotFiles.at(-1)}`, 40);
    disk.openAppend(`${SNAPSHOTS}/leftover.snap.tmp`).close();
    const { recovered } = open(disk, { logger });
    assert.deepEqual(recovered.snapshot, snapshotAt(20, 1));
    assert.deepEqual(recovered.entries, entries(21, 30, 1));
    assert.match(logger.warnings.join('\n'), /damaged snapshot.*checksum mismatch/);
    assert.equal(disk.exists(`${SNAPSHOTS}/leftover.snap.tmp`), false);
  });

  it('refuses further writes after a failed sync; a restart recovers what was durable', () => {
    const disk = new SimFileSystem();
    const { storage } = open(disk);
    storage.save({ entries: entries(1, 2, 1), hardState: hardState(1, 'a', 0), mustSync: true });
    disk.failNextSync('EIO');
    assert.throws(() => storage.save({ entries: [entry(3, 1)], mustSync: true }), { code: 'EIO' });
    assert.throws(
      () => storage.save({ entries: [entry(3, 1)], mustSync: true }),
      (error: unknown) =>
        error instanceof StorageFailedError && /storage failed earlier: EIO/.test(error.message),
    );
    assert.throws(() => storage.saveSnapshot(snapshotAt(1, 1), 0), StorageFailedError);
    storage.close();
    disk.crash({ next: () => 0 });
    const after = open(disk).recovered;
    assert.deepEqual(after.entries, entries(1, 2, 1));
  });

  it('fails a save on a full disk and refuses writes until restarted', () => {
    const disk = new SimFileSystem();
    const { storage } = open(disk);
    storage.save({ entries: entries(1, 2, 1), hardState: hardState(1, 'a', 0), mustSync: true });
    disk.fillDisk();
    assert.throws(() => storage.save({ entries: [entry(3, 1)], mustSync: true }), { code: 'ENOSPC' });
    disk.freeDisk();
    assert.throws(() => storage.save({ entries: [entry(3, 1)], mustSync: true }), StorageFailedError);
    storage.close();
    const { storage: restarted, recovered } = open(disk);
    assert.deepEqual(recovered.entries, entries(1, 2, 1));
    restarted.save({ entries: [entry(3, 1)], mustSync: true });
    assert.deepEqual(reopen(disk, restarted).entries, entries(1, 3, 1));
  });

  it('asserts the Ready contract: contiguous entries, no gaps, mustSync for entries and votes', () => {
    const { storage } = open(new SimFileSystem());
    storage.save({ entries: entries(1, 3, 1), hardState: hardState(1, 'a', 0), mustSync: true });
    assert.throws(() => storage.save({ entries: [entry(5, 1)], mustSync: true }), /gap/);
    assert.throws(() => storage.save({ entries: [entry(4, 1), entry(6, 1)], mustSync: true }), /contiguous/);
    assert.throws(() => storage.save({ entries: [entry(4, 1)], mustSync: false }), /mustSync/);
    assert.throws(
      () => storage.save({ entries: [], hardState: hardState(2, 'b', 0), mustSync: false }),
      /mustSync/,
    );
    storage.save({ entries: [entry(4, 1)], mustSync: true });
  });

  describe('over the real file system', () => {
    const root = mkdtempSync(join(tmpdir(), 'cairn-storage-'));
    after(() => rmSync(root, { recursive: true, force: true }));
    const disk = new NodeFileSystem();

    it('round-trips through rotation, a conflict, a snapshot and compaction', () => {
      const directory = join(root, 'a', 'raft');
      const { storage } = open(disk, { directory, segmentBytes: 300 });
      storage.save({ entries: entries(1, 40, 1), hardState: hardState(1, 'a', 30), mustSync: true });
      for (let index = 41; index <= 60; index++) storage.save({ entries: [entry(index, 1)], mustSync: true });
      storage.save({ entries: entries(50, 55, 2), hardState: hardState(2, 'b', 30), mustSync: true });
      storage.saveSnapshot(snapshotAt(30, 1), 25);
      storage.close();
      const { storage: again, recovered } = open(disk, { directory, segmentBytes: 300 });
      assert.deepEqual(recovered.snapshot, snapshotAt(30, 1));
      assert.deepEqual(recovered.entries, [...entries(31, 49, 1), ...entries(50, 55, 2)]);
      assert.deepEqual(recovered.hardState, hardState(2, 'b', 30));
      again.close();
    });

    it('cuts a torn tail from a real file', () => {
      const directory = join(root, 'b');
      const { storage } = open(disk, { directory });
      storage.save({ entries: entries(1, 3, 1), mustSync: true });
      storage.close();
      const file = disk.openAppend(join(directory, 'wal', segmentName(1)));
      file.append(new Uint8Array([50, 0, 0, 0, 1, 2, 3]));
      file.close();
      const { storage: again, recovered } = open(disk, { directory });
      assert.deepEqual(recovered.entries, entries(1, 3, 1));
      again.close();
    });
  });
});

// -------------------------------------------------------------------------------------------------
// Crash property: random saves, conflicts, snapshots and compactions, with power cuts inside
// operations and crashes between them. After every recovery:
//   1. the snapshot is one that was saved, no older than the newest one acknowledged;
//   2. the log after it is contiguous and is a prefix of the log as it stood after some
//      operation since the last synced save (so nothing never saved appears, and nothing is
//      reordered or mixed);
//   3. every entry acknowledged by a synced save is there, unless a later operation (which a
//      crash may have half-done) replaced it;
//   4. the hard state is one written since the last synced save, and commits nothing missing.

interface ModelState {
  snapshot: Snapshot | undefined;
  /** Every entry of the log, including those a snapshot covers (compaction is not modelled). */
  log: Map<number, Entry>;
  hardState: HardState;
}

type Operation =
  | { kind: 'save'; batch: PersistBatch; truncatesFrom: number | undefined }
  | { kind: 'saveSnapshot'; snapshot: Snapshot; compactThrough: number };

const cloneState = (state: ModelState): ModelState => ({
  snapshot: state.snapshot,
  log: new Map(state.log),
  hardState: { ...state.hardState },
});

const snapshotIndexOf = (state: ModelState) => state.snapshot?.metadata.index ?? 0;

function lastIndexOf(state: ModelState): number {
  let last = snapshotIndexOf(state);
  for (const index of state.log.keys()) last = Math.max(last, index);
  return last;
}

function stateFromRecovered(recovered: RecoveredState): ModelState {
  return {
    snapshot: recovered.snapshot,
    log: new Map(recovered.entries.map((e) => [e.index, e])),
    hardState: { ...recovered.hardState },
  };
}

function applyOperation(state: ModelState, operation: Operation): ModelState {
  const next = cloneState(state);
  if (operation.kind === 'saveSnapshot') {
    next.snapshot = operation.snapshot;
    return next;
  }
  const { batch } = operation;
  if (batch.snapshot !== undefined) {
    next.snapshot = batch.snapshot;
    next.log.clear();
  }
  const first = batch.entries[0]?.index;
  if (first !== undefined) {
    for (const index of [...next.log.keys()]) if (index >= first) next.log.delete(index);
    for (const e of batch.entries) next.log.set(e.index, e);
  }
  if (batch.hardState !== undefined) next.hardState = { ...batch.hardState };
  return next;
}

/** Raft-shaped random operations: terms only grow, conflicts and snapshots respect the commit index. */
function chooseOperation(state: ModelState, random: SeededRandom, nextData: () => Uint8Array): Operation {
  const below = (n: number) => Math.floor(random.next() * n);
  const { term, vote, commit: storedCommit } = state.hardState;
  const snapshotIndex = snapshotIndexOf(state);
  const commit = Math.max(storedCommit, snapshotIndex);
  const lastIndex = lastIndexOf(state);
  const newEntry = (index: number, entryTerm: number): Entry =>
    below(10) === 0
      ? { index, term: entryTerm, kind: EntryKind.configuration, data: new Uint8Array(0), configuration }
      : { index, term: entryTerm, kind: EntryKind.command, data: nextData() };
  const run = (first: number, count: number, entryTerm: number) =>
    Array.from({ length: count }, (_, i) => newEntry(first + i, entryTerm));
  const voteFor = () => ['a', 'b', 'c'][below(3)]!;

  const roll = below(100);
  if (term === 0 || roll < 5) {
    return {
      kind: 'save',
      truncatesFrom: undefined,
      batch: { entries: [], hardState: hardState(term + 1, voteFor(), storedCommit), mustSync: true },
    };
  }
  if (roll < 45) {
    const added = run(lastIndex + 1, 1 + below(4), term);
    const newCommit = below(2) === 0 ? storedCommit : commit + below(lastIndex + added.length - commit + 1);
    const batch: PersistBatch = { entries: added, mustSync: true };
    if (newCommit !== storedCommit || below(3) === 0) batch.hardState = hardState(term, vote, newCommit);
    return { kind: 'save', batch, truncatesFrom: undefined };
  }
  if (roll < 57 && lastIndex > commit) {
    const from = commit + 1 + below(lastIndex - commit);
    return {
      kind: 'save',
      truncatesFrom: from,
      batch: {
        entries: run(from, 1 + below(4), term + 1),
        hardState: hardState(term + 1, voteFor(), storedCommit),
        mustSync: true,
      },
    };
  }
  if (roll < 72 && lastIndex > commit) {
    const newCommit = commit + 1 + below(lastIndex - commit);
    return {
      kind: 'save',
      truncatesFrom: undefined,
      batch: { entries: [], hardState: hardState(term, vote, newCommit), mustSync: below(5) === 0 },
    };
  }
  if (roll < 88 && storedCommit > snapshotIndex) {
    const index = snapshotIndex + 1 + below(storedCommit - snapshotIndex);
    const snapshot = {
      metadata: { index, term: state.log.get(index)!.term, configuration },
      data: nextData(),
    };
    return { kind: 'saveSnapshot', snapshot, compactThrough: below(index + 1) };
  }
  if (roll < 94) {
    const index = commit + 1 + below(lastIndex - commit + 4);
    const stored = state.log.get(index);
    const snapshotTerm = stored !== undefined && below(2) === 0 ? stored.term : term + below(2);
    const newTerm = Math.max(term, snapshotTerm);
    return {
      kind: 'save',
      truncatesFrom: index + 1,
      batch: {
        snapshot: { metadata: { index, term: snapshotTerm, configuration }, data: nextData() },
        entries: run(index + 1, below(3), newTerm),
        hardState: hardState(newTerm, newTerm === term ? vote : '', index),
        mustSync: true,
      },
    };
  }
  return {
    kind: 'save',
    truncatesFrom: undefined,
    batch: { entries: run(lastIndex + 1, 1, term), mustSync: true },
  };
}

function checkRecovered(
  recovered: RecoveredState,
  context: {
    acknowledged: ModelState;
    acknowledgedSnapshotIndex: number;
    since: ModelState[];
    truncationFloor: number;
  },
  where: string,
): void {
  const { acknowledged, acknowledgedSnapshotIndex, since, truncationFloor } = context;
  const snapshotIndex = recovered.snapshot?.metadata.index ?? 0;
  assert.ok(
    snapshotIndex >= acknowledgedSnapshotIndex,
    `${where}: snapshot ${snapshotIndex} older than acknowledged ${acknowledgedSnapshotIndex}`,
  );
  if (recovered.snapshot !== undefined) {
    assert.ok(
      since.some((state) => state.snapshot !== undefined && snapshotIndexOf(state) === snapshotIndex),
      `${where}: snapshot ${snapshotIndex} was never saved`,
    );
    const saved = since.find((state) => snapshotIndexOf(state) === snapshotIndex)!.snapshot;
    assert.deepEqual(
      recovered.snapshot,
      saved,
      `${where}: snapshot ${snapshotIndex} differs from the one saved`,
    );
  }
  for (const [i, e] of recovered.entries.entries()) {
    assert.equal(
      e.index,
      snapshotIndex + 1 + i,
      `${where}: log not contiguous after snapshot ${snapshotIndex}`,
    );
  }
  const isPrefixOf = (state: ModelState) =>
    recovered.entries.every((e) => {
      const expected = state.log.get(e.index);
      return (
        expected !== undefined &&
        e.term === expected.term &&
        e.kind === expected.kind &&
        Buffer.compare(e.data, expected.data) === 0
      );
    });
  assert.ok(
    since.some(isPrefixOf),
    `${where}: the recovered log is not a prefix of any log saved since the last sync`,
  );
  const protectedThrough = Math.min(lastIndexOf(acknowledged), truncationFloor - 1);
  const recoveredLast = recovered.entries.at(-1)?.index ?? snapshotIndex;
  assert.ok(
    recoveredLast >= protectedThrough,
    `${where}: acknowledged entries ${recoveredLast + 1}..${protectedThrough} lost`,
  );
  assert.ok(
    since.some((state) => JSON.stringify(state.hardState) === JSON.stringify(recovered.hardState)),
    `${where}: hard state ${JSON.stringify(recovered.hardState)} was not written since the last sync`,
  );
  assert.ok(
    recovered.hardState.commit <= recoveredLast,
    `${where}: commit ${recovered.hardState.commit} past the log's end ${recoveredLast}`,
  );
}

function runCrashWorkload(seed: number, segmentBytes: number, steps: number): void {
  const random = new SeededRandom(seed);
  const crashRandom = new SeededRandom(seed ^ 0x5bd1e995);
  const below = (n: number) => Math.floor(random.next() * n);
  const disk = new SimFileSystem();
  let dataCounter = 0;
  const nextData = () => new TextEncoder().encode(`${seed}/${dataCounter++}/${'x'.repeat(below(30))}`);
  const options = { segmentBytes };

  let storage = new SegmentStorage({ fileSystem: disk, directory: DIRECTORY, ...options });
  let model = stateFromRecovered(storage.load());
  let acknowledged = cloneState(model);
  let acknowledgedSnapshotIndex = 0;
  let since = [cloneState(model)];
  let truncationFloor = Number.POSITIVE_INFINITY;

  const crashAndRecover = (where: string) => {
    // Power may fail again during recovery itself.
    for (let attempt = 0; ; attempt++) {
      disk.crash(crashRandom);
      if (attempt < 3 && below(3) === 0) disk.schedulePowerCut(below(8));
      storage = new SegmentStorage({ fileSystem: disk, directory: DIRECTORY, ...options });
      try {
        const recovered = storage.load();
        disk.cancelPowerCut();
        checkRecovered(recovered, { acknowledged, acknowledgedSnapshotIndex, since, truncationFloor }, where);
        model = stateFromRecovered(recovered);
        break;
      } catch (error) {
        if (!(error instanceof SimulatedPowerCut)) throw error;
      }
    }
    acknowledged = cloneState(model);
    acknowledgedSnapshotIndex = snapshotIndexOf(model);
    since = [cloneState(model)];
    truncationFloor = Number.POSITIVE_INFINITY;
  };

  for (let step = 0; step < steps; step++) {
    const where = `seed ${seed}, step ${step}`;
    const operation = chooseOperation(model, random, nextData);
    const next = applyOperation(model, operation);
    since.push(cloneState(next));
    if (operation.kind === 'save' && operation.truncatesFrom !== undefined) {
      truncationFloor = Math.min(truncationFloor, operation.truncatesFrom);
    }
    if (below(4) === 0) disk.schedulePowerCut(below(25));
    try {
      if (operation.kind === 'save') storage.save(operation.batch);
      else storage.saveSnapshot(operation.snapshot, operation.compactThrough);
      disk.cancelPowerCut();
    } catch (error) {
      if (!(error instanceof SimulatedPowerCut)) throw error;
      crashAndRecover(`${where} (power cut during ${operation.kind})`);
      continue;
    }
    model = next;
    if (operation.kind === 'saveSnapshot') {
      acknowledgedSnapshotIndex = snapshotIndexOf(next);
    } else if (operation.batch.mustSync) {
      acknowledged = cloneState(next);
      acknowledgedSnapshotIndex = snapshotIndexOf(next);
      since = [cloneState(next)];
      truncationFloor = Number.POSITIVE_INFINITY;
    }
    if (below(10) === 0) crashAndRecover(`${where} (crash after ${operation.kind})`);
  }

  // A clean restart loses nothing, synced or not.
  storage.close();
  storage = new SegmentStorage({ fileSystem: disk, directory: DIRECTORY, ...options });
  const recovered = storage.load();
  const snapshotIndex = snapshotIndexOf(model);
  assert.deepEqual(recovered.snapshot, model.snapshot, `seed ${seed}: snapshot after a clean restart`);
  assert.deepEqual(
    recovered.entries,
    [...model.log.values()].filter((e) => e.index > snapshotIndex).sort((a, b) => a.index - b.index),
    `seed ${seed}: log after a clean restart`,
  );
  assert.deepEqual(recovered.hardState, model.hardState, `seed ${seed}: hard state after a clean restart`);
}

describe('SegmentStorage under crashes', () => {
  it('never loses an acknowledged write and never invents one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0x7fffffff }),
        fc.integer({ min: 60, max: 600 }),
        fc.integer({ min: 20, max: 120 }),
        (seed, segmentBytes, steps) => runCrashWorkload(seed, segmentBytes, steps),
      ),
      { numRuns: 200 },
    );
  });
});

describe('MemoryStorage', () => {
  it('recovers what SegmentStorage recovers after the same operations', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0x7fffffff }), (seed) => {
        const random = new SeededRandom(seed);
        let counter = 0;
        const nextData = () => new TextEncoder().encode(`${seed}/${counter++}`);
        const memory = new MemoryStorage();
        const disk = new SimFileSystem();
        const segments = new SegmentStorage({ fileSystem: disk, directory: DIRECTORY, segmentBytes: 200 });
        let model = stateFromRecovered(segments.load());
        memory.load();
        for (let step = 0; step < 60; step++) {
          const operation = chooseOperation(model, random, nextData);
          for (const storage of [memory, segments]) {
            if (operation.kind === 'save') storage.save(operation.batch);
            else storage.saveSnapshot(operation.snapshot, operation.compactThrough);
          }
          model = applyOperation(model, operation);
        }
        segments.close();
        const fromDisk = new SegmentStorage({ fileSystem: disk, directory: DIRECTORY }).load();
        assert.deepEqual(memory.load(), fromDisk);
      }),
      { numRuns: 50 },
    );
  });

  it('asserts the same Ready contract', () => {
    const storage = new MemoryStorage();
    storage.save({ entries: entries(1, 3, 1), hardState: hardState(1, 'a', 0), mustSync: true });
    assert.throws(() => storage.save({ entries: [entry(5, 1)], mustSync: true }), /gap/);
    assert.throws(() => storage.save({ entries: [entry(4, 1)], mustSync: false }), /mustSync/);
    storage.save({
      snapshot: snapshotAt(10, 2),
      entries: [entry(11, 2)],
      hardState: hardState(2, '', 10),
      mustSync: true,
    });
    assert.deepEqual(storage.load(), {
      hardState: hardState(2, '', 10),
      snapshot: snapshotAt(10, 2),
      entries: [entry(11, 2)],
    });
  });
});
