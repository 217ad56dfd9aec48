/**
 * Go regular expressions (RE2 syntax, what `matches` takes) compiled to JavaScript `RegExp`s
 * that match the same strings. The syntaxes mostly agree; this translates where they differ:
 *
 * - `.` matches anything but `\n` (JS also stops at `\r`, U+2028, U+2029), everything under
 *   `s`; `^` and `$` are the text's ends, or also around each `\n` under `m` (JS's `m` also
 *   splits at `\r`), so both flags are applied here, per group as Go scopes them: `(?s)`,
 *   `(?m:…)`, `(?-s)`;
 * - `i` becomes the RegExp's flag, so it must lead the pattern (`(?i)web`);
 * - `\s` is `[\t\n\f\r ]` (JS's is Unicode-wide), `\A` and `\z` anchor to the text's ends,
 *   `\a`, `\x{10FFFF}`, octal `\123` and `\Q…\E` literal runs are spelt the JS way;
 * - `(?P<name>…)` is `(?<name>…)`, `\pL` is `\p{L}`, and `\p{Greek}` names a script;
 * - `[[:alpha:]]`-style classes are spelt out;
 * - what Go reads as literals JS would not: escaped punctuation (`\-`, `\_`), a `{` that starts
 *   no repetition, a lone `}` or `]`, a `]` first in a class, a `-` after `\d` in a class; and a
 *   repeated anchor (`^*`) is grouped.
 *
 * The RegExp has the `u` flag, so `.` and classes take code points as Go takes runes. Syntax Go
 * refuses is refused (lookaround, backreferences) in Go's words where this file finds it
 * (`error parsing regexp: invalid escape sequence: \`\e\``); errors JS finds keep JS's words but
 * for the commonest three. Kept differences: `i` other than leading and ungreedy `U` are
 * refused though Go takes them, and `\S` inside brackets also excludes non-ASCII spaces.
 */

export function compileGoRegexp(pattern: string): RegExp | string {
  const translated = new RegexpTranslator(pattern).translate();
  if (typeof translated === 'string') return translated;
  try {
    return new RegExp(translated.source, `${translated.flags}u`);
  } catch (error) {
    const reason = (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    return `error parsing regexp: ${GO_REASONS.get(reason) ?? reason.toLowerCase()}: \`${pattern}\``;
  }
}

/** V8's words for the commonest mistakes, in Go's. */
const GO_REASONS = new Map([
  ['Unterminated group', 'missing closing )'],
  ["Unmatched ')'", 'unexpected )'],
  ['Nothing to repeat', 'missing argument to repetition operator'],
]);

interface Translation {
  source: string;
  flags: string;
}

/** The flags Go scopes to a group, applied by the translation itself. */
interface Modes {
  dotAll: boolean;
  multiline: boolean;
}

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const GO_SPACE = '\\t\\n\\f\\r ';
const FLAG_GROUP = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])/;

class RegexpTranslator {
  private out = '';
  private at = 0;
  private inClass = false;
  private caseInsensitive = false;
  /** Modes of the open groups, innermost last; the first entry is the pattern's own. */
  private readonly modes: Modes[] = [{ dotAll: false, multiline: false }];

  constructor(private readonly pattern: string) {}

  translate(): Translation | string {
    const leading = this.leadingFlags();
    if (leading !== undefined) return leading;
    while (this.at < this.pattern.length) {
      const problem = this.inClass ? this.classCharacter() : this.character();
      if (problem !== undefined) return problem;
    }
    if (this.inClass) {
      const unclosed = this.pattern.slice(this.pattern.lastIndexOf('['));
      return `error parsing regexp: missing closing ]: \`${unclosed}\``;
    }
    return { source: this.out, flags: this.caseInsensitive ? 'i' : '' };
  }

  private get mode(): Modes {
    return this.modes.at(-1)!;
  }

  private get rest(): string {
    return this.pattern.slice(this.at);
  }

