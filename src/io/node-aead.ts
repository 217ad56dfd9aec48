import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { Aead } from '../ports/aead.ts';

const TAG_BYTES = 16;

function algorithm(key: Uint8Array): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  switch (key.length) {
    case 16:
      return 'aes-128-gcm';
    case 24:
      return 'aes-192-gcm';
    case 32:
      return 'aes-256-gcm';
  }
  throw new Error('key size must be 16, 24 or 32 bytes');
}

/** AES-GCM for the gossip keyring over node:crypto: 12-byte nonce, 16-byte tag after the ciphertext. */
export const nodeAead: Aead = {
  seal(key, nonce, plaintext, aad) {
    const cipher = createCipheriv(algorithm(key), key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    const body = cipher.update(plaintext);
    const last = cipher.final();
    const tag = cipher.getAuthTag();
    const out = new Uint8Array(body.length + last.length + TAG_BYTES);
    out.set(body, 0);
    out.set(last, body.length);
    out.set(tag, body.length + last.length);
    return out;
  },

  open(key, nonce, sealed, aad) {
    if (sealed.length < TAG_BYTES) return undefined;
    const decipher = createDecipheriv(algorithm(key), key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const body = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
    try {
      const last = decipher.final();
      const out = new Uint8Array(body.length + last.length);
      out.set(body, 0);
      out.set(last, body.length);
      return out;
    } catch {
      return undefined; // the tag did not verify: wrong key or tampered bytes
    }
  },
};
