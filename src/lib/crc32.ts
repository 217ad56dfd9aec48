/**
 * CRC-32/IEEE (reflected polynomial 0xEDB88320), the checksum of Ethernet, zlib and Go's
 * `crc32.ChecksumIEEE`, which memberlist puts in front of gossip packets (`[12][crc32][rest]`).
 * Pure TypeScript because src/gossip may not import node:zlib. Byte-at-a-time with a 1 KiB table:
 * gossip packets are at most 1.4 KB, so slicing-by-8 (as crc32c.ts uses) would not pay off.
 */

const POLYNOMIAL = 0xedb88320;

/** `table[byte]`: the CRC register update for one byte. */
const table = buildTable();

function buildTable(): Uint32Array {
  const built = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
    built[byte] = crc >>> 0;
  }
  return built;
}

/**
 * The CRC-32/IEEE of `bytes`, as an unsigned 32-bit number. Pass the CRC of the bytes before as
 * `previous` to checksum piece by piece: `crc32(b, crc32(a))` = `crc32(a ++ b)`.
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  let crc = ~previous >>> 0;
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}
