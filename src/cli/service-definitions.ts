/**
 * Service definitions from Consul config files, as `consul services register` reads them: a
 * `service { … }` block or a `services [ … ]` list, in JSON or HCL v1. Definitions are kept with
 * their keys as written (the agent's register endpoint reads any case and snake_case); HCL's
 * one-element block lists are folded back into objects except where Consul has real lists.
 */

import type { ServiceRegistration } from '../api-client/client.ts';

export class ServiceDefinitionError extends Error {
  override name = 'ServiceDefinitionError';
}

/** Parses one file; throws `ServiceDefinitionError` with a message naming the file. */
export async function parseServiceDefinitions(
  fileName: string,
  text: string,
): Promise<ServiceRegistration[]> {
  const document = isJsonFile(fileName, text) ? parseJson(fileName, text) : await parseHcl(fileName, text);
  if (!isPlainObject(document))
    throw new ServiceDefinitionError(`${fileName}: the top level must be an object`);
  const definitions: ServiceRegistration[] = [];
  for (const [key, value] of Object.entries(document)) {
    const name = key.toLowerCase();
    if (name !== 'service' && name !== 'services') continue;
    const listed = Array.isArray(value) ? value : [value];
    for (const definition of listed) {
      if (!isPlainObject(definition)) {
        throw new ServiceDefinitionError(`${fileName}: "${key}" must hold service definition objects`);
      }
      definitions.push(definition);
    }
  }
  if (definitions.length === 0) {
    throw new ServiceDefinitionError(
      `${fileName}: no service definition (expected a "service" block or "services" list)`,
    );
  }
  return definitions;
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

function isJsonFile(fileName: string, text: string): boolean {
  if (fileName.endsWith('.json')) return true;
  if (fileName.endsWith('.hcl')) return false;
  return text.trimStart().startsWith('{');
}

function parseJson(fileName: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ServiceDefinitionError(`failed to parse ${fileName}: ${(error as Error).message}`);
  }
}

async function parseHcl(fileName: string, text: string): Promise<unknown> {
  const hcl = await loadHclParser();
  const failurePrefix = 'unable to parse JSON: ';
  let output: string;
  try {
    output = hcl.parse(text);
  } catch (error) {
    throw new ServiceDefinitionError(`failed to parse ${fileName}: ${(error as Error).message}`);
  }
  if (output.startsWith(failurePrefix)) {
    throw new ServiceDefinitionError(`failed to parse ${fileName}: ${output.slice(failurePrefix.length)}`);
  }
  const document: unknown = JSON.parse(output);
  if (!isPlainObject(document)) return document;
  return Object.fromEntries(
    Object.entries(document).map(([key, value]) => {
      const name = key.toLowerCase();
      if ((name !== 'service' && name !== 'services') || !Array.isArray(value)) return [key, value];
      return [key, value.map((definition) => foldHclBlocks(definition, ''))];
    }),
  );
}

/**
 * Loaded on first use: the parser is 1.5 MB of GopherJS, which other commands should not pay
 * for. Its runtime sets `Error.stackTraceLimit = Infinity` and a global `require` as it loads;
 * both are put back.
 */
async function loadHclParser(): Promise<{ parse(input: string): string }> {
  const stackTraceLimit = Error.stackTraceLimit;
  const hadGlobalRequire = 'require' in globalThis;
  const { default: hcl } = await import('js-hcl-parser');
  Error.stackTraceLimit = stackTraceLimit;
  if (!hadGlobalRequire) delete (globalThis as { require?: unknown }).require;
  return hcl;
}

/**
 * Fields of a service definition whose values are real lists (Consul's `patchSliceOfMaps`
 * exceptions), as dotted canonical paths. Every other one-element list of objects is an HCL
 * block and becomes the object.
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

function foldHclBlocks(value: unknown, path: string): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => foldHclBlocks(item, path));
    const only = items[0];
    return items.length === 1 && isPlainObject(only) && !serviceListPaths.has(path) ? only : items;
  }
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      const name = canonicalKey(key);
      return [key, foldHclBlocks(item, path === '' ? name : `${path}.${name}`)];
    }),
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
