/**
 * The filter grammar of go-bexpr v0.1.2 (`grammar.peg`), the version Consul builds against, as a
 * recursive-descent parser that follows the PEG rule for rule: ordered choice, backtracking, and
 * the same terminals tried in the same order, so that a filter fails with the message Consul
 * gives (see peg-scanner.ts for how the message is built). Each method names the rule it
 * implements.
 *
 * Three rules are restructured so the parser stays linear: OrExpression and AndExpression
 * (right-recursive in the PEG) loop instead, and ParenthesizedExpression parses its contents once
 * where the PEG's first and third alternatives would parse them twice. Parsing the same text at
 * the same place again records nothing new, so the messages are unchanged; the PEG's way doubles
 * the work at every unclosed parenthesis.
 *
 * Not in go-bexpr: nesting deeper than MAX_NESTING_DEPTH parentheses or `not`s is refused, so a
 * hostile filter cannot exhaust the stack.
 */
import {
  type FilterError,
  type FilterExpression,
  type MatchExpression,
  MatchOperator,
} from './expression.ts';
import { unquoteGo } from './go-strconv.ts';
import { type CharacterClass, PegScanner } from './peg-scanner.ts';

export const MAX_NESTING_DEPTH = 100;

/** Parses a filter; a `FilterError` carries go-bexpr's message. Never throws. */
export function parseFilter(text: string): FilterExpression | FilterError {
  return new FilterParser(text).parse();
}

const WHITESPACE: CharacterClass = { name: '[ \\t\\r\\n]', matches: (c) => /^[ \t\r\n]$/.test(c) };
const LETTER: CharacterClass = { name: '[a-zA-Z]', matches: (c) => /^[a-zA-Z]$/.test(c) };
const WORD: CharacterClass = { name: '[a-zA-Z0-9_]', matches: (c) => /^[a-zA-Z0-9_]$/.test(c) };
const DIGIT: CharacterClass = { name: '[0-9]', matches: (c) => /^[0-9]$/.test(c) };
const NONZERO_DIGIT: CharacterClass = { name: '[1-9]', matches: (c) => /^[1-9]$/.test(c) };

/** An operator's spelling: `_` is required whitespace, `_?` optional whitespace, else a literal. */
type Spelling = readonly string[];

/** MatchSelectorOpValue's operators, in the grammar's order. */
const OPERATORS_BEFORE_VALUE: readonly [MatchOperator, Spelling][] = [
  [MatchOperator.equal, ['_?', '==', '_?']],
  [MatchOperator.notEqual, ['_?', '!=', '_?']],
  [MatchOperator.in, ['_', 'contains', '_']],
  [MatchOperator.notIn, ['_', 'not', '_', 'contains', '_']],
  [MatchOperator.matches, ['_', 'matches', '_']],
  [MatchOperator.notMatches, ['_', 'not', '_', 'matches', '_']],
];

/** MatchSelectorOp's operators. */
const EMPTINESS_OPERATORS: readonly [MatchOperator, Spelling][] = [
  [MatchOperator.isEmpty, ['_', 'is', '_', 'empty']],
  [MatchOperator.isNotEmpty, ['_', 'is', '_', 'not', '_', 'empty']],
];

/** MatchValueOpSelector's operators. */
const OPERATORS_BEFORE_SELECTOR: readonly [MatchOperator, Spelling][] = [
  [MatchOperator.in, ['_', 'in', '_']],
  [MatchOperator.notIn, ['_', 'not', '_', 'in', '_']],
];

class FilterParser {
  private readonly scan: PegScanner;
  private depth = 0;

  constructor(text: string) {
    this.scan = new PegScanner(text);
  }

  parse(): FilterExpression | FilterError {
    const expression = this.input();
    // pigeon fails a parse that complained anywhere, even one that found a way through.
    if (expression === undefined || this.scan.hasComplaints) return this.scan.failure();
    return expression;
  }

  // Input <- _? "(" _? OrExpression _? ")" _? EOF / _? OrExpression _? EOF
  private input(): FilterExpression | undefined {
    const s = this.scan;
    this.optionalSpace();
    if (s.literal('(')) {
      this.optionalSpace();
      const inner = this.nested(() => this.or());
      if (inner !== undefined) {
        this.optionalSpace();
        if (s.literal(')')) {
          this.optionalSpace();
          if (this.endOfInput()) return inner;
        }
      }
    }
    s.position = 0;
    this.optionalSpace();
    const expression = this.or();
    if (expression === undefined) return undefined;
    this.optionalSpace();
    return this.endOfInput() ? expression : undefined;
  }

  // OrExpression <- AndExpression _ "or" _ OrExpression / AndExpression
  private or(): FilterExpression | undefined {
    return this.chain('or', () => this.and());
  }

  // AndExpression <- NotExpression _ "and" _ AndExpression / NotExpression
  private and(): FilterExpression | undefined {
    return this.chain('and', () => this.not());
  }

