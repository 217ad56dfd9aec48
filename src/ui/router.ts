/**
 * The UI's routes, after Consul's UI so that bookmarks carry over. Paths are relative to the
 * content path (`/ui/` unless `ui_config.content_path` says otherwise):
 *
 *     dc1/services            dc1/services/web        dc1/nodes        dc1/nodes/n1
 *     dc1/kv/                 dc1/kv/app/             dc1/kv/app/db/edit
 *     dc1/kv/app/create       dc1/cluster             settings
 *
 * `parseRoute` and `routePath` are pure and inverse to each other; the hooks at the bottom bind
 * them to the browser's history.
 */

import { useEffect, useState } from 'preact/hooks';
import { formatQuery, readQuery } from './view/query-state.ts';

export type Route =
  | { page: 'home' }
  | { page: 'services'; dc: string }
  | { page: 'service'; dc: string; name: string }
  | { page: 'nodes'; dc: string }
  | { page: 'node'; dc: string; name: string }
  /** `prefix` is `''` for the root or a folder key ending in `/`. */
  | { page: 'kv-folder'; dc: string; prefix: string }
  | { page: 'kv-edit'; dc: string; key: string }
  /** A new key under `prefix` (`''` or ending in `/`). */
  | { page: 'kv-create'; dc: string; prefix: string }
  | { page: 'cluster'; dc: string }
  | { page: 'settings' }
  | { page: 'not-found'; path: string };

/** The route of a path relative to the content path, without a leading slash, still escaped. */
export function parseRoute(path: string): Route {
  const trimmed = path.replace(/^\/+/, '');
  if (trimmed === '') return { page: 'home' };
  const raw = trimmed.split('/');
  let segments: string[];
  try {
    segments = raw.map(decodeURIComponent);
  } catch {
    return { page: 'not-found', path };
  }
  const [first = '', section, ...rest] = segments;
  if (first === 'settings' && segments.length === 1) return { page: 'settings' };
  const dc = first;
  if (section === undefined || section === '') return { page: 'not-found', path };
  const name = rest.join('/');
  switch (section) {
    case 'services':
      return name === '' ? { page: 'services', dc } : { page: 'service', dc, name };
    case 'nodes':
      return name === '' ? { page: 'nodes', dc } : { page: 'node', dc, name };
    case 'cluster':
      return name === '' ? { page: 'cluster', dc } : { page: 'not-found', path };
    case 'kv':
      return kvRoute(dc, rest);
    default:
      return { page: 'not-found', path };
  }
}

function kvRoute(dc: string, rest: string[]): Route {
  const last = rest.at(-1);
  if (rest.length >= 2 && last === 'edit') return { page: 'kv-edit', dc, key: rest.slice(0, -1).join('/') };
  if (last === 'create') {
    const folder = rest.slice(0, -1).join('/');
    return { page: 'kv-create', dc, prefix: folder === '' ? '' : `${folder}/` };
  }
  const key = rest.join('/');
  // A key without the trailing slash or /edit is shown in its editor, as Consul's UI does.
  if (key === '' || key.endsWith('/')) return { page: 'kv-folder', dc, prefix: key };
  return { page: 'kv-edit', dc, key };
}

/** The path of a route relative to the content path, each segment escaped. */
export function routePath(route: Route): string {
  switch (route.page) {
    case 'home':
      return '';
    case 'services':
      return `${segment(route.dc)}/services`;
    case 'service':
      return `${segment(route.dc)}/services/${segment(route.name)}`;
    case 'nodes':
      return `${segment(route.dc)}/nodes`;
    case 'node':
      return `${segment(route.dc)}/nodes/${segment(route.name)}`;
    case 'kv-folder':
      return `${segment(route.dc)}/kv/${keyPath(route.prefix)}`;
    case 'kv-edit':
      return `${segment(route.dc)}/kv/${keyPath(route.key)}/edit`;
    case 'kv-create':
      return `${segment(route.dc)}/kv/${keyPath(route.prefix)}create`;
    case 'cluster':
      return `${segment(route.dc)}/cluster`;
    case 'settings':
      return 'settings';
    case 'not-found':
      return route.path;
  }
}

/** The datacenter a route is about, if any. */
export function routeDatacenter(route: Route): string | undefined {
  return 'dc' in route ? route.dc : undefined;
}

/** The same kind of page in another datacenter: lists stay, detail pages go to their list. */
export function inDatacenter(route: Route, dc: string): Route {
  switch (route.page) {
    case 'service':
      return { page: 'services', dc };
    case 'node':
      return { page: 'nodes', dc };
    case 'kv-edit':
    case 'kv-create':
      return { page: 'kv-folder', dc, prefix: '' };
    case 'kv-folder':
    case 'services':
    case 'nodes':
    case 'cluster':
      return { ...route, dc };
    default:
      return route;
  }
}

function segment(text: string): string {
  return encodeURIComponent(text);
}

/** A KV key keeps its slashes; every segment between them is escaped. */
function keyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

// ---- browser binding ----

/** The content path, from the `<base href>` the agent writes into index.html. */
function basePath(): string {
  return new URL(document.baseURI).pathname;
}

/** The absolute URL path of a route, for `href`s. */
export function href(route: Route): string {
  return `${basePath()}${routePath(route)}`;
}

function currentRoute(): Route {
  const base = basePath();
  const path = location.pathname;
  return parseRoute(path.startsWith(base) ? path.slice(base.length) : path);
}

const listeners = new Set<() => void>();

/** Moves to a route without a reload; `replace` leaves no history entry behind. */
export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const url = href(route);
  if (options.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  for (const listener of listeners) listener();
  window.scrollTo(0, 0);
}

/** The current route; re-renders on navigation and on back/forward. */
export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    listeners.add(update);
    addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return route;
}

/**
 * Page state kept in the URL query: read when the page opens or is navigated to again, written
 * back with `replaceState` (no history entry per keystroke).
 */
export function useQueryState<K extends string>(
  keys: readonly K[],
): [Record<K, string>, (next: Record<K, string>) => void] {
  const [values, setValues] = useState(() => readQuery(location.search, keys));
  // A link to this same page (the main navigation's) drops the query: read it again.
  const route = useRoute();
  useEffect(() => {
    setValues(readQuery(location.search, keys));
  }, [route]);
  const update = (next: Record<K, string>) => {
    setValues(next);
    history.replaceState(history.state, '', `${location.pathname}${formatQuery(next)}${location.hash}`);
  };
  return [values, update];
}
