import { randomFillSync, randomUUID } from 'node:crypto';
import type { Random } from '../ports/random.ts';

/** 48-bit draws taken from a pool refilled 1,024 at a time: one syscall per 1,024 draws, not one each. */
const pool = Buffer.alloc(6 * 1024);
let offset = pool.length;

/** Crypto-strength randomness: session and node IDs must not be guessable. */
export const systemRandom: Random = {
  next: () => {
    if (offset === pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    const value = pool.readUIntBE(offset, 6);
    offset += 6;
    return value / 2 ** 48;
  },
  uuid: () => randomUUID(),
};
