import type { UiAsset, UiAssets } from '../../ports/ui.ts';
import type { WebUi } from '../context.ts';
import type { ApiRequest } from '../request.ts';
import { type ApiResponse, text } from '../response.ts';
import { type RouteDefinition, route } from '../route.ts';
import { movedPermanently } from './root.ts';

/** Hashed file names change with their content: a year, never revalidated. */
const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
/** The page may load only its own scripts and styles (inline styles: preact's `style` props). */
const INDEX_CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";
const ROBOTS_TEXT = 'User-agent: *\nDisallow: /\n';

/**
 * The built web UI under the content path (`/ui/` by default), when the UI is on: GET and HEAD,
 * `If-None-Match` → 304, gzip when the client takes it, hashed `assets/` cached for a year and
 * `index.html` revalidated every time. A path that names no file gets `index.html`, so the
 * app's own routes (`/ui/dc1/services/web`) survive a reload; but a missing file under `assets/`
 * or at the top (`/ui/favicon.ico`) is a 404, not a page that the browser would try to run.
 * Deeper paths with a dot are app routes: node names are often host names.
 *
 * As Consul's mux: `/ui` redirects to `/ui/`, and `/robots.txt` keeps crawlers out.
 */
export function uiRoutes(ui: WebUi | undefined): RouteDefinition[] {
  if (ui === undefined) return [];
  const base = ui.contentPath;
  const routes = [
    route(`${base}*`, { GET: (request) => serve(ui, request) }),
    route('/robots.txt', { GET: () => text(200, ROBOTS_TEXT) }),
  ];
  if (base !== '/') {
    routes.push(
      route(base.slice(0, -1), {
        GET: (request) => {
          const query = request.query.toString();
          return movedPermanently(query === '' ? base : `${base}?${query}`);
        },
      }),
    );
  }
  return routes;
}

function serve(ui: WebUi, request: ApiRequest): ApiResponse {
  if ('unavailable' in ui.files) return text(503, ui.files.unavailable);
  const path = request.rest;
  // With the UI at `/`, its wildcard also catches unknown API paths: those stay API 404s.
  if (ui.contentPath === '/' && /^v\d+\//.test(path)) return text(404, '404 page not found\n');
  const found = resolve(ui.files.assets, path);
  if (found === undefined) return text(404, '404 page not found\n');
  return answer(found.asset, found.isIndex, request);
}

function resolve(assets: UiAssets, path: string): { asset: UiAsset; isIndex: boolean } | undefined {
  const index = assets.get('index.html');
  if (index === undefined) return undefined;
  if (path === '' || path === 'index.html') return { asset: index, isIndex: true };
  const asset = assets.get(path);
  if (asset !== undefined) return { asset, isIndex: false };
  if (path.startsWith('assets/') || /^[^/]*\.[A-Za-z0-9]+$/.test(path)) return undefined;
  return { asset: index, isIndex: true };
}

function answer(asset: UiAsset, isIndex: boolean, request: ApiRequest): ApiResponse {
  const gzip = asset.gzip !== undefined && acceptsGzip(header(request, 'accept-encoding'));
  const etag = gzip ? gzipEtag(asset.etag) : asset.etag;
  const headers: Record<string, string> = {
    etag,
    'cache-control': asset.immutable ? IMMUTABLE_CACHE : 'no-cache',
    'x-content-type-options': 'nosniff',
  };
  if (asset.gzip !== undefined) headers.vary = 'Accept-Encoding';
  const tags = [asset.etag, ...(asset.gzip === undefined ? [] : [gzipEtag(asset.etag)])];
  if (matchesNoneMatch(header(request, 'if-none-match'), tags)) return { status: 304, headers, body: '' };

  headers['content-type'] = asset.contentType;
  if (isIndex) headers['content-security-policy'] = INDEX_CONTENT_SECURITY_POLICY;
  if (gzip) headers['content-encoding'] = 'gzip';
  return { status: 200, headers, body: gzip ? asset.gzip! : asset.body };
}

/** The gzip body is another representation: its strong tag differs (`"…-gzip"`, as Apache's). */
function gzipEtag(etag: string): string {
  return `${etag.slice(0, -1)}-gzip"`;
}

function header(request: ApiRequest, name: string): string {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

/** Whether `Accept-Encoding` takes gzip (RFC 9110 §12.5.3): named or `*`, with a q above 0. */
export function acceptsGzip(acceptEncoding: string): boolean {
  let gzip: number | undefined;
  let any: number | undefined;
  for (const part of acceptEncoding.split(',')) {
    const [coding = '', ...parameters] = part.split(';').map((piece) => piece.trim());
    const qParameter = parameters.find((parameter) => /^q=/i.test(parameter));
    const q = qParameter === undefined ? 1 : Number(qParameter.slice(2));
    const weight = Number.isNaN(q) ? 0 : q;
    const name = coding.toLowerCase();
    if (name === 'gzip' || name === 'x-gzip') gzip = weight;
    else if (name === '*') any = weight;
  }
  return (gzip ?? any ?? 0) > 0;
}

/** `If-None-Match` (RFC 9110 §13.1.2): `*`, or any listed tag equal to one of `tags`, weakly compared. */
export function matchesNoneMatch(ifNoneMatch: string, tags: readonly string[]): boolean {
  if (ifNoneMatch.trim() === '') return false;
  if (ifNoneMatch.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const wanted = new Set(tags.map(opaque));
  return ifNoneMatch.split(',').some((tag) => wanted.has(opaque(tag)));
}
