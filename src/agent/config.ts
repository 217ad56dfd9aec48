/**
 * The agent's runtime configuration: the one value the agent is built from, with Consul's
 * defaults, and the rules for layering partial configurations (defaults → -dev → config files
 * → flags) the way Consul's `agent/config/builder.go` does.
 *
 * Pure: no IO. Reading files is `src/io/config-files.ts`; the file format is `config-file.ts`;
 * flags are `flags.ts`; cross-field rules are `config-validation.ts`; `load-config.ts` glues them.
 * Durations are nanoseconds (`src/lib/duration.ts`), field names are camelCase, file keys are
 * Consul's snake_case.
 */
import { HOUR, MINUTE, SECOND } from '../lib/duration.ts';
import { isAnyAddress } from '../lib/ip-address.ts';

/** Log levels, as Consul accepts them (`err` is read as `error`). */
export const LogLevel = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
} as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

export const AclPolicy = { allow: 'allow', deny: 'deny' } as const;
export type AclPolicy = (typeof AclPolicy)[keyof typeof AclPolicy];

/** What an agent does with ACL lookups when the servers are unreachable. */
export const AclDownPolicy = {
  allow: 'allow',
  deny: 'deny',
  extendCache: 'extend-cache',
  asyncCache: 'async-cache',
} as const;
export type AclDownPolicy = (typeof AclDownPolicy)[keyof typeof AclDownPolicy];

/** A listener's port; `PORT_DISABLED` (-1) turns the listener off, as in Consul. */
export const PORT_DISABLED = -1;

export interface PortsConfig {
  http: number;
  https: number;
  grpc: number;
  /** DNS over UDP and TCP. */
  dns: number;
  /** Server RPC (Raft and forwarding). */
  server: number;
  serfLan: number;
  serfWan: number;
}

/** Per-listener bind addresses; '' means "use `clientAddr`". */
export interface AddressesConfig {
  http: string;
  https: string;
  dns: string;
  grpc: string;
}

export interface AclTokensConfig {
  /** `acl.tokens.initial_management` (formerly `master`, `acl_master_token`). */
  initialManagement: string;
  agent: string;
  /** `acl.tokens.agent_recovery` (formerly `agent_master`, `acl_agent_master_token`). */
  agentRecovery: string;
  default: string;
}

export interface AclConfig {
  enabled: boolean;
  defaultPolicy: AclPolicy;
  downPolicy: AclDownPolicy;
  enableTokenPersistence: boolean;
  tokens: AclTokensConfig;
}

export interface DnsConfig {
  allowStale: boolean;
  maxStaleNs: number;
  udpAnswerLimit: number;
  onlyPassing: boolean;
  enableTruncate: boolean;
  nodeTtlNs: number;
  /** Service name (or `*` wildcard) → TTL. */
  serviceTtlNs: Record<string, number>;
  enableAdditionalNodeMetaTxt: boolean;
  recursorTimeoutNs: number;
  /** Most A/AAAA answers for a service name; 0 for no limit. */
  aRecordLimit: number;
  disableCompression: boolean;
  recursorStrategy: 'sequential' | 'random';
  /** The SOA record's timers, in seconds. */
  soa: { refresh: number; retry: number; expire: number; minTtl: number };
}

export interface UiConfig {
  enabled: boolean;
  /** Serve the UI from this directory instead of the built-in one; '' = built-in. */
  dir: string;
  /** URL path the UI is served under, always with leading and trailing '/'. */
  contentPath: string;
}

export interface PerformanceConfig {
  /** Raft timing scale: 1 is fastest (dev), 5 is Consul's production default, 10 the slowest. */
  raftMultiplier: number;
}

