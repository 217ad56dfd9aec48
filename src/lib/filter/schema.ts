/**
 * What a filter may select: the shape of the record an endpoint filters, described the way
 * go-bexpr derives its field configurations from a Go struct by reflection (v0.1.2
 * `field_config.go`). Consul filters its Go structs before they are serialised, so an endpoint's
 * schema lists that struct's exported fields, minus those tagged `bexpr:"-"`.
 *
 * What each kind allows (the operators go-bexpr generates for it):
 *
 * | kind                     | operators                                        | further selection      |
 * |--------------------------|--------------------------------------------------|------------------------|
 * | string                   | == != in (substring) not in, matches, not matches | no                     |
 * | int, bool                | == !=                                            | no                     |
 * | list of string/int/bool  | in, not in (element), is empty, is not empty     | no                     |
 * | list of anything else    | is empty, is not empty                           | the element's: any one |
 * | map (string keys)        | in, not in (key), is empty, is not empty         | any key, to the value  |
 * | struct                   | none                                             | its fields, by name    |
 *
 * Field names are matched exactly: `service.tags` is not `Service.Tags`.
 */
import { MatchOperator } from './expression.ts';

export type PrimitiveSchema = { kind: 'string' } | { kind: 'int' } | { kind: 'bool' };

export interface ListSchema {
  kind: 'list';
  element: FieldSchema;
}

export interface MapSchema {
  kind: 'map';
  /** The values' schema; undefined for values a filter cannot look into (`map[string]interface{}`). */
  value: FieldSchema | undefined;
}

export interface StructSchema {
  kind: 'struct';
  fields: Readonly<Record<string, FieldSchema>>;
}

export type FieldSchema = PrimitiveSchema | ListSchema | MapSchema | StructSchema;

export const stringField: PrimitiveSchema = { kind: 'string' };
/** Go's `int` (64 bits): values are compared exactly, as integers. */
export const intField: PrimitiveSchema = { kind: 'int' };
export const boolField: PrimitiveSchema = { kind: 'bool' };

export function listOf(element: FieldSchema): ListSchema {
  return { kind: 'list', element };
}

/** A map with string keys. */
export function mapOf(value: FieldSchema | undefined): MapSchema {
  return { kind: 'map', value };
}

export function structOf(fields: Record<string, FieldSchema>): StructSchema {
  return { kind: 'struct', fields };
}

export function isPrimitive(schema: FieldSchema): schema is PrimitiveSchema {
  return schema.kind === 'string' || schema.kind === 'int' || schema.kind === 'bool';
}

/** What the next selector segment can name below a field. */
export interface Subfields {
  /** Fields by exact name (a struct's, or a list-of-structs' element's). */
  named?: Readonly<Record<string, FieldSchema>>;
  /** Any name at all: a map's keys. */
  any?: FieldSchema;
}

export function subfieldsOf(schema: FieldSchema): Subfields {
  switch (schema.kind) {
    case 'struct':
      return { named: schema.fields };
    case 'map':
      return schema.value === undefined ? {} : { any: schema.value };
    case 'list':
      return isPrimitive(schema.element) ? {} : subfieldsOf(schema.element);
    default:
      return {};
  }
}

const STRING_OPERATORS: readonly MatchOperator[] = [
  MatchOperator.equal,
  MatchOperator.notEqual,
  MatchOperator.in,
  MatchOperator.notIn,
  MatchOperator.matches,
  MatchOperator.notMatches,
];
const EQUALITY_OPERATORS: readonly MatchOperator[] = [MatchOperator.equal, MatchOperator.notEqual];
const EMPTINESS_OPERATORS: readonly MatchOperator[] = [MatchOperator.isEmpty, MatchOperator.isNotEmpty];
const MEMBERSHIP_OPERATORS: readonly MatchOperator[] = [
  MatchOperator.in,
  MatchOperator.notIn,
  MatchOperator.isEmpty,
  MatchOperator.isNotEmpty,
];

export function operatorsOf(schema: FieldSchema): readonly MatchOperator[] {
  switch (schema.kind) {
    case 'string':
      return STRING_OPERATORS;
    case 'int':
    case 'bool':
      return EQUALITY_OPERATORS;
    case 'list':
      return isPrimitive(schema.element) ? MEMBERSHIP_OPERATORS : EMPTINESS_OPERATORS;
    case 'map':
      return MEMBERSHIP_OPERATORS;
    case 'struct':
      return [];
  }
}

/**
 * The type a filter's value is read as for this field: its own for a primitive, the element's
 * for a list of primitives, string (a key) for a map; none where no operator takes a value.
 */
export function valueKindOf(schema: FieldSchema): PrimitiveSchema['kind'] | undefined {
  if (isPrimitive(schema)) return schema.kind;
  if (schema.kind === 'list' && isPrimitive(schema.element)) return schema.element.kind;
  if (schema.kind === 'map') return 'string';
  return undefined;
}
