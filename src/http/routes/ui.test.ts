import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { loadUiAssets, UiAssetsError } from '../../io/ui-assets.ts';
import type { UiAsset, UiFiles } from '../../ports/ui.ts';
import { createHttpApp } from '../app.ts';
import type { WebUi } from '../context.ts';
import { createTestContext } from '../testing/test-context.ts';
import { rootRoutes, UI_DISABLED_TEXT } from './root.ts';
import { acceptsGzip, matchesNoneMatch, uiRoutes } from './ui.ts';

const INDEX_HTML =
  '<!doctype html><base href="/ui/" /><script type="module" src="./assets/index-abc.js"></script>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(4000))});\n`;

function asset(
  body: string,
  contentType: string,
  options: { etag: string; immutable?: boolean; gzip?: boolean },
) {
  const bytes = new TextEncoder().encode(body);
  const result: UiAsset = {
    body: bytes,
    contentType,
    etag: options.etag,
    immutable: options.immutable ?? false,
  };
  if (options.gzip) result.gzip = new Uint8Array(gzipSync(bytes));
  return result;
}

const memoryFiles: UiFiles = {
  assets: {
    get: (path) =>
      new Map([
        ['index.html', asset(INDEX_HTML, 'text/html; charset=utf-8', { etag: '"index-tag"' })],
        [
          'assets/index-abc.js',
          asset(SCRIPT, 'text/javascript; charset=utf-8', { etag: '"js-tag"', immutable: true, gzip: true }),
        ],
        [
          'assets/index-abc.css',
          asset('a{}', 'text/css; charset=utf-8', { etag: '"css-tag"', immutable: true }),
        ],
      ]).get(path),
  },
};

async function serving(t: TestContext, ui: WebUi | undefined): Promise<FastifyInstance> {
  const harness = await createTestContext();
  const app = createHttpApp(harness.context, [...rootRoutes(ui), ...uiRoutes(ui)]);
  t.after(async () => {
    await app.close();
    await harness.close();
  });
  return app;
}

const defaultUi: WebUi = { contentPath: '/ui/', files: memoryFiles };

