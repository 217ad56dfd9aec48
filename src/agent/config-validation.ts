/**
 * Cross-field rules for a merged and completed `RuntimeConfig` (see `completeConfig`), in the
 * order and wording of Consul's `builder.validate` where Consul has a rule. Single values were
 * already type-checked when decoded; this catches what only the whole configuration shows.
 */

import { isAnyAddress, isIpAddress, isIpv4Address } from '../lib/ip-address.ts';
import { ConfigError, PORT_DISABLED, type RuntimeConfig } from './config.ts';

/** Consul's `consul.MaxRaftMultiplier`. */
export const MAX_RAFT_MULTIPLIER = 10;

/** Warnings for a valid configuration, or the first rule it breaks. */
export function validateConfig(config: RuntimeConfig): { warnings: string[] } | ConfigError {
  const warnings: string[] = [];
  const problem = firstProblem(config, warnings);
  return problem === undefined ? { warnings } : new ConfigError(problem);
}

function firstProblem(config: RuntimeConfig, warnings: string[]): string | undefined {
  const rules: (() => string | undefined)[] = [
    () => basicNameProblem('datacenter', config.datacenter, false),
    () => (config.dataDir === '' && !config.dev ? 'data_dir cannot be empty' : undefined),
    () => uiContentPathProblem(config.uiConfig.contentPath),
    () => nodeNameProblem(config.nodeName, warnings),
    () => bindAddrProblem(config.bindAddr),
    () => advertiseAddrProblem(config.advertiseAddr),
    () => clientAddrProblem('client_addr', config.clientAddr, warnings),
    () => clientAddrProblem('addresses.http', config.addresses.http),
    () => clientAddrProblem('addresses.https', config.addresses.https),
    () => clientAddrProblem('addresses.dns', config.addresses.dns),
    () => clientAddrProblem('addresses.grpc', config.addresses.grpc),
    () => recursorsProblem(config.recursors),
    () => altDomainProblem(config.altDomain, config.datacenter),
    () => bootstrapProblem(config),
    () =>
      config.checkOutputMaxSize < 1
        ? 'check_output_max_size must be positive, to discard check output use the discard_check_output flag'
        : undefined,
    () => raftMultiplierProblem(config.performance.raftMultiplier),
    () => basicNameProblem('primary_datacenter', config.primaryDatacenter, true),
    () => uiDirProblem(config),
    () =>
      config.dnsConfig.udpAnswerLimit < 0
        ? `dns_config.udp_answer_limit cannot be ${config.dnsConfig.udpAnswerLimit}. Must be greater than or equal to zero`
        : undefined,
    () =>
      config.dnsConfig.aRecordLimit < 0
        ? `dns_config.a_record_limit cannot be ${config.dnsConfig.aRecordLimit}. Must be greater than or equal to zero`
        : undefined,
    () => soaProblem(config.dnsConfig.soa),
    () => nodeMetaProblem(config.nodeMeta),
    () => gossipKeyProblem(config.encrypt),
    // A zero interval would retry a failing join in a tight loop.
    () => (config.retryIntervalNs <= 0 ? 'retry_interval must be a positive duration' : undefined),
    () => (config.retryIntervalWanNs <= 0 ? 'retry_interval_wan must be a positive duration' : undefined),
    // Fail closed: an agent that accepted ACLs and did not enforce them would serve everyone.
    () =>
      config.acl.enabled
        ? 'acl.enabled = true: ACLs are not implemented in Cairn yet, and an agent that ignored them would serve every request unchecked; remove it (or set it to false) to run without ACLs'
        : undefined,
    () => portsProblem(config),
    () => listenersProblem(config),
  ];
  for (const rule of rules) {
    const problem = rule();
    if (problem !== undefined) return problem;
  }
  warnings.push(...bootstrapWarnings(config));
  return undefined;
}

const basicName = /^[a-z0-9_-]+$/;

/** Consul's `validateBasicName`. */
function basicNameProblem(field: string, value: string, allowEmpty: boolean): string | undefined {
  if (value === '') return allowEmpty ? undefined : `${field} cannot be empty`;
  if (!basicName.test(value)) {
    return `${field} can only contain lowercase alphanumeric, - or _ characters. received: ${JSON.stringify(value)}`;
  }
  return undefined;
}

