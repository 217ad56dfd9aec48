/**
 * A Cairn dev agent as a real process (`node dist/src/cli/main.js agent -dev …`) on free loopback
 * ports, and the HTTP calls the benchmark makes to set it up and observe it.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpRequest } from './http-client.ts';
import { findFreePort, type ManagedProcess, openFilesLimit, spawnManaged, waitUntil } from './processes.ts';

/** Open files the agent is started with (10,000 watchers need one socket each). */
export const AGENT_OPEN_FILES = 65_536;

export interface CairnAgent {
  origin: string;
  httpPort: number;
  process: ManagedProcess;
  /** The agent's soft limit on open files, as the kernel reports it. */
  openFilesLimit: number | undefined;
}

/** dist/bench/lib/cairn.js → dist/src/cli/main.js */
const mainScript = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/**
 * Starts a dev agent with its log in `workDir`/`name`.log and waits until it has a leader.
 * It runs under `bash -c 'ulimit -n …; exec node …'` so it may hold many sockets; `exec` keeps
 * the pid, so /proc/<pid> is the agent's.
 */
export async function startCairnAgent(
  workDir: string,
  name: string,
  extraArgs: string[] = [],
): Promise<CairnAgent> {
  const httpPort = await findFreePort();
  const args = [
    mainScript,
    ...['agent', '-dev', '-http-port', String(httpPort), '-dns-port', '-1'],
    ...['-serf-lan-port', String(await findFreePort()), '-serf-wan-port', String(await findFreePort())],
    ...['-server-port', String(await findFreePort())],
    ...extraArgs,
  ];
  const script = `ulimit -n ${AGENT_OPEN_FILES} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`;
  const agentProcess = spawnManaged({
    name,
    command: 'bash',
    args: ['-c', script, process.execPath, ...args],
    logPath: join(workDir, `${name}.log`),
  });
  const origin = `http://127.0.0.1:${httpPort}`;
  await waitUntil(
    async () => {
      const response = await httpRequest('GET', `${origin}/v1/status/leader`, undefined, 2_000);
      return response.status === 200 && JSON.parse(response.body) !== '';
    },
    {
      what: `the Cairn agent to report a leader on ${origin}/v1/status/leader`,
      deadlineMs: 30_000,
      process: agentProcess,
    },
  );
  return { origin, httpPort, process: agentProcess, openFilesLimit: openFilesLimit(agentProcess.pid) };
}

/**
 * The value of a gauge in `/v1/agent/metrics` (Consul's JSON shape: `{Gauges: [{Name, Value}]}`),
 * or undefined when the endpoint or the gauge is not there.
 */
export async function readGauge(origin: string, name: string): Promise<number | undefined> {
  try {
    const response = await httpRequest('GET', `${origin}/v1/agent/metrics`, undefined, 5_000);
    if (response.status !== 200) return undefined;
    const metrics = JSON.parse(response.body) as { Gauges?: Array<{ Name?: string; Value?: number }> };
    const gauge = metrics.Gauges?.find((candidate) => candidate.Name === name);
    return typeof gauge?.Value === 'number' ? gauge.Value : undefined;
  } catch {
    return undefined;
  }
}

export interface CatalogInstance {
  node: string;
  address: string;
  serviceId: string;
  serviceName: string;
  port: number;
}

/** `PUT /v1/catalog/register` body: the node, one service instance, and a passing check on it. */
export function catalogRegisterBody(instance: CatalogInstance): string {
  return JSON.stringify({
    Node: instance.node,
    Address: instance.address,
    Service: {
      ID: instance.serviceId,
      Service: instance.serviceName,
      Address: instance.address,
      Port: instance.port,
      Tags: ['bench'],
    },
    Checks: [
      {
        CheckID: `service:${instance.serviceId}`,
        Name: `${instance.serviceName} health`,
        Status: 'passing',
        ServiceID: instance.serviceId,
      },
    ],
  });
}

/** 10.x.y.z for instance number `index` (distinct for the first 16M). */
export function addressFor(index: number): string {
  return `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
}
