/**
 * The few file operations durable storage needs, synchronous on purpose: the Raft driver
 * persists a whole Ready batch with one fdatasync before it sends anything, and while it waits
 * new requests queue up and form the next batch. src/io/node-file-system.ts is the real one;
 * src/sim/sim-file-system.ts models a disk that loses unsynced data and tears writes on a crash.
 *
 * Paths are '/'-separated. Every operation throws a `FileSystemError`-shaped Error (with a
 * `code` such as 'ENOENT', 'ENOSPC', 'EIO') on failure.
 */
export interface FileSystem {
  /** Creates the directory and its parents; no error if it exists. */
  makeDirectory(path: string): void;
  /** Names (not paths) of the entries of a directory, sorted. */
  list(directory: string): string[];
  exists(path: string): boolean;
  /** The whole file's bytes. */
  readFile(path: string): Uint8Array;
  /** Opens for appending, creating an empty file if absent. */
  openAppend(path: string): AppendFile;
  /** Atomically replaces `to` with `from` (durable only after `syncDirectory`). */
  rename(from: string, to: string): void;
  remove(path: string): void;
  /** Makes creations, renames and removals in the directory durable. */
  syncDirectory(directory: string): void;
}

export interface AppendFile {
  /** Current size in bytes, unsynced appends included. */
  readonly size: number;
  append(bytes: Uint8Array): void;
  /** Cuts the file to `size` bytes. */
  truncate(size: number): void;
  /** fdatasync: everything appended or truncated so far survives a crash. */
  sync(): void;
  close(): void;
}
