/**
 * Decoders for single configuration values, shared by config files and flags. A decoder turns
 * a raw JSON/HCL value into a typed one or says what it expected; the caller adds where the
 * value came from (`ports.http: invalid value "abc", expected …`).
 *
 * Types are strict like Consul's decoder (mapstructure without weak typing): `"8500"` is not
 * a port and `"true"` is not a boolean. One leniency matches Consul's `HookWeakDecodeFromSlice`:
 * HCL v1 reads every block as a list of objects, so a one-element list of objects stands for
 * the object wherever a block or map is expected.
 */
import { parseGoDuration } from '../lib/duration.ts';
import { isPlainObject, type LogLevel, PORT_DISABLED } from './config.ts';

export type Decoded<T> = { ok: true; value: T } | { ok: false; expected: string };
export type Decoder<T> = (raw: unknown) => Decoded<T>;

function accept<T>(value: T): Decoded<T> {
  return { ok: true, value };
}

function reject(expected: string): Decoded<never> {
  return { ok: false, expected };
}

export const decodeString: Decoder<string> = (raw) =>
  typeof raw === 'string' ? accept(raw) : reject('a string');

export const decodeBoolean: Decoder<boolean> = (raw) =>
  typeof raw === 'boolean' ? accept(raw) : reject('true or false');

export const decodeInteger: Decoder<number> = (raw) =>
  typeof raw === 'number' && Number.isSafeInteger(raw) ? accept(raw) : reject('an integer');

export const PORT_EXPECTATION = 'an integer port up to 65535 (-1 or 0 disables it)';

/** Consul's `portVal`: zero or negative disables the listener (stored as -1). */
export const decodePort: Decoder<number> = (raw) => {
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw > 65_535) return reject(PORT_EXPECTATION);
  return accept(raw <= 0 ? PORT_DISABLED : raw);
};

export const DURATION_EXPECTATION = 'a duration such as "10s", "1m30s" or "72h"';

/** Go duration text to nanoseconds. Numbers are refused, as Consul refuses them. */
export const decodeDuration: Decoder<number> = (raw) => {
  const nanoseconds = typeof raw === 'string' ? parseGoDuration(raw.trim()) : undefined;
  return nanoseconds === undefined ? reject(DURATION_EXPECTATION) : accept(nanoseconds);
};

export const decodeStringList: Decoder<string[]> = (raw) =>
  Array.isArray(raw) && raw.every((item) => typeof item === 'string')
    ? accept([...raw])
    : reject('a list of strings');

export const decodeStringMap: Decoder<Record<string, string>> = (raw) => {
  const block = singleBlock(raw);
  if (block === undefined || !Object.values(block).every((value) => typeof value === 'string')) {
    return reject('a map of strings');
  }
  return accept(Object.fromEntries(Object.entries(block)) as Record<string, string>);
};

export const decodeDurationMap: Decoder<Record<string, number>> = (raw) => {
  const block = singleBlock(raw);
  if (block === undefined) return reject(`a map of durations (${DURATION_EXPECTATION})`);
  const entries: [string, number][] = [];
  for (const [key, value] of Object.entries(block)) {
    const decoded = decodeDuration(value);
    if (!decoded.ok) return reject(`a map of durations (${DURATION_EXPECTATION})`);
    entries.push([key, decoded.value]);
  }
  return accept(Object.fromEntries(entries));
};

const logLevelNames: Record<string, LogLevel> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  err: 'error',
  error: 'error',
};

/** Case-insensitive, like hclog's `LevelFromString`. */
export const decodeLogLevel: Decoder<LogLevel> = (raw) => {
  const level = typeof raw === 'string' ? logLevelNames[raw.trim().toLowerCase()] : undefined;
  return level === undefined ? reject('one of trace, debug, info, warn, err, error') : accept(level);
};

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const decodeNodeId: Decoder<string> = (raw) =>
  typeof raw === 'string' && (raw === '' || uuid.test(raw))
    ? accept(raw.toLowerCase())
    : reject('a UUID such as "adf4238a-882b-9ddc-4a9d-5b6758e4159e"');

export function decodeOneOf<T extends string>(choices: readonly T[]): Decoder<T> {
  return (raw) =>
    typeof raw === 'string' && (choices as readonly string[]).includes(raw)
      ? accept(raw as T)
      : reject(`one of ${choices.join(', ')}`);
}

/**
 * A block's settings: an object, or HCL's one-element list of objects. `undefined` for
 * anything else, including repeated blocks (`ports {…} ports {…}`), which Consul refuses too.
 */
export function singleBlock(raw: unknown): Record<string, unknown> | undefined {
  if (isPlainObject(raw)) return raw;
  if (Array.isArray(raw) && raw.length === 1 && isPlainObject(raw[0])) return raw[0];
  return undefined;
}

/** A list of definition objects (services, checks): one object or a list of them. */
export const decodeDefinitions: Decoder<Record<string, unknown>[]> = (raw) => {
  if (isPlainObject(raw)) return accept([raw]);
  if (Array.isArray(raw) && raw.every(isPlainObject)) return accept([...raw]);
  return reject('an object or a list of objects');
};

/** The offending value as the operator wrote it, kept short enough for one line. */
export function describeValue(raw: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(raw) ?? String(raw);
  } catch {
    text = String(raw);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
