/** What a handler answers; the adapter writes it to the socket. */
export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

export function json(
  value: unknown,
  options: { status?: number; headers?: Record<string, string> } = {},
): ApiResponse {
  return {
    status: options.status ?? 200,
    headers: { 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify(value),
  };
}

/** A JSON body already serialised (hot paths build it by hand). */
export function rawJson(
  text: string | Uint8Array,
  headers: Record<string, string> = {},
  status = 200,
): ApiResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: text };
}

export function text(status: number, body: string, headers: Record<string, string> = {}): ApiResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body };
}

/** An empty 200, what Consul answers for agent writes. */
export function empty(headers: Record<string, string> = {}): ApiResponse {
  return { status: 200, headers, body: '' };
}
