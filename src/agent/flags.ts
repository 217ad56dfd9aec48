/**
 * The `agent` subcommand's flags, parsed with Go's `flag` package rules because Consul's users
 * and test harnesses write them that way (reference §17.1):
 *
 * - `-name value`, `-name=value`, `--name value`, `--name=value`;
 * - a boolean flag is set by its presence or by `-name=true|false`; a following bare word is
 *   never its value (it is a positional argument, which ends the flags);
 * - a value flag takes the next argument whatever it looks like (`-node -x` names the node
 *   `-x`); `--` ends the flags;
 * - errors use Go's wording (`flag provided but not defined: -x`).
 *
 * The result is a `PartialConfig` plus what is not configuration: the config files and
 * directories to read (in command-line order), `-config-format` and `-hcl` fragments.
 */
import {
  ConfigError,
  type ConfigPath,
  type ConfigValue,
  type PartialConfig,
  setConfigValue,
} from './config.ts';
import type { ConfigFormat } from './config-file.ts';
import {
  type Decoder,
  decodeDuration,
  decodeInteger,
  decodeLogLevel,
  decodeNodeId,
  decodeOneOf,
  decodePort,
} from './config-values.ts';

/** A `-config-file` or `-config-dir` argument. Like Consul, the reader decides file or
 * directory by looking; `kind` records which flag named it. */
export interface ConfigSourcePath {
  kind: 'file' | 'dir';
  path: string;
}

export interface AgentFlags {
  /** Settings given as flags: the last layer before `-hcl` fragments. */
  config: PartialConfig;
  /** `-config-file` and `-config-dir` values, in command-line order. */
  configSources: ConfigSourcePath[];
  /** `-config-format`: read every config file as this format whatever its extension. */
  configFormat: ConfigFormat | undefined;
  /** `-hcl` fragments, applied after all flags (Consul's order). */
  hclFragments: string[];
  /** Consul flags Cairn accepts but ignores. */
  warnings: string[];
  /** `-h`, `-help` or `--help` was given; nothing after it was parsed. */
  helpRequested: boolean;
}

/** Parses the arguments after `agent`. */
export function parseAgentFlags(argv: readonly string[]): AgentFlags | ConfigError {
  const flags: AgentFlags = {
    config: {},
    configSources: [],
    configFormat: undefined,
    hclFragments: [],
    warnings: [],
    helpRequested: false,
  };
  let index = 0;
  while (index < argv.length) {
    const argument = argv[index]!;
    // Go's FlagSet.parseOne: anything not starting with '-' (and '-' itself) ends the flags.
    if (argument.length < 2 || !argument.startsWith('-')) break;
    index += 1;
    if (argument === '--') break;
    const body = argument.slice(argument.startsWith('--') ? 2 : 1);
    if (body === '' || body.startsWith('-') || body.startsWith('=')) {
      return new ConfigError(`bad flag syntax: ${argument}`);
    }
    const equals = body.indexOf('=');
    const name = equals < 0 ? body : body.slice(0, equals);
    const inlineValue = equals < 0 ? undefined : body.slice(equals + 1);

    const spec = Object.hasOwn(flagSpecs, name) ? flagSpecs[name] : undefined;
    if (spec === undefined) {
      if (name === 'h' || name === 'help') {
        flags.helpRequested = true;
        return flags;
      }
      return new ConfigError(`flag provided but not defined: -${name}`);
    }

    if (spec.kind === 'boolean') {
      const value = inlineValue === undefined ? true : parseGoBoolean(inlineValue);
      if (value === undefined)
        return new ConfigError(`invalid boolean value "${inlineValue}" for -${name}: parse error`);
      if (spec.apply === undefined) flags.warnings.push(ignoredFlagWarning(name));
      else spec.apply(flags, value);
      continue;
    }

    let value = inlineValue;
    if (value === undefined) {
      if (index >= argv.length) return new ConfigError(`flag needs an argument: -${name}`);
      value = argv[index]!;
      index += 1;
    }
    if (spec.apply === undefined) {
      flags.warnings.push(ignoredFlagWarning(name));
      continue;
    }
    const reason = spec.apply(flags, value);
    if (reason !== undefined) return new ConfigError(`invalid value "${value}" for flag -${name}: ${reason}`);
  }
  const extra = argv.slice(index);
  if (extra.length > 0) return new ConfigError(`Unexpected extra arguments: [${extra.join(' ')}]`);
  return flags;
}

