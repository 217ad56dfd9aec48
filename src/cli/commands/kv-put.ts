/** `cairn kv put`: plain writes, check-and-set, and lock acquire/release, with Consul's messages. */

import type { CairnClient, KvPutOptions } from '../../api-client/client.ts';
import { decodeBase64 } from '../../lib/base64.ts';
import { type InputReader, readDataArgument } from '../data-argument.ts';
import type { Output } from '../output.ts';
import { type Attempt, attempt } from '../report-error.ts';

export interface KvPutCommandOptions {
  key?: string | undefined;
  /** The DATA argument as typed: text, `@file` or `-` for stdin; absent writes an empty value. */
  data?: string | undefined;
  cas?: boolean;
  modifyIndex?: number;
  flags?: number;
  base64?: boolean;
  acquire?: boolean;
  release?: boolean;
  session?: string;
}

export async function runKvPut(
  client: CairnClient,
  options: KvPutCommandOptions,
  output: Output,
  input: InputReader,
): Promise<number> {
  const key = options.key;
  if (key === undefined) {
    output.error('Error! Missing KEY argument');
    return 1;
  }
  let value: Uint8Array;
  try {
    value = options.data ? await readDataArgument(options.data, input) : new Uint8Array();
  } catch (error) {
    output.error(`Error! ${(error as Error).message}`);
    return 1;
  }
  if (options.base64) {
    try {
      value = decodeBase64(new TextDecoder().decode(value));
    } catch (error) {
      output.error(`Error! Cannot base 64 decode data: ${(error as Error).message}`);
      return 1;
    }
  }
  if ((options.acquire || options.release) && !options.session) {
    output.error('Error! Missing -session (required with -acquire and -release)');
    return 1;
  }
  const modifyIndex = options.modifyIndex ?? 0;
  if (options.cas && modifyIndex === 0) {
    output.error('Must specify -modify-index with -cas!');
    return 1;
  }

  const writeOptions: KvPutOptions = options.flags ? { flags: options.flags } : {};
  if (options.cas) {
    const written = await attempt(output, `Error! Did not write to ${key}`, () =>
      client.kv.put(key, value, { ...writeOptions, cas: modifyIndex }),
    );
    return report(written, `Success! Data written to: ${key}`, `Error! Did not write to ${key}: CAS failed`);
  }
  if (options.acquire) {
    const acquired = await attempt(output, 'Error! Failed writing data', () =>
      client.kv.put(key, value, { ...writeOptions, acquire: options.session! }),
    );
    return report(acquired, `Success! Lock acquired on: ${key}`, 'Error! Did not acquire lock');
  }
  if (options.release) {
    const released = await attempt(output, 'Error! Failed writing data', () =>
      client.kv.put(key, value, { ...writeOptions, release: options.session! }),
    );
    return report(released, `Success! Lock released on: ${key}`, 'Error! Did not release lock');
  }
  // A plain write answers true; Consul's CLI does not look at the answer.
  const written = await attempt(output, 'Error! Failed writing data', () =>
    client.kv.put(key, value, writeOptions),
  );
  if (!written.ok) return written.exitCode;
  output.line(`Success! Data written to: ${key}`);
  return 0;

  function report(result: Attempt<boolean>, succeeded: string, refused: string): number {
    if (!result.ok) return result.exitCode;
    if (!result.value) {
      output.error(refused);
      return 1;
    }
    output.line(succeeded);
    return 0;
  }
}
