import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBase64 } from '../../lib/base64.ts';
import { captureOutput } from '../output.ts';
import { GOSSIP_KEY_BYTES, runKeygen } from './keygen.ts';

describe('cairn keygen', () => {
  it('prints 32 random bytes in base64, different each time', () => {
    const first = captureOutput();
    const second = captureOutput();
    assert.equal(runKeygen(first.output), 0);
    assert.equal(runKeygen(second.output), 0);
    const key = first.stdout().trim();
    assert.match(first.stdout(), /^[A-Za-z0-9+/]{43}=\n$/);
    assert.equal(decodeBase64(key).byteLength, GOSSIP_KEY_BYTES);
    assert.notEqual(key, second.stdout().trim());
  });

  it('encodes exactly the bytes it drew', () => {
    const { output, stdout } = captureOutput();
    runKeygen(output, (count) => new Uint8Array(count).fill(0xff));
    assert.equal(stdout(), `${'/'.repeat(42)}8=\n`);
  });

  it('refuses short random data', () => {
    const { output, stderr } = captureOutput();
    assert.equal(
      runKeygen(output, () => new Uint8Array(3)),
      1,
    );
    assert.equal(stderr(), 'Error reading random data: got 3 bytes, wanted 32\n');
  });
});
