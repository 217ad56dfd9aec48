// Screenshots of the web UI for the docs: a dev agent with a small, realistic data set, its main
// pages in headless Chromium at 1280×800 (device scale 1), written to docs/ui-*.png.
//   npm run ui:screenshots          (builds first; or: node --import tsx scripts/ui-screenshots.ts)
// Needs Debian's chromium (or CHROMIUM_PATH) and a built dist/ (the agent and dist/ui).
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { api, launchChromium, settled, startUiAgent, stopUiAgent, type UiAgent } from '../test/browser.ts';

const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
const NODE = 'cairn-1';
const SHOW_MS = 15_000;

/** The demo catalog and KV store, written through the HTTP API as any client would. */
async function seed(agent: UiAgent): Promise<void> {
  const put = (path: string, body?: string | Uint8Array | object) => api(agent.base, 'PUT', path, body);
  const heartbeat = async (checkId: string, state: 'pass' | 'warn' | 'fail', note: string) =>
    put(`/v1/agent/check/${state}/${checkId}?note=${encodeURIComponent(note)}`);

  for (const [index, state] of (['pass', 'pass', 'warn'] as const).entries()) {
    const id = `web-${index + 1}`;
    await put('/v1/agent/service/register', {
      ID: id,
      Name: 'web',
      Port: 8080 + index,
      Tags: ['http', 'frontend', 'v2.4'],
      Meta: { version: '2.4.1', team: 'storefront' },
      Check: { CheckID: `${id}-health`, Name: 'HTTP /healthz', TTL: '24h' },
    });
    await heartbeat(
      `${id}-health`,
      state,
      state === 'pass' ? 'HTTP GET /healthz: 200 OK' : 'HTTP GET /healthz: 200 OK, 1.8 s (slow)',
    );
  }
  for (const index of [1, 2]) {
    await put('/v1/agent/service/register', {
      ID: `api-${index}`,
      Name: 'api',
      Port: 9000 + index,
      Tags: ['grpc', 'v1'],
      Meta: { version: '1.12.0', team: 'platform' },
      Check: { CheckID: `api-${index}-grpc`, Name: 'gRPC health', TTL: '24h' },
    });
    await heartbeat(`api-${index}-grpc`, 'pass', 'grpc.health.v1 SERVING');
  }
  // Services on nodes outside the gossip pool, registered in the catalog as external services are.
  await put('/v1/catalog/register', {
    Node: 'db-1',
    Address: '10.0.1.5',
    NodeMeta: { rack: 'r2', zone: 'eu-west-1b' },
    Service: {
      ID: 'postgres-1',
      Service: 'postgres',
      Port: 5432,
      Tags: ['primary'],
      Meta: { version: '16.4' },
    },
    Checks: [
      {
        CheckID: 'postgres-1-replication',
        Name: 'replication lag',
        Status: 'critical',
        Output: 'replica lag 42 s, above the 10 s limit',
        ServiceID: 'postgres-1',
      },
    ],
  });
  await put('/v1/catalog/register', {
    Node: 'cache-1',
    Address: '10.0.2.7',
    NodeMeta: { zone: 'eu-west-1a' },
    Service: { ID: 'redis-1', Service: 'redis', Port: 6379, Tags: ['cache'], Meta: { version: '7.2' } },
    Checks: [
      {
        CheckID: 'redis-1-ping',
        Name: 'PING',
        Status: 'passing',
        Output: 'PONG',
        ServiceID: 'redis-1',
      },
    ],
  });

  await put('/v1/kv/app/config', {
    database: { host: 'postgres.service.consul', port: 5432, pool: 20 },
    cache: { host: 'redis.service.consul', ttlSeconds: 300 },
    logLevel: 'info',
  });
  await put('/v1/kv/app/feature-flags', 'checkout-v2=on\nsearch-suggestions=off\n');
  await put(
    '/v1/kv/app/tls/ca.der',
    new Uint8Array([0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00, 0xc3, 0xff]),
  );
  await put('/v1/kv/services/web/replicas', '3');
  const session = (await (
    await put('/v1/session/create', { Name: 'postgres-leader-election', TTL: '3600s', Checks: [] })
  ).json()) as { ID: string };
  await put(`/v1/kv/service/postgres/leader?acquire=${session.ID}`, 'db-1');
}

async function shoot(page: Page, url: string, h1: string, ready: string, file: string): Promise<void> {
  await page.goto(url);
  await page.locator('h1').filter({ hasText: h1 }).first().waitFor({ timeout: SHOW_MS });
  await page.locator(ready).first().waitFor({ timeout: SHOW_MS });
  await settled(page, SHOW_MS);
  const path = `${DOCS}${file}`;
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  console.log(`wrote ${path}`);
}

const agent = await startUiAgent(['-node', NODE, '-datacenter', 'dc1']);
const browser = await launchChromium();
try {
  await seed(agent);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const ui = (path: string) => `${agent.base}/ui/dc1/${path}`;
  await shoot(page, ui('services'), 'Services', 'tr[data-service="postgres"]', 'ui-services.png');
  await shoot(page, ui('services/web'), 'web', '[data-instance="web-3"]', 'ui-service.png');
  await shoot(page, ui('nodes'), 'Nodes', 'tr[data-node="db-1"]', 'ui-nodes.png');
  await shoot(page, ui('kv/app/config/edit'), 'app/config', 'textarea[name="value"]', 'ui-kv.png');
  await shoot(page, ui('cluster'), 'Cluster', 'main table', 'ui-cluster.png');
  await context.close();
} finally {
  await browser.close();
  await stopUiAgent(agent);
}
