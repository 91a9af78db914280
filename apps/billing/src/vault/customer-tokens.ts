// Klarna customer tokens at rest: sealed by the vault (AES-256-GCM, bound to the token row's id),
// deduplicated by a keyed fingerprint, and opened only through revealCustomerToken, which writes
// an audit row for every decrypt. Merchants and every other table see Rebill's token id only.
import { randomUUID } from 'node:crypto';
import type { CustomerTokenSecret } from '../secrets/secret.js';
import { audit, type Actor, type AuditEntry } from '../store/audit.js';
import type { Tx } from '../store/db.js';
import type { RawTx } from '../store/raw-tx.js';
import {
  findCustomerTokenById,
  findCustomerTokenRow,
  insertCustomerTokenRow,
  touchCustomerToken,
} from '../store/customer-tokens.js';
import type { Vault } from './vault.js';

export interface StoreCustomerTokenInput {
  readonly merchantId: string;
  readonly customerId: string;
  readonly token: CustomerTokenSecret;
  readonly scopes: readonly string[];
  /** customer_token_reference the token was requested with. */
  readonly reference: string;
  readonly actor: Actor;
  readonly subscriptionId: string | null;
  readonly at: Date;
}

/**
 * Stores the token once and returns Rebill's id for it. The same Klarna token delivered again (a
 * redelivered webhook, the finalize answer repeating it) maps to the same row.
 */
export async function storeCustomerToken(
  tx: Tx,
  vault: Vault,
  input: StoreCustomerTokenInput,
): Promise<string> {
  const fingerprint = vault.fingerprint(input.token);
  const id = randomUUID();
  const sealed = vault.seal(input.token, { purpose: 'customer-token', rowId: id });
  // Inserted with its audit row in one statement; a token the merchant holds already is kept.
  const inserted = await insertCustomerTokenRow(
    tx,
    {
      id,
      merchantId: input.merchantId,
      customerId: input.customerId,
      encryptedToken: sealed.ciphertext,
      keyId: sealed.keyId,
      tokenFingerprint: fingerprint,
      scopes: [...input.scopes],
      reference: input.reference,
      createdAt: input.at,
    },
    {
      actor: input.actor,
      merchantId: input.merchantId,
      subscriptionId: input.subscriptionId,
      entityType: 'customer_token',
      entityId: id,
      action: 'customer_token.stored',
      after: { customer_id: input.customerId, scopes: [...input.scopes], key_id: sealed.keyId },
      at: input.at,
    },
  );
  if (inserted) return id;
  // Stored before (a redelivery), or by a concurrent transaction first.
  const winner = await findCustomerTokenRow(tx, input.merchantId, fingerprint);
  if (winner === null) throw new Error('customer token vanished after a fingerprint conflict');
  return winner.id;
}

export interface RevealCustomerTokenInput {
  readonly merchantId: string;
  readonly tokenId: string;
  readonly actor: Actor;
  /** Why it is decrypted, e.g. `charge-attempt:<id>`; recorded in the audit row. */
  readonly purpose: string;
  readonly subscriptionId: string | null;
  readonly at: Date;
}

export type RevealedToken =
  | { readonly kind: 'revealed'; readonly token: CustomerTokenSecret; readonly scopes: readonly string[] }
  | { readonly kind: 'not_usable'; readonly reason: 'NOT_FOUND' | 'REVOKED' };

/**
 * Decrypts a token row the caller has already read (e.g. with a renewal's context) for one Klarna
 * call. The caller writes `decryptAuditEntry(...)` and the row's lastUsedAt in the same
 * transaction, as revealCustomerToken does itself.
 */
export function openStoredCustomerToken(
  vault: Vault,
  row: {
    readonly id: string;
    readonly keyId: string;
    readonly encryptedToken: Uint8Array;
    readonly status: 'ACTIVE' | 'REVOKED';
    readonly scopes: readonly string[];
  },
): RevealedToken {
  if (row.status === 'REVOKED') return { kind: 'not_usable', reason: 'REVOKED' };
  const token = vault.open(
    'klarna-customer-token',
    { keyId: row.keyId, ciphertext: Buffer.from(row.encryptedToken) },
    { purpose: 'customer-token', rowId: row.id },
  );
  return { kind: 'revealed', token, scopes: row.scopes };
}

/** The audit row of a decrypt (revealCustomerToken's, for openStoredCustomerToken's caller to write). */
export function decryptAuditEntry(input: RevealCustomerTokenInput, keyId: string): AuditEntry {
  return {
    actor: input.actor,
    merchantId: input.merchantId,
    subscriptionId: input.subscriptionId,
    entityType: 'customer_token',
    entityId: input.tokenId,
    action: 'customer_token.decrypted',
    after: { purpose: input.purpose, key_id: keyId },
    at: input.at,
  };
}

/** What a decrypt leaves in the transaction: its audit row and the token's lastUsedAt. */
export async function recordCustomerTokenDecrypt(
  tx: RawTx,
  input: RevealCustomerTokenInput,
  keyId: string,
): Promise<void> {
  await audit(tx, decryptAuditEntry(input, keyId));
  await touchCustomerToken(tx, input.tokenId, input.at);
}

/** Decrypts a stored token for one Klarna call, writing the audit row in the same transaction. */
export async function revealCustomerToken(
  tx: Tx,
  vault: Vault,
  input: RevealCustomerTokenInput,
): Promise<RevealedToken> {
  const row = await findCustomerTokenById(tx, input.merchantId, input.tokenId);
  if (row === null) return { kind: 'not_usable', reason: 'NOT_FOUND' };
  const opened = openStoredCustomerToken(vault, row);
  if (opened.kind === 'revealed')
    await recordCustomerTokenDecrypt(tx, { ...input, tokenId: row.id }, row.keyId);
  return opened;
}
