import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { urlToHttpOptions } from 'node:url';
import type { HealthStatus } from '../../model/records.ts';
import type { HttpProbeSpec, ProbeResult } from '../../ports/check-probe.ts';
import { ABORTED_RESULT, ProbeDeadline } from './deadline.ts';
import {
  dialErrorText,
  dialTimeoutText,
  isTlsError,
  joinHostPort,
  nodeErrorFields,
  readErrorText,
  tlsErrorText,
} from './go-errors.ts';
import { OutputTail } from './output-tail.ts';

/** Consul's `checks.UserAgent` and default `Accept`, sent unless the definition sets them. */
const USER_AGENT = 'Consul Health Check';
const ACCEPT = 'text/plain, text/*, */*';
/** Go's `http.Client` gives up on the tenth redirect response. */
const REDIRECTS_MAX = 10;
/** Headers Go's client drops when a redirect leaves the original domain. */
const SENSITIVE_HEADERS = new Set(['authorization', 'www-authenticate', 'cookie', 'cookie2']);

/**
 * One agent per scheme for every probe. Keep-alive off with no socket limit makes Node send
 * `Connection: close` and never reuse or queue a socket: each request gets a new connection,
 * as Consul's transport with keep-alives disabled. No TLS session cache, as Go's default client
 * config: every handshake is full and verifies the certificate.
 */
const HTTP_AGENT = new HttpAgent({ keepAlive: false, maxSockets: Infinity });
const HTTPS_AGENT = new HttpsAgent({ keepAlive: false, maxSockets: Infinity, maxCachedSessions: 0 });

/** How to send one request: Node's options, or why it cannot be sent (Go's transport error). */
type Sending = { options: RequestOptions; https: boolean } | { error: string };

/** One request of the exchange: the first, or one a redirect asked for. */
interface Hop {
  url: URL;
  /** The URL as Go prints it in errors: as written for the first hop, password hidden. */
  shownUrl: string;
  method: string;
  body: string;
  /** The `Host` header, when it differs from the URL's. */
  host: string | undefined;
  headers: OutgoingHttpHeaders;
  sending: Sending;
}

/** What a spec's every run shares: the parsed URL, headers and request options of the first hop. */
type Plan =
  | { error: string }
  | {
      /** Go's url.Error names the operation after the method: "Get", "Post". */
      operation: string;
      /** `HTTP GET <url>: `, the start of every answered run's output. */
      outputPrefix: string;
      first: Hop;
    };

/** Plans by spec object: the agent builds a spec once per check and probes it every interval. */
const PLANS = new WeakMap<HttpProbeSpec, Plan>();

/**
 * Consul's `CheckHTTP`: one request on a new connection (keep-alive off), redirects followed as
 * Go's client follows them unless `disableRedirects`, the body read into a buffer that keeps the
 * last `outputMaxBytes` bytes. 2xx is passing, 429 warning, anything else critical; an error
 * before the status line is critical with Go's `url.Error` text.
 *
 * As in Consul, the timeout covers the body too, and a body that fails or outlasts it (a flood, a
 * stall, a close mid-body) does not change the status: the status code decides and the output
 * is what arrived.
 *
 * The spec is read as immutable: what is derived from it is kept for the next run with the same
 * spec object.
 */
export async function probeHttp(spec: HttpProbeSpec, signal: AbortSignal): Promise<ProbeResult> {
  let plan = PLANS.get(spec);
  if (plan === undefined) {
    plan = planFor(spec);
    PLANS.set(spec, plan);
  }
  if ('error' in plan) return critical(plan.error);
  const { operation, outputPrefix, first } = plan;
  const deadline = new ProbeDeadline(spec.timeoutMs, signal);
  let hop = first;
  let exchange: Exchange | undefined;
  try {
    for (let redirects = 0; ; redirects += 1) {
      exchange = send(hop);
      const answered = await deadline.until(exchange.answer);
      if (!answered.done) {
        if (answered.cause === 'aborted') return ABORTED_RESULT;
        const reason = exchange.connected()
          ? 'context deadline exceeded'
          : dialTimeoutText('tcp', hostPort(hop.url));
        return failed(operation, hop, `${reason} (Client.Timeout exceeded while awaiting headers)`);
      }
      if ('error' in answered.value) return failed(operation, hop, answered.value.error);
      const response = answered.value.response;
      const next = spec.disableRedirects ? undefined : redirectHop(spec, first, hop, response);
      if (next === undefined) return await readResult(spec, outputPrefix, response, deadline);
      if ('error' in next) return failed(operation, hop, next.error);
      exchange.close();
      if (redirects + 1 >= REDIRECTS_MAX)
        return failed(operation, hop, `stopped after ${REDIRECTS_MAX} redirects`);
      hop = next;
    }
  } finally {
    exchange?.close();
    deadline.dispose();
  }
}