/** Go's `strconv.ParseBool`. */
function parseGoBoolean(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

function ignoredFlagWarning(name: string): string {
  return `ignoring flag -${name}: not supported by Cairn`;
}

// ---------------------------------------------------------------------------------------------
// The flag table.

/**
 * A boolean flag or a value flag. `apply` returns why a value is wrong (`parse error`, or what
 * was expected); a flag without `apply` is a Consul flag Cairn accepts and ignores.
 */
type FlagSpec =
  | { kind: 'boolean'; apply?: (flags: AgentFlags, value: boolean) => void }
  | { kind: 'value'; apply?: (flags: AgentFlags, text: string) => string | undefined };

type PathOf<T> = { [P in ConfigPath]: ConfigValue<P> extends T ? P : never }[ConfigPath];

function booleanFlag(path: PathOf<boolean>): FlagSpec {
  return { kind: 'boolean', apply: (flags, value) => setConfigValue(flags.config, path, value) };
}

function stringFlag(path: PathOf<string>): FlagSpec {
  return {
    kind: 'value',
    apply(flags, text) {
      setConfigValue(flags.config, path, text);
      return undefined;
    },
  };
}

/** Repeatable: each use appends. */
function listFlag(path: PathOf<string[]>): FlagSpec {
  return {
    kind: 'value',
    apply(flags, text) {
      setConfigValue(flags.config, path, [text], 'append');
      return undefined;
    },
  };
}

/**
 * A flag whose text is read (`undefined` = Go's `parse error`) and then checked by the same
 * decoder as the config key, so `-http-port=70000` fails like `ports.http = 70000`.
 */
function decodedFlag<T>(
  path: PathOf<T>,
  decode: Decoder<T>,
  read: (text: string) => unknown = (text) => text,
): FlagSpec {
  return {
    kind: 'value',
    apply(flags, text) {
      const raw = read(text);
      if (raw === undefined) return 'parse error';
      const decoded = decode(raw);
      if (!decoded.ok) return `expected ${decoded.expected}`;
      setConfigValue(flags.config, path, decoded.value as ConfigValue<typeof path>);
      return undefined;
    },
  };
}

function integerFlag(path: PathOf<number>, decode: Decoder<number> = decodeInteger): FlagSpec {
  return decodedFlag(path, decode, (text) =>
    /^[+-]?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : undefined,
  );
}

/** Go's `flag.Duration`: duration text (`30s`, `1m`) only. */
function durationFlag(path: PathOf<number>): FlagSpec {
  return decodedFlag(path, decodeDuration);
}

const ignoredBoolean: FlagSpec = { kind: 'boolean' };
const ignoredValue: FlagSpec = { kind: 'value' };

const configFormats = decodeOneOf(['json', 'hcl'] as const);

const flagSpecs: Readonly<Record<string, FlagSpec>> = {
  advertise: stringFlag('advertiseAddr'),
  'alt-domain': stringFlag('altDomain'),
  bind: stringFlag('bindAddr'),
  bootstrap: booleanFlag('bootstrap'),
  'bootstrap-expect': integerFlag('bootstrapExpect'),
  // Consul spells this one with underscores.
  check_output_max_size: integerFlag('checkOutputMaxSize'),
  client: stringFlag('clientAddr'),
  'config-dir': {
    kind: 'value',
    apply: (flags, path) => void flags.configSources.push({ kind: 'dir', path }),
  },
  'config-file': {
    kind: 'value',
    apply: (flags, path) => void flags.configSources.push({ kind: 'file', path }),
  },
  'config-format': {
    kind: 'value',
    apply(flags, text) {
      const decoded = configFormats(text);
      if (!decoded.ok) return `expected ${decoded.expected}`;
      flags.configFormat = decoded.value;
      return undefined;
    },
  },
  'data-dir': stringFlag('dataDir'),
  datacenter: stringFlag('datacenter'),
  dev: booleanFlag('dev'),
  'dns-port': integerFlag('ports.dns', decodePort),
  domain: stringFlag('domain'),
  'enable-local-script-checks': booleanFlag('enableLocalScriptChecks'),
  'enable-script-checks': booleanFlag('enableScriptChecks'),
  encrypt: stringFlag('encrypt'),
  'grpc-port': integerFlag('ports.grpc', decodePort),
  hcl: { kind: 'value', apply: (flags, text) => void flags.hclFragments.push(text) },
  'http-port': integerFlag('ports.http', decodePort),
  'https-port': integerFlag('ports.https', decodePort),
  join: listFlag('join'),
  'join-wan': listFlag('joinWan'),
  'log-json': booleanFlag('logJson'),
  'log-level': decodedFlag('logLevel', decodeLogLevel),
  node: stringFlag('nodeName'),
  'node-id': decodedFlag('nodeId', decodeNodeId),
  'node-meta': {
    kind: 'value',
    // Consul's `key:value`; without ':' the value is empty.
    apply(flags, text) {
      const colon = text.indexOf(':');
      const [key, value] = colon < 0 ? [text, ''] : [text.slice(0, colon), text.slice(colon + 1)];
      setConfigValue(flags.config, 'nodeMeta', Object.fromEntries([[key, value]]), 'overlay');
      return undefined;
    },
  },
  'pid-file': stringFlag('pidFile'),
  recursor: listFlag('recursors'),
  'retry-interval': durationFlag('retryIntervalNs'),
  'retry-interval-wan': durationFlag('retryIntervalWanNs'),
  'retry-join': listFlag('retryJoin'),
  'retry-join-wan': listFlag('retryJoinWan'),
  'retry-max': integerFlag('retryMax'),
  'retry-max-wan': integerFlag('retryMaxWan'),
  server: booleanFlag('server'),
  'server-port': integerFlag('ports.server', decodePort),
  'serf-lan-port': integerFlag('ports.serfLan', decodePort),
  'serf-wan-port': integerFlag('ports.serfWan', decodePort),
  ui: booleanFlag('uiConfig.enabled'),
  'ui-content-path': stringFlag('uiConfig.contentPath'),
  'ui-dir': stringFlag('uiConfig.dir'),
  // Consul agent flags Cairn accepts and ignores.
  'auto-reload-config': ignoredBoolean,
  'disable-host-node-id': ignoredBoolean,
  'disable-keyring-file': ignoredBoolean,
  'non-voting-server': ignoredBoolean,
  rejoin: ignoredBoolean,
  syslog: ignoredBoolean,
  'advertise-wan': ignoredValue,
  'allow-write-http-from': ignoredValue,
  'grpc-tls-port': ignoredValue,
  'log-file': ignoredValue,
  'log-rotate-bytes': ignoredValue,
  'log-rotate-duration': ignoredValue,
  'log-rotate-max-files': ignoredValue,
  'primary-gateway': ignoredValue,
  protocol: ignoredValue,
  'raft-protocol': ignoredValue,
  segment: ignoredValue,
  'serf-lan-allowed-cidrs': ignoredValue,
  'serf-lan-bind': ignoredValue,
  'serf-wan-allowed-cidrs': ignoredValue,
  'serf-wan-bind': ignoredValue,
};

/** Every flag name `parseAgentFlags` accepts, for usage text and tests. */
export const agentFlagNames: readonly string[] = Object.keys(flagSpecs).sort();
