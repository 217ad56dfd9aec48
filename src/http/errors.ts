/**
 * An error with the HTTP status and text Consul answers for it. Handlers throw these for bad
 * input (400, 404, 405, 413); anything else thrown becomes a 500 with the error's message,
 * which is how Consul reports RPC and state errors (`invalid session "x"`, `No cluster leader`).
 */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new HttpError(400, message);
export const notFound = (message: string) => new HttpError(404, message);
