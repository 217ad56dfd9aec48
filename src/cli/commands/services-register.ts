/**
 * `cairn services register`: registers services with the local agent, from definition files or
 * from flags. Flag values fill in what a file leaves out, as `consul services register` does.
 */

import type { CairnClient, ServiceRegistration } from '../../api-client/client.ts';
import type { InputReader } from '../data-argument.ts';
import type { Output } from '../output.ts';
import { attempt } from '../report-error.ts';
import { canonicalKey, definitionField, parseServiceDefinitions } from '../service-definitions.ts';

export interface ServiceFlags {
  id?: string | undefined;
  name?: string | undefined;
  address?: string | undefined;
  port?: number | undefined;
  socket?: string | undefined;
  kind?: string | undefined;
  /** Repeatable `-tag`. */
  tag?: string[];
  /** Repeatable `-meta key=value`. */
  meta?: Record<string, string>;
}

export async function runServicesRegister(
  client: CairnClient,
  options: ServiceFlags & { files?: string[] },
  output: Output,
  input: InputReader,
): Promise<number> {
  const files = options.files ?? [];
  if (files.length === 0 && !options.name) {
    output.error('Service registration requires at least one argument or flags.');
    return 1;
  }
  if (files.length > 0 && options.name) {
    output.error('Service registration requires arguments or -id, not both.');
    return 1;
  }
  let definitions: ServiceRegistration[];
  if (files.length > 0) {
    const loaded = await loadServiceFiles(files, input);
    if (!loaded.ok) {
      output.error(`Error: ${loaded.message}`);
      return 1;
    }
    definitions = loaded.definitions.map((definition) => withFlagDefaults(definition, options));
  } else {
    definitions = [definitionFromFlags(options)];
  }

  for (const definition of definitions) {
    const name = String(definitionField(definition, 'Name') ?? '');
    const registered = await attempt(output, `Error registering service ${JSON.stringify(name)}`, () =>
      client.agent.serviceRegister(definition),
    );
    if (!registered.ok) return registered.exitCode;
    output.line(`Registered service: ${name}`);
  }
  return 0;
}

export async function loadServiceFiles(
  files: string[],
  input: InputReader,
): Promise<{ ok: true; definitions: ServiceRegistration[] } | { ok: false; message: string }> {
  const definitions: ServiceRegistration[] = [];
  for (const file of files) {
    try {
      const text = new TextDecoder().decode(await input.readFile(file));
      definitions.push(...(await parseServiceDefinitions(file, text)));
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      return { ok: false, message: error.message };
    }
  }
  return { ok: true, definitions };
}

function definitionFromFlags(flags: ServiceFlags): ServiceRegistration {
  return withFlagDefaults({}, flags);
}

/** Consul's `CombineArgs`: a flag sets a field the file leaves empty; meta merges, tags append. */
export function withFlagDefaults(definition: ServiceRegistration, flags: ServiceFlags): ServiceRegistration {
  const combined: ServiceRegistration = { ...definition };
  const fillIn = (field: string, value: string | number | undefined) => {
    if (value === undefined || value === '' || value === 0) return;
    const key = keyOf(combined, field);
    const existing = combined[key];
    if (existing === undefined || existing === '' || existing === 0) combined[key] = value;
  };
  fillIn('ID', flags.id);
  fillIn('Name', flags.name);
  fillIn('Address', flags.address);
  fillIn('Port', flags.port);
  fillIn('Kind', flags.kind);
  fillIn('SocketPath', flags.socket);
  const metaKey = keyOf(combined, 'Meta');
  const meta = combined[metaKey];
  combined[metaKey] = { ...(isRecord(meta) ? meta : {}), ...flags.meta };
  const tagsKey = keyOf(combined, 'Tags');
  const tags = combined[tagsKey];
  combined[tagsKey] = [...(Array.isArray(tags) ? tags : []), ...(flags.tag ?? [])];
  return combined;
}

/** The key the definition already uses for a field (any case, `_` ignored), else Consul's name. */
function keyOf(definition: ServiceRegistration, field: string): string {
  return Object.keys(definition).find((key) => canonicalKey(key) === canonicalKey(field)) ?? field;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
