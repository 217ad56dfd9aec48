/** A progress line on stderr with the wall time, so that a bench's table alone goes to stdout. */
export function log(line: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}
