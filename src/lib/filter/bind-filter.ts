/**
 * Checks a parsed filter against the schema of the records it will filter, as go-bexpr v0.1.2
 * does when Consul creates the evaluator (`validate.go`), and prepares it for evaluation: each
 * selector resolved to the fields it walks through, each value read as its field's type, each
 * `matches` pattern compiled. Match expressions are checked left to right; the first problem is
 * the answer, in go-bexpr's words:
 *
 * - `Selector "Service.Nope" is not valid` (naming the selector up to the segment that failed);
 * - `Invalid match operator "Equal" for selector "Service.Tags"`;
 * - `Failed to coerce value "x" for selector "Service.Port": strconv.ParseInt: parsing "x": invalid syntax`;
 * - `Failed to compile regular expression "(": error parsing regexp: missing closing ): \`(\``.
 */
import { FilterError, type FilterExpression, type MatchExpression, MatchOperator } from './expression.ts';
import { compileGoRegexp } from './go-regexp.ts';
import { parseGoBool, parseGoInt, quoteGo } from './go-strconv.ts';
import { parseFilter } from './parse-filter.ts';
import { type FieldSchema, operatorsOf, type StructSchema, subfieldsOf, valueKindOf } from './schema.ts';

/** A match ready to evaluate. */
export interface BoundMatch {
  kind: 'match';
  selector: readonly string[];
  /** `fields[i]` is the schema of what `selector[0..i]` selects. */
  fields: readonly FieldSchema[];
  operator: MatchOperator;
  /** The value read as the field's type; a compiled pattern for `matches`; absent for emptiness. */
  value: string | bigint | boolean | RegExp | undefined;
}

export type BoundFilter =
  | BoundMatch
  | { kind: 'not'; operand: BoundFilter }
  | { kind: 'and' | 'or'; operands: BoundFilter[] };

/** Parses `text` and binds it to `schema`: Consul's `bexpr.CreateFilter`, minus the message prefix. */
export function compileFilter(text: string, schema: StructSchema): BoundFilter | FilterError {
  const expression = parseFilter(text);
  return expression instanceof FilterError ? expression : bindFilter(expression, schema);
}

export function bindFilter(expression: FilterExpression, schema: StructSchema): BoundFilter | FilterError {
  switch (expression.kind) {
    case 'match':
      return bindMatch(expression, schema);
    case 'not': {
      const operand = bindFilter(expression.operand, schema);
      return operand instanceof FilterError ? operand : { kind: 'not', operand };
    }
    case 'and':
    case 'or': {
      const operands: BoundFilter[] = [];
      for (const operand of expression.operands) {
        const bound = bindFilter(operand, schema);
        if (bound instanceof FilterError) return bound;
        operands.push(bound);
      }
      return { kind: expression.kind, operands };
    }
  }
}

function bindMatch(match: MatchExpression, schema: StructSchema): BoundMatch | FilterError {
  const fields = resolveSelector(match.selector, schema);
  if (fields instanceof FilterError) return fields;
  const selected = quoteGo(match.selector.join('.'));
  const field = fields.at(-1)!;
  if (!operatorsOf(field).includes(match.operator)) {
    return new FilterError(`Invalid match operator ${quoteGo(match.operator)} for selector ${selected}`);
  }
  const value = match.value === undefined ? undefined : readValue(match.value, field);
  if (value instanceof FilterError) {
    return new FilterError(
      `Failed to coerce value ${quoteGo(match.value!)} for selector ${selected}: ${value.message}`,
    );
  }
  if (match.operator === MatchOperator.matches || match.operator === MatchOperator.notMatches) {
    // Only string fields take `matches`, so the value is the pattern's text.
    const pattern = String(value);
    const regexp = compileGoRegexp(pattern);
    if (typeof regexp === 'string') {
      return new FilterError(`Failed to compile regular expression ${quoteGo(pattern)}: ${regexp}`);
    }
    return { kind: 'match', selector: match.selector, fields, operator: match.operator, value: regexp };
  }
  return { kind: 'match', selector: match.selector, fields, operator: match.operator, value };
}

/** The schema of each step of the selector; a struct field by exact name, else any map key. */
function resolveSelector(selector: readonly string[], schema: StructSchema): FieldSchema[] | FilterError {
  const fields: FieldSchema[] = [];
  let below = subfieldsOf(schema);
  for (const [index, segment] of selector.entries()) {
    const field =
      below.named !== undefined && Object.hasOwn(below.named, segment) ? below.named[segment] : below.any;
    if (field === undefined) {
      return new FilterError(`Selector ${quoteGo(selector.slice(0, index + 1).join('.'))} is not valid`);
    }
    fields.push(field);
    below = subfieldsOf(field);
  }
  return fields;
}

/** The value as the field's type reads it (go-bexpr's coercion functions). */
function readValue(text: string, field: FieldSchema): string | bigint | boolean | FilterError {
  switch (valueKindOf(field)) {
    case 'int': {
      const parsed = parseGoInt(text);
      return typeof parsed === 'bigint' ? parsed : new FilterError(parsed.message);
    }
    case 'bool': {
      const parsed = parseGoBool(text);
      return typeof parsed === 'boolean' ? parsed : new FilterError(parsed.message);
    }
    default:
      return text;
  }
}
