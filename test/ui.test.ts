/**
 * The web UI in headless Chromium against a real `cairn agent -dev` serving the built UI
 * (dist/ui, `npm run build`): every page opens clean, the catalog and KV change live in front
 * of it, KV edits go through compare-and-set, the lost-connection banner comes and goes with
 * the agent, the keyboard reaches everything, a narrow window fits, and the bundle stays in
 * its budget. Selectors are the DOM contract of src/ui/README.md. Screenshots of the main pages
 * land in test-results/ui/ (a CI artifact).
 *
 * One agent and one browser for the file; each test opens its own browser context. The tests
 * run in order and the last one replaces the agent.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { constants, gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import {
  api,
  kvValue,
  launchChromium,
  saveScreenshot,
  settled,
  startUiAgent,
  stopUiAgent,
  type UiAgent,
  until,
  WatchedPage,
} from './browser.ts';

const NODE = 'ui-node';
/** For a page or element to show up; generous for a loaded 2-core CI machine. */
const SHOW_MS = 10_000;
/** For a change made through the API to reach an open page through its blocking query. */
const LIVE_MS = 10_000;
/** The JS bundle's budget, gzipped (the quality bar). */
const BUNDLE_GZIP_BYTES_MAX = 150 * 1000;
const UI_DIST = fileURLToPath(new URL('../dist/ui/', import.meta.url));

/** `[data-x="value"]` with the value quoted for CSS. */
const attr = (name: string, value: string): string => `[${name}=${JSON.stringify(value)}]`;

