/**
 * CRC-32/IEEE (reflected polynomial 0xEDB88320), the checksum of Ethernet, zlib and Go's
 * `crc32.ChecksumIEEE`, which memberlist puts in front of gossip packets (`[12][crc32][rest]`).
 * Pure TypeScript because src/gossip may not import node:zlib.
 */

const POLYNOMIAL = 0xedb88320;

/**
 * `tables[k][byte]`: the CRC register update for `byte` followed by k zero bytes (slicing-by-4).
 * Four bytes per step: a 1,000-node gossip simulation checksums every packet on both ends, and
 * byte-at-a-time was a few percent of its time.
 */
const tables = buildTables();
const t0 = tables[0] as Uint32Array;
const t1 = tables[1] as Uint32Array;
const t2 = tables[2] as Uint32Array;
const t3 = tables[3] as Uint32Array;

function buildTables(): Uint32Array[] {
  const built = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)];
  const [first, ...rest] = built as [Uint32Array, ...Uint32Array[]];
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
    first[byte] = crc >>> 0;
  }
  let previous = first;
  for (const table of rest) {
    for (let byte = 0; byte < 256; byte++) {
      const value = previous[byte] as number;
      table[byte] = ((value >>> 8) ^ (first[value & 0xff] as number)) >>> 0;
    }
    previous = table;
  }
  return built;
}

/**
 * The CRC-32/IEEE of `bytes`, as an unsigned 32-bit number. Pass the CRC of the bytes before as
 * `previous` to checksum piece by piece: `crc32(b, crc32(a))` = `crc32(a ++ b)`.
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  let crc = ~previous;
  let i = 0;
  const whole = bytes.length - (bytes.length % 4);
  for (; i < whole; i += 4) {
    crc ^=
      (bytes[i] as number) |
      ((bytes[i + 1] as number) << 8) |
      ((bytes[i + 2] as number) << 16) |
      ((bytes[i + 3] as number) << 24);
    crc =
      (t3[crc & 0xff] as number) ^
      (t2[(crc >>> 8) & 0xff] as number) ^
      (t1[(crc >>> 16) & 0xff] as number) ^
      (t0[crc >>> 24] as number);
  }
  for (; i < bytes.length; i++) crc = (t0[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return ~crc >>> 0;
}
