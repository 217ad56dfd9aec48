/** `cairn kv import`: writes the entries of `kv export` JSON, optionally under a prefix. */

import type { CairnClient } from '../../api-client/client.ts';
import { Base64Error, decodeBase64 } from '../../lib/base64.ts';
import { joinPath } from '../../lib/go-path.ts';
import { type InputReader, readDataArgument } from '../data-argument.ts';
import type { Output } from '../output.ts';
import { attempt } from '../report-error.ts';
import type { ExportedEntry } from './kv-export.ts';

export async function runKvImport(
  client: CairnClient,
  options: { data?: string | undefined; prefix?: string },
  output: Output,
  input: InputReader,
): Promise<number> {
  if (options.data === undefined) {
    output.error('Error! Missing DATA argument');
    return 1;
  }
  if (options.data === '') {
    output.error('Error! Empty DATA argument');
    return 1;
  }
  let text: string;
  try {
    text = new TextDecoder().decode(await readDataArgument(options.data, input));
  } catch (error) {
    output.error(`Error! ${(error as Error).message}`);
    return 1;
  }
  let entries: ExportedEntry[];
  try {
    entries = parseExportedEntries(text);
  } catch (error) {
    output.error(`Cannot unmarshal data: ${(error as Error).message}`);
    return 1;
  }
  for (const entry of entries) {
    let value: Uint8Array;
    try {
      value = decodeBase64(entry.value);
    } catch (error) {
      if (!(error instanceof Base64Error)) throw error;
      output.error(`Error base 64 decoding value for key ${entry.key}: ${error.message}`);
      return 1;
    }
    let key = joinPath(options.prefix ?? '', entry.key);
    if (entry.key.endsWith('/')) key += '/'; // a "directory" key keeps its slash
    const written = await attempt(output, `Error! Failed writing data for key ${key}`, () =>
      client.kv.put(key, value, { flags: entry.flags }),
    );
    if (!written.ok) return written.exitCode;
    output.line(`Imported: ${key}`);
  }
  return 0;
}

/** Reads `kv export` JSON; keys match case-insensitively, as Go's encoding/json does. */
export function parseExportedEntries(text: string): ExportedEntry[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error('expected a JSON array of {"key","flags","value"} objects');
  return parsed.map((item: unknown, position) => {
    if (typeof item !== 'object' || item === null) throw new Error(`entry ${position} is not an object`);
    const field = (name: string) => Object.entries(item).find(([key]) => key.toLowerCase() === name)?.[1];
    const key = field('key') ?? '';
    const flags = field('flags') ?? 0;
    const value = field('value') ?? '';
    if (typeof key !== 'string' || typeof value !== 'string') {
      throw new Error(`entry ${position}: "key" and "value" must be strings`);
    }
    if (typeof flags !== 'number' || !Number.isInteger(flags) || flags < 0) {
      throw new Error(`entry ${position}: "flags" must be an unsigned integer`);
    }
    return { key, flags, value };
  });
}
