const EMPTY = new Uint8Array(0);
const DECODER = new TextDecoder();
/** The first buffer this tail allocates holds at least this much, so small writes do not copy at every step. */
const FIRST_ALLOCATION_BYTES = 256;

/**
 * The last `capacityBytes` bytes written, as Consul keeps a check's output in an
 * `armon/circbuf` buffer: newer bytes overwrite the oldest, `totalBytes` counts everything.
 *
 * Memory follows what is kept, not the capacity: a single write that fits is kept as given,
 * without a copy (callers pass stream chunks, which nobody writes to afterwards); later writes
 * go to a buffer that doubles as needed, and becomes a ring of exactly `capacityBytes` once the
 * writes pass the capacity.
 */
export class OutputTail {
  /** Holds the kept bytes: from 0 in write order, or, once full, a ring whose oldest byte is at `start`. */
  private buffer: Uint8Array = EMPTY;
  /** Whether `buffer` is ours to write to (else it is a caller's chunk). */
  private owned = false;
  private start = 0;
  /** Bytes kept: `min(totalBytes, capacityBytes)`. */
  private kept = 0;
  totalBytes = 0;

  constructor(readonly capacityBytes: number) {}

  write(chunk: Uint8Array): void {
    const capacity = this.capacityBytes;
    const length = chunk.byteLength;
    this.totalBytes += length;
    if (capacity <= 0 || length === 0) return;
    if (length >= capacity || this.kept === 0) {
      // The chunk alone is all there is to keep: hold it as given.
      this.buffer = length > capacity ? chunk.subarray(length - capacity) : chunk;
      this.owned = false;
      this.start = 0;
      this.kept = Math.min(length, capacity);
      return;
    }
    const kept = this.kept + length;
    if (kept <= capacity) {
      if (!this.owned || this.buffer.byteLength < kept) {
        this.reallocate(Math.min(capacity, Math.max(kept, 2 * this.kept, FIRST_ALLOCATION_BYTES)));
      }
      this.buffer.set(chunk, this.kept);
      this.kept = kept;
      return;
    }
    // Past the capacity: the oldest bytes give way.
    if (!this.owned || this.buffer.byteLength < capacity) this.reallocate(capacity);
    const writeAt = (this.start + this.kept) % capacity;
    const untilEnd = Math.min(length, capacity - writeAt);
    this.buffer.set(chunk.subarray(0, untilEnd), writeAt);
    this.buffer.set(chunk.subarray(untilEnd), 0);
    this.kept = capacity;
    this.start = (writeAt + length) % capacity;
  }

  /** True when bytes were dropped: Consul then prefixes a script's output with "Captured N of M bytes". */
  get truncated(): boolean {
    return this.totalBytes > this.capacityBytes;
  }

  /** The kept bytes, oldest first. */
  bytes(): Uint8Array {
    if (this.start === 0) return this.buffer.subarray(0, this.kept);
    const ordered = new Uint8Array(this.kept);
    ordered.set(this.buffer.subarray(this.start, this.kept), 0);
    ordered.set(this.buffer.subarray(0, this.start), this.kept - this.start);
    return ordered;
  }

  /** The kept bytes as text; a character cut in half at the start becomes U+FFFD, as Consul's JSON does. */
  text(): string {
    return this.kept === 0 ? '' : DECODER.decode(this.bytes());
  }

  /** Moves the kept bytes, oldest first, to a new buffer of ours. */
  private reallocate(byteLength: number): void {
    const buffer = new Uint8Array(byteLength);
    buffer.set(this.bytes(), 0);
    this.buffer = buffer;
    this.owned = true;
    this.start = 0;
  }
}