function uiContentPathProblem(path: string): string | undefined {
  if (!/^[A-Za-z0-9/_-]+$/.test(path)) {
    return `ui-content-path can only contain alphanumeric, -, _, or /. received: ${JSON.stringify(path)}`;
  }
  // `/v1/` would shadow the HTTP API.
  if (/^\/v\d+\/$/.test(path))
    return `ui-content-path cannot have 'v[0-9]'. received: ${JSON.stringify(path)}`;
  return undefined;
}

/** The SOA timers are 32-bit unsigned seconds on the wire. */
function soaProblem(soa: RuntimeConfig['dnsConfig']['soa']): string | undefined {
  const keys = { refresh: soa.refresh, retry: soa.retry, expire: soa.expire, min_ttl: soa.minTtl };
  for (const [key, value] of Object.entries(keys)) {
    if (value < 0 || value > 0xffff_ffff)
      return `dns_config.soa.${key} must be between 0 and 4294967295, got ${value}`;
  }
  return undefined;
}

/** DNS labels: what Consul's `dns.InvalidNameRe` and `MaxLabelLength` allow. */
function nodeNameProblem(nodeName: string, warnings: string[]): string | undefined {
  if (nodeName === '') return 'node_name cannot be empty';
  if (/[^A-Za-z0-9-]/.test(nodeName)) {
    warnings.push(
      `Node name ${JSON.stringify(nodeName)} will not be discoverable via DNS due to invalid characters. ` +
        'Valid characters include all alpha-numerics and dashes.',
    );
  } else if (nodeName.length > 63) {
    warnings.push(
      `Node name ${JSON.stringify(nodeName)} will not be discoverable via DNS due to it being too long. ` +
        'Valid lengths are between 1 and 63 bytes.',
    );
  }
  return undefined;
}

/** Cairn takes literal addresses only; Consul would also expand go-sockaddr templates. */
function invalidAddress(field: string, address: string): string {
  const hint = isTemplate(address) ? ' (go-sockaddr templates are not supported by Cairn)' : '';
  return `${field}: invalid ip address: ${address}${hint}`;
}

function isTemplate(value: string): boolean {
  return value.includes('{{');
}

function bindAddrProblem(bindAddr: string): string | undefined {
  if (isTemplate(bindAddr)) return invalidAddress('bind_addr', bindAddr.trim());
  const addresses = bindAddr.split(/\s+/).filter((address) => address !== '');
  if (addresses.length === 0) return 'bind_addr cannot be empty';
  if (addresses.length > 1) {
    return "bind_addr cannot contain multiple addresses. Use 'addresses.{dns,http,https}' instead.";
  }
  const address = addresses[0]!;
  if (address.startsWith('unix://')) return 'bind_addr cannot be a unix socket';
  return isIpAddress(address) ? undefined : invalidAddress('bind_addr', address);
}

function advertiseAddrProblem(advertiseAddr: string): string | undefined {
  if (advertiseAddr === '') return undefined;
  if (!isIpAddress(advertiseAddr)) return invalidAddress('advertise_addr', advertiseAddr);
  return isAnyAddress(advertiseAddr) ? 'Advertise address cannot be 0.0.0.0, :: or [::]' : undefined;
}

function clientAddrProblem(field: string, value: string, warnings?: string[]): string | undefined {
  if (isTemplate(value)) return invalidAddress(field, value.trim());
  const addresses = value.split(/\s+/).filter((address) => address !== '');
  if (addresses.length === 0 && warnings !== undefined) {
    warnings.push(
      'client_addr is empty, client services (DNS, HTTP, HTTPS, GRPC) will not be listening for connections',
    );
  }
  for (const address of addresses) {
    if (address.startsWith('unix://')) return `${field}: unix sockets are not supported by Cairn: ${address}`;
    if (!isIpAddress(address)) return invalidAddress(field, address);
  }
  return undefined;
}

function recursorsProblem(recursors: readonly string[]): string | undefined {
  for (const recursor of recursors) {
    if (recursor.startsWith('unix://')) return `DNS Recursors cannot be unix sockets: ${recursor}`;
    if (isAnyAddress(hostOf(recursor))) return 'DNS recursor address cannot be 0.0.0.0, :: or [::]';
  }
  return undefined;
}

/** The host of `host`, `host:port`, `[v6]` or `[v6]:port`. */
function hostOf(address: string): string {
  const bracketed = /^\[(.*)\](?::\d+)?$/.exec(address);
  if (bracketed) return bracketed[1]!;
  const colons = address.split(':').length - 1;
  return colons === 1 ? address.slice(0, address.indexOf(':')) : address;
}

