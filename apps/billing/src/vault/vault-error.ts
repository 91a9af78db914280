// What can go wrong when opening a ciphertext. The message names the key id, purpose and row
// (none of them secret) and never the plaintext or key material, so it is safe to log and to wrap.
export type VaultErrorCode =
  /** The ciphertext names a key id the keyring does not hold (removed too early, or another deployment's). */
  | 'UNKNOWN_KEY'
  /** Authentication failed: the bytes were changed, or they were sealed for another row, purpose or kind. */
  | 'TAMPERED'
  /** Not a vault envelope at all: too short, or an unknown layout version. */
  | 'BAD_FORMAT';

export class VaultError extends Error {
  constructor(
    readonly code: VaultErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VaultError';
  }
}
