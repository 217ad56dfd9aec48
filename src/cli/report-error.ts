/**
 * One line on stderr when a request fails, worded like Consul: `<what failed>: <why>`, except
 * that an unreachable agent always reads `Error connecting to Cairn agent: dial tcp …`.
 */

import { ConnectionError } from '../api-client/client.ts';
import type { Output } from './output.ts';

export const EXIT_FAILURE = 1;

/** Reports the failure and returns the exit code. Errors that are not `Error`s are bugs: rethrown. */
export function reportFailure(output: Output, context: string, error: unknown): number {
  if (!(error instanceof Error)) throw error;
  if (error instanceof ConnectionError) output.error(`Error connecting to Cairn agent: ${error.message}`);
  else output.error(`${context}: ${error.message}`);
  return EXIT_FAILURE;
}

export type Attempt<T> = { ok: true; value: T } | { ok: false; exitCode: number };

/** Runs a request; a failure is reported under `context` and becomes an exit code. */
export async function attempt<T>(
  output: Output,
  context: string,
  request: () => Promise<T>,
): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await request() };
  } catch (error) {
    return { ok: false, exitCode: reportFailure(output, context, error) };
  }
}