export interface RuntimeConfig {
  datacenter: string;
  /** '' until `completeConfig`, which defaults it to `datacenter`. */
  primaryDatacenter: string;
  nodeName: string;
  /** A UUID, or '' to let the agent generate (and persist) one. */
  nodeId: string;
  server: boolean;
  bootstrap: boolean;
  bootstrapExpect: number;
  /** `-dev`: set by the flag only; Consul refuses it in files. */
  dev: boolean;
  /** Cluster (Serf and server RPC) bind address. Consul binds 0.0.0.0; Cairn 127.0.0.1, so a
   * fresh agent is not reachable from the network until asked to be. */
  bindAddr: string;
  /** HTTP/DNS/gRPC bind addresses, space-separated as in Consul. */
  clientAddr: string;
  /** Address advertised to the cluster; '' = derive from `bindAddr` (when `bindAddr` is a
   * wildcard the agent must pick a private address itself). */
  advertiseAddr: string;
  addresses: AddressesConfig;
  /** '' = in-memory (allowed with -dev only). */
  dataDir: string;
  pidFile: string;
  ports: PortsConfig;
  /** `-join` / `start_join`: LAN addresses joined once at start; the agent fails to start when
   * none answers. */
  join: string[];
  /** `-retry-join` / `retry_join`: LAN addresses joined in the background until one answers. */
  retryJoin: string[];
  /** `-retry-interval` / `retry_interval`: wait between retry-join attempts (default 30s). */
  retryIntervalNs: number;
  /** `-retry-max` / `retry_max`: attempts before the agent gives up and exits; 0 = forever. */
  retryMax: number;
  /** The WAN counterparts (servers only): `-join-wan` / `start_join_wan`, `-retry-join-wan`, … */
  joinWan: string[];
  retryJoinWan: string[];
  retryIntervalWanNs: number;
  retryMaxWan: number;
  logLevel: LogLevel;
  logJson: boolean;
  uiConfig: UiConfig;
  /** Gossip key: base64 of 16, 24 or 32 bytes; '' = no gossip encryption. */
  encrypt: string;
  enableScriptChecks: boolean;
  enableLocalScriptChecks: boolean;
  /** `check_output_max_size`: the most check output kept, in bytes (a check's own
   * `OutputMaxSize` may lower it); more than 0. */
  checkOutputMaxSize: number;
  /** `check_update_interval`: how long an output-only check change may wait before it is
   * synced to the servers; 0 syncs every change at once. */
  checkUpdateIntervalNs: number;
  /** `discard_check_output`: keep no check output at all. */
  discardCheckOutput: boolean;
  acl: AclConfig;
  performance: PerformanceConfig;
  /** Raw service definitions from `service {}` and `services []`, in source order; their
   * fields are validated where services are registered. */
  services: unknown[];
  /** Raw check definitions from `check {}` and `checks []`, in source order. */
  checks: unknown[];
  dnsConfig: DnsConfig;
  recursors: string[];
  /** DNS domain, fully qualified (trailing '.') after `completeConfig`. */
  domain: string;
  altDomain: string;
  defaultQueryTimeNs: number;
  maxQueryTimeNs: number;
  sessionTtlMinNs: number;
  nodeMeta: Record<string, string>;
}

/**
 * A layer of configuration: any subset of the fields. Lists append when merged and maps
 * overlay, so a partial's `services` or `nodeMeta` adds to what came before.
 */
export type PartialConfig = DeepPartial<RuntimeConfig>;
type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

