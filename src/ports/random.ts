/** Randomness, injected: a seeded generator in tests, crypto-strength in production. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** A random RFC 4122 version 4 UUID (session and node IDs). */
  uuid(): string;
}
