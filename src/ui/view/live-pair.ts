/** Two live values as one, for a view that needs both answers before it can show anything. */

import type { Live } from '../live.ts';

/** Loading until both answered; the first error of either; both values once both are known. */
export function livePair<A, B>(first: Live<A>, second: Live<B>): Live<[A, B]> {
  const value: [A, B] | undefined =
    first.value !== undefined && second.value !== undefined ? [first.value, second.value] : undefined;
  return {
    value,
    error: first.error ?? second.error,
    loading: first.loading || second.loading,
  };
}
