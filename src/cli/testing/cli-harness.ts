/**
 * Shared set-up for the CLI's tests: a fake agent on a real socket, a client pointed at it,
 * and captured output. Named `*.test.ts` so it may use node:* and stays out of dist/; it holds
 * no tests itself.
 */

import { CairnClient } from '../../api-client/client.ts';
import { type FakeAgent, type FakeHandler, startFakeAgent } from '../../api-client/testing/fake-agent.ts';
import type { InputReader } from '../data-argument.ts';
import { captureOutput, type Output } from '../output.ts';

export interface Harness {
  agent: FakeAgent;
  client: CairnClient;
  output: Output;
  stdout: () => string;
  stderr: () => string;
  close: () => Promise<void>;
}

export async function startHarness(routes: Record<string, FakeHandler>): Promise<Harness> {
  const agent = await startFakeAgent(routes);
  const captured = captureOutput();
  return {
    agent,
    client: new CairnClient({ address: agent.address }),
    ...captured,
    close: () => agent.close(),
  };
}

/** Files and stdin from memory. */
export function memoryInput(files: Record<string, string> = {}, stdin = ''): InputReader {
  const encode = (text: string) => new TextEncoder().encode(text);
  return {
    readFile: async (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`open ${path}: no such file or directory`);
      return encode(text);
    },
    readStdin: async () => encode(stdin),
  };
}
