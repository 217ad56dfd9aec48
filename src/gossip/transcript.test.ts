import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemberlistInteraction, parseTranscript, renderTranscript } from './testing/interaction.ts';

// Transcript tests of memberlist's state rules: src/gossip/testdata/*.txt. After a deliberate
// behaviour change, regenerate them with `GOSSIP_REWRITE=1 npx tsx --test
// src/gossip/transcript.test.ts` and review the diff as you would review code.
const directory = join(import.meta.dirname, 'testdata');
const rewrite = process.env.GOSSIP_REWRITE === '1';

describe('memberlist transcript', () => {
  for (const file of readdirSync(directory)
    .filter((name) => name.endsWith('.txt'))
    .sort()) {
    it(file.replace(/\.txt$/, ''), async () => {
      const path = join(directory, file);
      const source = readFileSync(path, 'utf8');
      const environment = new MemberlistInteraction();
      const outputs = new Map<number, string>();
      for (const block of parseTranscript(source)) {
        const [command, ...args] = block.directive.trim().split(/\s+/);
        let actual: string;
        try {
          actual = await environment.run(command ?? '', args);
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
