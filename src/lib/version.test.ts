import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CAIRN_VERSION } from './version.ts';

describe('CAIRN_VERSION', () => {
  it('matches the version in package.json', () => {
    const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    assert.equal(CAIRN_VERSION, packageJson.version);
  });
});
