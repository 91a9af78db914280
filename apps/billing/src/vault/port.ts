// What the rest of Rebill needs from the vault: seal a secret to a row, open it again, and a keyed
// fingerprint for deduplication. The keyring implementation satisfies it; tests use the real one.
import type { Secret, SecretKind } from '../secrets/secret.js';

export type SealPurpose = 'customer-token' | 'network-session-token' | 'signing-key' | 'webhook-secrets';

/** Bound into the ciphertext (AAD): a ciphertext copied to another row or purpose does not open. */
export interface SealContext {
  readonly purpose: SealPurpose;
  readonly rowId: string;
}

export interface Sealed {
  readonly keyId: string;
  readonly ciphertext: Buffer;
}

export interface Vault {
  seal(secret: Secret<SecretKind>, context: SealContext): Sealed;
  open<K extends SecretKind>(kind: K, sealed: Sealed, context: SealContext): Secret<K>;
  fingerprint(secret: Secret<SecretKind>): string;
}
