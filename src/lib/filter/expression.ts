/**
 * The syntax tree of a filter expression, as go-bexpr v0.1.2 (the version Consul builds against)
 * parses it, and the error value every filter function returns instead of throwing.
 */

/** Match operators, by the names go-bexpr's errors print (`MatchOperator.String()`). */
export const MatchOperator = {
  equal: 'Equal',
  notEqual: 'Not Equal',
  /** `"v" in Selector` and `Selector contains "v"`: the same operator. */
  in: 'In',
  notIn: 'Not In',
  isEmpty: 'Is Empty',
  isNotEmpty: 'Is Not Empty',
  matches: 'Matches',
  notMatches: 'Not Matches',
} as const;
export type MatchOperator = (typeof MatchOperator)[keyof typeof MatchOperator];

/** `Selector <operator> Value`, `Selector is [not] empty`, or `Value [not] in Selector`. */
export interface MatchExpression {
  kind: 'match';
  /** The selector's segments: `Service.Meta["a b"]` is `['Service', 'Meta', 'a b']`. */
  selector: string[];
  operator: MatchOperator;
  /**
   * The value as written: a string literal unquoted, a number as its text, a bare word (which
   * the grammar reads as a selector) with its segments joined by `.`. Absent for emptiness checks.
   */
  value?: string;
}

export interface NotExpression {
  kind: 'not';
  operand: FilterExpression;
}

/** Two or more operands, evaluated left to right, stopping at the first false. */
export interface AndExpression {
  kind: 'and';
  operands: FilterExpression[];
}

/** Two or more operands, evaluated left to right, stopping at the first true. */
export interface OrExpression {
  kind: 'or';
  operands: FilterExpression[];
}

export type FilterExpression = MatchExpression | NotExpression | AndExpression | OrExpression;

/**
 * A filter the user got wrong, in go-bexpr's words (`1:7 (6): no match found, expected: …`,
 * `Selector "X" is not valid`). Returned, never thrown: a bad filter is an operating error.
 */
export class FilterError {
  constructor(readonly message: string) {}
}
