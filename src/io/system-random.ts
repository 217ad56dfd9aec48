import { randomBytes, randomUUID } from 'node:crypto';
import type { Random } from '../ports/random.ts';

/** Crypto-strength randomness: session and node IDs must not be guessable. */
export const systemRandom: Random = {
  next: () => randomBytes(6).readUIntBE(0, 6) / 2 ** 48,
  uuid: () => randomUUID(),
};