  /** `(?i)`, `(?ms)`… at the very start: the only place `i` is taken. */
  private leadingFlags(): string | undefined {
    for (
      let group = /^\(\?([a-zA-Z]+)\)/.exec(this.rest);
      group;
      group = /^\(\?([a-zA-Z]+)\)/.exec(this.rest)
    ) {
      for (const flag of group[1]!) {
        if (flag === 'i') this.caseInsensitive = true;
        else if (flag === 's') this.mode.dotAll = true;
        else if (flag === 'm') this.mode.multiline = true;
        else return unsupported(group[0]);
      }
      this.at += group[0].length;
    }
    return undefined;
  }

  private character(): string | undefined {
    const char = this.pattern[this.at]!;
    if (char === '\\') return this.escape();
    if (char === '[') return this.openClass();
    if (char === '(') return this.openGroup();
    if (char === ')') {
      if (this.modes.length > 1) this.modes.pop();
      return this.emit(')', 1);
    }
    if (char === '.') return this.emit(this.mode.dotAll ? '[^]' : '[^\\n]', 1);
    if (char === '^' || char === '$') return this.anchor(char);
    if (char === '{') {
      const repeat = /^\{\d+(,\d*)?\}/.exec(this.rest);
      return repeat ? this.emit(repeat[0], repeat[0].length) : this.emit('\\{', 1);
    }
    if (char === '}' || char === ']') return this.emit(`\\${char}`, 1);
    return this.emit(char, 1);
  }

  private anchor(char: '^' | '$'): undefined {
    let text: string = char;
    if (this.mode.multiline) text = char === '^' ? '(?<![^\\n])' : '(?![^\\n])';
    // Go repeats an anchor (`^*`); JS repeats only a group.
    if (/^[*+?{]/.test(this.pattern.slice(this.at + 1)) || this.mode.multiline) text = `(?:${text})`;
    return this.emit(text, 1);
  }

  private openGroup(): string | undefined {
    const rest = this.rest;
    if (!rest.startsWith('(?')) {
      this.modes.push({ ...this.mode });
      return this.emit('(', 1);
    }
    const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
    if (named) {
      this.modes.push({ ...this.mode });
      return this.emit(`(?<${named[1]}>`, named[0].length);
    }
    const flagGroup = FLAG_GROUP.exec(rest);
    if (!flagGroup) return unsupported(rest.slice(0, 3));
    const [text, set = '', cleared = '', end] = flagGroup;
    const modes = { ...this.mode };
    for (const [flags, on] of [
      [set, true],
      [cleared, false],
    ] as const) {
      for (const flag of flags) {
        if (flag === 's') modes.dotAll = on;
        else if (flag === 'm') modes.multiline = on;
        else return unsupported(text);
      }
    }
    if (end === ')') {
      // `(?s)`: for the rest of the enclosing group.
      this.modes[this.modes.length - 1] = modes;
      return this.emit('', text.length);
    }
    this.modes.push(modes);
    return this.emit('(?:', text.length);
  }

  private openClass(): undefined {
    this.inClass = true;
    const negated = this.pattern[this.at + 1] === '^';
    this.emit(negated ? '[^' : '[', negated ? 2 : 1);
    // A `]` first in a class is a literal in Go; in JS it would close an empty class.
    if (this.pattern[this.at] === ']') this.emit('\\]', 1);
    return undefined;
  }

  private classCharacter(): string | undefined {
    const char = this.pattern[this.at]!;
    if (char === '\\') return this.escape();
    if (char === ']') {
      this.inClass = false;
      return this.emit(']', 1);
    }
    const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.rest);
    if (posix) {
      const name = posix[2]!;
      const range = Object.hasOwn(POSIX_CLASSES, name) ? POSIX_CLASSES[name] : undefined;
      if (range === undefined || posix[1] === '^') {
        return `error parsing regexp: invalid character class range: \`${posix[0]}\``;
      }
      return this.emit(range, posix[0].length);
    }
    return this.emit(char, 1);
  }

