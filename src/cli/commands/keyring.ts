/**
 * `cairn keyring -list | -list-primary | -install KEY | -use KEY | -remove KEY`: gossip encryption
 * keys across the cluster, in `consul keyring`'s words and layout.
 */

import type { CairnClient, KeyringOptions, KeyringResponse } from '../../api-client/client.ts';
import type { Output } from '../output.ts';
import { EXIT_FAILURE } from '../report-error.ts';

export interface KeyringCommandOptions {
  list?: boolean;
  listPrimary?: boolean;
  install?: string;
  use?: string;
  remove?: string;
  relayFactor?: number;
  localOnly?: boolean;
}

export async function runKeyring(
  client: CairnClient,
  options: KeyringCommandOptions,
  output: Output,
): Promise<number> {
  const actions = [options.list, options.listPrimary, options.install, options.use, options.remove].filter(
    (action) => action !== undefined && action !== false,
  );
  if (actions.length > 1) {
    output.error('Only a single action is allowed');
    return EXIT_FAILURE;
  }
  if (actions.length === 0) {
    output.error(
      'Usage: cairn keyring [-list | -list-primary | -install <key> | -use <key> | -remove <key>]',
    );
    return EXIT_FAILURE;
  }
  const relayFactor = options.relayFactor ?? 0;
  if (relayFactor > 5) {
    output.error('Error parsing relay factor: Relay factor must be in range: [0, 5]');
    return EXIT_FAILURE;
  }
  if (options.localOnly && !options.list && !options.listPrimary) {
    output.error('Error: local-only can only be used with -list or -list-primary');
    return EXIT_FAILURE;
  }
  const requestOptions: KeyringOptions = { relayFactor, localOnly: options.localOnly ?? false };
  const info = (text: string) => output.line(`==> ${text}`);

  if (options.list || options.listPrimary) {
    info(options.list ? 'Gathering installed encryption keys...' : 'Gathering primary encryption keys...');
    let responses: KeyringResponse[];
    try {
      responses = await client.operator.keyringList(requestOptions);
    } catch (error) {
      return failed(output, error);
    }
    for (const response of responses) {
      output.line(formatResponse(response, (options.list ? response.Keys : response.PrimaryKeys) ?? {}));
    }
    return 0;
  }

  const [verb, key, send] =
    options.install !== undefined
      ? (['Installing new gossip encryption key...', options.install, 'keyringInstall'] as const)
      : options.use !== undefined
        ? (['Changing primary gossip encryption key...', options.use, 'keyringUse'] as const)
        : (['Removing gossip encryption key...', options.remove ?? '', 'keyringRemove'] as const);
  info(verb);
  try {
    await client.operator[send](key, requestOptions);
  } catch (error) {
    return failed(output, error);
  }
  return 0;
}

function failed(output: Output, error: unknown): number {
  if (!(error instanceof Error)) throw error;
  output.error(`error: ${error.message}`);
  return EXIT_FAILURE;
}

/** A pool's block: blank line, `dc1 (LAN):`, node messages, then `  key [n/total]` per key (sorted). */
export function formatResponse(response: KeyringResponse, keys: Record<string, number>): string {
  let pool = response.WAN ? 'WAN' : `${response.Datacenter} (LAN)`;
  if (response.Partition) pool += ` [partition: ${response.Partition}]`;
  if (response.Segment) pool += ` [segment: ${response.Segment}]`;
  const lines = ['', `${pool}:`];
  for (const [from, message] of Object.entries(response.Messages ?? {}).sort(byKey)) {
    lines.push(`  ===> ${from}: ${message}`);
  }
  for (const [key, count] of Object.entries(keys).sort(byKey)) {
    lines.push(`  ${key} [${count}/${response.NumNodes}]`);
  }
  return lines.join('\n');
}

function byKey(a: [string, unknown], b: [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}
