/**
 * Consul's config file format, JSON or HCL v1, read into a `PartialConfig`. Keys are Consul's
 * snake_case names (`agent/config/config.go`); matching is case-insensitive like Consul's
 * decoder. A key Consul does not know is an error, as in Consul (`invalid config key foo`).
 * Keys Consul knows but Cairn does not implement are accepted and reported as warnings, so a
 * Consul config file starts a Cairn agent. Deprecated keys map onto their replacements with
 * Consul's deprecation warnings (`agent/config/deprecated.go`).
 */
import {
  ConfigError,
  type ConfigPath,
  type ConfigValue,
  isPlainObject,
  type PartialConfig,
  type SetMode,
  setConfigValue,
} from './config.ts';
import {
  type Decoder,
  decodeBoolean,
  decodeDefinitions,
  decodeDuration,
  decodeDurationMap,
  decodeInteger,
  decodeLogLevel,
  decodeNodeId,
  decodeOneOf,
  decodePort,
  decodeString,
  decodeStringList,
  decodeStringMap,
  describeValue,
  singleBlock,
} from './config-values.ts';
import { parseHclV1 } from './hcl-v1.ts';

export const ConfigFormat = { json: 'json', hcl: 'hcl' } as const;
export type ConfigFormat = (typeof ConfigFormat)[keyof typeof ConfigFormat];

export interface ParsedConfigFile {
  config: PartialConfig;
  warnings: string[];
}

/** The format a file name implies (Consul: by extension only), or `undefined`. */
export function configFormatOf(name: string): ConfigFormat | undefined {
  if (name.endsWith('.json')) return 'json';
  if (name.endsWith('.hcl')) return 'hcl';
  return undefined;
}

/**
 * Reads one config source. `name` is used in messages and, unless `format` is given (Consul's
 * `-config-format`), chooses the format by its extension. An empty source is an empty layer.
 */
export function parseConfigText(
  name: string,
  text: string,
  format: ConfigFormat | undefined = configFormatOf(name),
): ParsedConfigFile | ConfigError {
  const failure = (detail: string) => new ConfigError(`failed to parse ${name}: ${detail}`);
  if (format === undefined) {
    return failure(
      'unknown config format: the name must end in .json or .hcl, or -config-format must be set',
    );
  }
  if (text.trim() === '') return { config: {}, warnings: [] };

  let document: unknown;
  if (format === 'json') {
    try {
      document = JSON.parse(text);
    } catch (error) {
      return failure(error instanceof Error ? error.message : String(error));
    }
  } else {
    const parsed = parseHclV1(text);
    if (!parsed.ok) return failure(parsed.message);
    document = foldHclDefinitions(parsed.value);
  }
  if (!isPlainObject(document)) return failure('the top level must be an object');

  const decoding: Decoding = { config: {}, warnings: [], source: name };
  const problem = decodeBlock(document, rootKeys, '', decoding);
  if (problem !== undefined) return failure(problem);
  return { config: decoding.config, warnings: decoding.warnings };
}

// ---------------------------------------------------------------------------------------------
// The key schema.

interface Decoding {
  config: PartialConfig;
  warnings: string[];
  source: string;
}

/**
 * One key: a `setting` decodes its value into the partial (returning what it expected when the
 * value is wrong), a `block` holds nested keys, an `ignored` key is known to Consul only.
 */
type KeySpec =
  | { kind: 'setting'; apply: ApplySetting }
  | { kind: 'block'; keys: KeySchema }
  | { kind: 'ignored' };
type KeySchema = Readonly<Record<string, KeySpec>>;

type ApplySetting = (raw: unknown, keyPath: string, decoding: Decoding) => string | undefined;

function decodeInto<P extends ConfigPath>(
  path: P,
  decode: Decoder<ConfigValue<P>>,
  mode: SetMode,
): ApplySetting {
  return (raw, _keyPath, decoding) => {
    const decoded = decode(raw);
    if (!decoded.ok) return decoded.expected;
    setConfigValue(decoding.config, path, decoded.value, mode);
    return undefined;
  };
}

