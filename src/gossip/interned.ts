/**
 * Shared copies of the small byte strings and names every node's table repeats: `Addr`, `Vsn`,
 * `Meta` and node names. A pool of n nodes keeps n² node entries; without sharing each entry
 * holds its own three typed arrays (hundreds of bytes with their headers), and each decoded
 * gossip message allocates them again only to compare them with what is stored. With it, equal
 * contents are one object: decoding allocates nothing on a hit, comparisons short-circuit on
 * identity, and a name's Map lookups find the very key object stored.
 *
 * A direct-mapped cache (a slot per hash, the newest wins), so its memory is bounded and a
 * collision only costs a copy. What it hands out is shared: callers must treat interned arrays
 * as immutable (the node table does; NodeViews given to delegates are copies).
 */

const SLOTS = 8192;
/** Longer contents are copied, not cached (node meta is at most 512 bytes). */
const MAX_INTERNED_BYTES = 512;
/**
 * Contents up to this long are also mirrored in one flat array, so checking a slot reads
 * contiguous bytes rather than visiting a separate object (these lookups are per message).
 */
const MIRROR_WIDTH = 64;
const MAX_INTERNED_STRING = MIRROR_WIDTH;

const byteSlots: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(SLOTS).fill(undefined);
const byteMirror = new Uint8Array(SLOTS * MIRROR_WIDTH);
/** The length of each byte slot's contents; -1 = empty. */
const byteLengths = new Int32Array(SLOTS).fill(-1);
const stringSlots: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);
/** The bytes each cached string was decoded from (ASCII only), flat, with their lengths (-1 = empty). */
const stringMirror = new Uint8Array(SLOTS * MIRROR_WIDTH);
const stringLengths = new Int32Array(SLOTS).fill(-1);

export const EMPTY_BYTES = new Uint8Array(0);

/** FNV-1a over `source[start, end)`. */
function hashRange(source: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ (source[i] as number), 0x01000193);
  return hash >>> 0;
}

/** Whether `mirror` holds `source[start, end)` at `at`. */
function mirrorHolds(
  mirror: Uint8Array,
  at: number,
  source: Uint8Array,
  start: number,
  end: number,
): boolean {
  for (let i = start; i < end; i++) if (mirror[at++] !== source[i]) return false;
  return true;
}

function sameRange(cached: Uint8Array, source: Uint8Array, start: number, end: number): boolean {
  if (cached.length !== end - start) return false;
  for (let i = 0; i < cached.length; i++) if (cached[i] !== source[start + i]) return false;
  return true;
}

/** A shared array equal to `source[start, end)`; never `source` itself unless it already is the shared one. */
export function internBytesRange(source: Uint8Array, start: number, end: number): Uint8Array {
  const length = end - start;
  if (length === 0) return EMPTY_BYTES;
  if (length > MAX_INTERNED_BYTES) return source.slice(start, end);
  const slot = hashRange(source, start, end) & (SLOTS - 1);
  if (byteLengths[slot] === length) {
    const hit =
      length <= MIRROR_WIDTH
        ? mirrorHolds(byteMirror, slot * MIRROR_WIDTH, source, start, end)
        : sameRange(byteSlots[slot] as Uint8Array, source, start, end);
    if (hit) return byteSlots[slot] as Uint8Array;
  }
  const copy = source.slice(start, end);
  byteSlots[slot] = copy;
  byteLengths[slot] = length;
  if (length <= MIRROR_WIDTH) byteMirror.set(copy, slot * MIRROR_WIDTH);
  return copy;
}

/** The shared array with `bytes`' contents (a copy of it the first time). */
export function internBytes(bytes: Uint8Array): Uint8Array {
  return internBytesRange(bytes, 0, bytes.length);
}

/**
 * The string of the ASCII bytes `source[start, end)`, shared; undefined when they are not all
 * ASCII or too long (the caller decodes UTF-8 itself).
 */
export function internAsciiRange(source: Uint8Array, start: number, end: number): string | undefined {
  const length = end - start;
  if (length > MAX_INTERNED_STRING) return undefined;
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    const byte = source[i] as number;
    if (byte > 0x7f) return undefined;
    hash = Math.imul(hash ^ byte, 0x01000193);
  }
  const slot = (hash >>> 0) & (SLOTS - 1);
  if (stringLengths[slot] === length && mirrorHolds(stringMirror, slot * MIRROR_WIDTH, source, start, end))
    return stringSlots[slot];
  // One flat string (appending char by char would build a rope that every lookup must flatten).
  const text = String.fromCharCode.apply(null, source.subarray(start, end) as unknown as number[]);
  stringMirror.set(source.subarray(start, end), slot * MIRROR_WIDTH);
  stringLengths[slot] = length;
  stringSlots[slot] = text;
  return text;
}
