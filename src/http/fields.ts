import { parseGoDuration, SECOND } from '../lib/duration.ts';
import { badRequest } from './errors.ts';

type Json = unknown;

/** `EnableTagOverride`, `enableTagOverride`, `enable_tag_override` → `enabletagoverride`. */
function normalise(key: string): string {
  return key.replaceAll('_', '').toLowerCase();
}

/**
 * Reads a JSON object the way Go's `encoding/json` (plus Consul's snake_case decode hook) does:
 * field names match case-insensitively, and `snake_case` matches `PascalCase`. Map-valued fields
 * (`Meta`, `NodeMeta`, `Header`) keep their own keys as sent: only field names are folded.
 *
 * Type errors throw 400 `Request decode failed: <field>: …`, Consul's answer to a body that
 * does not decode.
 */
export class Fields {
  private readonly byName = new Map<string, Json>();

  constructor(
    readonly raw: Record<string, Json>,
    private readonly context = '',
  ) {
    for (const [key, value] of Object.entries(raw)) this.byName.set(normalise(key), value);
  }

  /**
   * Parses a request body into Fields. With `allowEmpty`, an absent, blank or `null` body is an
   * empty object (Go's decoder leaves the struct at its defaults for `null`).
   */
  static fromBody(body: Uint8Array | undefined, options: { allowEmpty?: boolean } = {}): Fields {
    const text = bodyText(body);
    if (options.allowEmpty && (text.trim() === '' || text.trim() === 'null')) return new Fields({});
    if (text.trim() === '') throw badRequest('Request decode failed: EOF');
    let parsed: Json;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw badRequest(`Request decode failed: ${(error as Error).message}`);
    }
    return Fields.of(parsed, '');
  }

  static of(value: Json, context: string): Fields {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw badRequest(
        `Request decode failed: ${context || 'body'}: expected a JSON object, got ${describe(value)}`,
      );
    }
    return new Fields(value as Record<string, Json>, context);
  }

  has(name: string): boolean {
    const value = this.byName.get(normalise(name));
    return value !== undefined && value !== null;
  }

  get(name: string): Json {
    return this.byName.get(normalise(name));
  }

  private path(name: string): string {
    return this.context === '' ? name : `${this.context}.${name}`;
  }

  private fail(name: string, expected: string, value: Json): never {
    throw badRequest(
      `Request decode failed: ${this.path(name)}: expected ${expected}, got ${describe(value)}`,
    );
  }

  string(name: string, fallback = ''): string {
    const value = this.get(name);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string') this.fail(name, 'a string', value);
    return value;
  }

  boolean(name: string, fallback = false): boolean {
    const value = this.get(name);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') this.fail(name, 'a boolean', value);
    return value;
  }

  /** An integer within [min, max]. */
  integer(name: string, fallback = 0, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.get(name);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(name, `an integer from ${min} to ${max}`, value);
    }
    return value;
  }

  stringList(name: string): string[] {
    const value = this.get(name);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
      this.fail(name, 'a list of strings', value);
    return value as string[];
  }

  stringMap(name: string): Record<string, string> {
    const value = this.get(name);
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(name, 'an object of strings', value);
    for (const item of Object.values(value as object))
      if (typeof item !== 'string') this.fail(name, 'an object of strings', value);
    return { ...(value as Record<string, string>) };
  }

  object(name: string): Fields | undefined {
    const value = this.get(name);
    if (value === undefined || value === null) return undefined;
    return Fields.of(value, this.path(name));
  }

  objectList(name: string): Fields[] {
    const value = this.get(name);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.fail(name, 'a list of objects', value);
    return value.map((item, i) => Fields.of(item, `${this.path(name)}[${i}]`));
  }

  /**
   * A duration in nanoseconds: Go duration text (`"10s"`), or a number of nanoseconds, as
   * Consul's check definitions accept (python-consul sends `"interval": 10`).
   * `numberUnitNs` changes how bare numbers are read (session LockDelay: < 1000 means seconds).
   */
  duration(name: string, fallback = 0, numberUnitNs?: (n: number) => number): number {
    const value = this.get(name);
    if (value === undefined || value === null || value === '') return fallback;
    if (typeof value === 'number' && Number.isFinite(value))
      return numberUnitNs ? numberUnitNs(value) : value;
    if (typeof value === 'string') {
      const ns = parseGoDuration(value);
      if (ns !== undefined) return ns;
    }
    this.fail(name, 'a duration like "10s"', value);
  }
}

/** Session LockDelay numbers: below 1000 they are seconds, otherwise nanoseconds (Consul). */
export function lockDelayNumber(n: number): number {
  return n < 1000 ? n * SECOND : n;
}

function describe(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/** A request body as UTF-8 text ('' when absent). */
export function bodyText(body: Uint8Array | undefined): string {
  return body === undefined
    ? ''
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}
