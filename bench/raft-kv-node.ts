/**
 * One server of the standalone replicated-KV harness that `npm run bench:raft` runs three of:
 * Cairn's Raft (core, driver, segment-file WAL with fdatasync, TCP transport) under Cairn's
 * real FSM and write path (`Server.kv`), with a thin HTTP front-end shaped like the KV API.
 * The full server cluster with gossip and request forwarding is a later issue; this exists to
 * measure Raft itself over real loopback TCP and real disks.
 *
 *   node dist/bench/raft-kv-node.js --id n1 --data-dir D --raft-address 127.0.0.1:P
 *        --http-address 127.0.0.1:H --peers n1=127.0.0.1:P1,n2=127.0.0.1:P2,n3=127.0.0.1:P3
 *
 * HTTP: PUT /v1/kv/<key> (body = value) → `true`; GET /v1/kv/<key>[?consistent|?stale] →
 * `[{"Key","Value"}]` or 404; a non-leader answers writes and non-stale reads with 503
 * `not leader` and `X-Raft-Leader`. GET /raft/status → role, leader, indexes, fsync counters.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Fsm } from '../src/fsm/fsm.ts';
import { createLogger } from '../src/io/logger.ts';
import { NodeFileSystem } from '../src/io/node-file-system.ts';
import { runSoon, systemClock } from '../src/io/system-clock.ts';
import { systemRandom } from '../src/io/system-random.ts';
import { TcpRaftTransport } from '../src/io/tcp-raft-transport.ts';
import { Role, Suffrage } from '../src/raft/types.ts';
import { NoLeaderError } from '../src/server/consensus.ts';
import { RaftNode } from '../src/server/raft-node.ts';
import { Server } from '../src/server/server.ts';
import { SegmentStorage } from '../src/storage/segment-storage.ts';

function flag(name: string): string {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? process.argv[index + 1] : undefined;
  if (value === undefined) throw new Error(`missing --${name}`);
  return value;
}

const id = flag('id');
const dataDir = flag('data-dir');
const raftAddress = flag('raft-address');
const [httpHost, httpPort] = flag('http-address').split(':') as [string, string];
const peers = flag('peers')
  .split(',')
  .map((pair) => {
    const [peerId, address] = pair.split('=') as [string, string];
    return { id: peerId, address, suffrage: Suffrage.voter };
  });

const logger = createLogger({ level: 'warn', json: false, write: (line) => process.stderr.write(line) });
const fsm = new Fsm();
const transport = new TcpRaftTransport({ bindAddress: raftAddress, self: id, logger });
const raft = new RaftNode({
  id,
  nodeName: id,
  address: raftAddress,
  stateMachine: fsm,
  storage: new SegmentStorage({ fileSystem: new NodeFileSystem(), directory: dataDir }),
  transport,
  clock: systemClock,
  random: systemRandom,
  logger,
  schedule: runSoon,
  bootstrap: { servers: peers },
  // etcd's timings (100 ms heartbeat, 1 s election timeout) for a like-for-like failover.
  tickMs: 100,
});
const server = new Server({ fsm, consensus: raft, clock: systemClock, random: systemRandom, logger });

async function body(request: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

function answer(
  response: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(text);
}

function notLeader(response: ServerResponse): void {
  answer(response, 503, 'not leader', { 'x-raft-leader': raft.leaderId });
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname === '/raft/status') {
    const status = raft.status();
    answer(
      response,
      200,
      JSON.stringify({
        id,
        role: raft.role,
        leader: raft.leaderId,
        term: status.term,
        commitIndex: status.commitIndex,
        appliedIndex: status.appliedIndex,
        lastIndex: status.lastLogIndex,
        entriesPersisted: raft.metrics.entriesPersisted,
        syncs: raft.metrics.syncs,
      }),
    );
    return;
  }
  if (!url.pathname.startsWith('/v1/kv/')) return answer(response, 404, 'not found');
  const key = decodeURIComponent(url.pathname.slice('/v1/kv/'.length));
  if (request.method === 'PUT') {
    const value = await body(request);
    if (raft.role !== Role.leader) return notLeader(response);
    await server.kv('set', { Key: key, Flags: 0, Value: value });
    return answer(response, 200, 'true');
  }
  if (request.method !== 'GET') return answer(response, 405, 'method not allowed');
  if (!url.searchParams.has('stale')) {
    if (raft.role !== Role.leader) return notLeader(response);
    await raft.readBarrier();
  }
  const entry = fsm.store.kv.get(key).value;
  if (entry === undefined) return answer(response, 404, '');
  const value = entry.Value === null ? null : Buffer.from(entry.Value).toString('base64');
  answer(response, 200, JSON.stringify([{ Key: entry.Key, Value: value }]));
}

const http = createServer((request, response) => {
  handle(request, response).catch((error: Error) => {
    if (error instanceof NoLeaderError) return notLeader(response);
    answer(response, 500, error.message);
  });
});
http.keepAliveTimeout = 60_000;

await raft.start();
await new Promise<void>((resolve) => http.listen(Number(httpPort), httpHost, resolve));
process.stderr.write(`raft-kv-node ${id} raft=${raftAddress} http=${httpHost}:${httpPort}\n`);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  http.close();
  server.close();
  await raft.stop();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
