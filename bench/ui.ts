/**
 * `npm run bench:ui`: how fast the web UI comes up. A dev agent with 200 services (one instance
 * and one passing check each, spread over 10 nodes); headless Chromium loads `/ui/` again and
 * again, each time in a fresh browser context, and the page reports two moments measured from
 * navigation start: first contentful paint, and "services table rendered", when the list shows
 * a row for every service (`tr[data-service]`). Cold loads run with the browser cache disabled;
 * warm loads open the UI once in the context (unmeasured), then measure a second page there,
 * which takes the hashed assets from the cache as a returning user does. No peer exists for a
 * UI, so the report gives absolutes against the targets: first paint under 1 s on
 * loopback, JS bundle under 150 KB gzipped. A benchmark, not a test: exit 1 only when something
 * could not be measured.
 *
 *   --loads=N      measured loads per mode (default 20)
 *   --services=N   services registered (default 200)
 *   --quick        5 loads per mode: a smoke check
 *
 * Runs from dist/ like the other benches (the agent it starts is dist/src/cli/main.js and the
 * UI it serves dist/ui): `npm run -s build && node dist/bench/ui.js`. Needs Debian's chromium
 * (or CHROMIUM_PATH).
 *
 * Method: the agent's CPU per load is its /proc CPU time from each measured navigation until
 * the table is rendered, summed over the loads of a mode and divided by their number (the
 * tick is 10 ms, too coarse for one load alone).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { constants, gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { addressFor, type CairnAgent, catalogRegisterBody, startCairnAgent } from './lib/cairn.ts';
import { launchChromium } from './lib/chromium.ts';
import { log, positiveFlag, runBench } from './lib/cli.ts';
import { closeIdleSockets, forEachConcurrently, httpRequestOk } from './lib/http-client.ts';
import { describeMachine } from './lib/machine.ts';
import { installCleanup, type ManagedProcess, processCpuSeconds } from './lib/processes.ts';
import { formatCount, formatMs, median, quantileSorted } from './lib/stats.ts';
import { markdownTable, textTable } from './lib/table.ts';

interface Settings {
  loads: number;
  services: number;
}

function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      loads: { type: 'string' },
      services: { type: 'string' },
      quick: { type: 'boolean', default: false },
    },
    strict: true,
  });
  return {
    loads: Math.round(positiveFlag(values.loads, values.quick ? 5 : 20, 'loads')),
    services: Math.round(positiveFlag(values.services, 200, 'services')),
  };
}

/** The targets. */
const TARGETS = { firstPaintMs: 1_000, bundleGzipBytes: 150 * 1000 };
const NODES = 10;
const REGISTER_IN_FLIGHT = 16;
const LOAD_TIMEOUT_MS = 30_000;
/** dist/bench/ui.js → dist/ui */
const UI_DIST = fileURLToPath(new URL('../ui/', import.meta.url));

/**
 * Runs in the page before its own scripts: records `performance.now()` (milliseconds since
 * navigation start) at the first DOM change that leaves `rows` service rows or more.
 */
const ROWS_OBSERVER = (rows: number): string => `
  (() => {
    const state = { renderedMs: undefined };
    window.__cairnBench = state;
    const observer = new MutationObserver(() => {
      if (document.querySelectorAll('tr[data-service]').length >= ${rows}) {
        state.renderedMs = performance.now();
        observer.disconnect();
      }
    });
    observer.observe(document, { childList: true, subtree: true });
  })();
`;

/**
 * Whether the observer has fired, as a function rather than a string: the agent's
 * Content-Security-Policy forbids the eval Playwright would use for a string.
 */
const rendered = (): boolean =>
  (globalThis as unknown as { __cairnBench: { renderedMs?: number } }).__cairnBench.renderedMs !== undefined;

type Mode = 'cold' | 'warm';

interface Load {
  firstPaintMs: number;
  renderedMs: number;
  /** The agent's CPU from the measured page's navigation until its table was rendered. */
  agentCpuMs: number;
}

interface ModeResult {
  loads: Load[];
  agentCpuMsPerLoad: number;
}

/** The agent's CPU time so far, in milliseconds. */
const agentCpuMs = (agent: CairnAgent): number => processCpuSeconds(agent.process.pid) * 1000;