  /** `first (_ word _ next)*`: the right-recursive rule unrolled, stopping where `next` fails. */
  private chain(word: 'and' | 'or', operand: () => FilterExpression | undefined) {
    const s = this.scan;
    const first = operand();
    if (first === undefined) return undefined;
    const operands = [first];
    for (;;) {
      const before = s.position;
      const next = this.space() && s.literal(word) && this.space() ? operand() : undefined;
      if (next === undefined) {
        s.position = before;
        break;
      }
      operands.push(next);
    }
    return operands.length === 1 ? first : { kind: word, operands };
  }

  // NotExpression <- "not" _ NotExpression / ParenthesizedExpression
  private not(): FilterExpression | undefined {
    const s = this.scan;
    const start = s.position;
    if (s.literal('not') && this.space()) {
      const operand = this.nested(() => this.not());
      if (operand !== undefined) return { kind: 'not', operand };
    }
    s.position = start;
    return this.parenthesized();
  }

  // ParenthesizedExpression "grouping" <- "(" _? OrExpression _? ")"
  //                                     / MatchExpression
  //                                     / "(" _? OrExpression _? !")" &{ Unmatched parentheses }
  private parenthesized(): FilterExpression | undefined {
    const s = this.scan;
    const start = s.position;
    let unclosedAt: number | undefined;
    if (s.literal('(')) {
      this.optionalSpace();
      const inner = this.nested(() => this.or());
      if (inner !== undefined) {
        this.optionalSpace();
        if (s.literal(')')) return inner;
        unclosedAt = s.position;
      }
    }
    s.position = start;
    const match = this.match();
    if (match !== undefined) return match;
    if (unclosedAt !== undefined) {
      // The third alternative, resumed where the first stopped.
      s.position = unclosedAt;
      if (s.notAhead(() => s.literal(')'))) s.complain('"grouping"', 'Unmatched parentheses');
    }
    s.position = start;
    return undefined;
  }

  // MatchExpression "match" <- MatchSelectorOpValue / MatchSelectorOp / MatchValueOpSelector
  private match(): MatchExpression | undefined {
    return this.selectorOperatorValue() ?? this.selectorEmptiness() ?? this.valueOperatorSelector();
  }

  // MatchSelectorOpValue "match" <- Selector (MatchEqual / … / MatchNotMatches) Value
  private selectorOperatorValue(): MatchExpression | undefined {
    const s = this.scan;
    const start = s.position;
    const selector = this.selector();
    const operator = selector && this.operator(OPERATORS_BEFORE_VALUE);
    const value = operator && this.value();
    if (selector && operator && value !== undefined) return { kind: 'match', selector, operator, value };
    s.position = start;
    return undefined;
  }

  // MatchSelectorOp "match" <- Selector (MatchIsEmpty / MatchIsNotEmpty)
  private selectorEmptiness(): MatchExpression | undefined {
    const s = this.scan;
    const start = s.position;
    const selector = this.selector();
    const operator = selector && this.operator(EMPTINESS_OPERATORS);
    if (selector && operator) return { kind: 'match', selector, operator };
    s.position = start;
    return undefined;
  }

  // MatchValueOpSelector "match" <- Value (MatchIn / MatchNotIn) Selector
  //                               / Value (MatchIn / MatchNotIn) !Selector &{ Invalid selector }
  private valueOperatorSelector(): MatchExpression | undefined {
    const s = this.scan;
    const start = s.position;
    const value = this.value();
    const operator = value !== undefined ? this.operator(OPERATORS_BEFORE_SELECTOR) : undefined;
    if (value !== undefined && operator) {
      const afterOperator = s.position;
      const selector = this.selector();
      if (selector) return { kind: 'match', selector, operator, value };
      // The second alternative reads the same value and operator again, then checks !Selector.
      s.position = afterOperator;
      if (s.notAhead(() => this.selector() !== undefined)) s.complain('"match"', 'Invalid selector');
    }
    s.position = start;
    return undefined;
  }

  /** The first operator whose spelling matches here. */
  private operator(choices: readonly [MatchOperator, Spelling][]): MatchOperator | undefined {
    for (const [operator, spelling] of choices) if (this.spelled(spelling)) return operator;
    return undefined;
  }

  private spelled(spelling: Spelling): boolean {
    const s = this.scan;
    const start = s.position;
    for (const part of spelling) {
      const matched = part === '_?' ? this.optionalSpace() : part === '_' ? this.space() : s.literal(part);
      if (!matched) {
        s.position = start;
        return false;
      }
    }
    return true;
  }

  // Selector "selector" <- Identifier SelectorOrIndex*
  private selector(): string[] | undefined {
    const first = this.identifier();
    if (first === undefined) return undefined;
    const path = [first];
    for (let next = this.selectorOrIndex(); next !== undefined; next = this.selectorOrIndex())
      path.push(next);
    return path;
  }

  // Identifier <- [a-zA-Z] [a-zA-Z0-9_]*
  private identifier(): string | undefined {
    const s = this.scan;
    const start = s.position;
    if (!s.character(LETTER)) return undefined;
    while (s.character(WORD));
    return s.text.slice(start, s.position);
  }

