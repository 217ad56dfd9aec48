import type { AppendFile, FileSystem } from '../ports/file-system.ts';

/** What `crash` draws its choices from: `SeededRandom` or any [0, 1) source. */
export interface CrashRandom {
  next(): number;
}

/**
 * Thrown by every operation once a scheduled power cut has happened, until `crash()` restarts
 * the machine. Not a `FileSystemError`: nothing survives it, the test must `crash()` next.
 */
export class SimulatedPowerCut extends Error {
  override name = 'SimulatedPowerCut';
  readonly code = 'ESIMPOWERCUT';
}

/**
 * One file's bytes as the program sees them (`content`) and what a crash can leave of them.
 * The durable bytes are `content[0, durableLength)`, except after an unsynced truncation below
 * `durableLength`: then they are `content[0, revert.at) ++ revert.bytes`.
 */
interface SimFile {
  content: Uint8Array;
  length: number;
  durableLength: number;
  revert: { at: number; bytes: Uint8Array } | undefined;
}

type SimNode = { kind: 'directory' } | { kind: 'file'; file: SimFile };

/** Odds of each crash outcome for a file's unsynced tail. */
const TAIL_LOST = 0.3;
const TAIL_GARBLED = 0.15;
const TRUNCATION_REVERTED = 0.5;
const REVERTED_TRUNCATION_OVERWRITTEN = 0.5;
const NAMESPACE_CHANGES_KEPT = 0.5;
const GARBLED_BYTES_MAX = 8;

/**
 * An in-memory disk for the simulator and the storage tests that models what a crash may leave
 * behind (the failure model of ALICE, OSDI 2014, for the operations the port offers):
 *
 * - File bytes are durable once `sync()`ed. On `crash()` each file's unsynced appended tail is
 *   lost entirely, kept as a random prefix (a torn write), or, rarely, kept with its last bytes
 *   garbled. An unsynced truncation either persists with a torn prefix of what was appended
 *   after it, or reverts: the old durable bytes return, sometimes with a prefix of the later
 *   appends written over them in place (the data block reached the disk, the size change did
 *   not).
 * - Directory entries (creations, renames, removals, new directories) are guaranteed durable
 *   only once `syncDirectory` of their parent ran: the disk keeps a current and a durable
 *   namespace, and a crash returns to the durable one (a created file not yet dir-synced
 *   disappears; a removed one comes back with its durable bytes), plus, half the time, a
 *   random oldest-first run of the unsynced changes, as a journaling file system may have
 *   committed them in order. Entries under a directory that did not survive are gone too.
 * - Handles opened before a crash throw EBADF afterwards.
 *
 * Faults: `failNextSync` (the next file `sync()` throws, nothing becomes durable), `fillDisk` /
 * `freeDisk` (appends throw ENOSPC, writing nothing), and `schedulePowerCut(n)`: after `n` more
 * mutating operations the next one throws `SimulatedPowerCut` without taking effect, and so does
 * everything after it until `crash()`; this is how a test crashes in the middle of a save.
 *
 * Paths are '/'-separated; a leading '/' and '.' segments are ignored ('/a/b' = 'a/b'); '..' is
 * not supported. `remove` and `rename` take files only.
 */
export class SimFileSystem implements FileSystem {
  /** Completed file `sync()` calls. */
  syncCount = 0;
  /** Completed `syncDirectory()` calls. */
  directorySyncCount = 0;
  /** Mutating operations attempted (what `schedulePowerCut` counts). */
  operationCount = 0;

  private current = new Map<string, SimNode>();
  private durable = new Map<string, SimNode>();
  /** Namespace changes not yet made durable by a directory sync, oldest first. */
  private unsyncedChanges: { path: string; node: SimNode | undefined }[] = [];
  /** Bumped by `crash()`: handles from an earlier generation are dead. */
  private generation = 0;
  private pendingSyncFailure: string | undefined;
  private diskFull = false;
  private operationsBeforePowerCut: number | undefined;
  private poweredOff = false;

  makeDirectory(path: string): void {
    this.beginMutation();
    const normalized = normalize(path);
    const segments = normalized === '' ? [] : normalized.split('/');
    for (let depth = 1; depth <= segments.length; depth++) {
      const prefix = segments.slice(0, depth).join('/');
      const node = this.current.get(prefix);
      if (node === undefined) this.setEntry(prefix, { kind: 'directory' });
      else if (node.kind !== 'directory')
        throw fileSystemError('EEXIST', 'file already exists', 'mkdir', path);
    }
  }

