/**
 * The parts of Go's `strconv` that go-bexpr leans on, with Go's exact error texts, so a filter
 * Consul refuses is refused here in the same words: `Quote` (what `%q` prints), `Unquote` (how
 * string literals are read), and `ParseInt` / `ParseBool` (how values are coerced to a field's
 * type).
 */

/** Why `parseGoInt` / `parseGoBool` refused a text: Go's `*strconv.NumError` message. */
export class GoSyntaxError {
  constructor(readonly message: string) {}
}

/** Go's `strconv.Quote`: `"` and `\` escaped, non-printable characters as `\n`, `\x07`, `\u00a0`… */
export function quoteGo(text: string): string {
  let out = '"';
  for (const char of text) {
    if (char === '"' || char === '\\') {
      out += `\\${char}`;
    } else if (isGoPrintable(char)) {
      out += char;
    } else {
      out += escapeRune(char.codePointAt(0)!);
    }
  }
  return `${out}"`;
}

const SHORT_ESCAPES: Record<number, string> = {
  7: '\\a',
  8: '\\b',
  12: '\\f',
  10: '\\n',
  13: '\\r',
  9: '\\t',
  11: '\\v',
};

function escapeRune(code: number): string {
  const short = SHORT_ESCAPES[code];
  if (short !== undefined) return short;
  if (code < 0x20 || code === 0x7f) return `\\x${hex(code, 2)}`;
  // A lone surrogate is not a rune Go can hold; Go prints such a rune as U+FFFD.
  const rune = code >= 0xd800 && code <= 0xdfff ? 0xfffd : code;
  return rune < 0x10000 ? `\\u${hex(rune, 4)}` : `\\U${hex(rune, 8)}`;
}

/** `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space. */
function isGoPrintable(char: string): boolean {
  return char === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(char);
}

function hex(value: number, digits: number): string {
  return value.toString(16).padStart(digits, '0');
}

/**
 * Go's `strconv.Unquote` for a `"…"` or `` `…` `` literal (quotes included); undefined where Go
 * answers `invalid syntax`. Raw strings drop `\r`; interpreted strings take Go's escapes, and
 * refuse an unescaped newline. Escapes that make bytes (`\xff`, `\377`) are decoded as UTF-8 at
 * the end, invalid sequences becoming U+FFFD: a JS string cannot hold Go's invalid bytes.
 */
export function unquoteGo(literal: string): string | undefined {
  if (literal.length < 2) return undefined;
  const quote = literal[0];
  if (quote !== literal.at(-1)) return undefined;
  const body = literal.slice(1, -1);
  if (quote === '`') return body.includes('`') ? undefined : body.replaceAll('\r', '');
  if (quote !== '"' || body.includes('\n')) return undefined;
  if (!body.includes('\\') && !body.includes('"')) return body;
  return unescapeInterpreted(body);
}

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
  '\\': 0x5c,
  '"': 0x22,
};

/** The body of a `"…"` literal with Go's escapes applied, as UTF-8 bytes decoded at the end. */
function unescapeInterpreted(body: string): string | undefined {
  const encoder = new TextEncoder();
  const bytes: number[] = [];
  let i = 0;
  while (i < body.length) {
    const char = String.fromCodePoint(body.codePointAt(i)!);
    if (char === '"') return undefined;
    if (char !== '\\') {
      bytes.push(...encoder.encode(char));
      i += char.length;
      continue;
    }
    const kind = body[i + 1];
    if (kind === undefined) return undefined;
    const simple = SIMPLE_ESCAPES[kind];
    if (simple !== undefined) {
      bytes.push(simple);
      i += 2;
    } else if (kind === 'x' || kind === 'u' || kind === 'U') {
      const digits = kind === 'x' ? 2 : kind === 'u' ? 4 : 8;
      const text = body.slice(i + 2, i + 2 + digits);
      if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(text)) return undefined;
      const value = Number.parseInt(text, 16);
      if (kind === 'x') {
        bytes.push(value);
      } else {
        // `\u` and `\U` must name a valid rune: no surrogates, nothing past U+10FFFF.
        if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return undefined;
        bytes.push(...encoder.encode(String.fromCodePoint(value)));
      }
      i += 2 + digits;
    } else if (kind >= '0' && kind <= '7') {
      const text = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(text)) return undefined;
      const value = Number.parseInt(text, 8);
      if (value > 0xff) return undefined;
      bytes.push(value);
      i += 4;
    } else {
      return undefined;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

const INT64_LIMIT = 1n << 63n;

/**
 * Go's `strconv.ParseInt(text, 0, 64)`: optional sign, base from the prefix (`0x`, `0o`, `0b`,
 * a leading `0` for octal, else decimal), `_` between digits.
 */
export function parseGoInt(text: string): bigint | GoSyntaxError {
  const syntaxError = new GoSyntaxError(`strconv.ParseInt: parsing ${quoteGo(text)}: invalid syntax`);
  const rangeError = new GoSyntaxError(`strconv.ParseInt: parsing ${quoteGo(text)}: value out of range`);
  let digits = text;
  const negative = digits.startsWith('-');
  if (negative || digits.startsWith('+')) digits = digits.slice(1);
  if (digits === '') return syntaxError;

  let base = 10n;
  if (digits[0] === '0') {
    const prefix = digits[1]?.toLowerCase();
    if (digits.length >= 3 && (prefix === 'b' || prefix === 'o' || prefix === 'x')) {
      base = prefix === 'b' ? 2n : prefix === 'o' ? 8n : 16n;
      digits = digits.slice(2);
    } else {
      base = 8n;
      digits = digits.slice(1);
    }
  }

  let magnitude = 0n;
  let sawUnderscore = false;
  for (const char of digits) {
    if (char === '_') {
      sawUnderscore = true;
      continue;
    }
    const digit = digitValue(char);
    if (digit === undefined || digit >= base) return syntaxError;
    magnitude = magnitude * base + digit;
    if (magnitude > 0xffff_ffff_ffff_ffffn) return rangeError;
  }
  if (sawUnderscore && !underscoresAreSeparators(text)) return syntaxError;
  if (negative ? magnitude > INT64_LIMIT : magnitude >= INT64_LIMIT) return rangeError;
  return negative ? -magnitude : magnitude;
}

function digitValue(char: string): bigint | undefined {
  const code = char.toLowerCase().charCodeAt(0);
  if (code >= 0x30 && code <= 0x39) return BigInt(code - 0x30);
  if (code >= 0x61 && code <= 0x7a) return BigInt(code - 0x61 + 10);
  return undefined;
}

/** Go's `underscoreOK`: each `_` sits between digits (a base prefix counts as a digit). */
function underscoresAreSeparators(text: string): boolean {
  let rest = text.replace(/^[+-]/, '');
  let last: 'start' | 'digit' | 'underscore' | 'other' = 'start';
  let hexadecimal = false;
  if (/^0[bBoOxX]/.test(rest)) {
    last = 'digit';
    hexadecimal = rest[1]!.toLowerCase() === 'x';
    rest = rest.slice(2);
  }
  for (const char of rest) {
    if (/[0-9]/.test(char) || (hexadecimal && /[a-fA-F]/.test(char))) {
      last = 'digit';
    } else if (char === '_') {
      if (last !== 'digit') return false;
      last = 'underscore';
    } else {
      if (last === 'underscore') return false;
      last = 'other';
    }
  }
  return last !== 'underscore';
}

/** Go's `strconv.ParseBool`. */
export function parseGoBool(text: string): boolean | GoSyntaxError {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return new GoSyntaxError(`strconv.ParseBool: parsing ${quoteGo(text)}: invalid syntax`);
}
