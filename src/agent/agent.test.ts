import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { notYetEffective, uiEnabled } from './agent.ts';
import { ConfigError } from './config.ts';
import { buildRuntimeConfig } from './load-config.ts';

function config(argv: string[]) {
  const built = buildRuntimeConfig({ argv, sources: [], hostname: 'host1' });
  if (built instanceof ConfigError) throw built;
  return built.config;
}

describe('uiEnabled', () => {
  it('is on in -dev, with -ui, and with a UI directory to serve (Consul’s IsUIEnabled)', () => {
    assert.equal(uiEnabled(config(['-dev'])), true);
    assert.equal(uiEnabled(config(['-ui', '-data-dir', '/tmp/x'])), true);
    assert.equal(uiEnabled(config(['-ui-dir', '/srv/ui', '-data-dir', '/tmp/x'])), true);
    assert.equal(uiEnabled(config(['-data-dir', '/tmp/x'])), false);
  });
});

describe('notYetEffective', () => {
  it('no longer warns about the web UI', () => {
    assert.deepEqual(notYetEffective(config(['-dev'])), []);
    assert.deepEqual(notYetEffective(config(['-ui', '-data-dir', '/tmp/x'])), []);
  });
});
