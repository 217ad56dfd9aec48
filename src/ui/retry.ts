/**
 * How long a page waits before asking the agent again after a failed request: exponential from
 * half a second, capped at 10 s, with full jitter so that the pages of many browsers do not
 * come back in step when an agent restarts.
 */

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;

/** The delay before retry number `attempt` (0 for the first), given a uniform `random` in [0, 1). */
export function retryDelayMs(attempt: number, random: number): number {
  const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
