/**
 * Key names as the KV pages show them: a folder's rows from `?keys&separator=/`, the breadcrumbs
 * of a path, a key's parent folder, and the checks on a new key's name. A folder is a key prefix
 * ending in `/`; the root folder is `''`.
 */

export interface FolderRow {
  /** The full key; a folder's ends in `/`. */
  key: string;
  /** The key relative to the folder shown. */
  name: string;
  folder: boolean;
}

/**
 * The rows of folder `prefix` from the agent's key list: sub-folders first, then keys, each group
 * sorted by name. The folder's own key (`app/` under `app/`) is not a row of itself.
 */
export function folderRows(keys: readonly string[], prefix: string): FolderRow[] {
  const rows: FolderRow[] = [];
  for (const key of keys) {
    if (key === prefix || !key.startsWith(prefix)) continue;
    rows.push({ key, name: key.slice(prefix.length), folder: key.endsWith('/') });
  }
  return rows.sort((a, b) => {
    if (a.folder !== b.folder) return a.folder ? -1 : 1;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

/** The rows whose name contains `search`, ignoring case; all rows for a blank search. */
export function filterRows(rows: readonly FolderRow[], search: string): FolderRow[] {
  const needle = search.trim().toLowerCase();
  if (needle === '') return [...rows];
  return rows.filter((row) => row.name.toLowerCase().includes(needle));
}

export interface Crumb {
  /** The segment's name with its trailing `/`. */
  name: string;
  /** The folder it leads to. */
  prefix: string;
}

/** The folders from the root down to `path` (a folder, or a key whose own name is left out). */
export function breadcrumbs(path: string): Crumb[] {
  const crumbs: Crumb[] = [];
  let end = path.indexOf('/');
  while (end !== -1) {
    const prefix = path.slice(0, end + 1);
    const start = crumbs.at(-1)?.prefix.length ?? 0;
    crumbs.push({ name: prefix.slice(start), prefix });
    end = path.indexOf('/', end + 1);
  }
  return crumbs;
}

/** The folder holding `key` (a key or a folder): `'app/'` for `app/db` and for `app/db/`. */
export function parentFolder(key: string): string {
  const trimmed = key.endsWith('/') ? key.slice(0, -1) : key;
  const slash = trimmed.lastIndexOf('/');
  return slash === -1 ? '' : trimmed.slice(0, slash + 1);
}

/** Why `key` cannot be created, or undefined when it can. */
export function newKeyProblem(key: string): string | undefined {
  if (key === '') return 'Enter a key name.';
  if (key.startsWith('/')) return 'A key cannot start with "/".';
  return undefined;
}
