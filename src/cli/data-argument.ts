/**
 * Consul's DATA argument (`kv put`, `kv import`): `@path` reads a file, `-` reads stdin,
 * anything else is the data itself. The reading is injected, so commands stay free of IO.
 */

export interface InputReader {
  readFile(path: string): Promise<Uint8Array>;
  readStdin(): Promise<Uint8Array>;
}

/** Throws `Failed to read file: …` / `Failed to read stdin: …`, Consul's wording. */
export async function readDataArgument(argument: string, input: InputReader): Promise<Uint8Array> {
  if (argument.startsWith('@')) {
    try {
      return await input.readFile(argument.slice(1));
    } catch (error) {
      throw new Error(`Failed to read file: ${messageOf(error)}`);
    }
  }
  if (argument === '-') {
    try {
      return await input.readStdin();
    } catch (error) {
      throw new Error(`Failed to read stdin: ${messageOf(error)}`);
    }
  }
  return new TextEncoder().encode(argument);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
