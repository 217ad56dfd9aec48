/**
 * Go `time.Duration` text, the way Consul reads and writes it: `"15s"`, `"1m30s"`,
 * `"9.88494610786438s"`, `"120000ms"`, `"-1.5h"`. Values are nanoseconds held in a JS number;
 * durations past 2^53 ns (about 104 days) lose sub-microsecond precision, which no Consul
 * setting needs.
 */

export const NANOSECOND = 1;
export const MICROSECOND = 1_000;
export const MILLISECOND = 1_000_000;
export const SECOND = 1_000_000_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

const unitNs: Record<string, number> = {
  ns: NANOSECOND,
  us: MICROSECOND,
  µs: MICROSECOND, // U+00B5 micro sign
  μs: MICROSECOND, // U+03BC Greek mu
  ms: MILLISECOND,
  s: SECOND,
  m: MINUTE,
  h: HOUR,
};

const component = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;

/** Parses Go duration syntax into nanoseconds; `undefined` when the text is not a duration. */
export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest[0] === '-' ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  while (rest !== '') {
    const match = component.exec(rest);
    if (!match) return undefined;
    const [whole, integer = '', fraction, unit = ''] = match;
    if (integer === '' && (fraction === undefined || fraction === '')) return undefined;
    const scale = unitNs[unit];
    if (scale === undefined) return undefined;
    total += Number(integer || '0') * scale;
    if (fraction) total += Math.round(Number(`0.${fraction}`) * scale);
    rest = rest.slice(whole.length);
  }
  return sign * total;
}

/** Formats nanoseconds as Go's `Duration.String()` does: `0s`, `1.5ms`, `1m30s`, `24h0m0s`. */
export function formatGoDuration(nanoseconds: number): string {
  if (nanoseconds === 0) return '0s';
  const negative = nanoseconds < 0;
  let ns = Math.abs(Math.round(nanoseconds));
  let text: string;
  if (ns < SECOND) {
    const [unit, scale] =
      ns < MICROSECOND ? ['ns', 1] : ns < MILLISECOND ? ['µs', MICROSECOND] : ['ms', MILLISECOND];
    text = `${trimFraction(ns / scale)}${unit}`;
  } else {
    const hours = Math.floor(ns / HOUR);
    ns -= hours * HOUR;
    const minutes = Math.floor(ns / MINUTE);
    ns -= minutes * MINUTE;
    const seconds = `${trimFraction(ns / SECOND)}s`;
    text = hours > 0 ? `${hours}h${minutes}m${seconds}` : minutes > 0 ? `${minutes}m${seconds}` : seconds;
  }
  return negative ? `-${text}` : text;
}

function trimFraction(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(9)));
}

/** Milliseconds from nanoseconds, for timers. */
export function nsToMs(nanoseconds: number): number {
  return nanoseconds / MILLISECOND;
}
