/**
 * Go's `path.Clean` and `path.Join` (slash-separated, not OS paths). Consul's CLI builds KV keys
 * with them (`kv import -prefix`), so Cairn does too, to land on the same keys.
 */

/** Shortest equivalent path: collapses `//`, drops `.`, resolves `..`, trims a trailing `/`. */
export function cleanPath(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!rooted) parts.push('..');
      continue;
    }
    parts.push(part);
  }
  const joined = parts.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** Joins the non-empty elements with `/` and cleans the result; all empty gives `''`. */
export function joinPath(...elements: string[]): string {
  const nonEmpty = elements.filter((element) => element !== '');
  return nonEmpty.length === 0 ? '' : cleanPath(nonEmpty.join('/'));
}