  // SelectorOrIndex <- "." Identifier / IndexExpression
  private selectorOrIndex(): string | undefined {
    const s = this.scan;
    const start = s.position;
    if (s.literal('.')) {
      const name = this.identifier();
      if (name !== undefined) return name;
    }
    s.position = start;
    return this.index();
  }

  // IndexExpression "index" <- "[" _? StringLiteral _? "]"
  //                          / "[" _? !StringLiteral &{ Invalid index }
  //                          / "[" _? StringLiteral _? !"]" &{ Unclosed index expression }
  private index(): string | undefined {
    const s = this.scan;
    const start = s.position;
    const opened = () => s.literal('[') && this.optionalSpace();
    if (opened()) {
      const key = this.stringLiteral();
      if (key !== undefined) {
        this.optionalSpace();
        if (s.literal(']')) return key;
      }
    }
    s.position = start;
    if (opened() && s.notAhead(() => this.stringLiteral() !== undefined)) {
      s.complain('"index"', 'Invalid index');
    }
    s.position = start;
    if (opened() && this.stringLiteral() !== undefined) {
      this.optionalSpace();
      if (s.notAhead(() => s.literal(']'))) s.complain('"index"', 'Unclosed index expression');
    }
    s.position = start;
    return undefined;
  }

  // Value "value" <- Selector / NumberLiteral / StringLiteral
  private value(): string | undefined {
    const selector = this.selector();
    if (selector !== undefined) return selector.join('.');
    return this.numberLiteral() ?? this.stringLiteral();
  }

  // NumberLiteral "number" <- "-"? IntegerOrFloat &AfterNumbers
  //                         / "-"? IntegerOrFloat !AfterNumbers &{ Invalid number literal }
  private numberLiteral(): string | undefined {
    const s = this.scan;
    const start = s.position;
    const number = () => {
      s.literal('-');
      return this.integerOrFloat();
    };
    if (number() && s.andAhead(() => this.afterNumber())) return s.text.slice(start, s.position);
    s.position = start;
    if (number() && s.notAhead(() => this.afterNumber())) s.complain('"number"', 'Invalid number literal');
    s.position = start;
    return undefined;
  }

  // AfterNumbers <- &(_ / EOF / ")")
  private afterNumber(): boolean {
    return this.scan.andAhead(() => this.space() || this.endOfInput() || this.scan.literal(')'));
  }

  // IntegerOrFloat <- ("0" / [1-9][0-9]*) ("." [0-9]+)?
  private integerOrFloat(): boolean {
    const s = this.scan;
    if (!s.literal('0')) {
      if (!s.character(NONZERO_DIGIT)) return false;
      while (s.character(DIGIT));
    }
    const beforeFraction = s.position;
    if (s.literal('.') && s.character(DIGIT)) while (s.character(DIGIT));
    else s.position = beforeFraction;
    return true;
  }

  // StringLiteral "string" <- ('`' RawStringChar* '`' / '"' DoubleStringChar* '"') { strconv.Unquote }
  //                         / ('`' RawStringChar* / '"' DoubleStringChar*) EOF
  //                           &{ Unterminated string literal }
  private stringLiteral(): string | undefined {
    const s = this.scan;
    const start = s.position;
    if (this.closedQuote('`') || this.closedQuote('"')) {
      const text = unquoteGo(s.text.slice(start, s.position));
      if (text !== undefined) return text;
      // pigeon reports the action's error at the literal's start and carries on with "".
      s.complain('"string"', 'invalid syntax', start);
      return '';
    }
    s.position = start;
    if ((this.openQuote('`') || this.openQuote('"')) && this.endOfInput()) {
      s.complain('"string"', 'Unterminated string literal');
    }
    s.position = start;
    return undefined;
  }

  /** `q Char* q` for the quote `q`, where Char <- !q . */
  private closedQuote(quote: string): boolean {
    const s = this.scan;
    const start = s.position;
    if (this.openQuote(quote) && s.literal(quote)) return true;
    s.position = start;
    return false;
  }

  /** `q Char*`. */
  private openQuote(quote: string): boolean {
    const s = this.scan;
    if (!s.literal(quote)) return false;
    for (;;) {
      const before = s.position;
      if (s.notAhead(() => s.literal(quote)) && s.anyCharacter()) continue;
      s.position = before;
      return true;
    }
  }

  // _ "whitespace" <- [ \t\r\n]+
  private space(): boolean {
    if (!this.scan.character(WHITESPACE)) return false;
    while (this.scan.character(WHITESPACE));
    return true;
  }

  /** `_?`: always matches. */
  private optionalSpace(): true {
    this.space();
    return true;
  }

  // EOF <- !.
  private endOfInput(): boolean {
    return this.scan.notAhead(() => this.scan.anyCharacter());
  }

  /** One level deeper in parentheses or `not`s; refused past MAX_NESTING_DEPTH. */
  private nested(parse: () => FilterExpression | undefined): FilterExpression | undefined {
    if (this.depth >= MAX_NESTING_DEPTH) {
      this.scan.complain('"grouping"', `nesting deeper than ${MAX_NESTING_DEPTH} levels is not supported`);
      return undefined;
    }
    this.depth++;
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }
}