async function measureLoad(
  browser: Browser,
  agent: CairnAgent,
  url: string,
  rows: number,
  mode: Mode,
): Promise<Load> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await context.addInitScript({ content: ROWS_OBSERVER(rows) });
    if (mode === 'warm') {
      const primer = await context.newPage();
      await primer.goto(url);
      await primer.waitForFunction(rendered, undefined, {
        timeout: LOAD_TIMEOUT_MS,
      });
      await primer.close();
    }
    const page = await context.newPage();
    if (mode === 'cold') {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    }
    const cpuBefore = agentCpuMs(agent);
    await page.goto(url);
    await page.waitForFunction(rendered, undefined, {
      timeout: LOAD_TIMEOUT_MS,
    });
    const cpuMs = agentCpuMs(agent) - cpuBefore;
    const measured = (await page.evaluate(`({
      firstPaintMs: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
      renderedMs: window.__cairnBench.renderedMs,
    })`)) as Omit<Load, 'agentCpuMs'>;
    return { ...measured, agentCpuMs: cpuMs };
  } finally {
    await context.close();
  }
}

async function measureMode(
  browser: Browser,
  agent: CairnAgent,
  rows: number,
  mode: Mode,
  loads: number,
): Promise<ModeResult> {
  const url = `${agent.origin}/ui/`;
  // One unmeasured load first: the agent's and the browser's code paths warmed alike for both modes.
  await measureLoad(browser, agent, url, rows, mode);
  const results: Load[] = [];
  for (let index = 0; index < loads; index++) {
    const load = await measureLoad(browser, agent, url, rows, mode);
    if (!Number.isFinite(load.firstPaintMs))
      throw new Error(`${mode} load ${index + 1}: no first-contentful-paint entry`);
    results.push(load);
  }
  log(
    `${mode}: ${loads} loads, first paint median ${formatMs(median(results.map((load) => load.firstPaintMs)))} ms, ` +
      `table median ${formatMs(median(results.map((load) => load.renderedMs)))} ms`,
  );
  const cpuMs = results.reduce((total, load) => total + load.agentCpuMs, 0);
  return { loads: results, agentCpuMsPerLoad: cpuMs / loads };
}

/** Every JS (and CSS) file of the built UI, gzipped at level 9 as the agent serves them. */
function bundleSizes(): { js: number; css: number; files: number } {
  const assets = join(UI_DIST, 'assets');
  const gz = (name: string) =>
    gzipSync(readFileSync(join(assets, name)), { level: constants.Z_BEST_COMPRESSION }).length;
  const names = readdirSync(assets);
  const sum = (suffix: string) =>
    names.filter((name) => name.endsWith(suffix)).reduce((total, name) => total + gz(name), 0);
  const files = names.filter((name) => name.endsWith('.js')).length;
  if (files === 0) throw new Error(`no .js under ${assets}: run npm run build`);
  return { js: sum('.js'), css: sum('.css'), files };
}

const p90 = (values: number[]): number =>
  quantileSorted(
    [...values].sort((a, b) => a - b),
    0.9,
  );
const kb = (bytes: number): string => `${(bytes / 1000).toFixed(1)} KB`;
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');

const HEADER = ['measure', 'cold median', 'cold p90', 'warm median', 'warm p90', 'target', 'result'];

function reportRows(results: Record<Mode, ModeResult>, bundle: { js: number; css: number }): string[][] {
  const cells = (read: (load: Load) => number): string[] =>
    (['cold', 'warm'] as const).flatMap((mode) => {
      const values = results[mode].loads.map(read);
      return [formatMs(median(values)), formatMs(p90(values))];
    });
  const firstPaintP90 = Math.max(
    ...(['cold', 'warm'] as const).map((mode) => p90(results[mode].loads.map((load) => load.firstPaintMs))),
  );
  return [
    [
      'first contentful paint, ms',
      ...cells((load) => load.firstPaintMs),
      `< ${formatCount(TARGETS.firstPaintMs)}`,
      verdict(firstPaintP90 < TARGETS.firstPaintMs),
    ],
    ['services table rendered, ms', ...cells((load) => load.renderedMs), '', ''],
    [
      'agent CPU per page load, ms',
      formatMs(results.cold.agentCpuMsPerLoad),
      '',
      formatMs(results.warm.agentCpuMsPerLoad),
      '',
      '',
      '',
    ],
    [
      'JS bundle, gzipped',
      kb(bundle.js),
      '',
      '',
      '',
      `< ${kb(TARGETS.bundleGzipBytes)}`,
      verdict(bundle.js < TARGETS.bundleGzipBytes),
    ],
    ['CSS, gzipped', kb(bundle.css), '', '', '', '', ''],
  ];
}