/** An alternative domain must not be read as a query under the primary one. */
function altDomainProblem(altDomain: string, datacenter: string): string | undefined {
  if (altDomain === '') return undefined;
  const dc = datacenter.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (new RegExp(`^(service|connect|node|query|addr|${dc})\\.(${dc}\\.)?`).test(altDomain)) {
    return `alt_domain cannot start with {service,connect,node,query,addr,${datacenter}}`;
  }
  return undefined;
}

function bootstrapProblem(config: RuntimeConfig): string | undefined {
  const { bootstrap, bootstrapExpect, server, dev } = config;
  if (bootstrap && !server) return "'bootstrap = true' requires 'server = true'";
  if (bootstrapExpect < 0) {
    return `bootstrap_expect cannot be ${bootstrapExpect}. Must be greater than or equal to zero`;
  }
  if (bootstrapExpect > 0 && !server) return "'bootstrap_expect > 0' requires 'server = true'";
  if (bootstrapExpect > 0 && dev) return "'bootstrap_expect > 0' not allowed in dev mode";
  if (bootstrapExpect > 0 && bootstrap) {
    return "'bootstrap_expect > 0' and 'bootstrap = true' are mutually exclusive";
  }
  return undefined;
}

function bootstrapWarnings(config: RuntimeConfig): string[] {
  const { bootstrap, bootstrapExpect, server, dev } = config;
  if (!server || bootstrap) {
    // Dev mode bootstraps by design; Consul warns only when an operator asked for it.
    return server && bootstrap && !dev && bootstrapExpect === 0
      ? ['bootstrap = true: do not enable unless necessary']
      : [];
  }
  const warnings: string[] = [];
  const deploymentTable = 'See https://www.consul.io/docs/internals/consensus.html#deployment-table';
  if (bootstrapExpect === 2) {
    warnings.push(
      `bootstrap_expect = 2: A cluster with 2 servers will provide no failure tolerance. ${deploymentTable}`,
    );
  } else if (bootstrapExpect > 2 && bootstrapExpect % 2 === 0) {
    warnings.push(
      'bootstrap_expect is even number: A cluster with an even number of servers does not achieve optimum ' +
        `fault tolerance. ${deploymentTable}`,
    );
  }
  if (bootstrapExpect > 1) warnings.push(`bootstrap_expect > 0: expecting ${bootstrapExpect} servers`);
  return warnings;
}

function raftMultiplierProblem(multiplier: number): string | undefined {
  return Number.isInteger(multiplier) && multiplier >= 1 && multiplier <= MAX_RAFT_MULTIPLIER
    ? undefined
    : `performance.raft_multiplier cannot be ${multiplier}. Must be between 1 and ${MAX_RAFT_MULTIPLIER}`;
}

function uiDirProblem(config: RuntimeConfig): string | undefined {
  // In dev mode the UI is on by default, so a custom directory must still be allowed.
  if (config.dev || !config.uiConfig.enabled || config.uiConfig.dir === '') return undefined;
  return (
    'Both the ui_config.enabled and ui_config.dir (or -ui and -ui-dir) were specified, please provide only one.\n' +
    'If trying to use your own web UI resources, use ui_config.dir or the -ui-dir flag.\n' +
    'The web UI is included in the binary so use ui_config.enabled or the -ui flag to enable it'
  );
}

/** Consul's `structs.ValidateNodeMetadata` limits. */
const NODE_META_PAIRS_MAX = 64;
const NODE_META_KEY_LENGTH_MAX = 128;
const NODE_META_VALUE_LENGTH_MAX = 512;

function nodeMetaProblem(meta: Record<string, string>): string | undefined {
  const entries = Object.entries(meta);
  if (entries.length > NODE_META_PAIRS_MAX) {
    return `node_meta invalid: Node metadata cannot contain more than ${NODE_META_PAIRS_MAX} key/value pairs`;
  }
  for (const [key, value] of entries) {
    const problem = metaPairProblem(key, value);
    if (problem !== undefined) {
      return `node_meta invalid: Couldn't load metadata pair ('${key}', '${value}'): ${problem}`;
    }
  }
  return undefined;
}

