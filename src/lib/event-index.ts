/**
 * Consul's `uuidToUint64`: the opaque blocking index of the event list, the two halves of the
 * newest event's UUID XORed together. It changes with every event but does not grow, so the
 * list blocks on "different", not "greater".
 */
export function eventIndex(id: string): number {
  const hex = id.replaceAll('-', '');
  if (hex.length !== 32) return 0;
  const high = BigInt(`0x${hex.slice(0, 16)}`);
  const low = BigInt(`0x${hex.slice(16)}`);
  // Keep it within JS's safe integers; it stays opaque and changes with every event.
  return Number((high ^ low) & ((1n << 53n) - 1n));
}
