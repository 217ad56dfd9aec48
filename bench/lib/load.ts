/**
 * Closed-loop HTTP load with autocannon: C keep-alive HTTP/1.1 connections, each sending its next
 * request when the previous one answers. Latency is taken from every 2xx response with
 * sub-millisecond precision (autocannon's own histogram rounds to whole milliseconds, too coarse
 * for c=1 rows); throughput counts 2xx responses only, so errors never inflate it.
 */
import { createRequire } from 'node:module';
import { median, quantileSorted, SampleBuffer } from './stats.ts';

export type HttpMethod = 'GET' | 'PUT' | 'POST';

export interface LoadRequest {
  method: HttpMethod;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

export interface LoadSpec {
  /**
   * Origin, e.g. http://127.0.0.1:8500, or several: connection i then goes to origin i mod n
   * (autocannon's own spreading), each keeping its one connection.
   */
  origin: string | readonly string[];
  connections: number;
  /** Run for this long… */
  durationSeconds?: number;
  /** …or until this many requests have completed. */
  amount?: number;
  /** One fixed request, or a function of a sequence number shared by all connections. */
  request: LoadRequest | ((sequence: number) => LoadRequest);
  timeoutSeconds?: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  durationSeconds: number;
}

/** The subset of autocannon 8's programmatic API used here (the package ships no types). */
interface AutocannonOptions {
  url: string | string[];
  connections: number;
  duration?: number;
  amount?: number;
  timeout?: number;
  method?: HttpMethod;
  body?: string | Buffer;
  headers?: Record<string, string>;
  requests?: Array<{
    method?: HttpMethod;
    path?: string;
    setupRequest?: (request: RawRequest, context: object) => RawRequest;
  }>;
}
interface RawRequest {
  method: string;
  path: string;
  body?: string | Buffer;
  headers: Record<string, string>;
}
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
}
interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(
    event: 'response',
    listener: (client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => void,
  ): void;
  stop(): void;
}
type Autocannon = (options: AutocannonOptions) => AutocannonInstance;

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as Autocannon;

const active = new Set<AutocannonInstance>();

/** Stops every load run in progress (for SIGINT). */
export function stopAllLoad(): void {
  for (const instance of active) instance.stop();
}

/** One closed-loop run. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const origins = typeof spec.origin === 'string' ? [spec.origin] : [...spec.origin];
  if (origins.length === 0) throw new Error('runLoad: no origin to send requests to');
  const urls = (path: string): string | string[] =>
    origins.length === 1 ? `${origins[0]}${path}` : origins.map((origin) => `${origin}${path}`);
  const options: AutocannonOptions = {
    url: urls(''),
    connections: spec.connections,
    timeout: spec.timeoutSeconds ?? 10,
  };
  if (spec.amount !== undefined) options.amount = spec.amount;
  else options.duration = spec.durationSeconds ?? 5;
  const { request } = spec;
  if (typeof request === 'function') {
    let sequence = 0;
    options.requests = [
      {
        setupRequest: (raw) => {
          const next = request(sequence++);
          raw.method = next.method;
          raw.path = next.path;
          if (next.body !== undefined) raw.body = next.body;
          if (next.headers !== undefined) raw.headers = { ...raw.headers, ...next.headers };
          return raw;
        },
      },
    ];
  } else {
    options.url = urls(request.path);
    options.method = request.method;
    if (request.body !== undefined) options.body = request.body;
    if (request.headers !== undefined) options.headers = request.headers;
  }
  const latencies = new SampleBuffer();
  const instance = autocannon(options);
  active.add(instance);
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    if (statusCode >= 200 && statusCode < 300) latencies.add(responseTimeMs);
  });
  try {
    const result = await instance;
    const sorted = latencies.sorted();
    const statusCodes: Record<string, number> = {};
    for (const [code, stats] of Object.entries(result.statusCodeStats)) statusCodes[code] = stats.count;
    return {
      requestsPerSecond: result['2xx'] / result.duration,
      p50Ms: quantileSorted(sorted, 0.5),
      p99Ms: quantileSorted(sorted, 0.99),
      ok: result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      statusCodes,
      durationSeconds: result.duration,
    };
  } finally {
    active.delete(instance);
  }
}

/** Medians over runs, plus the problems summed over all of them. */
export interface LoadSummary {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  runs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
}

export function summarise(results: readonly LoadResult[]): LoadSummary {
  const statusCodes: Record<string, number> = {};
  for (const result of results) {
    for (const [code, count] of Object.entries(result.statusCodes)) {
      statusCodes[code] = (statusCodes[code] ?? 0) + count;
    }
  }
  return {
    requestsPerSecond: median(results.map((r) => r.requestsPerSecond)),
    p50Ms: median(results.map((r) => r.p50Ms)),
    p99Ms: median(results.map((r) => r.p99Ms)),
    runs: results.length,
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    timeouts: results.reduce((sum, r) => sum + r.timeouts, 0),
    statusCodes,
  };
}

/** "3 non-2xx (503×3), 1 error" or "" when clean. */
export function describeProblems(summary: LoadSummary): string {
  const parts: string[] = [];
  if (summary.non2xx > 0) {
    const codes = Object.entries(summary.statusCodes)
      .filter(([code]) => !code.startsWith('2'))
      .map(([code, count]) => `${code}×${count}`)
      .join(' ');
    parts.push(`${summary.non2xx} non-2xx (${codes})`);
  }
  if (summary.errors > 0) parts.push(`${summary.errors} errors (${summary.timeouts} timeouts)`);
  return parts.join(', ');
}