/** An operating error in the configuration; the message is meant for the operator as is. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Consul's defaults (`agent/config/default.go`), with Cairn's safer bind address. */
export function defaultConfig(): RuntimeConfig {
  return {
    datacenter: 'dc1',
    primaryDatacenter: '',
    nodeName: '',
    nodeId: '',
    server: false,
    bootstrap: false,
    bootstrapExpect: 0,
    dev: false,
    bindAddr: '127.0.0.1',
    clientAddr: '127.0.0.1',
    advertiseAddr: '',
    addresses: { http: '', https: '', dns: '', grpc: '' },
    dataDir: '',
    pidFile: '',
    ports: {
      http: 8500,
      https: PORT_DISABLED,
      grpc: PORT_DISABLED,
      dns: 8600,
      server: 8300,
      serfLan: 8301,
      serfWan: 8302,
    },
    join: [],
    retryJoin: [],
    retryIntervalNs: 30 * SECOND,
    retryMax: 0,
    joinWan: [],
    retryJoinWan: [],
    retryIntervalWanNs: 30 * SECOND,
    retryMaxWan: 0,
    logLevel: 'info',
    logJson: false,
    uiConfig: { enabled: false, dir: '', contentPath: '/ui/' },
    encrypt: '',
    enableScriptChecks: false,
    enableLocalScriptChecks: false,
    checkOutputMaxSize: 4096,
    checkUpdateIntervalNs: 5 * MINUTE,
    discardCheckOutput: false,
    acl: {
      enabled: false,
      defaultPolicy: 'allow',
      downPolicy: 'extend-cache',
      enableTokenPersistence: false,
      tokens: { initialManagement: '', agent: '', agentRecovery: '', default: '' },
    },
    performance: { raftMultiplier: 5 },
    services: [],
    checks: [],
    dnsConfig: {
      allowStale: true,
      maxStaleNs: 87_600 * HOUR,
      udpAnswerLimit: 3,
      onlyPassing: false,
      enableTruncate: false,
      nodeTtlNs: 0,
      serviceTtlNs: {},
      enableAdditionalNodeMetaTxt: true,
      recursorTimeoutNs: 2 * SECOND,
      aRecordLimit: 0,
      disableCompression: false,
      recursorStrategy: 'sequential',
      soa: { refresh: 3600, retry: 600, expire: 86400, minTtl: 0 },
    },
    recursors: [],
    domain: 'consul.',
    altDomain: '',
    defaultQueryTimeNs: 300 * SECOND,
    maxQueryTimeNs: 600 * SECOND,
    sessionTtlMinNs: 10 * SECOND,
    nodeMeta: {},
  };
}

/**
 * What `-dev` layers over the defaults: one in-memory server that elects itself at once, all on
 * loopback, UI on. Consul's dev mode also logs at debug; Cairn keeps `info` so a dev agent's
 * output stays readable.
 */
export const devDefaults: Readonly<PartialConfig> = Object.freeze({
  dev: true,
  server: true,
  bootstrap: true,
  bindAddr: '127.0.0.1',
  clientAddr: '127.0.0.1',
  dataDir: '',
  uiConfig: { enabled: true },
  performance: { raftMultiplier: 1 },
});

/**
 * Layers partials over `base` in order, as Consul merges its sources: later scalars win, lists
 * (`services`, `checks`, `join`, `retryJoin`, their WAN twins, `recursors`) append, maps (`nodeMeta`,
 * `dnsConfig.serviceTtlNs`) and blocks overlay key by key. `undefined` never overrides.
 * The inputs are not modified.
 */
export function mergeConfig(base: RuntimeConfig, ...partials: readonly PartialConfig[]): RuntimeConfig {
  let merged: Record<string, unknown> = { ...base };
  for (const partial of partials) merged = mergeRecords(merged, partial as Record<string, unknown>);
  return merged as unknown as RuntimeConfig;
}

function mergeRecords(
  base: Record<string, unknown>,
  layer: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    const current = merged[key];
    let next: unknown;
    if (Array.isArray(value)) next = Array.isArray(current) ? [...current, ...value] : [...value];
    else if (isPlainObject(value)) next = mergeRecords(isPlainObject(current) ? current : {}, value);
    else next = value;
    defineOwn(merged, key, next);
  }
  return merged;
}

/**
 * Values derived from others once all layers are merged (Consul's builder does the same):
 * lower-cased datacenter names, `primary_datacenter` defaulting to `datacenter`,
 * `bootstrap_expect = 1` meaning `bootstrap`, local script checks implied by script checks,
 * the advertise address from the bind address, a fully qualified DNS domain, the UI path with
 * its slashes, and recursors without duplicates.
 */
