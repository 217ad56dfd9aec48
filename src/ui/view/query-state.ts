/**
 * A list page's filters in the URL query (`?search=web&status=critical`), so a filtered view can
 * be bookmarked and survives a reload. Pure: the pages read `location.search` and write with
 * `history.replaceState`.
 */

/** The values of `keys` in a query string; absent keys are `''`. */
export function readQuery<K extends string>(search: string, keys: readonly K[]): Record<K, string> {
  const parameters = new URLSearchParams(search);
  const values = {} as Record<K, string>;
  for (const key of keys) values[key] = parameters.get(key) ?? '';
  return values;
}

/** A query string (`?a=1&b=2`, or `''`) of the non-empty values, in the order given. */
export function formatQuery(values: Record<string, string>): string {
  const parameters = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== '') parameters.set(key, value);
  const text = parameters.toString();
  return text === '' ? '' : `?${text}`;
}

/** `value` when it is one of `allowed`, else `fallback` (a hand-edited URL never breaks a page). */
export function oneOf<T extends string>(value: string, allowed: readonly T[], fallback: T): T {
  return (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}