function planFor(spec: HttpProbeSpec): Plan {
  const method = spec.method === '' ? 'GET' : spec.method;
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    return { error: `parse ${JSON.stringify(spec.url)}: invalid URL` };
  }
  return {
    operation: method.slice(0, 1) + method.slice(1).toLowerCase(),
    outputPrefix: `HTTP ${method} ${spec.url}: `,
    first: firstHop(spec, url, method),
  };
}

function critical(output: string): ProbeResult {
  return { status: 'critical', output };
}

/** Go's `url.Error`: `Get "http://127.0.0.1:1/": dial tcp 127.0.0.1:1: connect: connection refused`. */
function failed(operation: string, hop: Hop, error: string): ProbeResult {
  return critical(`${operation} ${JSON.stringify(hop.shownUrl)}: ${error}`);
}

/** The status line, then the kept tail of the body, in Consul's format. */
async function readResult(
  spec: HttpProbeSpec,
  outputPrefix: string,
  response: IncomingMessage,
  deadline: ProbeDeadline,
): Promise<ProbeResult> {
  const body = new OutputTail(spec.outputMaxBytes);
  // `on`, not `once`: each fires at most once, and the first settles the promise.
  const ended = new Promise<unknown>((resolve) => {
    response.on('data', (chunk: Buffer) => body.write(chunk));
    response.on('end', resolve);
    response.on('error', resolve);
    response.on('close', resolve);
  });
  const read = await deadline.until(ended);
  if (!read.done && read.cause === 'aborted') return ABORTED_RESULT;
  const code = response.statusCode ?? 0;
  // Go's Response.Status is the status line after the protocol: "200 OK".
  const statusLine = response.statusMessage ? `${code} ${response.statusMessage}` : String(code);
  return { status: statusFor(code), output: `${outputPrefix}${statusLine} Output: ${body.text()}` };
}

function statusFor(code: number): HealthStatus {
  if (code >= 200 && code <= 299) return 'passing';
  if (code === 429) return 'warning';
  return 'critical';
}

/** The definition's headers, with Consul's User-Agent and Accept unless given; `Host` becomes the request's host. */
function firstHop(spec: HttpProbeSpec, url: URL, method: string): Hop {
  const headers: OutgoingHttpHeaders = {};
  const names = new Map<string, string>();
  let host: string | undefined;
  for (const [name, values] of Object.entries(spec.header)) {
    if (values.length === 0) continue;
    const lower = name.toLowerCase();
    if (lower === 'host') {
      host ??= values[0];
      continue;
    }
    // Header names are case-insensitive: values of `x-a` and `X-A` go out under the first spelling.
    const spelling = names.get(lower) ?? name;
    names.set(lower, spelling);
    const before = headers[spelling];
    headers[spelling] = Array.isArray(before) ? [...before, ...values] : [...values];
  }
  if (!names.has('user-agent')) headers['User-Agent'] = USER_AGENT;
  if (!names.has('accept')) headers.Accept = ACCEPT;
  const shown = shownUrl(url, spec.url);
  return {
    url,
    shownUrl: shown,
    method,
    body: spec.body,
    host,
    headers,
    sending: sending(spec, url, method, host, headers),
  };
}

/** Where a redirect response sends the next request, as Go's `http.Client` decides; undefined to stop here. */
function redirectHop(
  spec: HttpProbeSpec,
  first: Hop,
  hop: Hop,
  response: IncomingMessage,
): Hop | { error: string } | undefined {
  const code = response.statusCode ?? 0;
  let method = hop.method;
  let body = hop.body;
  if (code === 301 || code === 302 || code === 303) {
    // Go turns anything but GET and HEAD into a body-less GET.
    if (method !== 'GET' && method !== 'HEAD') method = 'GET';
    body = '';
  } else if (code !== 307 && code !== 308) {
    return undefined;
  }
  const location = response.headers.location;
  // A 3xx without a Location is the final answer.
  if (location === undefined || location === '') return undefined;
  let url: URL;
  try {
    url = new URL(location, hop.url);
  } catch {
    return { error: `failed to parse Location header ${JSON.stringify(location)}: invalid URL` };
  }
  // Go keeps the first request's headers, minus credentials when the domain changes; a custom
  // Host survives only a relative redirect; the Referer is the page that redirected.
  const headers: OutgoingHttpHeaders = {};
  const sameDomain = url.hostname === first.url.hostname || url.hostname.endsWith(`.${first.url.hostname}`);
  let hasReferer = false;
  for (const [name, value] of Object.entries(first.headers)) {
    const lower = name.toLowerCase();
    if (SENSITIVE_HEADERS.has(lower) && !sameDomain) continue;
    hasReferer ||= lower === 'referer';
    headers[name] = value;
  }
  if (!hasReferer && !(hop.url.protocol === 'https:' && url.protocol === 'http:')) {
    headers.Referer = withoutUserInfo(hop.url);
  }
  const relative = !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(location);
  const host = relative ? hop.host : undefined;
  const shown = shownUrl(url, undefined);
  return {
    url,
    shownUrl: shown,
    method,
    body,
    host,
    headers,
    sending: sending(spec, url, method, host, headers),
  };
}

