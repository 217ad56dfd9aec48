/**
 * From command line and config file texts to a validated `RuntimeConfig`, in Consul's layer
 * order (`agent/config/builder.go` `newBuilder`):
 *
 *   defaults → hostname as node name → -dev defaults → list-valued flags → config files in the
 *   order read → all other flags → -hcl fragments → derived values → validation.
 *
 * List-valued flags (`-join`, `-retry-join`, `-recursor`) come before the files because lists
 * append: Consul puts flag entries first. Pure: the CLI reads the files (src/io/config-files.ts)
 * after `parseAgentFlags` has said which, then calls `buildRuntimeConfig`.
 */
import {
  ConfigError,
  completeConfig,
  defaultConfig,
  devDefaults,
  isPlainObject,
  mergeConfig,
  type PartialConfig,
  type RuntimeConfig,
} from './config.ts';
import { parseConfigText } from './config-file.ts';
import { validateConfig } from './config-validation.ts';
import { parseAgentFlags } from './flags.ts';

export interface ConfigText {
  /** The file's path (or any name ending in `.json`/`.hcl`): format and messages. */
  name: string;
  text: string;
}

export interface RuntimeConfigInputs {
  /** The arguments after `agent`. */
  argv: readonly string[];
  /** The config files named by `-config-file`/`-config-dir`, as read, in order. */
  sources: readonly ConfigText[];
  /** The default node name, as Consul uses `os.Hostname()`. */
  hostname: string;
}

export interface BuiltRuntimeConfig {
  config: RuntimeConfig;
  /** Everything the operator should see at start: deprecated and ignored keys and flags, and
   * Consul's configuration warnings. */
  warnings: string[];
}

export function buildRuntimeConfig(inputs: RuntimeConfigInputs): BuiltRuntimeConfig | ConfigError {
  const flags = parseAgentFlags(inputs.argv);
  if (flags instanceof ConfigError) return flags;
  if (flags.helpRequested) return new ConfigError('flag: help requested');
  const warnings = [...flags.warnings];

  const layers: PartialConfig[] = [{ nodeName: inputs.hostname }];
  if (flags.config.dev === true) layers.push(devDefaults);
  const { lists, values } = splitListsFromValues(flags.config);
  layers.push(lists);
  for (const source of inputs.sources) {
    const parsed = parseConfigText(source.name, source.text, flags.configFormat);
    if (parsed instanceof ConfigError) return parsed;
    warnings.push(...parsed.warnings);
    layers.push(parsed.config);
  }
  layers.push(values);
  for (const [index, fragment] of flags.hclFragments.entries()) {
    const parsed = parseConfigText(`flags-${index}.hcl`, fragment, 'hcl');
    if (parsed instanceof ConfigError) return parsed;
    warnings.push(...parsed.warnings);
    layers.push(parsed.config);
  }

  const completed = completeConfig(mergeConfig(defaultConfig(), ...layers));
  warnings.push(...completed.warnings);
  const validated = validateConfig(completed.config);
  if (validated instanceof ConfigError) return validated;
  warnings.push(...validated.warnings);
  return { config: completed.config, warnings };
}

/** Consul's `splitSlicesAndValues`, through nested blocks: the lists, and everything else. */
function splitListsFromValues(partial: PartialConfig): { lists: PartialConfig; values: PartialConfig } {
  // Built from entries so that a `__proto__` key (`-node-meta __proto__:x`) stays a plain key.
  const split = (
    layer: Record<string, unknown>,
  ): { lists: Record<string, unknown>; values: Record<string, unknown> } => {
    const lists: [string, unknown][] = [];
    const values: [string, unknown][] = [];
    for (const [key, value] of Object.entries(layer)) {
      if (Array.isArray(value)) lists.push([key, value]);
      else if (isPlainObject(value)) {
        const nested = split(value);
        lists.push([key, nested.lists]);
        values.push([key, nested.values]);
      } else values.push([key, value]);
    }
    return { lists: Object.fromEntries(lists), values: Object.fromEntries(values) };
  };
  const { lists, values } = split(partial as Record<string, unknown>);
  return { lists: lists as PartialConfig, values: values as PartialConfig };
}