function setting<P extends ConfigPath>(
  path: P,
  decode: Decoder<ConfigValue<P>>,
  mode: SetMode = 'replace',
): KeySpec {
  return { kind: 'setting', apply: decodeInto(path, decode, mode) };
}

/** A deprecated key: sets its replacement unless the same source sets that too. */
function deprecated<P extends ConfigPath>(
  replacementKey: string,
  path: P,
  decode: Decoder<ConfigValue<P>>,
): KeySpec {
  const apply = decodeInto(path, decode, 'keepExisting');
  return {
    kind: 'setting',
    apply(raw, keyPath, decoding) {
      decoding.warnings.push(
        `The '${keyPath}' field is deprecated. Use the '${replacementKey}' field instead.`,
      );
      return apply(raw, keyPath, decoding);
    },
  };
}

function block(keys: KeySchema): KeySpec {
  return { kind: 'block', keys };
}

const ignored: KeySpec = { kind: 'ignored' };

function ignoring(...keys: string[]): KeySchema {
  return Object.fromEntries(keys.map((key) => [key, ignored]));
}

const policies = decodeOneOf(['allow', 'deny'] as const);
const downPolicies = decodeOneOf(['allow', 'deny', 'extend-cache', 'async-cache'] as const);

const aclKeys: KeySchema = {
  enabled: setting('acl.enabled', decodeBoolean),
  default_policy: setting('acl.defaultPolicy', policies),
  down_policy: setting('acl.downPolicy', downPolicies),
  enable_token_persistence: setting('acl.enableTokenPersistence', decodeBoolean),
  tokens: block({
    initial_management: setting('acl.tokens.initialManagement', decodeString),
    master: deprecated('acl.tokens.initial_management', 'acl.tokens.initialManagement', decodeString),
    agent: setting('acl.tokens.agent', decodeString),
    agent_recovery: setting('acl.tokens.agentRecovery', decodeString),
    agent_master: deprecated('acl.tokens.agent_recovery', 'acl.tokens.agentRecovery', decodeString),
    default: setting('acl.tokens.default', decodeString),
    ...ignoring('replication', 'config_file_service_registration', 'dns', 'managed_service_provider'),
  }),
  ...ignoring(
    'token_ttl',
    'policy_ttl',
    'role_ttl',
    'disabled_ttl',
    'enable_key_list_policy',
    'enable_token_replication',
    'msp_disable_bootstrap',
  ),
};

const portKeys: KeySchema = {
  http: setting('ports.http', decodePort),
  https: setting('ports.https', decodePort),
  grpc: setting('ports.grpc', decodePort),
  dns: setting('ports.dns', decodePort),
  server: setting('ports.server', decodePort),
  serf_lan: setting('ports.serfLan', decodePort),
  serf_wan: setting('ports.serfWan', decodePort),
  ...ignoring(
    'grpc_tls',
    'proxy_min_port',
    'proxy_max_port',
    'sidecar_min_port',
    'sidecar_max_port',
    'expose_min_port',
    'expose_max_port',
  ),
};

const addressKeys: KeySchema = {
  http: setting('addresses.http', decodeString),
  https: setting('addresses.https', decodeString),
  dns: setting('addresses.dns', decodeString),
  grpc: setting('addresses.grpc', decodeString),
  ...ignoring('grpc_tls'),
};

const dnsKeys: KeySchema = {
  allow_stale: setting('dnsConfig.allowStale', decodeBoolean),
  max_stale: setting('dnsConfig.maxStaleNs', decodeDuration),
  udp_answer_limit: setting('dnsConfig.udpAnswerLimit', decodeInteger),
  only_passing: setting('dnsConfig.onlyPassing', decodeBoolean),
  enable_truncate: setting('dnsConfig.enableTruncate', decodeBoolean),
  node_ttl: setting('dnsConfig.nodeTtlNs', decodeDuration),
  service_ttl: setting('dnsConfig.serviceTtlNs', decodeDurationMap, 'overlay'),
  enable_additional_node_meta_txt: setting('dnsConfig.enableAdditionalNodeMetaTxt', decodeBoolean),
  recursor_timeout: setting('dnsConfig.recursorTimeoutNs', decodeDuration),
  a_record_limit: setting('dnsConfig.aRecordLimit', decodeInteger),
  disable_compression: setting('dnsConfig.disableCompression', decodeBoolean),
  recursor_strategy: setting('dnsConfig.recursorStrategy', decodeOneOf(['sequential', 'random'] as const)),
  soa: block({
    refresh: setting('dnsConfig.soa.refresh', decodeInteger),
    retry: setting('dnsConfig.soa.retry', decodeInteger),
    expire: setting('dnsConfig.soa.expire', decodeInteger),
    min_ttl: setting('dnsConfig.soa.minTtl', decodeInteger),
  }),
  ...ignoring('use_cache', 'cache_max_age', 'prefer_namespace'),
};

