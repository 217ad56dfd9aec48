/**
 * Reads the agent's config files the way Consul's `sourcesFromPath` does: each `-config-file`
 * or `-config-dir` path, in command-line order, is a file or a directory according to what is
 * on disk; a directory contributes its `*.json` and `*.hcl` files in lexical order (symlinks
 * followed, subdirectories skipped); other files are skipped with a warning unless a format is
 * forced (`-config-format`). Parsing is `src/agent/config-file.ts`; this only reads.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A path named by `-config-file` (`file`) or `-config-dir` (`dir`). */
export interface ConfigPathArgument {
  kind: 'file' | 'dir';
  path: string;
}

export interface ConfigFileText {
  /** The path read, used in messages and to choose the format by extension. */
  name: string;
  text: string;
}

export interface ConfigFilesRead {
  files: ConfigFileText[];
  warnings: string[];
}

/** An operating error reading config files (src/io may not import the agent's ConfigError). */
export class ConfigFileReadError extends Error {
  override name = 'ConfigFileReadError';
}

export function readConfigFiles(
  paths: readonly ConfigPathArgument[],
  options: { formatForced?: boolean } = {},
): ConfigFilesRead | ConfigFileReadError {
  const read: ConfigFilesRead = { files: [], warnings: [] };
  const wanted = (path: string) => options.formatForced === true || /\.(json|hcl)$/.test(path);
  const skipping = (path: string) =>
    `skipping file ${path}, extension must be .hcl or .json, or config format must be set`;
  try {
    for (const { path } of paths) {
      const stats = statOrFail(path, 'Open');
      if (!stats.isDirectory()) {
        if (wanted(path)) read.files.push({ name: path, text: readText(path) });
        else read.warnings.push(skipping(path));
        continue;
      }
      // Go's sort.Sort(byName) compares bytes; for UTF-8 names that is code point order.
      const names = readdirOrFail(path).sort(compareCodePoints);
      for (const name of names) {
        const filePath = join(path, name);
        if (statOrFail(filePath, 'Stat').isDirectory()) continue;
        if (wanted(filePath)) read.files.push({ name: filePath, text: readText(filePath) });
        else read.warnings.push(skipping(filePath));
      }
    }
  } catch (error) {
    if (error instanceof ConfigFileReadError) return error;
    throw error;
  }
  return read;
}

function statOrFail(path: string, operation: 'Open' | 'Stat') {
  try {
    return statSync(path);
  } catch (error) {
    throw new ConfigFileReadError(
      `config: ${operation} failed on ${path}. ${goPathError('open', path, error)}`,
    );
  }
}

function readdirOrFail(path: string): string[] {
  try {
    return readdirSync(path);
  } catch (error) {
    throw new ConfigFileReadError(
      `config: Readdir failed on ${path}. ${goPathError('readdirent', path, error)}`,
    );
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigFileReadError(`config: failed to read ${path}: ${goPathError('read', path, error)}`);
  }
}

const goErrnoText: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
};

/** Go's `*PathError` text (`open /x: no such file or directory`), which Consul prints. */
function goPathError(operation: string, path: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const reason =
    typeof code === 'string'
      ? (goErrnoText[code] ?? code)
      : error instanceof Error
        ? error.message
        : String(error);
  return `${operation} ${path}: ${reason}`;
}

function compareCodePoints(a: string, b: string): number {
  const left = Array.from(a, (char) => char.codePointAt(0)!);
  const right = Array.from(b, (char) => char.codePointAt(0)!);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (left[i] !== right[i]) return left[i]! - right[i]!;
  }
  return left.length - right.length;
}
