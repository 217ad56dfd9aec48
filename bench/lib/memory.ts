/**
 * Agent memory with a realistic working set: write K KV keys (~100-byte values) and register S
 * service instances over N nodes (each with a passing check), 64 requests in flight, then read
 * the agent's resident set size from /proc/<pid>/status.
 */
import { addressFor, type CairnAgent, catalogRegisterBody } from './cairn.ts';
import { httpRequestOk } from './http-client.ts';
import { describeProblems, runLoad, summarise } from './load.ts';
import { procStatusBytes } from './processes.ts';

export interface MemoryOptions {
  agent: CairnAgent;
  keys: number;
  services: number;
  nodes: number;
  log: (line: string) => void;
}

export interface MemoryOutcome {
  keys: number;
  services: number;
  nodes: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  peakRssBytes: number;
  /** Problems seen while loading (non-2xx, errors, wrong counts); empty when clean. */
  problems: string[];
}

const VALUE_100_BYTES = Buffer.alloc(100, 'm');

export async function measureMemory(options: MemoryOptions): Promise<MemoryOutcome> {
  const { agent, keys, services, nodes, log } = options;
  const pid = agent.process.pid;
  const problems: string[] = [];
  const rssBeforeBytes = procStatusBytes(pid, 'VmRSS') ?? Number.NaN;

  log(`writing ${keys.toLocaleString('en-US')} keys, 64 in flight`);
  const keyWrites = summarise([
    await runLoad({
      origin: agent.origin,
      connections: 64,
      amount: keys,
      request: (sequence) => ({
        method: 'PUT',
        path: `/v1/kv/mem/key-${String(sequence).padStart(6, '0')}`,
        body: VALUE_100_BYTES,
      }),
    }),
  ]);
  if (describeProblems(keyWrites) !== '') problems.push(`KV writes: ${describeProblems(keyWrites)}`);

  log(`registering ${services.toLocaleString('en-US')} services on ${nodes.toLocaleString('en-US')} nodes`);
  const registrations = summarise([
    await runLoad({
      origin: agent.origin,
      connections: 64,
      amount: services,
      request: (sequence) => ({
        method: 'PUT',
        path: '/v1/catalog/register',
        body: catalogRegisterBody({
          node: `mem-node-${sequence % nodes}`,
          address: addressFor(sequence % nodes),
          serviceId: `mem-svc-${sequence}`,
          serviceName: `mem-svc-${sequence % 100}`,
          port: 20_000 + (sequence % 10_000),
        }),
      }),
    }),
  ]);
  if (describeProblems(registrations) !== '') {
    problems.push(`catalog registrations: ${describeProblems(registrations)}`);
  }

  // Read memory before the checks below allocate their own large answers.
  const rssAfterBytes = procStatusBytes(pid, 'VmRSS') ?? Number.NaN;
  const peakRssBytes = procStatusBytes(pid, 'VmHWM') ?? Number.NaN;

  const storedKeys = JSON.parse(
    (await httpRequestOk('GET', `${agent.origin}/v1/kv/mem/?keys`)).body,
  ) as unknown[];
  if (storedKeys.length !== keys)
    problems.push(`expected ${keys} keys under mem/, the agent lists ${storedKeys.length}`);
  const catalogNodes = JSON.parse(
    (await httpRequestOk('GET', `${agent.origin}/v1/catalog/nodes`)).body,
  ) as Array<{
    Node: string;
  }>;
  const memNodes = catalogNodes.filter((node) => node.Node.startsWith('mem-node-')).length;
  if (memNodes !== nodes)
    problems.push(`expected ${nodes} mem-node-* nodes in the catalog, found ${memNodes}`);
  let instances = 0;
  for (let name = 0; name < Math.min(100, services); name++) {
    const answer = await httpRequestOk('GET', `${agent.origin}/v1/catalog/service/mem-svc-${name}`);
    instances += (JSON.parse(answer.body) as unknown[]).length;
  }
  if (instances !== services) problems.push(`expected ${services} mem-svc-* instances, found ${instances}`);

  return { keys, services, nodes, rssBeforeBytes, rssAfterBytes, peakRssBytes, problems };
}
