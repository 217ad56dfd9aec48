import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CAIRN_VERSION } from '../../lib/version.ts';
import { captureOutput } from '../output.ts';
import { runVersion } from './version.ts';

describe('cairn version', () => {
  it('prints the version and the protocol range like `consul version`', () => {
    const { output, stdout } = captureOutput();
    assert.equal(runVersion(output), 0);
    const lines = stdout().split('\n');
    assert.equal(lines[0], `Cairn v${CAIRN_VERSION}`);
    assert.equal(lines[1], 'Compatible with Consul v1.18.0');
    assert.equal(
      lines[2],
      'Protocol 2 spoken by default, understands 2 to 3 (agent will automatically use protocol >2 when speaking to compatible agents)',
    );
  });
});