function metaPairProblem(key: string, value: string): string | undefined {
  if (key === '') return 'Key cannot be blank';
  if (!/^[a-zA-Z0-9_-]+$/.test(key)) return 'Key contains invalid characters';
  if (key.length > NODE_META_KEY_LENGTH_MAX) {
    return `Key is too long (limit: ${NODE_META_KEY_LENGTH_MAX} characters)`;
  }
  if (key.startsWith('consul-')) return "Key prefix 'consul-' is reserved for internal use";
  if (value.length > NODE_META_VALUE_LENGTH_MAX) {
    return `Value is too long (limit: ${NODE_META_VALUE_LENGTH_MAX} characters)`;
  }
  return undefined;
}

/** A memberlist key: standard, padded base64 of 16, 24 or 32 bytes (AES-128/192/256). */
function gossipKeyProblem(key: string): string | undefined {
  if (key === '') return undefined;
  const invalidAt = key.search(/[^A-Za-z0-9+/=]|=[^=]|={3}/);
  if (invalidAt >= 0 || key.length % 4 !== 0) {
    const at = invalidAt >= 0 ? invalidAt : key.length - (key.length % 4);
    return `encrypt has invalid key: illegal base64 data at input byte ${at}`;
  }
  const padding = key.endsWith('==') ? 2 : key.endsWith('=') ? 1 : 0;
  const bytes = (key.length / 4) * 3 - padding;
  if (bytes !== 16 && bytes !== 24 && bytes !== 32)
    return 'encrypt has invalid key: key size must be 16, 24 or 32 bytes';
  return undefined;
}

const portKeys: Record<keyof RuntimeConfig['ports'], string> = {
  http: 'http',
  https: 'https',
  grpc: 'grpc',
  dns: 'dns',
  server: 'server',
  serfLan: 'serf_lan',
  serfWan: 'serf_wan',
};

/**
 * Ports are -1 (disabled) or 1..65535. Files and flags never yield 0 (Consul reads it as
 * disabled), so 0 here was set by code: it passes, for in-process agents that want the
 * operating system to choose a free port. Gossip, and RPC on servers, cannot be off: they are
 * how an agent exists in a cluster.
 */
function portsProblem(config: RuntimeConfig): string | undefined {
  for (const [field, key] of Object.entries(portKeys)) {
    const port = config.ports[field as keyof typeof portKeys];
    if (port !== PORT_DISABLED && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
      return `ports.${key}: invalid port: ${port}`;
    }
  }
  if (config.ports.serfLan === PORT_DISABLED)
    return 'ports.serf_lan cannot be disabled: agents need LAN gossip';
  if (config.server && config.ports.server === PORT_DISABLED) {
    return 'ports.server cannot be disabled on a server: servers need it for Raft and RPC';
  }
  return undefined;
}

/** Consul's `addrsUnique`: two listeners of one protocol may not share an address and port. */
function listenersProblem(config: RuntimeConfig): string | undefined {
  const clientAddresses = (override: string) =>
    (override || config.clientAddr).split(/\s+/).filter((address) => address !== '');
  const advertised = config.advertiseAddr || config.bindAddr;
  const listeners: { name: string; network: 'tcp' | 'udp'; addresses: string[]; port: number }[] = [
    { name: 'DNS', network: 'tcp', addresses: clientAddresses(config.addresses.dns), port: config.ports.dns },
    { name: 'DNS', network: 'udp', addresses: clientAddresses(config.addresses.dns), port: config.ports.dns },
    {
      name: 'HTTP',
      network: 'tcp',
      addresses: clientAddresses(config.addresses.http),
      port: config.ports.http,
    },
    {
      name: 'HTTPS',
      network: 'tcp',
      addresses: clientAddresses(config.addresses.https),
      port: config.ports.https,
    },
    { name: 'RPC Advertise', network: 'tcp', addresses: [advertised], port: config.ports.server },
    { name: 'Serf Advertise LAN', network: 'tcp', addresses: [advertised], port: config.ports.serfLan },
    { name: 'Serf Advertise WAN', network: 'tcp', addresses: [advertised], port: config.ports.serfWan },
  ];
  const inUse = new Map<string, string>();
  for (const { name, network, addresses, port } of listeners) {
    if (port === PORT_DISABLED || port === 0) continue; // 0: the OS picks distinct ports
    for (const address of addresses) {
      const host = address.replace(/^\[(.*)\]$/, '$1');
      const hostPort = isIpv4Address(host) ? `${host}:${port}` : `[${host}]:${port}`;
      const other = inUse.get(`${network}:${hostPort}`);
      if (other !== undefined) return `${name} address ${hostPort} already configured for ${other}`;
      inUse.set(`${network}:${hostPort}`, name);
    }
  }
  return undefined;
}