describe('the web UI: files', () => {
  it('serves index.html at the content path, revalidated, with its security headers', async (t) => {
    const app = await serving(t, defaultUi);
    for (const url of ['/ui/', '/ui/index.html']) {
      const response = await app.inject({ url });
      assert.equal(response.statusCode, 200, url);
      assert.equal(response.body, INDEX_HTML);
      assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(response.headers['cache-control'], 'no-cache');
      assert.equal(response.headers.etag, '"index-tag"');
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
      assert.equal(
        response.headers['content-security-policy'],
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
      );
    }
  });

  it('serves hashed assets as immutable, without the page’s policy', async (t) => {
    const app = await serving(t, defaultUi);
    const response = await app.inject({ url: '/ui/assets/index-abc.css' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, 'a{}');
    assert.equal(response.headers['content-type'], 'text/css; charset=utf-8');
    assert.equal(response.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.equal(response.headers['content-security-policy'], undefined);
    assert.equal(response.headers.vary, undefined, 'no gzip variant, nothing varies');
  });

  it('sends the gzip body to clients that take it, with Vary and its own ETag', async (t) => {
    const app = await serving(t, defaultUi);
    const url = '/ui/assets/index-abc.js';
    const gzipped = await app.inject({ url, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(gzipped.headers['content-encoding'], 'gzip');
    assert.equal(gzipped.headers.vary, 'Accept-Encoding');
    assert.equal(gzipped.headers.etag, '"js-tag-gzip"');
    assert.equal(gunzipSync(gzipped.rawPayload).toString('utf8'), SCRIPT);
    assert.ok(gzipped.rawPayload.length < SCRIPT.length);

    const plain = await app.inject({ url, headers: { 'accept-encoding': 'gzip;q=0, identity' } });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.headers.vary, 'Accept-Encoding');
    assert.equal(plain.headers.etag, '"js-tag"');
    assert.equal(plain.body, SCRIPT);
    assert.equal((await app.inject({ url })).body, SCRIPT, 'no Accept-Encoding: identity');
  });

  it('answers 304 to a matching If-None-Match, for either representation', async (t) => {
    const app = await serving(t, defaultUi);
    const url = '/ui/assets/index-abc.js';
    for (const tag of ['"js-tag"', '"js-tag-gzip"', 'W/"js-tag"', '"other", "js-tag"', '*']) {
      const response = await app.inject({
        url,
        headers: { 'if-none-match': tag, 'accept-encoding': 'gzip' },
      });
      assert.equal(response.statusCode, 304, tag);
      assert.equal(response.body, '');
      assert.equal(response.headers.etag, '"js-tag-gzip"');
      assert.equal(response.headers['cache-control'], 'public, max-age=31536000, immutable');
    }
    const changed = await app.inject({ url, headers: { 'if-none-match': '"old-tag"' } });
    assert.equal(changed.statusCode, 200);
    const index = await app.inject({ url: '/ui/', headers: { 'if-none-match': '"index-tag"' } });
    assert.equal(index.statusCode, 304);
  });

  it('answers HEAD with the headers of GET and no body', async (t) => {
    const app = await serving(t, defaultUi);
    const response = await app.inject({ method: 'HEAD', url: '/ui/assets/index-abc.css' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, '');
    assert.equal(response.headers['content-length'], '3');
    assert.equal(response.headers.etag, '"css-tag"');
    const put = await app.inject({ method: 'PUT', url: '/ui/' });
    assert.equal(put.statusCode, 405);
  });

  it('gives app routes index.html, and missing files a 404', async (t) => {
    const app = await serving(t, defaultUi);
    for (const url of [
      '/ui/dc1/services',
      '/ui/dc1/services/web',
      '/ui/dc1/nodes/web-1.example.com',
      '/ui/dc1/kv/a/b/',
    ]) {
      const response = await app.inject({ url });
      assert.equal(response.statusCode, 200, url);
      assert.equal(response.body, INDEX_HTML, url);
      assert.equal(response.headers['cache-control'], 'no-cache', url);
    }
    for (const url of ['/ui/assets/index-old.js', '/ui/assets/', '/ui/favicon.ico', '/ui/.env']) {
      const response = await app.inject({ url });
      assert.equal(response.statusCode, 404, url);
      assert.equal(response.body, '404 page not found\n');
    }
  });

  it('answers 503 with the reason when the files are missing', async (t) => {
    const reason = 'web UI files not found in /opt/cairn/dist/ui: run `npm run build`';
    const app = await serving(t, { contentPath: '/ui/', files: { unavailable: reason } });
    for (const url of ['/ui/', '/ui/assets/index-abc.js', '/ui/dc1/services']) {
      const response = await app.inject({ url });
      assert.equal(response.statusCode, 503, url);
      assert.equal(response.body, reason);
    }
  });
});

describe('the web UI: redirects and the root', () => {
  it('sends / and the content path without its slash to the content path', async (t) => {
    const app = await serving(t, defaultUi);
    const root = await app.inject({ url: '/' });
    assert.equal(root.statusCode, 301);
    assert.equal(root.headers.location, '/ui/');
    const bare = await app.inject({ url: '/ui' });
    assert.equal(bare.statusCode, 301);
    assert.equal(bare.headers.location, '/ui/');
    assert.equal((await app.inject({ url: '/ui?dc=dc1' })).headers.location, '/ui/?dc=dc1');
  });

  it('says the UI is off at / with a 200 when disabled, and serves no UI paths', async (t) => {
    const app = await serving(t, undefined);
    const root = await app.inject({ url: '/' });
    assert.equal(root.statusCode, 200);
    assert.equal(root.body, UI_DISABLED_TEXT);
    assert.match(root.body, /^Cairn agent: UI disabled\. To enable, set ui_config\.enabled=true/);
    for (const url of ['/ui/', '/ui', '/robots.txt'])
      assert.equal((await app.inject({ url })).statusCode, 404, url);
  });

  it('keeps crawlers out with /robots.txt when enabled', async (t) => {
    const app = await serving(t, defaultUi);
    const robots = await app.inject({ url: '/robots.txt' });
    assert.equal(robots.statusCode, 200);
    assert.equal(robots.body, 'User-agent: *\nDisallow: /\n');
  });

  it('serves under a custom content path, index.html pointing its base there', async (t) => {
    const directory = mkdtempSync(join(tmpdir(), 'cairn-ui-route-'));
    t.after(() => rmSync(directory, { recursive: true, force: true }));
    mkdirSync(join(directory, 'assets'));
    writeFileSync(join(directory, 'index.html'), INDEX_HTML);
    writeFileSync(join(directory, 'assets', 'index-abc.js'), SCRIPT);
    const assets = loadUiAssets(directory, { contentPath: '/console/' });
    if (assets instanceof UiAssetsError) throw assets;
    const app = await serving(t, { contentPath: '/console/', files: { assets } });

    assert.equal((await app.inject({ url: '/' })).headers.location, '/console/');
    assert.equal((await app.inject({ url: '/console' })).headers.location, '/console/');
    const index = await app.inject({ url: '/console/dc1/services' });
    assert.equal(index.statusCode, 200);
    assert.match(index.body, /<base href="\/console\/" \/>/);
    assert.doesNotMatch(index.body, /"\/ui\/"/);
    const script = await app.inject({ url: '/console/assets/index-abc.js' });
    assert.equal(script.body, SCRIPT);
    assert.equal(script.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal((await app.inject({ url: '/ui/' })).statusCode, 404);
  });

  it('serves a UI at / itself, leaving unknown API paths 404', async (t) => {
    const app = await serving(t, { contentPath: '/', files: memoryFiles });
    const root = await app.inject({ url: '/' });
    assert.equal(root.statusCode, 200);
    assert.equal(root.body, INDEX_HTML);
    assert.equal((await app.inject({ url: '/dc1/services' })).body, INDEX_HTML);
    assert.equal((await app.inject({ url: '/v1/nothing' })).statusCode, 404);
  });
});

describe('acceptsGzip', () => {
  const table: [string, boolean][] = [
    ['', false],
    ['gzip', true],
    ['GZIP', true],
    ['x-gzip', true],
    ['deflate, br', false],
    ['gzip;q=0', false],
    ['gzip; q=0.5', true],
    ['*', true],
    ['*;q=0', false],
    ['*, gzip;q=0', false],
    ['br, *;q=0.1', true],
    ['identity', false],
  ];
  for (const [header, expected] of table)
    it(`reads ${JSON.stringify(header)}`, () => assert.equal(acceptsGzip(header), expected));
});

describe('matchesNoneMatch', () => {
  const tags = ['"a"', '"a-gzip"'];
  const table: [string, boolean][] = [
    ['', false],
    ['*', true],
    ['"a"', true],
    ['W/"a"', true],
    ['"b", "a-gzip"', true],
    ['"b"', false],
    ['a', false],
  ];
  for (const [header, expected] of table)
    it(`reads ${JSON.stringify(header)}`, () => assert.equal(matchesNoneMatch(header, tags), expected));
});
