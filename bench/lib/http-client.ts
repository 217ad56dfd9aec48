/** A small keep-alive HTTP client for set-up and probes (load itself goes through autocannon). */
import http from 'node:http';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** One request; rejects on a network error or after `timeoutMs` without an answer. */
export function httpRequest(
  method: string,
  url: string,
  body?: string | Buffer,
  timeoutMs = 10_000,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, agent: keepAlive, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`${method} ${url}: no answer in ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

/** Like `httpRequest`, but anything other than 2xx is an error that quotes the answer. */
export async function httpRequestOk(
  method: string,
  url: string,
  body?: string | Buffer,
): Promise<HttpResponse> {
  const response = await httpRequest(method, url, body);
  if (response.status < 200 || response.status > 299) {
    throw new Error(`${method} ${url}: HTTP ${response.status}: ${response.body.slice(0, 300)}`);
  }
  return response;
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight; the first failure rejects. */
export async function forEachConcurrently(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Closes idle keep-alive sockets so the process can exit promptly. */
export function closeIdleSockets(): void {
  keepAlive.destroy();
}