const uiKeys: KeySchema = {
  enabled: setting('uiConfig.enabled', decodeBoolean),
  dir: setting('uiConfig.dir', decodeString),
  content_path: setting('uiConfig.contentPath', decodeString),
  ...ignoring(
    'metrics_provider',
    'metrics_provider_files',
    'metrics_provider_options_json',
    'metrics_proxy',
    'dashboard_url_templates',
  ),
};

/** `acl_datacenter` names the primary datacenter and, as in Consul, turns ACLs on. */
const aclDatacenter: KeySpec = {
  kind: 'setting',
  apply(raw, keyPath, decoding) {
    const decoded = decodeString(raw);
    if (!decoded.ok) return decoded.expected;
    decoding.warnings.push(
      `The '${keyPath}' field is deprecated. Use the 'primary_datacenter' field instead.`,
    );
    setConfigValue(decoding.config, 'primaryDatacenter', decoded.value, 'keepExisting');
    setConfigValue(decoding.config, 'acl.enabled', true);
    return undefined;
  },
};

const rootKeys: KeySchema = {
  acl: block(aclKeys),
  acl_agent_master_token: deprecated('acl.tokens.agent_recovery', 'acl.tokens.agentRecovery', decodeString),
  acl_agent_token: deprecated('acl.tokens.agent', 'acl.tokens.agent', decodeString),
  acl_datacenter: aclDatacenter,
  acl_default_policy: deprecated('acl.default_policy', 'acl.defaultPolicy', policies),
  acl_down_policy: deprecated('acl.down_policy', 'acl.downPolicy', downPolicies),
  acl_master_token: deprecated('acl.tokens.initial_management', 'acl.tokens.initialManagement', decodeString),
  acl_token: deprecated('acl.tokens.default', 'acl.tokens.default', decodeString),
  addresses: block(addressKeys),
  advertise_addr: setting('advertiseAddr', decodeString),
  alt_domain: setting('altDomain', decodeString),
  bind_addr: setting('bindAddr', decodeString),
  bootstrap: setting('bootstrap', decodeBoolean),
  bootstrap_expect: setting('bootstrapExpect', decodeInteger),
  check: setting('checks', decodeDefinitions, 'append'),
  check_output_max_size: setting('checkOutputMaxSize', decodeInteger),
  check_update_interval: setting('checkUpdateIntervalNs', decodeDuration),
  checks: setting('checks', decodeDefinitions, 'append'),
  client_addr: setting('clientAddr', decodeString),
  data_dir: setting('dataDir', decodeString),
  datacenter: setting('datacenter', decodeString),
  default_query_time: setting('defaultQueryTimeNs', decodeDuration),
  discard_check_output: setting('discardCheckOutput', decodeBoolean),
  dns_config: block(dnsKeys),
  domain: setting('domain', decodeString),
  enable_local_script_checks: setting('enableLocalScriptChecks', decodeBoolean),
  enable_script_checks: setting('enableScriptChecks', decodeBoolean),
  encrypt: setting('encrypt', decodeString),
  log_json: setting('logJson', decodeBoolean),
  log_level: setting('logLevel', decodeLogLevel),
  max_query_time: setting('maxQueryTimeNs', decodeDuration),
  node_id: setting('nodeId', decodeNodeId),
  node_meta: setting('nodeMeta', decodeStringMap, 'overlay'),
  node_name: setting('nodeName', decodeString),
  performance: block({
    raft_multiplier: setting('performance.raftMultiplier', decodeInteger),
    ...ignoring('leave_drain_time', 'rpc_hold_timeout', 'grpc_keepalive_interval', 'grpc_keepalive_timeout'),
  }),
  pid_file: setting('pidFile', decodeString),
  ports: block(portKeys),
  primary_datacenter: setting('primaryDatacenter', decodeString),
  recursors: setting('recursors', decodeStringList, 'append'),
  retry_interval: setting('retryIntervalNs', decodeDuration),
  retry_interval_wan: setting('retryIntervalWanNs', decodeDuration),
  retry_join: setting('retryJoin', decodeStringList, 'append'),
  retry_join_wan: setting('retryJoinWan', decodeStringList, 'append'),
  retry_max: setting('retryMax', decodeInteger),
  retry_max_wan: setting('retryMaxWan', decodeInteger),
  server: setting('server', decodeBoolean),
  service: setting('services', decodeDefinitions, 'append'),
  services: setting('services', decodeDefinitions, 'append'),
  session_ttl_min: setting('sessionTtlMinNs', decodeDuration),
  start_join: setting('join', decodeStringList, 'append'),
  start_join_wan: setting('joinWan', decodeStringList, 'append'),
  ui: deprecated('ui_config.enabled', 'uiConfig.enabled', decodeBoolean),
  ui_config: block(uiKeys),
  ui_content_path: deprecated('ui_config.content_path', 'uiConfig.contentPath', decodeString),
  ui_dir: deprecated('ui_config.dir', 'uiConfig.dir', decodeString),
  // Consul keys Cairn accepts and ignores (`agent/config/config.go`, deprecated.go, Enterprise).
  ...ignoring(
    'acl_enable_key_list_policy',
    'acl_replication_token',
    'acl_ttl',
    'advertise_addr_ipv4',
    'advertise_addr_ipv6',
    'advertise_addr_wan',
    'advertise_addr_wan_ipv4',
    'advertise_addr_wan_ipv6',
    'advertise_reconnect_timeout',
    'audit',
    'auto_config',
    'auto_encrypt',
    'auto_reload_config',
    'autopilot',
    'ca_file',
    'ca_path',
    'cache',
    'cert_file',
    'cloud',
    'config_entries',
    'connect',
    'disable_anonymous_signature',
    'disable_coordinates',
    'disable_host_node_id',
    'disable_http_unprintable_char_filter',
    'disable_keyring_file',
    'disable_remote_exec',
    'disable_update_check',
    'discovery_max_stale',
    'enable_acl_replication',
    'enable_agent_tls_for_checks',
    'enable_central_service_config',
    'enable_debug',
    'enable_syslog',
    'encrypt_verify_incoming',
    'encrypt_verify_outgoing',
    'experiments',
    'gossip_lan',
    'gossip_wan',
    'http_config',
    'key_file',
    'leave_on_terminate',
    'license_path',
    'limits',
    'locality',
    'log_file',
    'log_rotate_bytes',
    'log_rotate_duration',
    'log_rotate_max_files',
    'non_voting_server',
    'partition',
    'peering',
    'primary_gateways',
    'primary_gateways_interval',
    'protocol',
    'raft_boltdb',
    'raft_logstore',
    'raft_protocol',
    'raft_snapshot_interval',
    'raft_snapshot_threshold',
    'raft_trailing_logs',
    'read_replica',
    'reconnect_timeout',
    'reconnect_timeout_wan',
    'rejoin_after_leave',
    'reporting',
    'rpc',
    'segment',
    'segments',
    'serf_lan',
    'serf_lan_allowed_cidrs',
    'serf_wan',
    'serf_wan_allowed_cidrs',
    'server_name',
    'server_rejoin_age_max',
    'skip_leave_on_interrupt',
    'snapshot_agent',
    'syslog_facility',
    'tagged_addresses',
    'telemetry',
    'tls',
    'tls_cipher_suites',
    'tls_min_version',
    'tls_prefer_server_cipher_suites',
    'translate_wan_addrs',
    'unix_sockets',
    'use_streaming_backend',
    'verify_incoming',
    'verify_incoming_https',
    'verify_incoming_rpc',
    'verify_outgoing',
    'verify_server_hostname',
    'watches',
    'xds',
  ),
};

