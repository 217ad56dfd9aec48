/**
 * The two ways a request fails. `ApiError`: the agent answered with a non-2xx status (message
 * worded like Consul's Go client, so scripts and people see the same text). `ConnectionError`:
 * no answer at all (message worded like Go's net package: `dial tcp 127.0.0.1:8500: connect:
 * connection refused`).
 */

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`Unexpected response code: ${status} (${body})`);
  }
}

export class ConnectionError extends Error {
  override name = 'ConnectionError';
  constructor(
    message: string,
    /** The Node error code (`ECONNREFUSED`, `ENOTFOUND`, …) when there is one. */
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface SystemErrorLike {
  code?: unknown;
  address?: unknown;
  port?: unknown;
  message?: unknown;
  errors?: unknown;
}

const goDialMessages: Record<string, string> = {
  ECONNREFUSED: 'connect: connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
  ETIMEDOUT: 'i/o timeout',
  EADDRNOTAVAIL: 'connect: cannot assign requested address',
};

/**
 * Turns what `fetch` throws when no response arrives (`TypeError: fetch failed` with a system
 * error as `cause`) into a `ConnectionError`. Anything else (aborts, programmer errors) is
 * returned unchanged.
 */
export function describeFetchFailure(error: unknown, url: URL): unknown {
  if (!(error instanceof TypeError) || error.cause === undefined) return error;
  const cause = firstSystemError(error.cause);
  const code = typeof cause.code === 'string' ? cause.code : undefined;
  const hostPort = dialTarget(cause, url);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new ConnectionError(`dial tcp: lookup ${url.hostname}: no such host`, code, { cause: error });
  }
  const detail = (code && goDialMessages[code]) ?? String(cause.message ?? error.message);
  return new ConnectionError(`dial tcp ${hostPort}: ${detail}`, code, { cause: error });
}

/** Node 20 tries IPv6 and IPv4 in turn and reports an `AggregateError`; the first attempt speaks for it. */
function firstSystemError(cause: unknown): SystemErrorLike {
  const candidate = (cause ?? {}) as SystemErrorLike;
  if (Array.isArray(candidate.errors) && candidate.errors.length > 0) {
    const first = candidate.errors[0] as SystemErrorLike;
    return { ...first, code: candidate.code ?? first.code };
  }
  return candidate;
}

function dialTarget(cause: SystemErrorLike, url: URL): string {
  if (typeof cause.address === 'string' && typeof cause.port === 'number') {
    return cause.address.includes(':')
      ? `[${cause.address}]:${cause.port}`
      : `${cause.address}:${cause.port}`;
  }
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`;
}
