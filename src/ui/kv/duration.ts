/** Durations as Go's `time.Duration.String` writes them (`15s`, `1m30s`, `250ms`), for sessions. */

/** A nanosecond count (a session's `LockDelay`) in Go's notation. */
export function formatNanoseconds(nanoseconds: number): string {
  if (nanoseconds === 0) return '0s';
  if (nanoseconds < 1_000) return `${nanoseconds}ns`;
  if (nanoseconds < 1_000_000) return `${trim(nanoseconds / 1_000)}µs`;
  if (nanoseconds < 1_000_000_000) return `${trim(nanoseconds / 1_000_000)}ms`;
  const totalSeconds = nanoseconds / 1_000_000_000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const hourText = hours > 0 ? `${hours}h` : '';
  const minuteText = hours > 0 || minutes > 0 ? `${minutes}m` : '';
  return `${hourText}${minuteText}${trim(seconds)}s`;
}

/** At most three decimals, without trailing zeros. */
function trim(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}
