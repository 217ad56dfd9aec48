import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InteractionEnvironment, parseTranscript, renderTranscript } from './testing/interaction.ts';

// Transcript tests: src/raft/testdata/*.txt. After a deliberate behaviour change, regenerate
// them with `RAFT_REWRITE=1 npm run test:fast -- --test-name-pattern=transcript` and review
// the diff as you would review code.
const directory = join(import.meta.dirname, 'testdata');
const rewrite = process.env.RAFT_REWRITE === '1';

describe('raft transcript', () => {
  for (const file of readdirSync(directory)
    .filter((name) => name.endsWith('.txt'))
    .sort()) {
    it(file.replace(/\.txt$/, ''), () => {
      const path = join(directory, file);
      const source = readFileSync(path, 'utf8');
      const environment = new InteractionEnvironment();
      const outputs = new Map<number, string>();
      for (const block of parseTranscript(source)) {
        const [command, ...args] = block.directive.trim().split(/\s+/);
        let actual: string;
        try {
          actual = environment.run(command ?? '', args);
        } catch (error) {
          actual = `error: ${(error as Error).message}`;
        }
        outputs.set(block.line, actual);
        if (!rewrite) assert.equal(actual, block.expected, `${file}:${block.line}: ${block.directive}`);
      }
      if (rewrite) writeFileSync(path, renderTranscript(source, outputs));
    });
  }
});
