/** What every bench's command line shares: progress lines, numeric flags, the exit code. */

/** A progress line on stderr with the wall time, so that a bench's table alone goes to stdout. */
export function log(line: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

/** A `--flag=N` value: `fallback` when absent, an error naming the flag when not a positive number. */
export function positiveFlag(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--${flag}: expected a positive number, got "${text}"`);
  return value;
}

/** Runs a bench's `main` and sets the exit code from it; an exception prints its stack and exits 1. */
export function runBench(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
