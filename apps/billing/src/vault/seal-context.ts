// Where a ciphertext belongs. The context is bound into AES-GCM's associated data, so a ciphertext
// copied into another row, or read for another purpose or as another kind of secret, fails to open.
import type { SecretKind } from '../secrets/secret.js';

export const SEAL_PURPOSES = [
  'customer-token',
  'network-session-token',
  'signing-key',
  'webhook-secrets',
  'merchant-webhook-secret',
] as const;
export type SealPurpose = (typeof SEAL_PURPOSES)[number];

export interface SealContext {
  purpose: SealPurpose;
  /** The id of the row that stores the ciphertext. */
  rowId: string;
}

/** Programmer errors (a context built wrongly), not data errors: they throw TypeError. */
export function assertSealContext(context: SealContext): void {
  if (!(SEAL_PURPOSES as readonly string[]).includes(context.purpose)) {
    throw new TypeError(`unknown seal purpose "${String(context.purpose)}"`);
  }
  if (typeof context.rowId !== 'string' || context.rowId === '') {
    throw new TypeError('seal context needs a non-empty rowId');
  }
}

/** An unambiguous encoding (a JSON array) of everything the ciphertext is bound to. */
export function associatedData(version: number, kind: SecretKind, context: SealContext): Buffer {
  return Buffer.from(JSON.stringify(['rebill-vault', version, context.purpose, kind, context.rowId]), 'utf8');
}