async function main(): Promise<number> {
  if (import.meta.url.endsWith('.ts'))
    throw new Error(
      'bench:ui starts the built agent (dist/src/cli/main.js): run `npm run -s build && node dist/bench/ui.js`',
    );
  const settings = parseSettings(process.argv.slice(2));
  const machine = describeMachine();
  const bundle = bundleSizes();
  const workDir = mkdtempSync(join(os.tmpdir(), 'cairn-bench-ui-'));
  const started: ManagedProcess[] = [];
  let browser: Browser | undefined;
  const stopAll = async (): Promise<void> => {
    closeIdleSockets();
    await browser?.close().catch(() => undefined);
    await Promise.all(started.map((child) => child.stop()));
  };
  installCleanup(stopAll);

  const problems: string[] = [];
  const results: Partial<Record<Mode, ModeResult>> = {};
  let chromiumVersion = 'n/a';
  try {
    const agent = await startCairnAgent(workDir, 'cairn-agent', ['-log-level', 'warn']);
    started.push(agent.process);
    log(`Cairn agent up at ${agent.origin} (pid ${agent.process.pid})`);
    await forEachConcurrently(settings.services, REGISTER_IN_FLIGHT, async (index) => {
      const body = catalogRegisterBody({
        node: `node-${index % NODES}`,
        address: addressFor(index % NODES),
        serviceId: `svc-${index}`,
        serviceName: `svc-${index}`,
        port: 10_000 + index,
      });
      await httpRequestOk('PUT', `${agent.origin}/v1/catalog/register`, body);
    });
    const listed = JSON.parse(
      (await httpRequestOk('GET', `${agent.origin}/v1/internal/ui/services`)).body,
    ) as unknown[];
    // The registered services and the agent's own `consul`.
    const rows = listed.length;
    if (rows < settings.services)
      throw new Error(`/v1/internal/ui/services lists ${rows} services, expected ≥ ${settings.services}`);
    log(`registered ${settings.services} services on ${NODES} nodes; the list has ${rows} rows`);

    browser = await launchChromium();
    chromiumVersion = browser.version();
    for (const mode of ['cold', 'warm'] as const) {
      try {
        results[mode] = await measureMode(browser, agent, rows, mode, settings.loads);
      } catch (error) {
        problems.push(`${mode} loads: ${(error as Error).message}`);
        log(problems.at(-1)!);
      }
    }
  } catch (error) {
    problems.push((error as Error).message);
  } finally {
    await stopAll();
  }

  const header =
    `${machine.date} · ${machine.cpu}, ${machine.cores} cores, ${machine.memory} · Node ${machine.node} · ` +
    `Chromium ${chromiumVersion} headless · ${formatCount(settings.services)} services on ${NODES} nodes · ` +
    `${settings.loads} loads per mode of /ui/ on loopback, a fresh context each; ` +
    `cold: cache disabled, warm: assets cached · ${bundle.files} JS file(s)`;
  const rows =
    results.cold && results.warm ? reportRows({ cold: results.cold, warm: results.warm }, bundle) : [];
  const out: string[] = ['', header, ''];
  if (rows.length > 0) out.push(textTable(HEADER, rows), '');
  if (problems.length > 0) out.push('Problems seen:', ...problems.map((problem) => `  - ${problem}`), '');
  out.push('--- markdown for docs/benchmarks.md ---', '', `**${header}**`, '');
  if (rows.length > 0) out.push(markdownTable(HEADER, rows), '');
  process.stdout.write(`${out.join('\n')}\n`);

  const failed = problems.length > 0 || rows.length === 0;
  if (!failed) rmSync(workDir, { recursive: true, force: true });
  else log(`logs kept in ${workDir}`);
  return failed ? 1 : 0;
}

runBench('bench:ui', main);
