// A new signing key: created at Klarna (whose answer is the only time its secret is shown), sealed
// by the vault to its own row and stored ACTIVE with its audit row. Shared by the registration
// (no usable key yet) and the rotation (a key to move to).
import { randomUUID } from 'node:crypto';
import type { Clock } from '../domain/index.js';
import type { KlarnaNotifications } from '../klarna/notifications.js';
import { audit, type Actor } from '../store/audit.js';
import { inTransaction, type Db } from '../store/db.js';
import { findSigningKey, insertSigningKey, type SigningKeyRow } from '../store/signing-keys.js';
import type { Vault } from '../vault/vault.js';

export interface SigningKeyDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly vault: Vault;
  readonly notifications: KlarnaNotifications;
}

export type NewSigningKeyResult =
  | { readonly kind: 'stored'; readonly key: SigningKeyRow }
  | { readonly kind: 'failed'; readonly step: string; readonly outcome: string };

export async function createSigningKey(
  deps: SigningKeyDeps,
  actor: Actor,
  reason: 'none usable' | 'rotation',
): Promise<NewSigningKeyResult> {
  const created = await deps.notifications.createSigningKey(randomUUID());
  if (created.kind !== 'created')
    return { kind: 'failed', step: 'create signing key', outcome: created.kind };
  const id = randomUUID();
  const sealed = deps.vault.seal(created.secret, { purpose: 'signing-key', rowId: id });
  const now = deps.clock.now();
  const key = await inTransaction(deps.db, async (tx) => {
    await insertSigningKey(tx, {
      id,
      klarnaSigningKeyId: created.signingKeyId,
      encryptedSecret: Uint8Array.from(sealed.ciphertext),
      keyId: sealed.keyId,
      createdAt: now,
    });
    await audit(tx, {
      actor,
      merchantId: null,
      entityType: 'klarna_signing_key',
      entityId: id,
      action: 'klarna_signing_key.created',
      after: { klarna_signing_key_id: created.signingKeyId, vault_key_id: sealed.keyId, reason },
      at: now,
    });
    return findSigningKey(tx, created.signingKeyId);
  });
  if (key === null) return { kind: 'failed', step: 'store signing key', outcome: 'missing' };
  return { kind: 'stored', key };
}
