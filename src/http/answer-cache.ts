/**
 * Encoded answers of expensive reads, reused while the data they reflect has not changed.
 *
 * A read's index moves whenever its answer can change (the state store guarantees it, and its
 * property tests check it), so an answer built for (store, query, index) is the answer for every
 * later request with the same three. `/v1/health/service/<name>` with 1,000 instances is about
 * 700 KB of JSON: building it once per change instead of once per request is the difference
 * between hundreds and thousands of requests a second. Bounded, least recently used first out.
 */
export class AnswerCache {
  private readonly entries = new Map<string, { store: object; index: number; body: Uint8Array }>();

  constructor(private readonly capacity = 128) {}

  /** The cached body for `key` built from `store` at `index`, or `build()`'s, now cached. */
  answer(key: string, store: object, index: number, build: () => string): Uint8Array {
    const cached = this.entries.get(key);
    if (cached !== undefined && cached.store === store && cached.index === index) {
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached.body;
    }
    const body = Buffer.from(build());
    this.entries.delete(key);
    this.entries.set(key, { store, index, body });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return body;
  }

  get size(): number {
    return this.entries.size;
  }
}
