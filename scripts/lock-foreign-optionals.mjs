#!/usr/bin/env node
// Completes package-lock.json with the platform-specific optional dependencies that the
// registry reachable here does not serve (biome's and msgpackr-extract's builds for other
// platforms). npm leaves a package it cannot resolve out of the lock, and `npm ci` then
// refuses the lock ("Missing: @biomejs/cli-darwin-arm64@ from lock file"). Each missing entry
// is recorded with the os/cpu/libc its name states, so npm on any platform skips the ones that
// are not its own and never needs to fetch them.
//
// Run after any `npm install` that rewrites the lock: `node scripts/lock-foreign-optionals.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const platform =
  /(?:^|-)(android|darwin|freebsd|linux|openbsd|sunos|win32|aix)-(arm64|x64|arm|ia32|ppc64|s390x|riscv64|loong64)(-(musl|gnu|msvc))?$/;

let added = 0;
for (const [location, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const target = `node_modules/${name}`;
    if (lock.packages[target] !== undefined) continue;
    const match = platform.exec(name);
    if (match === null) {
      console.error(
        `${location}: optional ${name} is missing from the lock and its platform is not in its name`,
      );
      process.exitCode = 1;
      continue;
    }
    const [, os, cpu, , libc] = match;
    lock.packages[target] = {
      version,
      cpu: [cpu],
      os: [os],
      ...(libc === 'musl' || libc === 'gnu' ? { libc: [libc === 'gnu' ? 'glibc' : 'musl'] } : {}),
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
    };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: recorded ${added} optional platform packages`);