  private escape(): string | undefined {
    const translated = translateEscape(this.pattern, this.at, this.inClass);
    if (typeof translated === 'string') return translated;
    const isClassEscape = /^\\[dDwWsSpP]/.test(this.rest);
    this.emit(translated.text, translated.next - this.at);
    // After a class such as `\d` inside brackets, Go reads `-` as a literal; JS refuses it.
    if (this.inClass && isClassEscape && this.pattern[this.at] === '-') this.emit('\\-', 1);
    return undefined;
  }

  private emit(text: string, consumed: number): undefined {
    this.out += text;
    this.at += consumed;
    return undefined;
  }
}

function translateEscape(
  pattern: string,
  at: number,
  inClass: boolean,
): { text: string; next: number } | string {
  const kind = pattern[at + 1];
  if (kind === undefined) return 'error parsing regexp: trailing backslash at end of expression: ``';
  const next = at + 2;
  if ('dDwWfnrtv'.includes(kind)) return { text: `\\${kind}`, next };
  // Assertions are grouped so that Go's `\b*` stays a valid JS repetition.
  if (!inClass && 'bB'.includes(kind)) return { text: `(?:\\${kind})`, next };
  switch (kind) {
    case 'a':
      return { text: '\\x07', next };
    case 's':
      return { text: inClass ? GO_SPACE : `[${GO_SPACE}]`, next };
    case 'S':
      return { text: inClass ? '\\S' : `[^${GO_SPACE}]`, next };
    case 'A':
      if (!inClass) return { text: '(?:(?<![^]))', next };
      break;
    case 'z':
      if (!inClass) return { text: '(?:(?![^]))', next };
      break;
    case 'x': {
      const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(pattern.slice(next));
      if (braced) return { text: `\\u{${braced[1]}}`, next: next + braced[0].length };
      const pair = /^[0-9a-fA-F]{2}/.exec(pattern.slice(next));
      if (pair) return { text: `\\x${pair[0]}`, next: next + 2 };
      break;
    }
    case 'p':
    case 'P':
      return unicodeClass(pattern, at, kind);
    case 'Q': {
      const end = pattern.indexOf('\\E', next);
      const literal = pattern.slice(next, end < 0 ? undefined : end);
      return { text: [...literal].map(escapeLiteral).join(''), next: end < 0 ? pattern.length : end + 2 };
    }
  }
  if (kind >= '0' && kind <= '7') {
    // Go reads up to three octal digits; a lone non-zero digit would be a backreference.
    const octal = /^[0-7]{1,3}/.exec(pattern.slice(at + 1))![0];
    if (kind !== '0' && octal.length === 1) return invalidEscape(pattern.slice(at, next));
    return { text: `\\u{${Number.parseInt(octal, 8).toString(16)}}`, next: at + 1 + octal.length };
  }
  if (/^[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]$/.test(kind)) return { text: escapeLiteral(kind), next };
  return invalidEscape(pattern.slice(at, next));
}

function unicodeClass(pattern: string, at: number, kind: 'p' | 'P'): { text: string; next: number } | string {
  const rest = pattern.slice(at + 2);
  const match = /^\{(\^?)([A-Za-z_]+)\}/.exec(rest) ?? /^()([A-Za-z])/.exec(rest);
  if (!match) return `error parsing regexp: invalid character class range: \`${pattern.slice(at, at + 3)}\``;
  const negate = (kind === 'P') !== (match[1] === '^');
  const name = match[2]!;
  // One or two letters name a general category (`L`, `Lu`); longer names are scripts (`Greek`).
  const property = name.length <= 2 ? name : `Script=${name}`;
  return { text: `\\${negate ? 'P' : 'p'}{${property}}`, next: at + 2 + match[0].length };
}

function escapeLiteral(char: string): string {
  return `\\u{${char.codePointAt(0)!.toString(16)}}`;
}

function invalidEscape(sequence: string): string {
  return `error parsing regexp: invalid escape sequence: \`${sequence}\``;
}

function unsupported(syntax: string): string {
  return `error parsing regexp: invalid or unsupported Perl syntax: \`${syntax}\``;
}
