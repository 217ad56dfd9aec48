/**
 * Loads a built web UI (`dist/ui`, or `ui_config.dir`) into memory once, at start: every file
 * under the directory except dotfiles, with its content type, a strong ETag from its SHA-256, a
 * gzip level 9 copy when the type compresses and the file is over 1 KiB, and `immutable` for the
 * hashed files under `assets/`. `index.html`'s `<base href="/ui/">` is rewritten to the agent's
 * content path, so one build serves any `ui_config.content_path`.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { constants, gzipSync } from 'node:zlib';
import type { UiAsset, UiAssets } from '../ports/ui.ts';

/** The directory is missing, has no `index.html`, or holds more than the bounds allow. */
export class UiAssetsError extends Error {
  override name = 'UiAssetsError';
}

/** Beyond these a directory is not a built UI (a `ui_config.dir` of `/`, say). */
const FILES_MAX = 10_000;
const TOTAL_BYTES_MAX = 64 * 1024 * 1024;
const DEPTH_MAX = 16;
/** Below this gzip saves less than its own overhead is worth. */
const GZIP_MIN_BYTES = 1024;

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  json: 'application/json',
  map: 'application/json',
  txt: 'text/plain; charset=utf-8',
  woff2: 'font/woff2',
};
const COMPRESSIBLE = new Set(['html', 'js', 'mjs', 'css', 'svg', 'json', 'map', 'txt', 'ico']);

export function loadUiAssets(directory: string, options: { contentPath: string }): UiAssets | UiAssetsError {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return new UiAssetsError(`${directory}: no such directory`);
    throw error;
  }
  if (!stats.isDirectory()) return new UiAssetsError(`${directory}: not a directory`);

  const files = new Map<string, Uint8Array>();
  let totalBytes = 0;
  const walk = (absolute: string, relative: string, depth: number): UiAssetsError | undefined => {
    if (depth > DEPTH_MAX) return new UiAssetsError(`${directory}: more than ${DEPTH_MAX} levels deep`);
    for (const name of readdirSync(absolute).sort()) {
      if (name.startsWith('.')) continue;
      const path = join(absolute, name);
      const key = relative === '' ? name : `${relative}/${name}`;
      // statSync follows symlinks, as a file server would.
      if (statSync(path).isDirectory()) {
        const problem = walk(path, key, depth + 1);
        if (problem !== undefined) return problem;
        continue;
      }
      const body = new Uint8Array(readFileSync(path));
      totalBytes += body.length;
      files.set(key, body);
      if (files.size > FILES_MAX || totalBytes > TOTAL_BYTES_MAX) {
        return new UiAssetsError(
          `${directory}: more than ${FILES_MAX} files or ${TOTAL_BYTES_MAX / 1024 / 1024} MiB: not a built web UI`,
        );
      }
    }
    return undefined;
  };
  const problem = walk(directory, '', 0);
  if (problem !== undefined) return problem;

  const index = files.get('index.html');
  if (index === undefined) return new UiAssetsError(`${directory}: no index.html`);
  files.set('index.html', withBase(index, options.contentPath));

  const assets = new Map<string, UiAsset>();
  for (const [path, body] of files) assets.set(path, asset(path, body));
  return { get: (path) => assets.get(path) };
}

function asset(path: string, body: Uint8Array): UiAsset {
  const extension = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 27);
  const result: UiAsset = {
    body,
    contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
    etag: `"${hash}"`,
    immutable: path.startsWith('assets/'),
  };
  if (COMPRESSIBLE.has(extension) && body.length > GZIP_MIN_BYTES) {
    const gzip = new Uint8Array(gzipSync(body, { level: constants.Z_BEST_COMPRESSION }));
    if (gzip.length < body.length) result.gzip = gzip;
  }
  return result;
}

/** index.html with the build's `<base href="/ui/">` pointing at `contentPath` instead. */
function withBase(index: Uint8Array, contentPath: string): Uint8Array {
  const html = new TextDecoder().decode(index);
  const escaped = contentPath.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const rewritten = html.replace(/<base\s+href="\/ui\/"\s*\/?>/i, `<base href="${escaped}" />`);
  return new TextEncoder().encode(rewritten);
}