  list(directory: string): string[] {
    this.beginRead();
    const normalized = normalize(directory);
    this.requireDirectory(normalized, 'scandir', directory);
    const names: string[] = [];
    for (const path of this.current.keys()) {
      if (parentOf(path) === normalized) names.push(baseName(path));
    }
    return names.sort();
  }

  exists(path: string): boolean {
    this.beginRead();
    const normalized = normalize(path);
    return normalized === '' || this.current.has(normalized);
  }

  readFile(path: string): Uint8Array {
    this.beginRead();
    const file = this.requireFile(normalize(path), 'open', path);
    return file.content.slice(0, file.length);
  }

  openAppend(path: string): AppendFile {
    this.beginMutation();
    const normalized = normalize(path);
    const node = this.current.get(normalized);
    if (node?.kind === 'directory')
      throw fileSystemError('EISDIR', 'illegal operation on a directory', 'open', path);
    let file = node?.file;
    if (file === undefined) {
      this.requireDirectory(parentOf(normalized), 'open', path);
      file = { content: new Uint8Array(64), length: 0, durableLength: 0, revert: undefined };
      this.setEntry(normalized, { kind: 'file', file });
    }
    return new SimAppendFile(this, file, this.generation, path);
  }

  rename(from: string, to: string): void {
    this.beginMutation();
    const source = normalize(from);
    const target = normalize(to);
    const file = this.requireFile(source, 'rename', from);
    if (this.current.get(target)?.kind === 'directory') {
      throw fileSystemError('EISDIR', 'illegal operation on a directory', 'rename', to);
    }
    this.requireDirectory(parentOf(target), 'rename', to);
    this.setEntry(source, undefined);
    this.setEntry(target, { kind: 'file', file });
  }

  remove(path: string): void {
    this.beginMutation();
    const normalized = normalize(path);
    this.requireFile(normalized, 'rm', path);
    this.setEntry(normalized, undefined);
  }

  syncDirectory(directory: string): void {
    this.beginMutation();
    const normalized = normalize(directory);
    this.requireDirectory(normalized, 'fsync', directory);
    const children = new Set<string>();
    for (const path of [...this.current.keys(), ...this.durable.keys()]) {
      if (parentOf(path) === normalized) children.add(path);
    }
    for (const path of children) {
      const node = this.current.get(path);
      if (node === undefined) this.durable.delete(path);
      else this.durable.set(path, node);
    }
    this.unsyncedChanges = this.unsyncedChanges.filter((change) => parentOf(change.path) !== normalized);
    this.directorySyncCount++;
  }

  /** The next file `sync()` throws an error with `code` and makes nothing durable. */
  failNextSync(code = 'EIO'): void {
    this.pendingSyncFailure = code;
  }

  /** Until `freeDisk()`, appends throw ENOSPC without writing anything. */
  fillDisk(): void {
    this.diskFull = true;
  }

  freeDisk(): void {
    this.diskFull = false;
  }

  /**
   * After `operations` more mutating operations succeed, the next one throws `SimulatedPowerCut`
   * without taking effect; every operation throws it after that until `crash()`.
   */
  schedulePowerCut(operations: number): void {
    this.operationsBeforePowerCut = operations;
  }

  cancelPowerCut(): void {
    this.operationsBeforePowerCut = undefined;
  }

  /**
   * Bit rot, for corruption tests: flips the bits of the byte at `offset` of the file, in its
   * durable bytes as well as in what the program sees.
   */
  corruptByte(path: string, offset: number): void {
    const file = this.requireFile(normalize(path), 'corrupt', path);
    if (offset < 0 || offset >= file.length) {
      throw fileSystemError(
        'EINVAL',
        `offset ${offset} is outside the file's ${file.length} bytes`,
        'corrupt',
        path,
      );
    }
    file.content[offset] = file.content[offset]! ^ 0xff;
    if (
      file.revert !== undefined &&
      offset >= file.revert.at &&
      offset - file.revert.at < file.revert.bytes.length
    ) {
      const revertOffset = offset - file.revert.at;
      file.revert.bytes[revertOffset] = file.revert.bytes[revertOffset]! ^ 0xff;
    }
  }

