import {
  type ClientRequest,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type RequestOptions,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
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
}

/**
 * Consul's `CheckHTTP`: one request on a new connection (keep-alive off), redirects followed as
 * Go's client follows them unless `disableRedirects`, the body read into a buffer that keeps the
 * last `outputMaxBytes` bytes. 2xx is passing, 429 warning, anything else critical; an error
 * before the status line is critical with Go's `url.Error` text.
 *
 * As in Consul, the timeout covers the body too, and a body that fails or outlasts it (a flood, a
 * stall, a close mid-body) does not change the status: the status code decides and the output
 * is what arrived.
 */
export async function probeHttp(spec: HttpProbeSpec, signal: AbortSignal): Promise<ProbeResult> {
  const method = spec.method === '' ? 'GET' : spec.method;
  // Go's url.Error names the operation after the method: "Get", "Post".
  const operation = method.slice(0, 1) + method.slice(1).toLowerCase();
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    return critical(`parse ${JSON.stringify(spec.url)}: invalid URL`);
  }
  const first = firstHop(spec, url, method);
  const deadline = new ProbeDeadline(spec.timeoutMs, signal);
  let hop = first;
  let exchange: Exchange | undefined;
  try {
    for (let redirects = 0; ; redirects += 1) {
      exchange = send(hop, spec);
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
      const next = spec.disableRedirects ? undefined : redirectHop(first, hop, response);
      if (next === undefined) return await readResult(spec, method, response, deadline);
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
  method: string,
  response: IncomingMessage,
  deadline: ProbeDeadline,
): Promise<ProbeResult> {
  const body = new OutputTail(spec.outputMaxBytes);
  response.on('data', (chunk: Buffer) => body.write(chunk));
  const ended = new Promise<void>((resolve) => {
    response.once('end', resolve);
    response.once('error', () => resolve());
    response.once('close', resolve);
  });
  const read = await deadline.until(ended);
  if (!read.done && read.cause === 'aborted') return ABORTED_RESULT;
  const code = response.statusCode ?? 0;
  // Go's Response.Status is the status line after the protocol: "200 OK".
  const statusLine = response.statusMessage ? `${code} ${response.statusMessage}` : String(code);
  return {
    status: statusFor(code),
    output: `HTTP ${method} ${spec.url}: ${statusLine} Output: ${body.text()}`,
  };
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
  return { url, shownUrl: shownUrl(url, spec.url), method, body: spec.body, host, headers };
}

/** Where a redirect response sends the next request, as Go's `http.Client` decides; undefined to stop here. */
function redirectHop(first: Hop, hop: Hop, response: IncomingMessage): Hop | { error: string } | undefined {
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
  return { url, shownUrl: shownUrl(url, undefined), method, body, host, headers };
}

/** One request in flight: its answer, whether TCP connected (for the timeout's wording), and a way to drop it. */
interface Exchange {
  answer: Promise<{ response: IncomingMessage } | { error: string }>;
  connected(): boolean;
  close(): void;
}

function send(hop: Hop, spec: HttpProbeSpec): Exchange {
  const scheme = hop.url.protocol.slice(0, -1);
  if (scheme !== 'http' && scheme !== 'https') {
    const error = `unsupported protocol scheme ${JSON.stringify(scheme)}`;
    return { answer: Promise.resolve({ error }), connected: () => false, close: () => {} };
  }
  const target = urlToHttpOptions(hop.url);
  const hostname = target.hostname ?? '';
  const options: RequestOptions & { servername?: string; rejectUnauthorized?: boolean } = {
    ...target,
    method: hop.method,
    headers: hop.host === undefined ? hop.headers : { ...hop.headers, Host: hop.host },
    // A fresh agent per request: a new connection, closed after the answer, as Consul's
    // transport with keep-alives disabled.
    agent: false,
  };
  if (scheme === 'https') {
    // Go verifies against the TLS server name, else the URL's host, never the Host header (Node
    // would use it); no SNI for an IP.
    options.servername = spec.tlsServerName !== '' ? spec.tlsServerName : isIP(hostname) ? '' : hostname;
    options.rejectUnauthorized = !spec.tlsSkipVerify;
  }
  let request: ClientRequest;
  try {
    request = (scheme === 'https' ? httpsRequest : httpRequest)(options);
  } catch (error) {
    // Node refuses a bad method or header value before sending, as Go's transport does.
    const answer = Promise.resolve({ error: nodeErrorFields(error).message });
    return { answer, connected: () => false, close: () => {} };
  }
  let local = '';
  let remote = '';
  request.once('socket', (socket) => {
    socket.once('connect', () => {
      local = joinHostPort(socket.localAddress ?? '', socket.localPort ?? 0);
      remote = joinHostPort(socket.remoteAddress ?? '', socket.remotePort ?? 0);
    });
  });
  const answer = new Promise<{ response: IncomingMessage } | { error: string }>((resolve) => {
    request.once('response', (response) => resolve({ response }));
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
