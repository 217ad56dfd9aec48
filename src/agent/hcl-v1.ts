/**
 * HCL v1, the format of Consul's `.hcl` config files, read with HashiCorp's own v1 parser
 * (`js-hcl-parser`, the Go code compiled to JS). The result has the shape Go's `hcl.Decode`
 * gives into an `interface{}`: every block becomes a list of objects, which the config
 * decoder folds back into single blocks where Consul expects one.
 *
 * The compiled parser reads an integer literal as a Go `int`, which is 32 bits under GopherJS,
 * so `interval = 10000000000` (a duration in nanoseconds, as Consul users write them) fails
 * with `strconv.ParseInt: ... value out of range` where Consul, a 64-bit build, accepts it.
 * `widenLargeIntegers` therefore rewrites every integer literal outside the 32-bit range into
 * a float literal of the same value before parsing (`10000000000` → `10000000000.0`,
 * `0x2540BE400` → `10000000000.0`); the parser reads it as a float64 and prints it back as the
 * same integer. Integers beyond ±2^53 are an error: a float64 cannot hold them exactly.
 */

import { hclParser } from '../io/hcl-parser.ts';

const failurePrefix = 'unable to parse JSON: ';

/** The parsed document, or the parser's message (e.g. `At 1:7: literal not terminated`). */
export function parseHclV1(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const widened = widenLargeIntegers(text);
  let output: string;
  try {
    output = hclParser().parse(widened.text);
  } catch (error) {
    // A Go panic inside the compiled parser surfaces as a JS exception.
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  if (output.startsWith(failurePrefix)) return { ok: false, message: output.slice(failurePrefix.length) };
  // After the syntax, as Go's decoder reports an out-of-range integer only for a parsed file.
  if (widened.inexact !== undefined) return { ok: false, message: inexactMessage(text, widened.inexact) };
  try {
    return { ok: true, value: JSON.parse(output) };
  } catch {
    return { ok: false, message: output };
  }
}

/** An integer literal token of the source: its UTF-16 range and value. */
export interface IntegerLiteral {
  start: number;
  end: number;
  value: bigint;
}

const int32Min = -(2n ** 31n);
const int32Max = 2n ** 31n - 1n;
const exactIntegerMax = 2n ** 53n;

/**
 * `text` with every integer literal outside the int32 range written as a decimal float
 * literal, and the first literal beyond ±2^53 (also rewritten, inexactly) if any. Tokens are
 * found with the v1 scanners' own rules (`hcl/scanner/scanner.go`, or `json/scanner` when the
 * text starts with `{` as in Go's `lexMode`), so strings, heredocs, comments and identifiers
 * never change. No newline is added or removed, so parse errors keep their line; one after a
 * rewritten literal on the same line reports a column a few characters off (`.0` added, or a
 * hex or octal literal written in decimal).
 */
export function widenLargeIntegers(text: string): { text: string; inexact: IntegerLiteral | undefined } {
  let widened = '';
  let copiedUpTo = 0;
  let inexact: IntegerLiteral | undefined;
  for (const literal of new LiteralScanner(text).integerLiterals()) {
    const { value } = literal;
    if (value >= int32Min && value <= int32Max) continue;
    if (inexact === undefined && (value > exactIntegerMax || value < -exactIntegerMax)) inexact = literal;
    widened += `${text.slice(copiedUpTo, literal.start)}${value}.0`;
    copiedUpTo = literal.end;
  }
  return { text: widened + text.slice(copiedUpTo), inexact };
}

function inexactMessage(text: string, literal: IntegerLiteral): string {
  const before = text.slice(0, literal.start);
  const lineStart = before.lastIndexOf('\n') + 1;
  const line = before.split('\n').length;
  // Go counts columns in code points.
  const column = [...before.slice(lineStart)].length + 1;
  return (
    `At ${line}:${column}: integer ${text.slice(literal.start, literal.end)} is out of range: ` +
    `integers are read exactly only up to ±${exactIntegerMax} (2^53)`
  );
}

const eof = -1;
const code = (c: string): number => c.charCodeAt(0);
const tab = code('\t');
const newline = code('\n');
const carriageReturn = code('\r');
const space = code(' ');
const quote = code('"');
const hash = code('#');
const dollar = code('$');
const minus = code('-');
const plus = code('+');
const period = code('.');
const slash = code('/');
const star = code('*');
const lessThan = code('<');
const backslash = code('\\');
const openBrace = code('{');
const closeBrace = code('}');
const zero = code('0');

const isDecimal = (c: number) => c >= zero && c <= zero + 9;
const isHexadecimal = (c: number) =>
  isDecimal(c) || (c >= code('a') && c <= code('f')) || (c >= code('A') && c <= code('F'));
const isWhitespace = (c: number) => c === space || c === tab || c === newline || c === carriageReturn;
const isExponentMark = (c: number) => c === code('e') || c === code('E');
const isLetter = (c: number) =>
  (c >= code('a') && c <= code('z')) ||
  (c >= code('A') && c <= code('Z')) ||
  c === code('_') ||
  (c >= 0x80 && /\p{L}/u.test(String.fromCodePoint(c)));
const isDigit = (c: number) => isDecimal(c) || (c >= 0x80 && /\p{Nd}/u.test(String.fromCodePoint(c)));

/**
 * The token rules of HashiCorp's HCL v1 scanners, reduced to finding integer literals. Where
 * it could part ways with Go's scanner, on text that scanner rejects, the parse fails whatever
 * follows; up to there both see the same tokens, so a rewrite only turns an integer token into
 * a float token, which the parser takes wherever it takes an integer.
 */
class LiteralScanner {
  private offset = 0;
  /** Go's `lexMode`: JSON when the first non-space character is `{`. */
  private readonly json: boolean;

  constructor(private readonly text: string) {
    this.json = /^\p{White_Space}*\{/u.test(text);
  }

  *integerLiterals(): Generator<IntegerLiteral> {
    for (;;) {
      let c = this.next();
      while (isWhitespace(c)) c = this.next();
      if (c === eof) return;
      const start = this.offset - (c > 0xffff ? 2 : 1);
      let literal: IntegerLiteral | undefined;
      if (isLetter(c)) {
        this.skipIdentifier();
      } else if (isDecimal(c)) {
        literal = this.scanNumber(start);
      } else if (c === quote) {
        this.skipString();
      } else if (c === period) {
        this.skipDecimals(); // `.5`, a float
      } else if (c === minus) {
        if (isDecimal(this.peek())) literal = this.scanNumber(start, this.next());
      } else if (!this.json && (c === hash || c === slash)) {
        this.skipComment(c);
      } else if (!this.json && c === lessThan) {
        this.skipHeredoc();
      }
      if (literal !== undefined) yield literal;
    }
  }

  private peek(): number {
    return this.offset < this.text.length ? this.text.codePointAt(this.offset)! : eof;
  }

  private next(): number {
    const c = this.peek();
    if (c !== eof) this.offset += c > 0xffff ? 2 : 1;
    return c;
  }

  private skipIdentifier(): void {
    for (;;) {
      const c = this.peek();
      if (!(isLetter(c) || isDigit(c) || c === minus || c === period)) return;
      this.next();
    }
  }

  private skipDecimals(): void {
    while (isDecimal(this.peek())) this.next();
  }

  /** After the `e`: an optional sign and digits. */
  private skipExponent(): void {
    if (this.peek() === minus || this.peek() === plus) this.next();
    this.skipDecimals();
  }

  /**
   * A number whose first digit is consumed; an integer literal unless it is a float or a form
   * the scanner rejects (hex without digits, octal with 8 or 9, a JSON number with a leading 0).
   */
  private scanNumber(start: number, first = code(this.text[start]!)): IntegerLiteral | undefined {
    const digitsStart = this.offset - 1;
    if (first === zero && !this.json && (this.peek() === code('x') || this.peek() === code('X'))) {
      this.next();
      const hexStart = this.offset;
      while (isHexadecimal(this.peek())) this.next();
      if (this.offset === hexStart) return undefined;
      return this.literal(start, BigInt(`0x${this.text.slice(hexStart, this.offset)}`));
    }
    this.skipDecimals();
    if (isExponentMark(this.peek())) {
      this.next();
      this.skipExponent();
      return undefined;
    }
    if (this.peek() === period) {
      this.next();
      this.skipDecimals();
      if (isExponentMark(this.peek())) {
        this.next();
        this.skipExponent();
      }
      return undefined;
    }
    const digits = this.text.slice(digitsStart, this.offset);
    if (first !== zero || digits.length === 1) return this.literal(start, BigInt(digits));
    if (this.json || /[89]/.test(digits)) return undefined;
    return this.literal(start, BigInt(`0o${digits.slice(1)}`));
  }

  private literal(start: number, magnitude: bigint): IntegerLiteral {
    const value = this.text.charCodeAt(start) === minus ? -magnitude : magnitude;
    return { start, end: this.offset, value };
  }

  /**
   * After the opening quote. In HCL a `${…}` interpolation may hold quotes and newlines; an
   * escape takes the next character (any digits after it cannot end the string).
   */
  private skipString(): void {
    let braces = 0;
    for (;;) {
      const c = this.next();
      if (c === eof) return;
      const plain = braces === 0 || this.json;
      if ((c === newline || c === quote) && plain) return;
      if (braces === 0 && c === dollar && this.peek() === openBrace) {
        braces++;
        this.next();
      } else if (braces > 0 && c === openBrace) {
        braces++;
      } else if (braces > 0 && c === closeBrace) {
        braces--;
      }
      if (c === backslash) this.next();
    }
  }

  /** `#` and `//` to the end of the line, `/*` to the first `*\/` (they do not nest). */
  private skipComment(c: number): void {
    if (c === hash || this.peek() === slash) {
      while (this.peek() !== eof && this.peek() !== newline) this.next();
    } else if (this.peek() === star) {
      const end = this.text.indexOf('*/', this.offset + 1);
      this.offset = end === -1 ? this.text.length : end + 2;
    }
  }

  /**
   * After the first `<`: `<<NAME` or `<<-NAME` then a newline; the body ends after the first
   * line that is NAME with optional leading spaces and trailing `\r` (also without the `-`), but
   * for `<<-` not NAME alone (the scanner compares its length with that of `-NAME` first).
   */
  private skipHeredoc(): void {
    if (this.next() !== lessThan) return;
    const anchorStart = this.offset;
    let c = this.next();
    if (c === minus) c = this.next();
    while (isLetter(c) || isDigit(c)) c = this.next();
    if (c === carriageReturn && this.peek() === newline) c = this.next();
    if (c !== newline) return;
    // With CRLF line ends the anchor keeps its `\r`, as in the scanner.
    const anchor = this.text.slice(anchorStart, this.offset - 1);
    if (anchor === '' || anchor === '-') return;
    const name = anchor.startsWith('-') ? anchor.slice(1) : anchor;
    let lineStart = this.offset;
    for (;;) {
      const c = this.next();
      if (c === eof) return;
      if (c !== newline) continue;
      const line = this.text.slice(lineStart, this.offset - 1);
      const rest = line.replace(/^[\t\n\v\f\r ]*/, '');
      if (line.length >= anchor.length && rest.startsWith(name) && /^\r*$/.test(rest.slice(name.length)))
        return;
      lineStart = this.offset;
    }
  }
}
