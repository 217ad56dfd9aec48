import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';

/** The machine's host name: Consul's default node name. */
export function machineHostname(): string {
  return hostname();
}

/** Writes the PID file (parents created), as `-pid-file` asks. */
export function writePidFile(path: string, pid: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${pid}`, { mode: 0o644 });
}

export function removePidFile(path: string): void {
  rmSync(path, { force: true });
}

/** Creates the data directory and its parents, as Consul does for `-data-dir`. */
export function ensureDirectory(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o755 });
}