export function completeConfig(config: RuntimeConfig): { config: RuntimeConfig; warnings: string[] } {
  const warnings: string[] = [];
  const datacenter = config.datacenter.toLowerCase();
  const completed: RuntimeConfig = {
    ...config,
    datacenter,
    primaryDatacenter: config.primaryDatacenter.toLowerCase() || datacenter,
    nodeName: config.nodeName.trim(),
    nodeId: config.nodeId.toLowerCase(),
    enableLocalScriptChecks: config.enableLocalScriptChecks || config.enableScriptChecks,
    advertiseAddr: config.advertiseAddr || (isAnyAddress(config.bindAddr) ? '' : config.bindAddr),
    domain: fullyQualified(config.domain),
    altDomain: config.altDomain === '' ? '' : fullyQualified(config.altDomain),
    uiConfig: { ...config.uiConfig, contentPath: uiContentPath(config.uiConfig.contentPath) },
    recursors: [...new Set(config.recursors)],
  };
  if (completed.bootstrapExpect === 1) {
    completed.bootstrap = true;
    completed.bootstrapExpect = 0;
    warnings.push('BootstrapExpect is set to 1; this is the same as Bootstrap mode.');
  }
  return { config: completed, warnings };
}

function fullyQualified(domain: string): string {
  const lower = domain.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** Consul's `UIPathBuilder`: '' is `/ui/`; a leading and a trailing slash are added if missing. */
function uiContentPath(path: string): string {
  if (path === '') return '/ui/';
  const withLeading = path.startsWith('/') ? path : `/${path}`;
  return withLeading.endsWith('/') ? withLeading : `${withLeading}/`;
}

// ---------------------------------------------------------------------------------------------
// Addressing single settings by path, for the file and flag decoders.

/** Dot paths to every setting of `T` that is set as a whole (scalars, lists and maps). */
type SettingPath<T> = {
  [K in keyof T & string]: T[K] extends readonly unknown[]
    ? K
    : T[K] extends object
      ? string extends keyof T[K]
        ? K
        : `${K}.${SettingPath<T[K]>}`
      : K;
}[keyof T & string];

type ValueAt<T, P extends string> = P extends `${infer Head}.${infer Rest}`
  ? Head extends keyof T
    ? ValueAt<T[Head], Rest>
    : never
  : P extends keyof T
    ? T[P]
    : never;

export type ConfigPath = SettingPath<RuntimeConfig>;
export type ConfigValue<P extends ConfigPath> = ValueAt<RuntimeConfig, P>;

/**
 * How a value lands in a partial: `replace`; `append` for lists; `overlay` for maps;
 * `keepExisting` for deprecated keys, which yield to their replacement in the same source
 * (Consul's `applyDeprecatedConfig`).
 */
export type SetMode = 'replace' | 'append' | 'overlay' | 'keepExisting';

/** Sets one setting in `partial` (creating the blocks on its path). */
export function setConfigValue<P extends ConfigPath>(
  partial: PartialConfig,
  path: P,
  value: ConfigValue<P>,
  mode: SetMode = 'replace',
): void {
  const names = path.split('.');
  const leaf = names.pop()!;
  let block = partial as Record<string, unknown>;
  for (const name of names) {
    const next = block[name];
    if (isPlainObject(next)) block = next;
    else {
      const created: Record<string, unknown> = {};
      defineOwn(block, name, created);
      block = created;
    }
  }
  const current = block[leaf];
  if (mode === 'keepExisting' && current !== undefined) return;
  if (mode === 'append' && Array.isArray(current) && Array.isArray(value)) {
    defineOwn(block, leaf, [...current, ...value]);
  } else if (mode === 'overlay' && isPlainObject(current) && isPlainObject(value)) {
    defineOwn(block, leaf, { ...current, ...value });
  } else {
    defineOwn(block, leaf, value);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Assignment that cannot reach a prototype: config files may hold a `__proto__` key. */
function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}
