import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { nodeAead } from './node-aead.ts';

const hex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));

describe('nodeAead (AES-GCM over node:crypto)', () => {
  it('matches the AES-128-GCM test vector of McGrew & Viega (test case 4 with AAD)', () => {
    const key = hex('feffe9928665731c6d6a8f9467308308');
    const nonce = hex('cafebabefacedbaddecaf888');
    const plaintext = hex(
      'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
    );
    const aad = hex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
    const sealed = nodeAead.seal(key, nonce, plaintext, aad);
    assert.equal(
      Buffer.from(sealed).toString('hex'),
      '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091' +
        '5bc94fbc3221a5db94fae95ae7121a47',
    );
    assert.deepEqual(nodeAead.open(key, nonce, sealed, aad), plaintext);
  });

  it('round-trips with 16, 24 and 32-byte keys and refuses a wrong key, AAD or tag', () => {
    fc.assert(
      fc.property(
        fc
          .constantFrom(16, 24, 32)
          .chain((length) => fc.uint8Array({ minLength: length, maxLength: length })),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 20 }),
        (key, nonce, plaintext, aad) => {
          const sealed = nodeAead.seal(key, nonce, plaintext, aad);
          assert.equal(sealed.length, plaintext.length + 16);
          assert.deepEqual(nodeAead.open(key, nonce, sealed, aad), plaintext);
          const otherKey = key.slice();
          otherKey[0]! ^= 1;
          assert.equal(nodeAead.open(otherKey, nonce, sealed, aad), undefined);
          assert.equal(nodeAead.open(key, nonce, sealed, Uint8Array.of(...aad, 0)), undefined);
          const broken = sealed.slice();
          broken[broken.length - 1]! ^= 1;
          assert.equal(nodeAead.open(key, nonce, broken, aad), undefined);
          assert.equal(nodeAead.open(key, nonce, sealed.subarray(0, 10), aad), undefined);
        },
      ),
      { numRuns: 100 },
    );
  });
});
