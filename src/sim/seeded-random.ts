import type { Random } from '../ports/random.ts';

/** xorshift32: small, seeded, good enough for jitter and IDs in tests. */
export class SeededRandom implements Random {
  private state: number;

  constructor(seed = 0x2545f491) {
    this.state = seed >>> 0 || 1;
  }

  private nextUint32(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x;
  }

  next(): number {
    return this.nextUint32() / 2 ** 32;
  }

  uuid(): string {
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 16; i++) bytes[i] = this.nextUint32() & 0xff;
    bytes[6] = (bytes[6]! & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
    const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}
