/** `cairn keygen`: a new gossip encryption key, as `consul keygen` prints it. Needs no agent. */

import { encodeBase64 } from '../../lib/base64.ts';
import type { Output } from '../output.ts';

/** AES-256: the size `consul keygen` generates; 16 and 24 bytes are accepted too. */
export const GOSSIP_KEY_BYTES = 32;

export function runKeygen(
  output: Output,
  randomBytes: (count: number) => Uint8Array = (count) => crypto.getRandomValues(new Uint8Array(count)),
): number {
  const key = randomBytes(GOSSIP_KEY_BYTES);
  if (key.byteLength !== GOSSIP_KEY_BYTES) {
    output.error(`Error reading random data: got ${key.byteLength} bytes, wanted ${GOSSIP_KEY_BYTES}`);
    return 1;
  }
  output.line(encodeBase64(key));
  return 0;
}
