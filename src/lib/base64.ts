/**
 * Standard base64 (RFC 4648 §4, padded), as Go's `base64.StdEncoding` reads and writes it. The
 * Consul API carries KV values, event payloads and txn values this way. Pure: no Buffer, so the
 * browser UI can use it too.
 */

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const sextetOf = new Map([...alphabet].map((character, sextet) => [character, sextet]));

export function encodeBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    text += alphabet[a >> 2]!;
    text += alphabet[((a & 0x03) << 4) | ((b ?? 0) >> 4)]!;
    text += b === undefined ? '=' : alphabet[((b & 0x0f) << 2) | ((c ?? 0) >> 6)]!;
    text += c === undefined ? '=' : alphabet[c & 0x3f]!;
  }
  return text;
}

export class Base64Error extends Error {
  override name = 'Base64Error';
}

/**
 * Decodes padded standard base64. Like Go, line breaks (`\r`, `\n`) are skipped; anything else
 * outside the alphabet, or bad padding, throws `illegal base64 data at input byte N`.
 */
export function decodeBase64(text: string): Uint8Array {
  const input = text.replace(/[\r\n]/g, '');
  if (input.length % 4 !== 0) throw illegalAt(input.length - (input.length % 4));
  const bytes = new Uint8Array((input.length / 4) * 3);
  let length = 0;
  for (let i = 0; i < input.length; i += 4) {
    const last = i + 4 === input.length;
    const quantum = input.slice(i, i + 4);
    const padding = quantum.endsWith('==') ? 2 : quantum.endsWith('=') ? 1 : 0;
    if (padding > 0 && !last) throw illegalAt(i + 4 - padding);
    let bits = 0;
    for (let j = 0; j < 4 - padding; j++) {
      const sextet = sextetOf.get(quantum[j]!);
      if (sextet === undefined) throw illegalAt(i + j);
      bits = (bits << 6) | sextet;
    }
    bits <<= 6 * padding;
    bytes[length++] = (bits >> 16) & 0xff;
    if (padding < 2) bytes[length++] = (bits >> 8) & 0xff;
    if (padding < 1) bytes[length++] = bits & 0xff;
  }
  return bytes.subarray(0, length);
}

function illegalAt(offset: number): Base64Error {
  return new Base64Error(`illegal base64 data at input byte ${offset}`);
}
