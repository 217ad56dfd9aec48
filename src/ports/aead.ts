/**
 * Authenticated encryption for the gossip keyring: AES-GCM with a 16, 24 or 32-byte key
 * (AES-128/192/256), a 12-byte nonce and a 16-byte tag appended to the ciphertext. Production
 * uses node:crypto (src/io/node-aead.ts).
 */
export interface Aead {
  /** Returns ciphertext ‖ tag. */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Returns the plaintext, or `undefined` when the tag does not verify (wrong key, tampering). */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined;
}