/** Node's request options for a hop: a new connection from the shared agents, TLS as Go verifies it. */
function sending(
  spec: HttpProbeSpec,
  url: URL,
  method: string,
  host: string | undefined,
  headers: OutgoingHttpHeaders,
): Sending {
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== 'http' && scheme !== 'https') {
    return { error: `unsupported protocol scheme ${JSON.stringify(scheme)}` };
  }
  // Only what the request needs: the agent copies the options twice per request.
  const target = urlToHttpOptions(url);
  const options: RequestOptions & { servername?: string; rejectUnauthorized?: boolean } = {
    protocol: target.protocol,
    hostname: target.hostname,
    port: target.port,
    path: target.path,
    method,
    headers: host === undefined ? headers : { ...headers, Host: host },
    agent: scheme === 'https' ? HTTPS_AGENT : HTTP_AGENT,
  };
  if (target.auth !== undefined) options.auth = target.auth;
  if (scheme === 'https') {
    // Go verifies against the TLS server name, else the URL's host, never the Host header (Node
    // would use it); no SNI for an IP.
    const hostname = target.hostname ?? '';
    options.servername = spec.tlsServerName !== '' ? spec.tlsServerName : isIP(hostname) ? '' : hostname;
    options.rejectUnauthorized = !spec.tlsSkipVerify;
  }
  return { options, https: scheme === 'https' };
}

/** One request in flight: its answer, whether TCP connected (for the timeout's wording), and a way to drop it. */
interface Exchange {
  answer: Promise<{ response: IncomingMessage } | { error: string }>;
  connected(): boolean;
  close(): void;
}

const NOT_SENT: Pick<Exchange, 'connected' | 'close'> = { connected: () => false, close: () => {} };

function send(hop: Hop): Exchange {
  const sending = hop.sending;
  if ('error' in sending) return { answer: Promise.resolve({ error: sending.error }), ...NOT_SENT };
  let request: ClientRequest;
  try {
    request = (sending.https ? httpsRequest : httpRequest)(sending.options);
  } catch (error) {
    // Node refuses a bad method or header value before sending, as Go's transport does.
    return { answer: Promise.resolve({ error: nodeErrorFields(error).message }), ...NOT_SENT };
  }
  // The addresses are read on connect, as a reset needs them for its wording and Node forgets
  // them when it destroys the socket, before it reports the error.
  let local = '';
  let remote = '';
  // `on`, not `once`: each of these events fires once per request.
  request.on('socket', (socket) => {
    socket.on('connect', () => {
      local = joinHostPort(socket.localAddress ?? '', socket.localPort ?? 0);
      remote = joinHostPort(socket.remoteAddress ?? '', socket.remotePort ?? 0);
    });
  });
  const answer = new Promise<{ response: IncomingMessage } | { error: string }>((resolve) => {
    request.on('response', (response) => resolve({ response }));
    // Stays attached: errors after the answer (a reset mid-body) must not go unhandled.
    request.on('error', (error) => resolve({ error: requestErrorText(error, hop.url, local, remote) }));
  });
  request.end(hop.body === '' ? undefined : hop.body);
  return { answer, connected: () => remote !== '', close: () => request.destroy() };
}

/** Go's transport errors for what Node reports before the response headers. */
function requestErrorText(error: unknown, url: URL, local: string, remote: string): string {
  const fields = nodeErrorFields(error);
  if (isTlsError(error)) return tlsErrorText(error);
  if (fields.code?.startsWith('HPE_')) {
    const line = new TextDecoder().decode(fields.rawPacket ?? new Uint8Array(0)).split(/\r?\n/)[0] ?? '';
    return `net/http: HTTP/1.x transport connection broken: malformed HTTP response ${JSON.stringify(line)}`;
  }
  // Node's "socket hang up": the server closed before answering; Go reads EOF.
  if (fields.message === 'socket hang up') return 'EOF';
  if (remote !== '' && (fields.code === 'ECONNRESET' || fields.code === 'EPIPE')) {
    return readErrorText('tcp', local, remote, error);
  }
  if (fields.syscall === 'connect' || fields.syscall === 'getaddrinfo' || error instanceof AggregateError) {
    return dialErrorText('tcp', hostPort(url), error);
  }
  return fields.message;
}

/** `host:port` of a URL, the port defaulted by scheme, as Go's dialer prints it. */
function hostPort(url: URL): string {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return joinHostPort(host, url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80');
}

/** Go's `stripPassword`: the URL as given (or as serialised), a password shown as `***`. */
function shownUrl(url: URL, asWritten: string | undefined): string {
  if (url.password === '') return asWritten ?? url.href;
  const shown = new URL(url.href);
  shown.password = '***';
  return shown.href;
}

function withoutUserInfo(url: URL): string {
  const plain = new URL(url.href);
  plain.username = '';
  plain.password = '';
  plain.hash = '';
  return plain.href;
}
