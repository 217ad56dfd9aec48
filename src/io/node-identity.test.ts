import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadOrCreateNodeId } from './node-identity.ts';

describe('loadOrCreateNodeId', () => {
  it('creates the node-id file once and reads it back on the next start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-id-'));
    const first = loadOrCreateNodeId(dir, () => 'c0ffee00-0000-4000-8000-000000000001');
    const second = loadOrCreateNodeId(dir, () => 'c0ffee00-0000-4000-8000-000000000002');
    assert.equal(first, 'c0ffee00-0000-4000-8000-000000000001');
    assert.equal(second, first);
    assert.equal(readFileSync(join(dir, 'node-id'), 'utf8'), first);
  });

  it('refuses a node-id file that does not hold a UUID', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-id-'));
    writeFileSync(join(dir, 'node-id'), 'garbage');
    assert.throws(() => loadOrCreateNodeId(dir, () => 'unused'), /not a valid UUID/);
  });
});
