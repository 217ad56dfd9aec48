import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { NoLeaderError } from '../server/consensus.ts';
import { NoServersError } from '../server/leaderless.ts';
import { ApplyError } from '../server/server.ts';
import { StateError } from '../state/errors.ts';
import type { HttpContext } from './context.ts';
import { HttpError } from './errors.ts';
import type { ApiRequest } from './request.ts';
import type { ApiResponse } from './response.ts';
import { METHODS, type Method, type RouteDefinition } from './route.ts';
import { allRoutes } from './routes/index.ts';

/** Bodies beyond this are refused on routes that set no limit of their own. */
const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Builds the HTTP API v1 on fastify. Fastify does the socket, routing and body reading; every
 * decision is in the handlers, which see an `ApiRequest` and return an `ApiResponse`, so they
 * are tested as functions (`app.inject`) as well as over real sockets.
 */
export function createHttpApp(
  context: HttpContext,
  routes: RouteDefinition[] = allRoutes(context),
): FastifyInstance {
  const app = Fastify({
    logger: false,
    // Go's ServeMux cleans `//` out of paths (crypt sends `/v1/kv//key`).
    routerOptions: { ignoreDuplicateSlashes: true, maxParamLength: 64 * 1024 },
    bodyLimit: DEFAULT_BODY_LIMIT_BYTES,
    return503OnClosing: false,
    forceCloseConnections: true,
    // A path that does not decode (`/v1/kv/%zz`): Go's server answers a plain 400.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      void reply.code(400).type('text/plain; charset=utf-8').send(`Bad Request: ${error.message}`);
    },
  });

  // Consul reads bodies whatever their Content-Type: take every body as raw bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.setNotFoundHandler((_request, reply) => {
    void reply.code(404).type('text/plain; charset=utf-8').send('404 page not found\n');
  });
  app.setErrorHandler((error: { statusCode?: number; message: string; code?: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const length = request.headers['content-length'] ?? 'unknown';
      void reply
        .code(413)
        .type('text/plain; charset=utf-8')
        .send(`Request body(${length} bytes) too large, max size: ${request.routeOptions.bodyLimit} bytes`);
      return;
    }
    if (status >= 500)
      context.logger.error({ error: error.message, url: withoutToken(request.url) }, 'http: request failed');
    void reply.code(status).type('text/plain; charset=utf-8').send(error.message);
  });

  for (const definition of routes) {
    // Consul's `Allow`: OPTIONS and the methods this endpoint takes.
    const allowed = ['OPTIONS', ...METHODS.filter((method) => definition.methods[method] !== undefined)].join(
      ',',
    );
    app.route({
      method: [...METHODS, 'HEAD', 'OPTIONS'],
      url: definition.path,
      bodyLimit: definition.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
      handler: (request, reply) => dispatch(definition, allowed, context, request, reply),
    });
  }
  return app;
}

async function dispatch(
  definition: RouteDefinition,
  allowed: string,
  context: HttpContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const method = (request.method === 'HEAD' ? 'GET' : request.method) as Method | 'OPTIONS';
  if (method === 'OPTIONS') {
    void reply.code(200).header('allow', allowed).send('');
    return;
  }
  const handler = definition.methods[method];
  if (handler === undefined) {
    void reply
      .code(405)
      .header('allow', allowed)
      .type('text/plain; charset=utf-8')
      .send(`method ${request.method} not allowed`);
    return;
  }

  const url = request.raw.url ?? '/';
  const queryAt = url.indexOf('?');
  const query = new URLSearchParams(queryAt < 0 ? '' : url.slice(queryAt + 1));
  let aborter: AbortController | undefined;
  const apiRequest: ApiRequest = {
    method,
    rest: (request.params as Record<string, string> | undefined)?.['*'] ?? '',
    query,
    headers: request.headers,
    body: request.body as Uint8Array | undefined,
    remoteAddress: request.ip,
    get signal(): AbortSignal {
      if (aborter === undefined) {
        const controller = new AbortController();
        aborter = controller;
        reply.raw.once('close', () => {
          if (!reply.raw.writableFinished) controller.abort();
        });
      }
      return aborter.signal;
    },
  };

  let response: ApiResponse;
  try {
    response = await handler(apiRequest, context);
  } catch (error) {
    response = errorResponse(error, context, url);
  }
  let body = response.body;
  if (query.has('pretty') && response.headers['content-type'] === 'application/json' && body.length > 0) {
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
    body = `${JSON.stringify(JSON.parse(text), null, 4)}\n`;
  }
  void reply.code(response.status).headers(response.headers).send(body);
}

function errorResponse(error: unknown, context: HttpContext, url: string): ApiResponse {
  const plain = (status: number, message: string, headers: Record<string, string> = {}) => ({
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
    body: message,
  });
  if (error instanceof HttpError) return plain(error.status, error.message, error.headers);
  // Operating errors with Consul's wording: the client is told, nothing is wrong with us.
  if (
    error instanceof ApplyError ||
    error instanceof StateError ||
    error instanceof NoLeaderError ||
    error instanceof NoServersError
  ) {
    return plain(500, error.message);
  }
  const message = error instanceof Error ? error.message : String(error);
  context.logger.error(
    { error: message, stack: error instanceof Error ? error.stack : undefined, url: withoutToken(url) },
    'http: handler failed',
  );
  return plain(500, message);
}

/** The URL with any `?token=` value masked, as Consul's `logURL` does: tokens never reach logs. */
export function withoutToken(url: string): string {
  return url.replace(/([?&]token=)[^&]*/gi, '$1<hidden>');
}