  /**
   * Power loss and restart: every file and directory returns to what was durable, with the
   * random outcomes for unsynced data described on the class. Pending faults other than a full
   * disk are cleared; open handles die.
   */
  crash(random: CrashRandom): void {
    const namespace = new Map(this.durable);
    if (random.next() < NAMESPACE_CHANGES_KEPT) {
      // A journaling file system commits metadata in order: some oldest unsynced changes may stick.
      const kept = Math.floor(random.next() * (this.unsyncedChanges.length + 1));
      for (const { path, node } of this.unsyncedChanges.slice(0, kept)) {
        if (node === undefined) namespace.delete(path);
        else namespace.set(path, node);
      }
    }
    const survivors = new Map<string, SimNode>();
    const byDepth = [...namespace.entries()].sort(
      ([a], [b]) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1),
    );
    for (const [path, node] of byDepth) {
      const parent = parentOf(path);
      if (parent === '' || survivors.get(parent)?.kind === 'directory') survivors.set(path, node);
    }
    // Sorted by path so that the outcomes are a function of the seed alone.
    const orderedFiles = [...survivors.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .flatMap(([, node]) => (node.kind === 'file' ? [node.file] : []));
    for (const file of new Set(orderedFiles)) crashFile(file, random);
    this.current = survivors;
    this.durable = new Map(survivors);
    this.unsyncedChanges = [];
    this.generation++;
    this.pendingSyncFailure = undefined;
    this.operationsBeforePowerCut = undefined;
    this.poweredOff = false;
  }

  /** @internal Called by SimAppendFile before it acts. */
  checkHandle(generation: number, closed: boolean, path: string, mutating: boolean): void {
    if (mutating) this.beginMutation();
    else this.beginRead();
    if (generation !== this.generation) {
      throw fileSystemError('EBADF', 'bad file descriptor (opened before a crash)', 'write', path);
    }
    if (closed) throw fileSystemError('EBADF', 'bad file descriptor (closed)', 'write', path);
  }

  /** @internal */
  appendTo(file: SimFile, bytes: Uint8Array, path: string): void {
    if (this.diskFull) throw fileSystemError('ENOSPC', 'no space left on device', 'write', path);
    if (file.length + bytes.length > file.content.length) {
      const grown = new Uint8Array(Math.max(file.content.length * 2, file.length + bytes.length));
      grown.set(file.content.subarray(0, file.length));
      file.content = grown;
    }
    file.content.set(bytes, file.length);
    file.length += bytes.length;
  }

  /** @internal */
  truncateTo(file: SimFile, size: number, path: string): void {
    if (!Number.isInteger(size) || size < 0 || size > file.length) {
      throw fileSystemError('EINVAL', `cannot truncate ${file.length} bytes to ${size}`, 'ftruncate', path);
    }
    const lowestDurable = file.revert?.at ?? file.durableLength;
    if (size < lowestDurable) {
      // Bytes in [size, lowestDurable) are still the durable ones: keep them for a revert.
      const kept = file.content.slice(size, lowestDurable);
      const older = file.revert?.bytes ?? new Uint8Array(0);
      const bytes = new Uint8Array(kept.length + older.length);
      bytes.set(kept);
      bytes.set(older, kept.length);
      file.revert = { at: size, bytes };
    }
    file.length = size;
  }

  /** @internal */
  syncFile(file: SimFile, path: string): void {
    if (this.pendingSyncFailure !== undefined) {
      const code = this.pendingSyncFailure;
      this.pendingSyncFailure = undefined;
      throw fileSystemError(code, 'input/output error', 'fdatasync', path);
    }
    file.durableLength = file.length;
    file.revert = undefined;
    this.syncCount++;
  }

  private setEntry(path: string, node: SimNode | undefined): void {
    if (node === undefined) this.current.delete(path);
    else this.current.set(path, node);
    this.unsyncedChanges.push({ path, node });
  }

  private beginRead(): void {
    if (this.poweredOff)
      throw new SimulatedPowerCut('the simulated machine lost power; call crash() to restart it');
  }

