/**
 * The front door of the filter module: Consul's `?filter=` expressions (hashicorp/go-bexpr
 * v0.1.2). `compileFilter(text, schema)` parses and checks a filter against the shape of the
 * records it will filter; `evaluate(filter, record)` answers for one record. See README.md.
 */
export { type BoundFilter, bindFilter, compileFilter } from './bind-filter.ts';
export { evaluate } from './evaluate.ts';
export { FilterError, type FilterExpression, MatchOperator } from './expression.ts';
export { MAX_NESTING_DEPTH, parseFilter } from './parse-filter.ts';
export {
  boolField,
  type FieldSchema,
  intField,
  listOf,
  mapOf,
  type StructSchema,
  stringField,
  structOf,
} from './schema.ts';
