/**
 * The web UI as a `cairn agent -dev` process serves it: `/` redirects to `/ui/`, index.html
 * names the hashed bundle, the bundle is immutable and gzipped, and the services list the UI
 * reads answers. Needs the built UI in dist/ui (`npm run build`, which `npm test` runs).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AgentProcess, waitFor } from './agent-harness.ts';

const builtIndex = fileURLToPath(new URL('../dist/ui/index.html', import.meta.url));

describe('the web UI of an agent process', () => {
  let agent: AgentProcess;
  let base: string;

  before(async () => {
    assert.ok(existsSync(builtIndex), `${builtIndex} is missing: run \`npm run build\` first`);
    agent = await AgentProcess.spawnDev(['-node', 'ui-node']);
    base = `http://${await agent.httpAddress()}`;
  });
  after(() => agent.kill('SIGKILL'));

  it('logs where the UI is', async () => {
    await agent.waitForOutput(/Started web UI: url=http:\/\/127\.0\.0\.1:\d+\/ui\//);
    assert.doesNotMatch(agent.output, /web UI is not implemented|web UI files not found/);
  });

  it('redirects / to /ui/ and serves index.html there, naming the hashed bundle', async () => {
    const root = await fetch(`${base}/`, { redirect: 'manual' });
    assert.equal(root.status, 301);
    assert.equal(root.headers.get('location'), '/ui/');

    const index = await fetch(`${base}/ui/`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    assert.match(index.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const html = await index.text();
    assert.match(html, /<base href="\/ui\/"/);
    assert.match(html, /src="\.\/assets\/index-[\w-]+\.js"/);

    const deepLink = await fetch(`${base}/ui/dc1/services/web`);
    assert.equal(deepLink.status, 200);
    assert.equal(await deepLink.text(), html);
  });

  it('serves the bundle immutable and gzipped, and 304 on revalidation', async () => {
    const html = await (await fetch(`${base}/ui/`)).text();
    const script = html.match(/src="\.\/(assets\/index-[\w-]+\.js)"/)?.[1];
    assert.ok(script, html);
    const url = `${base}/ui/${script}`;

    const gzipped = await fetch(url, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gzipped.status, 200);
    assert.equal(gzipped.headers.get('content-encoding'), 'gzip');
    assert.equal(gzipped.headers.get('vary'), 'Accept-Encoding');
    assert.equal(gzipped.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(gzipped.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const decoded = await gzipped.text();
    const plain = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(plain.headers.get('content-encoding'), null);
    assert.equal(await plain.text(), decoded);

    const etag = gzipped.headers.get('etag');
    assert.ok(etag);
    const revalidated = await fetch(url, { headers: { 'accept-encoding': 'gzip', 'if-none-match': etag } });
    assert.equal(revalidated.status, 304);

    const missing = await fetch(`${base}/ui/assets/index-gone.js`);
    assert.equal(missing.status, 404);
  });

  it('lists a registered service at /v1/internal/ui/services, with its counts', async () => {
    const registered = await fetch(`${base}/v1/agent/service/register`, {
      method: 'PUT',
      body: JSON.stringify({ Name: 'web', Tags: ['v1'], Check: { TTL: '30s' } }),
    });
    assert.equal(registered.status, 200);
    const web = await waitFor('web in the services list', async () => {
      const summaries = (await (await fetch(`${base}/v1/internal/ui/services`)).json()) as {
        Name: string;
        InstanceCount: number;
        ChecksPassing: number;
        ChecksCritical: number;
        Tags: string[];
      }[];
      return summaries.find((summary) => summary.Name === 'web');
    });
    assert.deepEqual([web.InstanceCount, web.ChecksPassing, web.ChecksCritical, web.Tags], [1, 1, 1, ['v1']]);
  });
});

describe('a ui_config.dir that is not a built UI', () => {
  it('stops the start with a message naming the directory', async (t) => {
    const directory = mkdtempSync(join(tmpdir(), 'cairn-ui-dir-'));
    t.after(() => rmSync(directory, { recursive: true, force: true }));
    writeFileSync(join(directory, 'readme.txt'), 'not a UI');
    const agent = await AgentProcess.spawnDev(['-ui-dir', directory]);
    t.after(() => agent.kill('SIGKILL'));
    assert.equal(await agent.exited, 1);
    assert.match(
      agent.output,
      new RegExp(`ui_config\\.dir is not a built web UI .*${directory}: no index\\.html`),
    );
  });
});
