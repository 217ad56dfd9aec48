/**
 * Evaluates a bound filter against one record, a plain JS object shaped like the schema it was
 * bound to, with go-bexpr v0.1.2's semantics (`evaluate.go`):
 *
 * - A selector walks struct fields by name and maps by key. Where it meets a list before its
 *   last segment, the rest of the match is tried on every element and holds if it holds for
 *   any one: `Checks.Status == critical` is "some check is critical". An empty list holds for no
 *   operator at all, `!=` and `not in` included (`not (Checks.Status == passing)` is the way to
 *   say "no check passes").
 * - A map key that is missing answers by operator, as go-bexpr does: `==`, `in` and
 *   `is not empty` are false; `!=`, `not in`, `is empty`, and also `matches` and `not matches`
 *   are true. (`matches` on a missing key being true is go-bexpr v0.1.2's behaviour, kept
 *   because it is Consul's; later go-bexpr versions answer false.)
 * - At the end of the selector: `==`/`!=` compare a string, integer or boolean exactly; `in`
 *   tests a substring of a string, an element of a list, a key of a map; `is empty` tests a
 *   list's or map's length; `matches` tests a regular expression (unanchored) against a string.
 *
 * A field the record lacks, or holds with the wrong JS type, reads as Go's zero value for its
 * schema ("", 0, false, empty list or map): Go's structs always have every field. That includes
 * a struct behind a nil pointer (`api.AgentService.Proxy` of a plain service), on which
 * go-bexpr panics instead.
 */
import { AssertionError, unreachable } from '../assert.ts';
import type { BoundFilter, BoundMatch } from './bind-filter.ts';
import { MatchOperator } from './expression.ts';
import type { FieldSchema, PrimitiveSchema, StructSchema } from './schema.ts';

/** The record's own schema as far as evaluation cares: a struct (its fields are in the match). */
const RECORD: StructSchema = { kind: 'struct', fields: {} };

export function evaluate(filter: BoundFilter, record: unknown): boolean {
  switch (filter.kind) {
    case 'match':
      return matchAt(filter, record, 0, RECORD);
    case 'not':
      return !evaluate(filter.operand, record);
    case 'and':
      return filter.operands.every((operand) => evaluate(operand, record));
    case 'or':
      return filter.operands.some((operand) => evaluate(operand, record));
  }
}

/**
 * The match tried on `value`, which `match.selector[0..depth)` selected (the record at depth 0)
 * and whose schema is `schema`.
 */
function matchAt(match: BoundMatch, value: unknown, depth: number, schema: FieldSchema): boolean {
  if (depth === match.selector.length) return applyOperator(match, value, schema);
  const segment = match.selector[depth]!;
  const next = match.fields[depth]!;
  switch (schema.kind) {
    case 'struct':
      return matchAt(match, fieldOf(value, segment), depth + 1, next);
    case 'map': {
      const map = asObject(value);
      if (!Object.hasOwn(map, segment)) return missingKeyAnswer(match.operator);
      return matchAt(match, map[segment], depth + 1, next);
    }
    case 'list':
      return asList(value).some((item) => matchAt(match, item, depth, schema.element));
    default:
      throw new AssertionError(`filter: binding let a selector continue below a ${schema.kind}`);
  }
}

function missingKeyAnswer(operator: MatchOperator): boolean {
  return !(
    operator === MatchOperator.equal ||
    operator === MatchOperator.in ||
    operator === MatchOperator.isNotEmpty
  );
}

function applyOperator(match: BoundMatch, value: unknown, schema: FieldSchema): boolean {
  switch (match.operator) {
    case MatchOperator.equal:
      return equals(schema as PrimitiveSchema, value, match.value);
    case MatchOperator.notEqual:
      return !equals(schema as PrimitiveSchema, value, match.value);
    case MatchOperator.in:
      return contains(schema, value, match.value);
    case MatchOperator.notIn:
      return !contains(schema, value, match.value);
    case MatchOperator.isEmpty:
      return sizeOf(schema, value) === 0;
    case MatchOperator.isNotEmpty:
      return sizeOf(schema, value) !== 0;
    case MatchOperator.matches:
      return (match.value as RegExp).test(asString(value));
    case MatchOperator.notMatches:
      return !(match.value as RegExp).test(asString(value));
    default:
      return unreachable(match.operator);
  }
}

function equals(schema: PrimitiveSchema, value: unknown, expected: BoundMatch['value']): boolean {
  switch (schema.kind) {
    case 'string':
      return asString(value) === expected;
    case 'bool':
      return (value === true) === expected;
    case 'int': {
      const number = typeof value === 'number' && Number.isInteger(value) ? value : 0;
      return BigInt(number) === expected;
    }
  }
}

function contains(schema: FieldSchema, value: unknown, expected: BoundMatch['value']): boolean {
  switch (schema.kind) {
    case 'string':
      return asString(value).includes(expected as string);
    case 'list':
      return asList(value).some((item) => equals(schema.element as PrimitiveSchema, item, expected));
    case 'map':
      return Object.hasOwn(asObject(value), expected as string);
    default:
      throw new AssertionError(`filter: binding let "in" through for a ${schema.kind}`);
  }
}

function sizeOf(schema: FieldSchema, value: unknown): number {
  return schema.kind === 'map' ? Object.keys(asObject(value)).length : asList(value).length;
}

function fieldOf(value: unknown, name: string): unknown {
  const object = asObject(value);
  return Object.hasOwn(object, name) ? object[name] : undefined;
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function asList(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function asString(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
