/** `cairn kv delete`: one key, a prefix (`-recurse`), or one key if unchanged (`-cas`). */

import type { CairnClient } from '../../api-client/client.ts';
import type { Output } from '../output.ts';
import { attempt } from '../report-error.ts';
import { stripLeadingSlash } from './kv-get.ts';

export interface KvDeleteCommandOptions {
  key?: string | undefined;
  recurse?: boolean;
  cas?: boolean;
  modifyIndex?: number;
}

export async function runKvDelete(
  client: CairnClient,
  options: KvDeleteCommandOptions,
  output: Output,
): Promise<number> {
  const key = stripLeadingSlash(options.key ?? '');
  const modifyIndex = options.modifyIndex ?? 0;
  const usageError =
    key === '' && !options.recurse
      ? 'Error! Missing KEY argument'
      : options.cas && modifyIndex === 0
        ? 'Cannot delete a key that does not exist. Provide a -modify-index greater than than 0.'
        : modifyIndex !== 0 && !options.cas
          ? 'Cannot specify -modify-index without -cas!'
          : options.recurse && options.cas
            ? 'Cannot specify both -cas and -recurse!'
            : undefined;
  if (usageError) {
    output.error(usageError);
    return 1;
  }

  if (options.recurse) {
    const deleted = await attempt(output, `Error! Did not delete prefix ${key}`, () =>
      client.kv.delete(key, { recurse: true }),
    );
    if (!deleted.ok) return deleted.exitCode;
    output.line(`Success! Deleted keys with prefix: ${key}`);
    return 0;
  }
  if (options.cas) {
    const deleted = await attempt(output, `Error! Did not delete key ${key}`, () =>
      client.kv.delete(key, { cas: modifyIndex }),
    );
    if (!deleted.ok) return deleted.exitCode;
    if (!deleted.value) {
      output.error(`Error! Did not delete key ${key}: CAS failed`);
      return 1;
    }
    output.line(`Success! Deleted key: ${key}`);
    return 0;
  }
  const deleted = await attempt(output, `Error deleting key ${key}`, () => client.kv.delete(key));
  if (!deleted.ok) return deleted.exitCode;
  output.line(`Success! Deleted key: ${key}`);
  return 0;
}
