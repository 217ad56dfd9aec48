import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Keyring } from './keyring.ts';

const key = (fill: number, length = 16) => new Uint8Array(length).fill(fill);

describe('Keyring', () => {
  it('accepts 16, 24 and 32-byte keys, primary first, and refuses other sizes with memberlist’s message', () => {
    const keyring = new Keyring([key(1, 32), key(2, 24), key(3, 16)]);
    assert.deepEqual(keyring.keys(), [key(1, 32), key(2, 24), key(3, 16)]);
    assert.deepEqual(keyring.primary(), key(1, 32));
    assert.throws(() => keyring.install(key(4, 15)), /key size must be 16, 24 or 32 bytes/);
    assert.throws(() => new Keyring([key(4, 33)]), /key size must be 16, 24 or 32 bytes/);
    assert.throws(() => new Keyring([]));
  });

  it('installs once, uses an installed key as primary, and removes any key but the primary', () => {
    const keyring = new Keyring([key(1)]);
    keyring.install(key(2));
    keyring.install(key(2));
    assert.deepEqual(keyring.keys(), [key(1), key(2)]);
    keyring.use(key(2));
    assert.deepEqual(keyring.keys(), [key(2), key(1)]);
    assert.throws(() => keyring.use(key(9)), /Requested key is not in the keyring/);
    assert.throws(() => keyring.remove(key(2)), /Removing the primary key is not allowed/);
    keyring.remove(key(1));
    keyring.remove(key(9)); // absent: nothing to do
    assert.deepEqual(keyring.keys(), [key(2)]);
  });

  it('hands out copies, so callers cannot change installed keys', () => {
    const original = key(1);
    const keyring = new Keyring([original]);
    original.fill(7);
    keyring.keys()[0]!.fill(8);
    keyring.primary().fill(9);
    assert.deepEqual(keyring.primary(), key(1));
  });
});
