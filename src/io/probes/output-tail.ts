/**
 * The last `capacityBytes` bytes written, as Consul keeps a check's output in an
 * `armon/circbuf` buffer: newer bytes overwrite the oldest, `totalBytes` counts everything.
 * The ring is allocated on the first non-empty write, so a silent target costs nothing and a
 * flooding one costs exactly `capacityBytes`.
 */
export class OutputTail {
  private ring: Uint8Array | undefined;
  /** Where the next byte goes; once the ring is full, also where the oldest kept byte is. */
  private writeAt = 0;
  totalBytes = 0;

  constructor(readonly capacityBytes: number) {}

  write(chunk: Uint8Array): void {
    const capacity = this.capacityBytes;
    this.totalBytes += chunk.byteLength;
    if (capacity <= 0 || chunk.byteLength === 0) return;
    this.ring ??= new Uint8Array(capacity);
    const kept = chunk.byteLength > capacity ? chunk.subarray(chunk.byteLength - capacity) : chunk;
    const untilEnd = Math.min(kept.byteLength, capacity - this.writeAt);
    this.ring.set(kept.subarray(0, untilEnd), this.writeAt);
    this.ring.set(kept.subarray(untilEnd), 0);
    this.writeAt = (this.writeAt + kept.byteLength) % capacity;
  }

  /** True when bytes were dropped: Consul then prefixes a script's output with "Captured N of M bytes". */
  get truncated(): boolean {
    return this.totalBytes > this.capacityBytes;
  }

  /** The kept bytes, oldest first. */
  bytes(): Uint8Array {
    if (this.ring === undefined) return new Uint8Array(0);
    if (this.totalBytes < this.capacityBytes) return this.ring.subarray(0, this.writeAt);
    const ordered = new Uint8Array(this.capacityBytes);
    ordered.set(this.ring.subarray(this.writeAt), 0);
    ordered.set(this.ring.subarray(0, this.writeAt), this.capacityBytes - this.writeAt);
    return ordered;
  }

  /** The kept bytes as text; a character cut in half at the start becomes U+FFFD, as Consul's JSON does. */
  text(): string {
    return new TextDecoder().decode(this.bytes());
  }
}
