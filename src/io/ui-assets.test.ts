import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { UiAssets } from '../ports/ui.ts';
import { loadUiAssets, UiAssetsError } from './ui-assets.ts';

const INDEX =
  '<!doctype html><html><head><base href="/ui/" /><title>Cairn</title></head><body></body></html>';
const BIG_SCRIPT = `export const rows = [${Array.from({ length: 400 }, (_, i) => `"row ${i}"`).join(',')}];\n`;

function tempDir(t: TestContext): string {
  const directory = mkdtempSync(join(tmpdir(), 'cairn-ui-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

function builtUi(t: TestContext): string {
  const directory = tempDir(t);
  mkdirSync(join(directory, 'assets'));
  writeFileSync(join(directory, 'index.html'), INDEX);
  writeFileSync(join(directory, 'assets', 'index-abc.js'), BIG_SCRIPT);
  writeFileSync(join(directory, 'assets', 'index-abc.css'), 'body{margin:0}');
  writeFileSync(join(directory, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(directory, 'font.woff2'), new Uint8Array([1, 2, 3]));
  writeFileSync(join(directory, '.DS_Store'), 'junk');
  mkdirSync(join(directory, '.git'));
  writeFileSync(join(directory, '.git', 'HEAD'), 'ref');
  return directory;
}

function load(directory: string, contentPath = '/ui/'): UiAssets {
  const assets = loadUiAssets(directory, { contentPath });
  if (assets instanceof UiAssetsError) throw assets;
  return assets;
}

describe('loadUiAssets', () => {
  it('holds every file by its path under the root, dotfiles and dot-directories skipped', (t) => {
    const assets = load(builtUi(t));
    for (const path of [
      'index.html',
      'assets/index-abc.js',
      'assets/index-abc.css',
      'favicon.svg',
      'font.woff2',
    ])
      assert.ok(assets.get(path), path);
    assert.equal(assets.get('.DS_Store'), undefined);
    assert.equal(assets.get('.git/HEAD'), undefined);
    assert.equal(assets.get('missing.js'), undefined);
  });

  it('gives each file its content type, and immutable only to those under assets/', (t) => {
    const assets = load(builtUi(t));
    const types = Object.fromEntries(
      ['index.html', 'assets/index-abc.js', 'assets/index-abc.css', 'favicon.svg', 'font.woff2'].map(
        (path) => [path, [assets.get(path)?.contentType, assets.get(path)?.immutable]],
      ),
    );
    assert.deepEqual(types, {
      'index.html': ['text/html; charset=utf-8', false],
      'assets/index-abc.js': ['text/javascript; charset=utf-8', true],
      'assets/index-abc.css': ['text/css; charset=utf-8', true],
      'favicon.svg': ['image/svg+xml', false],
      'font.woff2': ['font/woff2', false],
    });
  });

  it('gzips compressible files over 1 KiB (level 9, the same bytes back), and nothing else', (t) => {
    const assets = load(builtUi(t));
    const script = assets.get('assets/index-abc.js')!;
    assert.ok(script.gzip !== undefined && script.gzip.length < script.body.length);
    assert.equal(new TextDecoder().decode(gunzipSync(script.gzip)), BIG_SCRIPT);
    assert.equal(assets.get('assets/index-abc.css')?.gzip, undefined, 'small');
    assert.equal(assets.get('font.woff2')?.gzip, undefined, 'already compressed');
  });

  it('gives strong ETags that follow the content', (t) => {
    const first = load(builtUi(t));
    const etag = first.get('assets/index-abc.js')!.etag;
    assert.match(etag, /^"[A-Za-z0-9_-]{20,}"$/);
    assert.notEqual(first.get('assets/index-abc.css')!.etag, etag);
    const other = builtUi(t);
    writeFileSync(join(other, 'assets', 'index-abc.js'), `${BIG_SCRIPT}// changed\n`);
    assert.notEqual(load(other).get('assets/index-abc.js')!.etag, etag);
    assert.equal(load(builtUi(t)).get('assets/index-abc.js')!.etag, etag, 'same bytes, same tag');
  });

  it('points index.html’s base at the content path, and its ETag at the rewritten page', (t) => {
    const directory = builtUi(t);
    const html = (contentPath: string) =>
      new TextDecoder().decode(load(directory, contentPath).get('index.html')!.body);
    assert.match(html('/ui/'), /<base href="\/ui\/" \/>/);
    assert.match(html('/console/'), /<base href="\/console\/" \/>/);
    assert.doesNotMatch(html('/console/'), /\/ui\//);
    assert.notEqual(
      load(directory, '/ui/').get('index.html')!.etag,
      load(directory, '/console/').get('index.html')!.etag,
    );
  });

  it('refuses a directory without index.html, a missing directory and a file', (t) => {
    const empty = tempDir(t);
    writeFileSync(join(empty, 'readme.txt'), 'not a UI');
    const noIndex = loadUiAssets(empty, { contentPath: '/ui/' });
    assert.ok(noIndex instanceof UiAssetsError);
    assert.equal(noIndex.message, `${empty}: no index.html`);

    const missing = loadUiAssets(join(empty, 'nowhere'), { contentPath: '/ui/' });
    assert.ok(missing instanceof UiAssetsError);
    assert.equal(missing.message, `${join(empty, 'nowhere')}: no such directory`);

    const file = loadUiAssets(join(empty, 'readme.txt'), { contentPath: '/ui/' });
    assert.ok(file instanceof UiAssetsError);
    assert.match(file.message, /not a directory$/);
  });
});
