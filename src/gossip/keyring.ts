/**
 * The gossip keyring (memberlist keyring.go semantics): AES keys of 16, 24 or 32 bytes; the first
 * is the primary, used to encrypt; every key is tried to decrypt. Shared by the packet codec and
 * serf's key manager (install / use / remove / list): changes made here are seen by every codec
 * holding the same Keyring object. Error messages are memberlist's, which `serf keys` prints.
 */
export class Keyring {
  private entries: Uint8Array[] = [];

  /** `keys[0]` becomes the primary. At least one key is required. */
  constructor(keys: Uint8Array[]) {
    if (keys.length === 0) throw new Error('A keyring needs at least one key');
    for (const key of keys) this.install(key);
  }

  /** Throws memberlist's message for a key that is not 16, 24 or 32 bytes long. */
  static validateKey(key: Uint8Array): void {
    if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
      throw new Error('key size must be 16, 24 or 32 bytes');
    }
  }

  /** Primary first. Copies. */
  keys(): Uint8Array[] {
    return this.entries.map((key) => key.slice());
  }

  /** The keys without copying, primary first, for the decrypt loop. Do not modify. */
  keysView(): readonly Uint8Array[] {
    return this.entries;
  }

  primary(): Uint8Array {
    return this.entries[0]!.slice();
  }

  /** Adds a key (no-op if present). Throws on a bad length. */
  install(key: Uint8Array): void {
    Keyring.validateKey(key);
    if (this.indexOf(key) >= 0) return;
    this.entries.push(key.slice());
  }

  /** Makes an installed key primary; throws "Requested key is not in the keyring" otherwise. */
  use(key: Uint8Array): void {
    const index = this.indexOf(key);
    if (index < 0) throw new Error('Requested key is not in the keyring');
    const [chosen] = this.entries.splice(index, 1);
    this.entries.unshift(chosen!);
  }

  /** Removes a key; throws "Removing the primary key is not allowed" for the primary. */
  remove(key: Uint8Array): void {
    const index = this.indexOf(key);
    if (index === 0) throw new Error('Removing the primary key is not allowed');
    if (index > 0) this.entries.splice(index, 1);
  }

  private indexOf(key: Uint8Array): number {
    return this.entries.findIndex((entry) => sameBytes(entry, key));
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
