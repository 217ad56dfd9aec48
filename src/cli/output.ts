/**
 * Where commands write. Commands get an `Output` instead of `process.stdout`, so tests capture
 * what they print; main.ts binds it to the process streams. Colour only reaches a terminal.
 */

import picocolors from 'picocolors';

export interface OutputStream {
  write(chunk: string | Uint8Array): unknown;
  isTTY?: boolean;
}

export type Colors = ReturnType<typeof picocolors.createColors>;

export class Output {
  /** Colours for stdout text: real ones on a terminal, identity functions otherwise. */
  readonly colors: Colors;
  readonly #errorColors: Colors;

  constructor(
    readonly stdout: OutputStream,
    readonly stderr: OutputStream,
  ) {
    this.colors = picocolors.createColors(stdout.isTTY === true);
    this.#errorColors = picocolors.createColors(stderr.isTTY === true);
  }

  /** Writes a line to stdout. Bytes are written as they are (KV values need not be UTF-8). */
  line(text: string | Uint8Array = ''): void {
    this.stdout.write(text);
    this.stdout.write('\n');
  }

  /** Writes a line to stderr, red on a terminal. */
  error(text: string): void {
    this.stderr.write(`${this.#errorColors.red(text)}\n`);
  }
}

/** An `Output` that keeps what is written, for tests and for embedding the CLI. */
export function captureOutput(): { output: Output; stdout: () => string; stderr: () => string } {
  const stdoutChunks: (string | Uint8Array)[] = [];
  const stderrChunks: (string | Uint8Array)[] = [];
  const output = new Output(
    { write: (chunk) => stdoutChunks.push(chunk) },
    { write: (chunk) => stderrChunks.push(chunk) },
  );
  return { output, stdout: () => joinChunks(stdoutChunks), stderr: () => joinChunks(stderrChunks) };
}

function joinChunks(chunks: (string | Uint8Array)[]): string {
  const decoder = new TextDecoder();
  return chunks.map((chunk) => (typeof chunk === 'string' ? chunk : decoder.decode(chunk))).join('');
}