  private beginMutation(): void {
    this.beginRead();
    this.operationCount++;
    if (this.operationsBeforePowerCut === undefined) return;
    if (this.operationsBeforePowerCut === 0) {
      this.poweredOff = true;
      this.beginRead();
    }
    this.operationsBeforePowerCut--;
  }

  private requireFile(normalized: string, operation: string, path: string): SimFile {
    const node = this.current.get(normalized);
    if (node === undefined) throw fileSystemError('ENOENT', 'no such file or directory', operation, path);
    if (node.kind !== 'file')
      throw fileSystemError('EISDIR', 'illegal operation on a directory', operation, path);
    return node.file;
  }

  private requireDirectory(normalized: string, operation: string, path: string): void {
    if (normalized === '') return;
    const node = this.current.get(normalized);
    if (node === undefined) throw fileSystemError('ENOENT', 'no such file or directory', operation, path);
    if (node.kind !== 'directory') throw fileSystemError('ENOTDIR', 'not a directory', operation, path);
  }
}

class SimAppendFile implements AppendFile {
  private closed = false;

  constructor(
    private readonly fileSystem: SimFileSystem,
    private readonly file: SimFile,
    private readonly generation: number,
    private readonly path: string,
  ) {}

  get size(): number {
    this.fileSystem.checkHandle(this.generation, this.closed, this.path, false);
    return this.file.length;
  }

  append(bytes: Uint8Array): void {
    this.fileSystem.checkHandle(this.generation, this.closed, this.path, true);
    this.fileSystem.appendTo(this.file, bytes, this.path);
  }

  truncate(size: number): void {
    this.fileSystem.checkHandle(this.generation, this.closed, this.path, true);
    this.fileSystem.truncateTo(this.file, size, this.path);
  }

  sync(): void {
    this.fileSystem.checkHandle(this.generation, this.closed, this.path, true);
    this.fileSystem.syncFile(this.file, this.path);
  }

  close(): void {
    this.fileSystem.checkHandle(this.generation, this.closed, this.path, false);
    this.closed = true;
  }
}

/** Applies one crash outcome to a file's unsynced state (see SimFileSystem). */
function crashFile(file: SimFile, random: CrashRandom): void {
  let keptLength: number;
  if (file.revert !== undefined && random.next() < TRUNCATION_REVERTED) {
    const { at, bytes } = file.revert;
    const restored = new Uint8Array(Math.max(file.content.length, at + bytes.length));
    restored.set(file.content.subarray(0, at));
    restored.set(bytes, at);
    if (random.next() < REVERTED_TRUNCATION_OVERWRITTEN) {
      // The size change was lost but a data block holding later appends reached the disk:
      // new bytes sit over the old ones in place.
      const appended = file.content.subarray(at, Math.min(file.length, at + bytes.length));
      restored.set(appended.subarray(0, Math.floor(random.next() * (appended.length + 1))), at);
    }
    file.content = restored;
    keptLength = at + bytes.length;
  } else {
    const stable = file.revert?.at ?? file.durableLength;
    const tail = file.length - stable;
    const kept = random.next() < TAIL_LOST ? 0 : Math.floor(random.next() * (tail + 1));
    keptLength = stable + kept;
    if (kept > 0 && random.next() < TAIL_GARBLED) {
      const garbled = 1 + Math.floor(random.next() * Math.min(kept, GARBLED_BYTES_MAX));
      for (let offset = keptLength - garbled; offset < keptLength; offset++) {
        // XOR with 1..255: the byte always changes.
        file.content[offset] = file.content[offset]! ^ (1 + Math.floor(random.next() * 255));
      }
    }
  }
  file.length = keptLength;
  file.durableLength = keptLength;
  file.revert = undefined;
}

function normalize(path: string): string {
  const segments = path.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw fileSystemError('EINVAL', "'..' is not supported", 'resolve', path);
  return segments.join('/');
}

function parentOf(normalized: string): string {
  const slash = normalized.lastIndexOf('/');
  return slash === -1 ? '' : normalized.slice(0, slash);
}

function baseName(normalized: string): string {
  return normalized.slice(normalized.lastIndexOf('/') + 1);
}

/** An Error shaped like node's: `code`, `syscall`, `path`, and node's message layout. */
function fileSystemError(code: string, description: string, syscall: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${description}, ${syscall} '${path}'`), { code, syscall, path });
}
