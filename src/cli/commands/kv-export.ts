/**
 * `cairn kv export`: a KV tree as the JSON Consul's `kv export` writes, so trees move between
 * Consul and Cairn in either direction (`cairn kv import` reads it back).
 */

import type { CairnClient } from '../../api-client/client.ts';
import { encodeBase64 } from '../../lib/base64.ts';
import type { Output } from '../output.ts';
import { attempt } from '../report-error.ts';
import { stripLeadingSlash } from './kv-get.ts';

/** Consul's `impexp.Entry`. */
export interface ExportedEntry {
  key: string;
  flags: number;
  /** Base64 of the value; `""` for an empty or nil one. */
  value: string;
}

export async function runKvExport(
  client: CairnClient,
  options: { prefix?: string | undefined; stale?: boolean },
  output: Output,
): Promise<number> {
  const prefix = stripLeadingSlash(options.prefix ?? '');
  const listed = await attempt(output, 'Error querying Cairn agent', () =>
    client.kv.list(prefix, { stale: options.stale ?? false }),
  );
  if (!listed.ok) return listed.exitCode;
  const exported: ExportedEntry[] = listed.value.value.map((entry) => ({
    key: entry.Key,
    flags: entry.Flags,
    value: encodeBase64(entry.Value ?? new Uint8Array()),
  }));
  output.line(toGoIndentedJson(exported));
  return 0;
}

/** `json.MarshalIndent(v, "", "\t")`: tab indents and Go's HTML-safe escapes. */
export function toGoIndentedJson(value: unknown): string {
  return JSON.stringify(value, null, '\t').replace(/[<>&\u2028\u2029]/g, (character) => {
    return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
