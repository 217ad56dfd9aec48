/**
 * A test context with a real `LocalAgent` wired in, and the agent's own node registered the way
 * a `-dev` server agent registers itself: a passing `serfHealth` check and the `consul` service
 * (port 8300, no tags). Built on `createTestContext`; closing it stops the local agent's timers
 * too.
 *
 * Test support, not production code.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { LocalAgent } from '../../client/local-agent.ts';
import { CONSUL_SERVICE_NAME } from '../../model/records.ts';
import { silentLogger } from '../../ports/logger.ts';
import { createHttpApp } from '../app.ts';
import type { HttpContext } from '../context.ts';
import type { RouteDefinition } from '../route.ts';
import { createTestContext, type TestContextOptions, type TestHarness } from './test-context.ts';

export interface LocalAgentHarness extends TestHarness {
  local: LocalAgent;
}

export interface LocalAgentHarnessOptions extends TestContextOptions {
  /** Register the `consul` service on the agent's node, as a server does. Default true. */
  consulService?: boolean;
}

export async function createLocalAgentHarness(
  options: LocalAgentHarnessOptions = {},
): Promise<LocalAgentHarness> {
  const harness = await createTestContext(options);
  const { config } = harness.context;
  const local = new LocalAgent({
    nodeName: config.nodeName,
    catalog: harness.server,
    clock: harness.clock,
    logger: silentLogger,
  });
  harness.context.local = local;
  if ((options.registerSelf ?? true) && (options.consulService ?? true)) {
    await harness.server.register({
      node: {
        ID: '',
        Node: config.nodeName,
        Address: '127.0.0.1',
        Datacenter: config.datacenter,
        TaggedAddresses: {},
        Meta: {},
      },
      skipNodeUpdate: true,
      service: {
        Kind: '',
        ID: CONSUL_SERVICE_NAME,
        Service: CONSUL_SERVICE_NAME,
        Tags: [],
        Address: '',
        Meta: {},
        Port: 8300,
        Weights: { Passing: 1, Warning: 1 },
        EnableTagOverride: false,
      },
      checks: [],
    });
  }
  return {
    ...harness,
    local,
    close: async () => {
      local.close();
      await harness.close();
    },
  };
}

/** A fastify app over `routes` plus small request helpers, closed by `close()`. */
export interface TestApi {
  harness: LocalAgentHarness;
  app: FastifyInstance;
  get(url: string): Promise<LightMyRequestResponse>;
  put(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  request(method: string, url: string, body?: unknown): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function createTestApi(
  routes: (context: HttpContext) => RouteDefinition[],
  options: LocalAgentHarnessOptions = {},
): Promise<TestApi> {
  const harness = await createLocalAgentHarness(options);
  const app = createHttpApp(harness.context, routes(harness.context));
  const request = (method: string, url: string, body?: unknown) =>
    app.inject({
      method: method as 'GET',
      url,
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  return {
    harness,
    app,
    request,
    get: (url) => request('GET', url),
    put: (url, body) => request('PUT', url, body),
    close: async () => {
      await app.close();
      await harness.close();
    },
  };
}
