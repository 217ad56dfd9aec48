#!/usr/bin/env node
// Runs the test suite with node:test under tsx.
//   --fast  unit tests beside the code (src/**/*.test.ts): what `npm run ok` runs
//   --all   unit + integration + real-process tests (test/**/*.test.ts); installs the Debian
//           packages the tests need (scripts/system-packages.mjs) and builds dist/ first,
//           because the real-process tests spawn the compiled `cairn` binary as a user would.
// Extra arguments are passed to `node --test` (e.g. --test-name-pattern=kv).
// Property tests use a fixed fast-check seed (scripts/test-setup.ts); FC_SEED overrides it.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ensureTestPackages } from './system-packages.mjs';

const args = process.argv.slice(2);
const all = args.includes('--all');
const passThrough = args.filter((a) => a !== '--all' && a !== '--fast');

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found.sort();
}

const roots = all ? ['src', 'test'] : ['src'];
const files = roots.flatMap((root) => findTests(root));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

if (all) {
  ensureTestPackages();
  const build = spawnSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--import',
    './scripts/test-setup.ts',
    '--test',
    // Node runs cores - 1 files at once: one on a 2-core machine. Two overlap the tsx start-up.
    `--test-concurrency=${Math.max(2, availableParallelism())}`,
    '--test-reporter=spec',
    ...passThrough,
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
