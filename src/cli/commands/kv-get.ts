/** `cairn kv get`: one value, a prefix (`-recurse`), or key names (`-keys`), in Consul's formats. */

import type { CairnClient } from '../../api-client/client.ts';
import { encodeBase64 } from '../../lib/base64.ts';
import type { KvEntry } from '../../model/records.ts';
import { formatColumns } from '../columns.ts';
import type { Output } from '../output.ts';
import { reportFailure } from '../report-error.ts';

export interface KvGetOptions {
  key?: string | undefined;
  recurse?: boolean;
  keys?: boolean;
  /** Only with `keys`; Consul's default is `/`. */
  separator?: string;
  detailed?: boolean;
  base64?: boolean;
  stale?: boolean;
}

const querying = 'Error querying Cairn agent';

export async function runKvGet(client: CairnClient, options: KvGetOptions, output: Output): Promise<number> {
  const key = stripLeadingSlash(options.key ?? '');
  if (key === '' && !options.recurse && !options.keys) {
    output.error('Error! Missing KEY argument');
    return 1;
  }
  const readOptions = { stale: options.stale ?? false };
  try {
    if (options.keys) {
      const { value: keys } = await client.kv.keys(key, options.separator ?? '/', readOptions);
      for (const name of keys) output.line(name);
      return 0;
    }
    if (options.recurse) {
      const { value: entries } = await client.kv.list(key, readOptions);
      entries.forEach((entry, i) => {
        if (options.detailed) {
          output.line(formatDetailedEntry(entry, options.base64 ?? false));
          if (i < entries.length - 1) output.line();
        } else {
          output.line(concat(`${entry.Key}:`, valueText(entry, options.base64 ?? false)));
        }
      });
      return 0;
    }
    const { value: entry } = await client.kv.get(key, readOptions);
    if (entry === null) {
      output.error(`Error! No key exists at: ${key}`);
      return 1;
    }
    output.line(
      options.detailed
        ? formatDetailedEntry(entry, options.base64 ?? false)
        : valueText(entry, options.base64 ?? false),
    );
    return 0;
  } catch (error) {
    return reportFailure(output, querying, error);
  }
}

/** Consul's `prettyKVPair`: a tabwriter block with padding 6, `-` for no session. */
export function formatDetailedEntry(entry: KvEntry, base64: boolean): string {
  const value = valueText(entry, base64);
  return formatColumns(
    [
      ['CreateIndex', String(entry.CreateIndex)],
      ['Flags', String(entry.Flags)],
      ['Key', entry.Key],
      ['LockIndex', String(entry.LockIndex)],
      ['ModifyIndex', String(entry.ModifyIndex)],
      ['Session', entry.Session === '' ? '-' : entry.Session],
      ['Value', typeof value === 'string' ? value : new TextDecoder().decode(value)],
    ],
    6,
  );
}

/** Consul strips one leading `/`: keys never start with one, users often type it. */
export function stripLeadingSlash(key: string): string {
  return key.startsWith('/') ? key.slice(1) : key;
}

function valueText(entry: KvEntry, base64: boolean): string | Uint8Array {
  const bytes = entry.Value ?? new Uint8Array();
  return base64 ? encodeBase64(bytes) : bytes;
}

function concat(prefix: string, value: string | Uint8Array): string | Uint8Array {
  if (typeof value === 'string') return prefix + value;
  const head = new TextEncoder().encode(prefix);
  const joined = new Uint8Array(head.length + value.length);
  joined.set(head);
  joined.set(value, head.length);
  return joined;
}