/** Every top-level key Consul accepts that Cairn ignores, for documentation and tests. */
export const ignoredConfigKeys: readonly string[] = Object.entries(rootKeys)
  .filter(([, spec]) => spec.kind === 'ignored')
  .map(([key]) => key);

/** Decodes `document` against `keys`; the first problem found, or `undefined`. */
function decodeBlock(
  document: Record<string, unknown>,
  keys: KeySchema,
  prefix: string,
  decoding: Decoding,
): string | undefined {
  for (const [key, raw] of Object.entries(document)) {
    const keyPath = prefix === '' ? key : `${prefix}.${key}`;
    const spec = lookupKey(keys, key);
    if (spec === undefined) return `invalid config key ${keyPath}`;
    // JSON null is "not set", as a nil pointer is in Consul's decoder.
    if (raw === null) continue;
    switch (spec.kind) {
      case 'ignored':
        decoding.warnings.push(
          `ignoring config key ${keyPath} in ${decoding.source}: not supported by Cairn`,
        );
        break;
      case 'block': {
        const nested = singleBlock(raw);
        if (nested === undefined) {
          return `${keyPath}: invalid value ${describeValue(raw)}, expected a single block of settings`;
        }
        const problem = decodeBlock(nested, spec.keys, keyPath, decoding);
        if (problem !== undefined) return problem;
        break;
      }
      case 'setting': {
        const expected = spec.apply(raw, keyPath, decoding);
        if (expected !== undefined)
          return `${keyPath}: invalid value ${describeValue(raw)}, expected ${expected}`;
        break;
      }
    }
  }
  return undefined;
}

