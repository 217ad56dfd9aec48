/**
 * A single-member etcd 3.4 (Debian `etcd-server`) on loopback, started exactly as in
 * ../shared/reference/raft.md §9 (client 22379, peer 22380, fresh data dir), and the request
 * shapes of its JSON gateway (`/v3/kv/put`, `/v3/kv/range`, base64 keys and values).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { httpRequest } from './http-client.ts';
import { type ManagedProcess, spawnManaged, tcpPortIsFree, waitUntil } from './processes.ts';

export const ETCD_CLIENT_PORT = 22379;
export const ETCD_PEER_PORT = 22380;
export const ETCD_INSTALL_HINT = 'apt-get update && apt-get install -y etcd-server';

export interface Etcd {
  origin: string;
  version: string;
  process: ManagedProcess;
}

/** `etcd --version`'s first line ("etcd Version: 3.4.23"), or undefined when etcd is not installed. */
export function etcdVersion(): string | undefined {
  const result = spawnSync('etcd', ['--version'], { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) return undefined;
  const match = /etcd Version:\s*(\S+)/.exec(result.stdout);
  return match?.[1] ?? result.stdout.split('\n')[0];
}

/** Starts etcd with its data in `workDir`/etcd-data and its log in `workDir`/etcd.log. */
export async function startEtcd(workDir: string): Promise<Etcd> {
  const version = etcdVersion();
  if (version === undefined) throw new Error(`etcd is not installed; install it with: ${ETCD_INSTALL_HINT}`);
  for (const port of [ETCD_CLIENT_PORT, ETCD_PEER_PORT]) {
    if (!(await tcpPortIsFree(port))) {
      throw new Error(`port ${port} is in use (an etcd left running?); etcd needs 22379 and 22380`);
    }
  }
  const dataDir = join(workDir, 'etcd-data');
  mkdirSync(dataDir, { recursive: true });
  const client = `http://127.0.0.1:${ETCD_CLIENT_PORT}`;
  const peer = `http://127.0.0.1:${ETCD_PEER_PORT}`;
  const etcdProcess = spawnManaged({
    name: 'etcd',
    command: 'etcd',
    args: [
      ...['--name', 's1', '--data-dir', dataDir],
      ...['--listen-client-urls', client, '--advertise-client-urls', client],
      ...['--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer],
      ...['--initial-cluster', `s1=${peer}`, '--initial-cluster-state', 'new'],
      ...['--initial-cluster-token', 'bench-1', '--logger', 'zap', '--log-level', 'warn'],
    ],
    logPath: join(workDir, 'etcd.log'),
  });
  // A successful linearizable read proves a leader is elected and the gateway is up.
  await waitUntil(
    async () => {
      const response = await httpRequest('POST', `${client}/v3/kv/range`, etcdRangeBody('health', false));
      return response.status === 200;
    },
    { what: 'etcd to answer a linearizable range request', deadlineMs: 20_000, process: etcdProcess },
  );
  return { origin: client, version, process: etcdProcess };
}

const toBase64 = (text: string | Buffer): string => Buffer.from(text).toString('base64');

export function etcdPutBody(key: string, value: string | Buffer): string {
  return JSON.stringify({ key: toBase64(key), value: toBase64(value) });
}

/** Linearizable by default (a ReadIndex round); `serializable` reads the member's local state. */
export function etcdRangeBody(key: string, serializable: boolean): string {
  return JSON.stringify(serializable ? { key: toBase64(key), serializable: true } : { key: toBase64(key) });
}
