import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import type { AppendFile, FileSystem } from '../ports/file-system.ts';

/**
 * The `FileSystem` port over node:fs's synchronous calls. Errors are node's own, so they keep
 * their `code` ('ENOENT', 'ENOSPC', 'EIO', ...). Directory fsync (`syncDirectory`) is what makes a
 * creation, rename or removal durable on Linux (etcd-io/etcd#6368); it is not supported on
 * Windows, which Cairn does not run servers on.
 */
export class NodeFileSystem implements FileSystem {
  makeDirectory(path: string): void {
    mkdirSync(path, { recursive: true });
  }

  list(directory: string): string[] {
    return readdirSync(directory).sort();
  }

  exists(path: string): boolean {
    return existsSync(path);
  }

  readFile(path: string): Uint8Array {
    const buffer = readFileSync(path);
    // A plain Uint8Array view (no copy), so callers see the same type the simulator returns.
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  openAppend(path: string): AppendFile {
    return new NodeAppendFile(path);
  }

  rename(from: string, to: string): void {
    renameSync(from, to);
  }

  remove(path: string): void {
    rmSync(path);
  }

  syncDirectory(directory: string): void {
    const descriptor = openSync(directory, 'r');
    try {
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
  }
}

/** A file opened with O_APPEND: every write lands at the current end, truncations included. */
class NodeAppendFile implements AppendFile {
  private descriptor: number | undefined;
  private currentSize: number;

  constructor(private readonly path: string) {
    this.descriptor = openSync(path, 'a');
    this.currentSize = fstatSync(this.descriptor).size;
  }

  get size(): number {
    return this.currentSize;
  }

  append(bytes: Uint8Array): void {
    const descriptor = this.open();
    let written = 0;
    // writeSync may write less than asked (a full disk reports ENOSPC on the next call).
    while (written < bytes.length) {
      const count = writeSync(descriptor, bytes, written, bytes.length - written);
      written += count;
      this.currentSize += count;
    }
  }

  truncate(size: number): void {
    ftruncateSync(this.open(), size);
    this.currentSize = size;
  }

  sync(): void {
    fdatasyncSync(this.open());
  }

  close(): void {
    const descriptor = this.open();
    this.descriptor = undefined;
    closeSync(descriptor);
  }

  private open(): number {
    if (this.descriptor === undefined) {
      throw Object.assign(new Error(`EBADF: ${this.path} is closed`), { code: 'EBADF' });
    }
    return this.descriptor;
  }
}
