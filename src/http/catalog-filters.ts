/**
 * Query filters shared by the catalog, health and agent endpoints: `?node-meta=k:v`
 * (`parseMetaFilter`), `?tag=`, `?passing` (`getBoolQueryParam`) and `?filter=` (go-bexpr expressions:
 * `src/lib/filter`, with each endpoint's record schema in filter-schemas.ts). The predicates
 * they select with are shared with DNS: `src/discovery/filters.ts`.
 */
import {
  type BoundFilter,
  compileFilter,
  evaluate,
  FilterError,
  type StructSchema,
} from '../lib/filter/filter.ts';
import { badRequest } from './errors.ts';
import { type ApiRequest, parseBoolText } from './request.ts';

/** `?node-meta=key:value` (repeatable; all must match); undefined when absent. */
export function nodeMetaFilters(request: ApiRequest): Map<string, string> | undefined {
  if (!request.query.has('node-meta')) return undefined;
  const filters = new Map<string, string>();
  for (const pair of request.query.getAll('node-meta')) {
    const colon = pair.indexOf(':');
    if (colon < 0) filters.set(pair, '');
    else filters.set(pair.slice(0, colon), pair.slice(colon + 1));
  }
  return filters;
}

/** `?tag=` (repeatable); undefined when absent. An empty `?tag=` is a tag no service has. */
export function tagFilters(request: ApiRequest): string[] | undefined {
  return request.query.has('tag') ? request.query.getAll('tag') : undefined;
}

/**
 * `?passing`: a bare `?passing` is on; otherwise its value is read as Go's `strconv.ParseBool`
 * reads it (`passing=false` is off), and anything else is refused.
 */
export function passingOnly(request: ApiRequest): boolean {
  if (!request.query.has('passing')) return false;
  const value = request.query.get('passing') ?? '';
  if (value === '') return true;
  const parsed = parseBoolText(value);
  if (parsed === undefined) throw badRequest('Invalid value for ?passing');
  return parsed;
}

/**
 * `?filter=`, checked against `schema` (the struct Consul filters on this endpoint) before the
 * read starts, as Consul creates the evaluator before its blocking query; undefined when absent
 * or empty. A filter that does not parse or does not fit the schema answers 400 with
 * go-bexpr's message under `bexpr.CreateFilter`'s prefix.
 */
export function filterParam(request: ApiRequest, schema: StructSchema): BoundFilter | undefined {
  const text = request.query.get('filter') ?? '';
  if (text === '') return undefined;
  const filter = compileFilter(text, schema);
  if (filter instanceof FilterError) {
    throw badRequest(`Failed to create boolean expression evaluator: ${filter.message}`);
  }
  return filter;
}

/** The items `filter` keeps, judged on `view(item)` (the item itself by default); all without a filter. */
export function keepMatching<T>(
  items: readonly T[],
  filter: BoundFilter | undefined,
  view: (item: T) => unknown = (item) => item,
): readonly T[] {
  if (filter === undefined) return items;
  return items.filter((item) => evaluate(filter, view(item)));
}

/** The name at the end of the path (`/v1/health/service/<name>`), or 400 with `missing`. */
