/**
 * The machine a benchmark ran on, for its report: CPU, cores, memory, Node, the filesystem of the
 * scratch directory, and how long an fdatasync takes there (the cost a Raft write pays per sync).
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { quantileSorted } from './stats.ts';

export interface Machine {
  cpu: string;
  cores: number;
  memory: string;
  node: string;
  /** YYYY-MM-DD. */
  date: string;
}

export function describeMachine(): Machine {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1] !== undefined) cpu = match[1].trim();
  } catch {
    // Not Linux: keep os.cpus().
  }
  return {
    cpu,
    cores: os.availableParallelism(),
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
  };
}

export interface Filesystem {
  mountPoint: string;
  type: string;
  device: string;
}

/** Filesystems that live in memory: fsync there costs nothing and proves nothing. */
const MEMORY_FILESYSTEMS = new Set(['tmpfs', 'ramfs', 'devtmpfs']);

/** The mount holding `path` (the longest mount point that prefixes it), from /proc/self/mounts. */
export function filesystemOf(path: string): Filesystem | undefined {
  let mounts: string;
  try {
    mounts = readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return undefined;
  }
  const absolute = resolve(path);
  let best: Filesystem | undefined;
  for (const line of mounts.split('\n')) {
    const [device, mountPoint, type] = line.split(' ');
    if (device === undefined || mountPoint === undefined || type === undefined) continue;
    const inside =
      absolute === mountPoint ||
      absolute.startsWith(mountPoint.endsWith('/') ? mountPoint : `${mountPoint}/`);
    if (inside && (best === undefined || mountPoint.length >= best.mountPoint.length)) {
      best = { mountPoint, type, device };
    }
  }
  return best;
}

export function isMemoryFilesystem(filesystem: Filesystem | undefined): boolean {
  return filesystem !== undefined && MEMORY_FILESYSTEMS.has(filesystem.type);
}

/**
 * A fresh scratch directory named `prefix`XXXXXX on a real disk: under os.tmpdir() when that is
 * a disk, otherwise under `fallbackParent` (e.g. the repository's .bench/).
 */
export function makeScratchDir(prefix: string, fallbackParent: string): { path: string; filesystem: string } {
  const tmp = os.tmpdir();
  const parent = isMemoryFilesystem(filesystemOf(tmp)) ? fallbackParent : tmp;
  const path = mkdtempSync(join(parent, prefix));
  const filesystem = filesystemOf(path);
  const described =
    filesystem === undefined
      ? 'filesystem unknown'
      : `${filesystem.type} on ${filesystem.device}, mounted at ${filesystem.mountPoint}`;
  if (isMemoryFilesystem(filesystem)) throw new Error(`${path} is in memory (${described}); need a disk`);
  return { path, filesystem: described };
}

export interface SyncProbe {
  syncs: number;
  p50Us: number;
  p99Us: number;
}

/**
 * `syncs` appends of a 300-byte record, each followed by fdatasync, in `dir` (the reference
 * machine: 6,516/s, p50 116 µs). Blocks the event loop for its duration (~0.1 s on a fast disk).
 */
export function probeFdatasync(dir: string, syncs = 200): SyncProbe {
  const path = join(mkdtempSync(join(dir, 'fdatasync-')), 'probe');
  const record = Buffer.alloc(300, 'r');
  const durations = new Float64Array(syncs);
  const fd = openSync(path, 'a');
  try {
    for (let i = 0; i < syncs; i++) {
      const start = performance.now();
      writeSync(fd, record);
      fdatasyncSync(fd);
      durations[i] = (performance.now() - start) * 1000;
    }
  } finally {
    closeSync(fd);
    rmSync(join(path, '..'), { recursive: true, force: true });
  }
  durations.sort();
  return { syncs, p50Us: quantileSorted(durations, 0.5), p99Us: quantileSorted(durations, 0.99) };
}
