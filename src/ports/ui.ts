/**
 * The built web UI as the agent serves it: every file held in memory, looked up by its path
 * relative to the UI's root (`index.html`, `assets/index-abc.js`). `src/io/ui-assets.ts` loads
 * a directory; route tests build one from a `Map`.
 */

/** One file, ready to send. */
export interface UiAsset {
  body: Uint8Array;
  /** The body gzipped, when that is worth sending instead (compressible and over ~1 KB). */
  gzip?: Uint8Array;
  /** The `Content-Type` header. */
  contentType: string;
  /** A strong ETag of `body`, quoted: `"…"`. */
  etag: string;
  /** Named by its content hash (under `assets/`): clients may cache it forever. */
  immutable: boolean;
}

export interface UiAssets {
  /** The file at `path` (no leading slash), or undefined. */
  get(path: string): UiAsset | undefined;
}

/** What an agent with the UI on has to serve: the files, or why there are none (served as 503). */
export type UiFiles = { assets: UiAssets } | { unavailable: string };
