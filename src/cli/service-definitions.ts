/**
 * Service definitions from Consul config files, as `consul services register` reads them: a
 * `service { … }` block or a `services [ … ]` list, in JSON or HCL v1, read by the agent's own
 * config-file reader. Definitions keep their keys as written (the agent's register endpoint
 * reads any case and snake_case).
 */

import type { ServiceRegistration } from '../api-client/client.ts';

export class ServiceDefinitionError extends Error {
  override name = 'ServiceDefinitionError';
}

/**
 * Parses one file as Consul does, through the agent's config-file reader (a services file is a
 * config file): JSON or HCL v1 by extension, else by its first character. Throws
 * `ServiceDefinitionError` with a message naming the file.
 */
export async function parseServiceDefinitions(
  fileName: string,
  text: string,
): Promise<ServiceRegistration[]> {
  // Loaded on use: the HCL parser costs ~200 ms, which other commands should not pay.
  const { parseConfigText } = await import('../agent/config-file.ts');
  const format = fileName.endsWith('.json') || fileName.endsWith('.hcl') ? undefined : guessFormat(text);
  const parsed = parseConfigText(fileName, text, format);
  if (parsed instanceof Error) throw new ServiceDefinitionError(parsed.message);
  const definitions = (parsed.config.services ?? []).filter(isPlainObject);
  if (definitions.length === 0) {
    throw new ServiceDefinitionError(
      `${fileName}: no service definition (expected a "service" block or "services" list)`,
    );
  }
  return definitions;
}

function guessFormat(text: string): 'json' | 'hcl' {
  return text.trimStart().startsWith('{') ? 'json' : 'hcl';
}

/** A definition's field, found the way Consul's decoder finds it: any case, `_` ignored. */
export function definitionField(definition: ServiceRegistration, field: string): unknown {
  const wanted = canonicalKey(field);
  const found = Object.keys(definition).find((key) => canonicalKey(key) === wanted);
  return found === undefined ? undefined : definition[found];
}

export function canonicalKey(key: string): string {
  return key.toLowerCase().replaceAll('_', '');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
