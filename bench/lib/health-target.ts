/**
 * The HTTP server that bench:health's checks probe, run as its own process so that its CPU is
 * not the agent's: `node health-target.js <port>`, on 127.0.0.1. `GET /check/<n>` answers 200
 * "ok" and, while a window is open, records when it arrived (this process's performance.now():
 * every time the bench compares comes from this one clock). Control, on the same port:
 *
 *   GET  /stats          {requests, checkRequests, connections} since start
 *   POST /window/start   drops earlier arrivals and records from now on
 *   POST /window/stop    stops recording; answers the window as JSON (`HealthTargetWindow`)
 *
 * Anything else is 404. Arrivals are kept in two growable typed arrays: nothing is allocated
 * per request while a window is open beyond what node:http allocates itself.
 */
import http from 'node:http';
import type { HealthTargetStats, HealthTargetWindow } from './health-window.ts';

const CHECK_PREFIX = '/check/';

class Arrivals {
  private checks = new Uint32Array(1 << 16);
  private times = new Float64Array(1 << 16);
  private count = 0;

  add(check: number, timeMs: number): void {
    if (this.count === this.checks.length) {
      const checks = new Uint32Array(this.checks.length * 2);
      checks.set(this.checks);
      this.checks = checks;
      const times = new Float64Array(this.times.length * 2);
      times.set(this.times);
      this.times = times;
    }
    this.checks[this.count] = check;
    this.times[this.count] = timeMs;
    this.count += 1;
  }

  clear(): void {
    this.count = 0;
  }

  snapshot(): { checks: number[]; arrivalsMs: number[] } {
    return {
      checks: Array.from(this.checks.subarray(0, this.count)),
      arrivalsMs: Array.from(this.times.subarray(0, this.count)),
    };
  }
}

function serve(port: number): void {
  const arrivals = new Arrivals();
  const totals: HealthTargetStats = { requests: 0, checkRequests: 0, connections: 0 };
  let window: { startMs: number; requests: number; connections: number } | undefined;

  const server = http.createServer((request, response) => {
    const nowMs = performance.now();
    totals.requests += 1;
    const url = request.url ?? '';
    if (url.startsWith(CHECK_PREFIX)) {
      const check = Number(url.slice(CHECK_PREFIX.length));
      if (Number.isInteger(check) && check >= 0 && check < 2 ** 32) {
        totals.checkRequests += 1;
        if (window !== undefined) {
          window.requests += 1;
          arrivals.add(check, nowMs);
        }
        response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
        response.end('ok');
        return;
      }
    } else if (url === '/stats' && request.method === 'GET') {
      return answerJson(response, totals);
    } else if (url === '/window/start' && request.method === 'POST') {
      arrivals.clear();
      window = { startMs: nowMs, requests: 0, connections: 0 };
      return answerJson(response, { startMs: nowMs });
    } else if (url === '/window/stop' && request.method === 'POST' && window !== undefined) {
      const answer: HealthTargetWindow = {
        startMs: window.startMs,
        stopMs: nowMs,
        ...arrivals.snapshot(),
        requests: window.requests,
        connections: window.connections,
      };
      window = undefined;
      arrivals.clear();
      return answerJson(response, answer);
    }
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end(`no such path: ${request.method} ${url}\n`);
  });
  server.on('connection', () => {
    totals.connections += 1;
    if (window !== undefined) window.connections += 1;
  });
  server.listen({ port, host: '127.0.0.1', backlog: 4096 }, () => {
    process.stdout.write(`health target listening on 127.0.0.1:${port} (pid ${process.pid})\n`);
  });
  const close = () => server.close(() => process.exit(0));
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}

function answerJson(response: http.ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(200, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  response.end(text);
}

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
  process.stderr.write(`usage: health-target <port>; got ${JSON.stringify(process.argv[2])}\n`);
  process.exit(2);
}
serve(port);
