/**
 * Consul's gossip keyring files (`<data_dir>/serf/local.keyring` for the LAN pool,
 * `remote.keyring` for the WAN pool): a JSON array of base64 keys, the primary first. Written
 * whole to a temporary file and renamed over the old one, mode 0600 (they hold secrets).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class KeyringFileError extends Error {
  override name = 'KeyringFileError';
}

/** The keys in the file, or `undefined` when there is no file. Throws `KeyringFileError` on a bad file. */
export function readKeyringFile(path: string): string[] | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new KeyringFileError(`Failed to read keyring file ${path}: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((key) => typeof key === 'string')) {
    throw new KeyringFileError(`Failed to decode keys in ${path}: expected a JSON array of base64 strings`);
  }
  if (parsed.length === 0) throw new KeyringFileError(`no keys present in keyring file: ${path}`);
  return parsed;
}

export function writeKeyringFile(path: string, keys: readonly string[]): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, JSON.stringify(keys, null, 2), { mode: 0o600 });
  renameSync(temporary, path);
}
