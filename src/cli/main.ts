#!/usr/bin/env node
/**
 * The `cairn` executable: binds the CLI to the process (argv, environment, streams, files,
 * stdin) and exits with the command's code. The only CLI file that touches `node:*`; `agent`
 * is loaded on demand so the other commands start fast.
 */

import { readFile } from 'node:fs/promises';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { Output } from './output.ts';
import { runCli } from './program.ts';

async function readStdin(): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array);
  return new Uint8Array(Buffer.concat(chunks));
}

/** Reads a file; failures read like Go's (`open x.json: no such file or directory`). */
async function readFileBytes(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    const goReasons: Record<string, string> = {
      ENOENT: 'no such file or directory',
      EACCES: 'permission denied',
      EISDIR: 'is a directory',
    };
    const reason = code ? goReasons[code] : undefined;
    throw reason ? new Error(`open ${path}: ${reason}`) : error;
  }
}

/**
 * The web UI's build, dist/ui: beside the compiled CLI (dist/src/cli/main.js → dist/ui), or the
 * repository's dist/ui when the CLI runs from source under tsx.
 */
const bundledUiDirectory = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? '../../dist/ui' : '../../ui', import.meta.url),
);

async function runAgent(args: string[]): Promise<number> {
  const { runAgentCommand } = await import('./agent-command.ts');
  return runAgentCommand(args, { bundledUiDirectory });
}

// A closed pipe (`cairn kv get -recurse | head`) is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const output = new Output(process.stdout, process.stderr);
try {
  process.exitCode = await runCli(process.argv.slice(2), {
    output,
    env: process.env,
    input: { readFile: readFileBytes, readStdin },
    runAgent,
  });
} catch (error) {
  output.error(`Error: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
