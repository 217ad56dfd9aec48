/**
 * LZW as Go's `compress/lzw` with LSB bit order and 8-bit literals (the GIF variant), which
 * memberlist uses for `compress{Algo: 0, Buf}` (reference §5.3). Codes 0–255 are literals,
 * 256 clears the table, 257 ends the data; new codes start at 258 and are 9 bits wide, one bit
 * wider each time the next code to assign reaches a power of two, up to 12 bits. Codes are packed
 * least-significant bit first.
 *
 * The encoder makes the same choices as Go's writer, so it reproduces Go's output byte for byte
 * (greedy longest match; a clear code first; when the next code to assign would be 4095 it sends
 * a clear code and starts a fresh table; the last pending code, then end-of-data). The decoder is
 * liberal like Go's reader but bounded: output beyond `maxOutputBytes` is refused.
 */
import { LIMITS } from './config.ts';
import { GossipDecodeError } from './messages.ts';

const CLEAR = 256;
const END_OF_DATA = 257;
const FIRST_WIDTH = 9;
const MAX_WIDTH = 12;
/** The writer resets when the next code to assign reaches this (Go's `maxCode`). */
const LAST_CODE = (1 << MAX_WIDTH) - 1;

/** Accumulates variable-width codes least-significant bit first. */
class CodeWriter {
  private out = new Uint8Array(256);
  private length = 0;
  private bits = 0;
  private bitCount = 0;

  write(code: number, width: number): void {
    this.bits |= code << this.bitCount;
    this.bitCount += width;
    while (this.bitCount >= 8) {
      this.push(this.bits & 0xff);
      this.bits >>>= 8;
      this.bitCount -= 8;
    }
  }

  private push(byte: number): void {
    if (this.length === this.out.length) {
      const grown = new Uint8Array(this.out.length * 2);
      grown.set(this.out);
      this.out = grown;
    }
    this.out[this.length++] = byte;
  }

  finish(): Uint8Array {
    if (this.bitCount > 0) this.push(this.bits & 0xff);
    return this.out.slice(0, this.length);
  }
}

/** Compresses `input` exactly as Go's `lzw.NewWriter(w, lzw.LSB, 8)` followed by Close. */
export function lzwEncode(input: Uint8Array): Uint8Array {
  const output = new CodeWriter();
  // Dictionary of strings longer than one byte: (code of the prefix, next byte) → code.
  const table = new Map<number, number>();
  let width = FIRST_WIDTH;
  let highest = END_OF_DATA; // the highest code in use; the next one assigned is highest + 1
  let widthLimit = 1 << FIRST_WIDTH;

  /** Claims the next code; returns false when the table was full and has been reset instead. */
  const claimCode = (): boolean => {
    highest++;
    if (highest === widthLimit) {
      width++;
      widthLimit <<= 1;
    }
    if (highest === LAST_CODE) {
      output.write(CLEAR, width);
      width = FIRST_WIDTH;
      highest = END_OF_DATA;
      widthLimit = 1 << FIRST_WIDTH;
      table.clear();
      return false;
    }
    return true;
  };

  output.write(CLEAR, width);
  if (input.length > 0) {
    let current = input[0]!;
    for (let i = 1; i < input.length; i++) {
      const byte = input[i]!;
      const key = current * 256 + byte;
      const known = table.get(key);
      if (known !== undefined) {
        current = known;
        continue;
      }
      output.write(current, width);
      current = byte;
      if (claimCode()) table.set(key, highest);
    }
    output.write(current, width);
    claimCode();
  }
  output.write(END_OF_DATA, width);
  return output.finish();
}

function badCompression(message: string): GossipDecodeError {
  return new GossipDecodeError('bad-compression', `lzw: ${message}`);
}

/**
 * The decoder's string table (prefix code and last byte of each code) and expansion buffer,
 * shared by all calls: decoding is synchronous, and every entry is written before it is read.
 */
const decoderTables = {
  prefix: new Uint16Array(1 << MAX_WIDTH),
  suffix: new Uint8Array(1 << MAX_WIDTH),
  scratch: new Uint8Array(1 << MAX_WIDTH),
};

/**
 * Decompresses Go LSB/8 LZW data up to its end-of-data code. Throws GossipDecodeError:
 * 'bad-compression' for an invalid code or missing end-of-data, 'too-large' past `maxOutputBytes`.
 */
export function lzwDecode(
  input: Uint8Array,
  maxOutputBytes: number = LIMITS.maxDecompressedBytes,
): Uint8Array {
  const { prefix, suffix, scratch } = decoderTables;
  let out = new Uint8Array(Math.min(Math.max(input.length * 4, 64), maxOutputBytes + 1));
  let outLength = 0;

  let width = FIRST_WIDTH;
  let widthLimit = 1 << FIRST_WIDTH;
  // The highest code in use: the next string is assigned this code once there is a previous one to extend.
  let highest = END_OF_DATA;
  let previous = -1; // the previous code, or -1 right after a clear (nothing to extend)

  let bits = 0;
  let bitCount = 0;
  let inputOffset = 0;

  const append = (bytes: Uint8Array, start: number): void => {
    const count = bytes.length - start;
    if (outLength + count > maxOutputBytes) {
      throw new GossipDecodeError('too-large', `lzw: output over ${maxOutputBytes} bytes`);
    }
    if (outLength + count > out.length) {
      let capacity = out.length * 2;
      while (capacity < outLength + count) capacity *= 2;
      const grown = new Uint8Array(Math.min(capacity, maxOutputBytes));
      grown.set(out.subarray(0, outLength));
      out = grown;
    }
    out.set(bytes.subarray(start), outLength);
    outLength += count;
  };

  /** Writes the string of `code` into the end of `scratch`; returns where it starts. */
  const expand = (code: number, end: number): number => {
    let position = end;
    let walk = code;
    while (walk > END_OF_DATA) {
      scratch[--position] = suffix[walk]!;
      walk = prefix[walk]!;
    }
    scratch[--position] = walk;
    return position;
  };

  for (;;) {
    while (bitCount < width) {
      if (inputOffset >= input.length) throw badCompression('unexpected end of data');
      bits |= input[inputOffset++]! << bitCount;
      bitCount += 8;
    }
    const code = bits & ((1 << width) - 1);
    bits >>>= width;
    bitCount -= width;

    if (code === CLEAR) {
      width = FIRST_WIDTH;
      widthLimit = 1 << FIRST_WIDTH;
      highest = END_OF_DATA;
      previous = -1;
      continue;
    }
    if (code === END_OF_DATA) break;

    let start: number;
    if (code < CLEAR) {
      scratch[scratch.length - 1] = code;
      start = scratch.length - 1;
    } else if (code < highest) {
      start = expand(code, scratch.length);
    } else if (code === highest && previous !== -1) {
      // The string being defined right now: the previous string plus its own first byte.
      start = expand(previous, scratch.length - 1);
      scratch[scratch.length - 1] = scratch[start]!;
    } else {
      throw badCompression('invalid code');
    }
    append(scratch, start);
    if (previous !== -1) {
      prefix[highest] = previous;
      suffix[highest] = scratch[start]!;
    }
    previous = code;
    highest++;
    if (highest >= widthLimit) {
      if (width === MAX_WIDTH) {
        // Table full: keep decoding with the table as it is until a clear code arrives.
        previous = -1;
        highest--;
      } else {
        width++;
        widthLimit <<= 1;
      }
    }
  }
  return out.slice(0, outLength);
}