/** Exact match first, then case-insensitive, as mapstructure matches Consul's keys. */
function lookupKey(keys: KeySchema, key: string): KeySpec | undefined {
  if (Object.hasOwn(keys, key)) return keys[key];
  const lower = key.toLowerCase();
  return Object.hasOwn(keys, lower) ? keys[lower] : undefined;
}

// ---------------------------------------------------------------------------------------------
// HCL v1 blocks inside service and check definitions.

/**
 * Paths inside a service definition whose values really are lists (Consul's
 * `patchSliceOfMaps` exceptions), written lower-case without underscores so `sidecar_service`
 * and `SidecarService` match alike.
 */
const serviceListPaths: ReadonlySet<string> = new Set([
  'checks',
  'proxy.upstreams',
  'proxy.expose.paths',
  'connect.proxy.upstreams',
  'connect.proxy.config.upstreams',
  'connect.sidecarservice.checks',
  'connect.sidecarservice.proxy.upstreams',
  'connect.sidecarservice.proxy.expose.paths',
]);
const checkListPaths: ReadonlySet<string> = new Set();

/**
 * Service and check definitions are kept raw (they are validated where they are registered),
 * so the typed decoder cannot fold HCL's one-element block lists inside them. Do it here,
 * knowing which of their fields are lists: `service { meta { a = "b" } }` gives `meta: {a: "b"}`
 * and `service { checks = [{…}] }` keeps its list.
 */
function foldHclDefinitions(document: unknown): unknown {
  if (!isPlainObject(document)) return document;
  const folded = Object.entries(document).map(([key, value]): [string, unknown] => {
    const lower = key.toLowerCase();
    const listPaths =
      lower === 'service' || lower === 'services'
        ? serviceListPaths
        : lower === 'check' || lower === 'checks'
          ? checkListPaths
          : undefined;
    if (listPaths === undefined || !Array.isArray(value)) return [key, value];
    return [key, value.map((definition) => foldBlocks(definition, '', listPaths))];
  });
  return Object.fromEntries(folded);
}

function foldBlocks(value: unknown, path: string, listPaths: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => foldBlocks(item, path, listPaths));
    const only = items[0];
    return items.length === 1 && isPlainObject(only) && !listPaths.has(path) ? only : items;
  }
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      const name = key.toLowerCase().replaceAll('_', '');
      return [key, foldBlocks(item, path === '' ? name : `${path}.${name}`, listPaths)];
    }),
  );
}