describe('web UI in Chromium', () => {
  let browser: Browser;
  let agent: UiAgent;
  let dc: string;
  const opened: WatchedPage[] = [];

  const ui = (path: string): string => `${agent.base}/ui/${path}`;

  async function open(path: string, size?: { width: number; height: number }): Promise<WatchedPage> {
    const watched = await WatchedPage.open(browser, size);
    opened.push(watched);
    await watched.page.goto(ui(path));
    return watched;
  }

  /** Waits for the page's one `<h1>` to read `name`, and checks that it is the only one. */
  async function heading(page: Page, name: string | RegExp): Promise<void> {
    const h1 = page.locator('h1');
    await h1.filter({ hasText: name }).first().waitFor({ timeout: SHOW_MS });
    assert.equal(await h1.count(), 1, `one <h1> on ${page.url()}`);
    const text = ((await h1.textContent()) ?? '').trim();
    if (typeof name === 'string') assert.equal(text, name);
    else assert.match(text, name);
  }

  async function registerService(service: object): Promise<void> {
    await api(agent.base, 'PUT', '/v1/agent/service/register', service);
  }

  async function setCheck(checkId: string, state: 'pass' | 'warn' | 'fail'): Promise<void> {
    await api(agent.base, 'PUT', `/v1/agent/check/${state}/${encodeURIComponent(checkId)}?note=${state}`);
  }

  /** The status of an instance's own badge: the first badge in it outside its checks. */
  async function instanceStatus(page: Page, serviceId: string): Promise<string | null> {
    const badge = page.locator(`${attr('data-instance', serviceId)} .badge:not([data-check] *)`).first();
    return (await badge.count()) === 0 ? null : badge.getAttribute('data-status');
  }

  async function checkStatus(page: Page, scope: string, checkId: string): Promise<string | null> {
    const badge = page.locator(`${scope} ${attr('data-check', checkId)} .badge`).first();
    return (await badge.count()) === 0 ? null : badge.getAttribute('data-status');
  }

  /** Marks the current document, so that `sameDocument` can tell whether it was reloaded. */
  async function markDocument(page: Page): Promise<void> {
    await page.evaluate("document.documentElement.setAttribute('data-test-document', 'kept')");
  }

  async function sameDocument(page: Page): Promise<boolean> {
    return (await page.locator('html[data-test-document="kept"]').count()) === 1;
  }

  /** The `data-service` of every row of the services list, sorted. */
  async function serviceRows(page: Page): Promise<string[]> {
    const rows = await page.locator('tr[data-service]').all();
    const names = await Promise.all(rows.map(async (row) => (await row.getAttribute('data-service')) ?? ''));
    return names.sort();
  }

  before(async () => {
    browser = await launchChromium();
    agent = await startUiAgent(['-node', NODE]);
    const self = (await (await api(agent.base, 'GET', '/v1/agent/self')).json()) as {
      Config: { Datacenter: string };
    };
    dc = self.Config.Datacenter;
    // A small data set for the page tour and its screenshots.
    for (const [id, port] of [
      ['web-1', 8080],
      ['web-2', 8081],
    ] as const) {
      await registerService({
        ID: id,
        Name: 'web',
        Port: port,
        Tags: ['http', 'v2'],
        Meta: { version: '2.4.1' },
        Check: { CheckID: `${id}-ttl`, Name: 'web heartbeat', TTL: '30m' },
      });
      await setCheck(`${id}-ttl`, 'pass');
    }
    await setCheck('web-2-ttl', 'warn');
    await registerService({ ID: 'api-1', Name: 'api', Port: 9000, Tags: ['grpc'] });
    await api(agent.base, 'PUT', '/v1/kv/app/config', {
      db: { host: 'db.internal', port: 5432 },
      debug: false,
    });
    await api(agent.base, 'PUT', '/v1/kv/app/feature-flags', 'dark-mode=on\nbeta=off\n');
  });

  after(async () => {
    for (const watched of opened) await watched.close().catch(() => undefined);
    await browser?.close();
    if (agent) await stopUiAgent(agent);
  });

  it('redirects / to the services page of the agent’s datacenter', async () => {
    const watched = await WatchedPage.open(browser);
    opened.push(watched);
    const { page } = watched;
    const response = await page.goto(`${agent.base}/`);
    assert.ok(response, 'an answer to /');
    const first = response.request().redirectedFrom();
    assert.equal(first?.url(), `${agent.base}/`, '/ answers with a redirect');
    await page.waitForURL(`${agent.base}/ui/${dc}/services`, { timeout: SHOW_MS });
    await heading(page, 'Services');
    watched.assertClean();
  });

  it('opens every page with its heading and main navigation, clean, and screenshots them', async () => {
    const pages: Array<{ path: string; h1: string | RegExp; ready: string; shot?: string }> = [
      { path: `${dc}/services`, h1: 'Services', ready: 'tr[data-service="web"]', shot: 'services' },
      { path: `${dc}/services/web`, h1: 'web', ready: '[data-instance="web-2"]', shot: 'service' },
      { path: `${dc}/nodes`, h1: 'Nodes', ready: attr('data-node', NODE), shot: 'nodes' },
      {
        path: `${dc}/nodes/${NODE}`,
        h1: NODE,
        ready: '[data-service-instance="web-1"]',
        shot: 'node',
      },
      { path: `${dc}/kv/`, h1: 'Key / Value', ready: 'tr[data-key="app/"]' },
      { path: `${dc}/kv/app/`, h1: /^app\/?$/, ready: 'tr[data-key="app/config"]', shot: 'kv-folder' },
      { path: `${dc}/kv/app/config/edit`, h1: 'app/config', ready: 'textarea[name="value"]', shot: 'kv-key' },
      { path: `${dc}/cluster`, h1: 'Cluster', ready: 'main table', shot: 'cluster' },
      { path: 'settings', h1: 'Settings', ready: 'main' },
    ];
    for (const spec of pages) {
      const watched = await open(spec.path);
      const { page } = watched;
      await heading(page, spec.h1);
      await page.locator(spec.ready).first().waitFor({ timeout: SHOW_MS });
      const nav = page.getByRole('navigation', { name: 'Main' });
      for (const name of ['Services', 'Nodes', 'Key / Value', 'Cluster', 'Settings'])
        await nav.getByRole('link', { name, exact: true }).waitFor({ timeout: SHOW_MS });
      await settled(page);
      if (spec.shot) await saveScreenshot(page, spec.shot);
      watched.assertClean(spec.path);
      await watched.close();
    }
  });

  it('shows a service registered while the list is open, and its TTL check’s status live', async () => {
    const watched = await open(`${dc}/services`);
    const { page } = watched;
    await heading(page, 'Services');
    await page.locator('tr[data-service="web"]').waitFor({ timeout: SHOW_MS });
    await markDocument(page);

    await registerService({
      ID: 'live-1',
      Name: 'live',
      Port: 7000,
      Check: { CheckID: 'live-ttl', Name: 'live heartbeat', TTL: '30m' },
    });
    await page.locator('tr[data-service="live"]').waitFor({ timeout: LIVE_MS });

    // Into the service page by its link: still no reload.
    await page.locator('tr[data-service="live"] a').first().click();
    await page.waitForURL(ui(`${dc}/services/live`), { timeout: SHOW_MS });
    await heading(page, 'live');
    await page.locator('[data-instance="live-1"]').waitFor({ timeout: SHOW_MS });
    // A TTL check starts critical until its first heartbeat.
    await until(
      'the new instance to show critical',
      async () => (await instanceStatus(page, 'live-1')) === 'critical',
      LIVE_MS,
    );
    for (const [state, status] of [
      ['pass', 'passing'],
      ['warn', 'warning'],
      ['fail', 'critical'],
      ['pass', 'passing'],
    ] as const) {
      await setCheck('live-ttl', state);
      await until(
        `the instance badge to turn ${status}`,
        async () => (await instanceStatus(page, 'live-1')) === status,
        LIVE_MS,
      );
      assert.equal(await checkStatus(page, '[data-instance="live-1"]', 'live-ttl'), status);
    }
    assert.ok(await sameDocument(page), 'no reload since the list opened');
    watched.assertClean();
  });

  it('closes its blocking query while the tab is hidden and catches up when shown', async () => {
    const watched = await WatchedPage.open(browser);
    opened.push(watched);
    const { page } = watched;
    const isServicesWatch = (request: { url(): string }) => {
      const url = new URL(request.url());
      return url.pathname === '/v1/internal/ui/services' && url.searchParams.has('index');
    };
    const held = page.waitForRequest(isServicesWatch, { timeout: SHOW_MS });
    await page.goto(ui(`${dc}/services`));
    const request = await held;
    // A string, not a function: tsx's helpers do not exist in the page.
    const setHidden = (hidden: boolean) =>
      page.evaluate(`(() => {
        const state = ${JSON.stringify(hidden ? 'hidden' : 'visible')};
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
        document.dispatchEvent(new Event('visibilitychange'));
      })()`);

    const closed = page.waitForEvent('requestfailed', { predicate: (r) => r === request, timeout: SHOW_MS });
    await setHidden(true);
    await closed;
    await registerService({ ID: 'while-hidden-1', Name: 'while-hidden', Port: 1 });
    assert.equal(
      await page.locator('tr[data-service="while-hidden"]').count(),
      0,
      'nothing asked while hidden',
    );
    await setHidden(false);
    await page.locator('tr[data-service="while-hidden"]').waitFor({ timeout: LIVE_MS });
    watched.assertClean();
  });

  it('switches datacenter once the agent knows several, asking the other one with ?dc', async () => {
    const watched = await WatchedPage.open(browser);
    opened.push(watched);
    const { page } = watched;
    // One agent knows one datacenter until WAN federation lands; the test names a second.
    await page.route('**/v1/catalog/datacenters', (route) => route.fulfill({ json: [dc, 'dc-east'] }));
    // This agent has no path to it and says so (Consul's 500), which the page must show.
    watched.allow(({ url, status }) => status === 500 && new URL(url).searchParams.get('dc') === 'dc-east');
    await page.goto(ui(`${dc}/services`));
    await heading(page, 'Services');
    const select = page.locator('select[aria-label="Datacenter"]');
    await select.waitFor({ timeout: SHOW_MS });
    assert.deepEqual(await select.locator('option').allTextContents(), [dc, 'dc-east']);

    const asked = page.waitForRequest(
      (request) => new URL(request.url()).searchParams.get('dc') === 'dc-east',
      { timeout: SHOW_MS },
    );
    await select.selectOption('dc-east');
    assert.equal(new URL((await asked).url()).pathname, '/v1/internal/ui/services');
    assert.equal(new URL(page.url()).pathname, '/ui/dc-east/services');
    await page.getByRole('alert').filter({ hasText: 'No path to datacenter' }).waitFor({ timeout: SHOW_MS });
    watched.assertClean();
  });

  it('narrows the services list by search, health and tag', async () => {
    for (const [id, state, tags] of [
      ['filter-ok', 'pass', ['blue']],
      ['filter-warn', 'warn', ['green']],
      ['filter-bad', 'fail', ['green']],
    ] as const) {
      await registerService({
        ID: id,
        Name: id,
        Port: 1,
        Tags: tags,
        Check: { CheckID: `${id}-ttl`, TTL: '30m' },
      });
      await setCheck(`${id}-ttl`, state);
    }
    const watched = await open(`${dc}/services`);
    const { page } = watched;
    await heading(page, 'Services');
    await page.locator('tr[data-service="filter-bad"]').waitFor({ timeout: SHOW_MS });
    assert.ok((await serviceRows(page)).includes('web'));

    const rowsBecome = async (expected: string[], what: string) =>
      until(
        `the rows to be ${expected.join(', ')} (${what})`,
        async () => JSON.stringify(await serviceRows(page)) === JSON.stringify(expected),
        SHOW_MS,
      );
    await page.getByRole('searchbox', { name: 'Search services' }).fill('filter-');
    await rowsBecome(['filter-bad', 'filter-ok', 'filter-warn'], 'search "filter-"');
    const health = page.getByRole('combobox', { name: 'Health', exact: true });
    await health.selectOption('warning');
    await rowsBecome(['filter-warn'], 'search and health warning');
    await health.selectOption('critical');
    await rowsBecome(['filter-bad'], 'search and health critical');
    await health.selectOption('');
    await page.getByRole('combobox', { name: 'Tag', exact: true }).selectOption('green');
    await rowsBecome(['filter-bad', 'filter-warn'], 'search and tag green');
    await page.getByRole('searchbox', { name: 'Search services' }).fill('');
    await rowsBecome(['filter-bad', 'filter-warn'], 'tag green alone');
    watched.assertClean();
  });

  describe('key/value', () => {
    it('creates a key, lists it and edits it through the UI', async () => {
      const watched = await open(`${dc}/kv/`);
      const { page } = watched;
      await heading(page, 'Key / Value');
      const create = page
        .locator('main')
        .getByRole('link', { name: 'Create', exact: true })
        .or(page.locator('main').getByRole('button', { name: 'Create', exact: true }));
      await create.first().click();
      await page.getByRole('textbox', { name: 'Key', exact: true }).fill('ui-created');
      await page.getByRole('textbox', { name: 'Value', exact: true }).fill('hello');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await until(
        'the API to hold the new key',
        async () => (await kvValue(agent.base, 'ui-created')) === 'hello',
        SHOW_MS,
      );

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Key / Value' }).click();
      await heading(page, 'Key / Value');
      const row = page.locator('tr[data-key="ui-created"]');
      await row.waitFor({ timeout: SHOW_MS });

      await row.getByRole('link').first().click();
      await heading(page, 'ui-created');
      const value = page.getByRole('textbox', { name: 'Value', exact: true });
      await until(
        'the editor to show the value',
        async () => (await value.inputValue()) === 'hello',
        SHOW_MS,
      );
      await value.fill('hello again');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await until(
        'the API to hold the edited value',
        async () => (await kvValue(agent.base, 'ui-created')) === 'hello again',
        SHOW_MS,
      );
      watched.assertClean();
    });

    it('reports a CAS conflict and keeps the other writer’s value', async () => {
      await api(agent.base, 'PUT', '/v1/kv/cas/target', 'first');
      const watched = await open(`${dc}/kv/cas/target/edit`);
      const { page } = watched;
      await heading(page, 'cas/target');
      const value = page.getByRole('textbox', { name: 'Value', exact: true });
      await until(
        'the editor to show the value',
        async () => (await value.inputValue()) === 'first',
        SHOW_MS,
      );

      // Someone else writes while this editor holds unsaved text.
      await value.fill('mine');
      await api(agent.base, 'PUT', '/v1/kv/cas/target', 'theirs');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page
        .getByRole('alert')
        .filter({ hasText: 'changed since you opened it' })
        .waitFor({ timeout: SHOW_MS });
      assert.equal(await kvValue(agent.base, 'cas/target'), 'theirs');
      watched.assertClean();
    });

    it('pretty-prints a JSON value and flags a binary one', async () => {
      const json = { name: 'checkout', replicas: 3, regions: ['eu-west', 'us-east'] };
      await api(agent.base, 'PUT', '/v1/kv/show/json', JSON.stringify(json));
      await api(
        agent.base,
        'PUT',
        '/v1/kv/show/binary',
        new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x01]),
      );
      const pretty = JSON.stringify(json, null, 2);

      const watched = await open(`${dc}/kv/show/json/edit`);
      const { page } = watched;
      await heading(page, 'show/json');
      // In the editor's textarea or in a preview: either way, indented as JSON.stringify(…, 2) does.
      const shown = async (): Promise<string[]> => [
        ...(await Promise.all((await page.locator('main textarea').all()).map((area) => area.inputValue()))),
        ...(await page.locator('main pre, main code').allTextContents()),
      ];
      await until(
        'the JSON value to be shown pretty-printed',
        async () => (await shown()).some((text) => text.includes(pretty)),
        SHOW_MS,
      );
      // Saving the indented text unedited would rewrite the stored bytes: nothing to save yet.
      const save = page.getByRole('button', { name: 'Save', exact: true });
      assert.equal(await save.isDisabled(), true, 'Save waits for an edit of indented JSON');
      await page.locator('textarea[name="value"]').press('End');
      await page.locator('textarea[name="value"]').pressSequentially(' ');
      assert.equal(await save.isDisabled(), false, 'an edit enables Save');
      await page.goto(ui(`${dc}/kv/show/binary/edit`));
      await heading(page, 'show/binary');
      await page
        .locator('main')
        .getByText(/binary/i)
        .first()
        .waitFor({ timeout: SHOW_MS });
      watched.assertClean();
    });

    it('deletes a folder after confirmation; Escape closes the dialog and deletes nothing', async () => {
      await api(agent.base, 'PUT', '/v1/kv/trash/a', '1');
      await api(agent.base, 'PUT', '/v1/kv/trash/deeper/b', '2');
      const watched = await open(`${dc}/kv/trash/`);
      const { page } = watched;
      await heading(page, /^trash\/?$/);
      await page.locator('tr[data-key="trash/a"]').waitFor({ timeout: SHOW_MS });
      // The folder's own Delete, not a row's ("Delete a").
      const deleteFolder = page.locator('main').getByRole('button', { name: /^Delete( folder)?$/ });
      const dialog = page.locator('dialog[open]');

      await deleteFolder.click();
      await dialog.waitFor({ timeout: SHOW_MS });
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached', timeout: SHOW_MS });
      assert.equal(await kvValue(agent.base, 'trash/a'), '1');

      await deleteFolder.click();
      await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
      await until(
        'the folder to be gone from the API',
        async () => (await fetch(`${agent.base}/v1/kv/trash/?keys`)).status === 404,
        SHOW_MS,
      );
      assert.equal(await kvValue(agent.base, 'trash/deeper/b'), undefined);
      watched.assertClean();
    });
  });

  describe('keyboard', () => {
    /** How many elements match `selector` and have the focus (0 or 1). */
    const focusedCount = (page: Page, selector: string) => page.locator(`${selector}:focus`).count();

    it('Tab reaches the skip link first, then the main navigation', async () => {
      const watched = await open(`${dc}/services`);
      const { page } = watched;
      await heading(page, 'Services');
      await page.keyboard.press('Tab');
      const skip = page.locator('a:focus');
      assert.equal(await skip.count(), 1, 'the first Tab focuses a link');
      assert.match((await skip.textContent()) ?? '', /skip to (main )?content/i);
      let reached = false;
      for (let step = 0; step < 10 && !reached; step++) {
        await page.keyboard.press('Tab');
        reached = (await focusedCount(page, 'nav[aria-label="Main"] a')) === 1;
      }
      assert.ok(reached, 'a link of the main navigation takes the focus within 10 Tabs');
      watched.assertClean();
    });

    it('Enter on the skip link moves the focus to the content, on the same page', async () => {
      const watched = await open(`${dc}/services`);
      const { page } = watched;
      await heading(page, 'Services');
      await markDocument(page);
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await until('the focus to reach <main>', async () => (await focusedCount(page, 'main')) === 1, SHOW_MS);
      assert.equal(new URL(page.url()).pathname, `/ui/${dc}/services`);
      assert.ok(await sameDocument(page), 'the skip link does not load another document');
      await heading(page, 'Services');
      watched.assertClean();
    });

    it('Enter on a service link opens the service page', async () => {
      const watched = await open(`${dc}/services`);
      const { page } = watched;
      const link = page.locator('tr[data-service="web"] a').first();
      await link.waitFor({ timeout: SHOW_MS });
      await link.focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(ui(`${dc}/services/web`), { timeout: SHOW_MS });
      await heading(page, 'web');
      watched.assertClean();
    });
  });

  it('sends the ACL token saved in Settings with every API request, and none once cleared', async () => {
    const watched = await open('settings');
    const { page } = watched;
    await heading(page, 'Settings');
    const servicesRequest = () =>
      page.waitForRequest((request) => request.url().includes('/v1/internal/ui/services'), {
        timeout: SHOW_MS,
      });
    const servicesLink = page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Services' });

    await page.getByLabel('ACL token').fill('  s3cret-token ');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Token saved.' }).waitFor({ timeout: SHOW_MS });
    const withToken = servicesRequest();
    await servicesLink.click();
    assert.equal((await withToken).headers()['x-consul-token'], 's3cret-token');

    // Kept in the browser: a reload still has it.
    await page.goto(ui('settings'));
    assert.equal(await page.getByLabel('ACL token').inputValue(), 's3cret-token');
    await page.getByRole('button', { name: 'Clear', exact: true }).click();
    const anonymous = servicesRequest();
    await servicesLink.click();
    assert.equal((await anonymous).headers()['x-consul-token'], undefined);
    watched.assertClean();
  });

  it('fits a 390 px wide window without horizontal scrolling', async () => {
    const watched = await open(`${dc}/services`, { width: 390, height: 800 });
    const { page } = watched;
    await heading(page, 'Services');
    await page.locator('tr[data-service="web"]').waitFor({ timeout: SHOW_MS });
    await settled(page);
    const { scrollWidth, innerWidth } = (await page.evaluate(
      '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
    )) as { scrollWidth: number; innerWidth: number };
    await saveScreenshot(page, 'services-390');
    assert.ok(scrollWidth <= innerWidth, `page is ${scrollWidth} px wide in a ${innerWidth} px window`);
    watched.assertClean();
  });

  it(`keeps the built JS bundle under ${BUNDLE_GZIP_BYTES_MAX / 1000} KB gzipped`, () => {
    const assets = join(UI_DIST, 'assets');
    const scripts = readdirSync(assets).filter((name) => name.endsWith('.js'));
    assert.ok(scripts.length > 0, `no .js in ${assets}: run npm run build`);
    const sizes = scripts.map(
      (name) => gzipSync(readFileSync(join(assets, name)), { level: constants.Z_BEST_COMPRESSION }).length,
    );
    const total = sizes.reduce((sum, size) => sum + size, 0);
    assert.ok(
      total < BUNDLE_GZIP_BYTES_MAX,
      `JS bundle is ${total} bytes gzipped (${scripts.join(', ')}), budget ${BUNDLE_GZIP_BYTES_MAX}`,
    );
  });

  // Last: it replaces the agent.
  it('shows the lost-connection banner while the agent is down and recovers without reload', async () => {
    const watched = await open(`${dc}/services`);
    const { page } = watched;
    await heading(page, 'Services');
    await page.locator('tr[data-service="web"]').waitFor({ timeout: SHOW_MS });
    const banner = page.locator('[data-connection="lost"]');
    assert.equal(await banner.count(), 0, 'no banner while the agent answers');
    await markDocument(page);
    // While the agent is down, the page's requests fail: expected here.
    const port = agent.port;
    const allowDown = watched.allow(({ url }) => new URL(url).port === String(port));

    await stopUiAgent(agent);
    await banner.waitFor({ timeout: LIVE_MS });
    assert.equal(await banner.getAttribute('role'), 'alert');

    agent = await startUiAgent(['-node', 'ui-node-restarted'], port);
    await registerService({ ID: 'after-restart-1', Name: 'after-restart', Port: 1 });
    // Retries back off to at most 10 s; then one answer clears the banner.
    await banner.waitFor({ state: 'detached', timeout: 30_000 });
    allowDown();
    await page.locator('tr[data-service="after-restart"]').waitFor({ timeout: LIVE_MS });
    await page.locator('tr[data-service="web"]').waitFor({ state: 'detached', timeout: LIVE_MS });
    assert.ok(await sameDocument(page), 'no reload since the agent went down');
    watched.assertClean();
  });
});
