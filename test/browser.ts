/**
 * The browser tests' harness: headless Debian Chromium (bench/lib/chromium.ts) against a real
 * `cairn agent -dev` process serving the built UI (dist/ui), and pages that record everything
 * that went wrong in them (console errors, uncaught exceptions, failed requests, error answers)
 * so that each test can assert that a page ran clean.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page, Response as PageResponse, Request } from 'playwright-core';
import { AgentProcess, freePort, gossipPortArgs, waitFor } from './agent-harness.ts';

export { launchChromium } from '../bench/lib/chromium.ts';

/** Where screenshots go: a CI artifact, ignored by git. */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../test-results/ui/', import.meta.url));

/** A dev agent process serving the UI, and its base URL (`http://127.0.0.1:<port>`). */
export interface UiAgent {
  process: AgentProcess;
  base: string;
  port: number;
}

/**
 * Spawns `cairn agent -dev` on `httpPort` (a free one by default) and waits until it serves
 * HTTP and has elected itself. A fixed port that the previous agent has only just released may
 * still be taken for a moment: the start is then retried until `deadlineMs`.
 */
export async function startUiAgent(
  args: string[] = [],
  httpPort?: number,
  deadlineMs = 45_000,
): Promise<UiAgent> {
  const port = httpPort ?? (await freePort());
  const started = Date.now();
  for (;;) {
    const agent = AgentProcess.spawn([
      '-dev',
      '-http-port',
      String(port),
      '-dns-port',
      '-1',
      ...(await gossipPortArgs()),
      ...args,
    ]);
    try {
      await agent.httpAddress();
    } catch (error) {
      const remaining = deadlineMs - (Date.now() - started);
      if (/EADDRINUSE/.test(agent.output) && remaining > 0) continue;
      agent.kill('SIGKILL');
      throw error;
    }
    const base = `http://127.0.0.1:${port}`;
    await waitFor(
      'the agent to elect itself',
      async () => {
        const response = await fetch(`${base}/v1/status/leader`);
        return response.ok && (await response.json()) !== '';
      },
      Math.max(1_000, deadlineMs - (Date.now() - started)),
    );
    return { process: agent, base, port };
  }
}

/** Stops an agent with SIGTERM (SIGKILL after `graceMs`) and waits for it to exit. */
export async function stopUiAgent(agent: UiAgent, graceMs = 10_000): Promise<void> {
  agent.process.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  if ((await Promise.race([agent.process.exited, late])) === 'late') {
    agent.process.kill('SIGKILL');
    await agent.process.exited;
  }
  clearTimeout(timer);
}

/** Which network events are expected, not problems. */
export type Allowance = (event: { url: string; status?: number; failure?: string }) => boolean;

/**
 * Expected everywhere:
 * - requests aborted on purpose (`net::ERR_ABORTED`) under /v1/: a page aborts its blocking
 *   queries when it unmounts or its inputs change;
 * - 404 from /v1/kv/: Consul's answer for a key or folder that does not exist (a new key, an
 *   empty store).
 */
const defaultAllowances: Allowance[] = [
  ({ url, failure }) => failure === 'net::ERR_ABORTED' && new URL(url).pathname.startsWith('/v1/'),
  ({ url, status }) => status === 404 && new URL(url).pathname.startsWith('/v1/kv/'),
];

/**
 * A page in its own browser context whose problems are recorded as they happen: console
 * errors (except Chromium's "Failed to load resource" lines, which are counted from the
 * network events below, with their URL), uncaught page errors, failed requests and answers
 * of 400 or more that no allowance expects.
 */
export class WatchedPage {
  readonly problems: string[] = [];
  private readonly allowances: Allowance[] = [...defaultAllowances];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      if (message.text().startsWith('Failed to load resource')) return;
      this.problems.push(`console error: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => this.problems.push(`page error: ${error.stack ?? error.message}`));
    page.on('requestfailed', (request: Request) => {
      const failure = request.failure()?.errorText ?? 'failed';
      if (this.allowed({ url: request.url(), failure })) return;
      this.problems.push(`request failed: ${request.method()} ${request.url()}: ${failure}`);
    });
    page.on('response', (response: PageResponse) => {
      const status = response.status();
      if (status < 400 || this.allowed({ url: response.url(), status })) return;
      this.problems.push(`HTTP ${status}: ${response.request().method()} ${response.url()}`);
    });
  }

  static async open(
    browser: Browser,
    options: { width?: number; height?: number } = {},
  ): Promise<WatchedPage> {
    const context = await browser.newContext({
      viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
      deviceScaleFactor: 1,
    });
    const page = await context.newPage();
    return new WatchedPage(context, page);
  }

  /** Expects more network events until the returned function is called. */
  allow(allowance: Allowance): () => void {
    this.allowances.push(allowance);
    return () => {
      const index = this.allowances.indexOf(allowance);
      if (index >= 0) this.allowances.splice(index, 1);
    };
  }

  /** Throws listing every problem seen so far. */
  assertClean(where = this.page.url()): void {
    if (this.problems.length > 0) throw new Error(`problems on ${where}:\n  ${this.problems.join('\n  ')}`);
  }

  async close(): Promise<void> {
    await this.context.close();
  }

  private allowed(event: { url: string; status?: number; failure?: string }): boolean {
    return this.allowances.some((allowance) => allowance(event));
  }
}

/** Saves a screenshot of the viewport as test-results/ui/`name`.png; returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  return path;
}

/**
 * Waits until no element says it is loading (`aria-busy="true"`), so that a screenshot or an
 * assertion sees data rather than a placeholder.
 */
export async function settled(page: Page, timeoutMs = 10_000): Promise<void> {
  await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached', timeout: timeoutMs });
}

/** Waits for `probe` to hold (polling, with a deadline): for conditions locators cannot state. */
export const until = waitFor;

/** `PUT`/`GET`… against the agent's HTTP API; throws on an answer other than 2xx. */
export async function api(
  base: string,
  method: string,
  path: string,
  body?: string | Uint8Array | object,
): Promise<Response> {
  const payload =
    body === undefined || typeof body === 'string' || body instanceof Uint8Array
      ? body
      : JSON.stringify(body);
  const response = await fetch(`${base}${path}`, {
    method,
    ...(payload === undefined ? {} : { body: payload }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response;
}

/** A KV key's raw value, or undefined when the key does not exist. */
export async function kvValue(base: string, key: string): Promise<string | undefined> {
  const response = await fetch(`${base}/v1/kv/${key}?raw`);
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET /v1/kv/${key}: ${response.status}`);
  return response.text();
}
