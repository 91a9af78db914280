// Keeps Rebill's webhook registered with Klarna (CONTRACT.md §4, §10): one signing key Klarna
// knows (created if none, its secret sealed in the database; several stay active during a
// rotation) and one webhook for Rebill's URL using it. Idempotent: run at every start of the
// webhooks role and by `rebill klarna register-webhook`; a Klarna that forgot everything (a
// restarted sandbox) gets both again.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../domain/index.js';
import { uuidv5 } from '../ids/uuidv5.js';
import { REBILL_KEY_NAMESPACE } from '../ids/idempotency-keys.js';
import type { KlarnaNotifications } from '../klarna/notifications.js';
import { audit, systemActor } from '../store/audit.js';
import { inTransaction, type Db } from '../store/db.js';
import {
  activeSigningKeys,
  insertSigningKey,
  retireSigningKeys,
  upsertWebhookRegistration,
} from '../store/signing-keys.js';
import type { Vault } from '../vault/vault.js';

export const WEBHOOK_EVENT_TYPES = ['payment.request.*'];

export interface RegistrationDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly vault: Vault;
  readonly notifications: KlarnaNotifications;
}

export type RegistrationResult =
  | {
      readonly kind: 'registered';
      readonly webhookId: string;
      readonly signingKeyId: string;
      readonly created: boolean;
    }
  | { readonly kind: 'failed'; readonly step: string; readonly outcome: string };

export async function ensureWebhookRegistration(
  deps: RegistrationDeps,
  url: string,
): Promise<RegistrationResult> {
  const actor = systemActor('webhooks');
  const listedKeys = await deps.notifications.listSigningKeys();
  if (listedKeys.kind !== 'answered')
    return { kind: 'failed', step: 'list signing keys', outcome: listedKeys.kind };
  const known = new Set(listedKeys.signingKeys.map((k) => k.signingKeyId));

  // Keys Klarna no longer knows are retired: nothing can be signed with them any more.
  const ours = await activeSigningKeys(deps.db);
  const stale = ours.filter((k) => !known.has(k.klarnaSigningKeyId));
  if (stale.length > 0) {
    const now = deps.clock.now();
    await inTransaction(deps.db, async (tx) => {
      await retireSigningKeys(
        tx,
        stale.map((k) => k.id),
        now,
      );
      for (const key of stale) {
        await audit(tx, {
          actor,
          merchantId: null,
          entityType: 'klarna_signing_key',
          entityId: key.id,
          action: 'klarna_signing_key.retired',
          after: { klarna_signing_key_id: key.klarnaSigningKeyId, reason: 'unknown to Klarna' },
          at: now,
        });
      }
    });
  }
  let signingKey = ours.find((k) => known.has(k.klarnaSigningKeyId)) ?? null;
  if (signingKey === null) {
    const created = await deps.notifications.createSigningKey(randomUUID());
    if (created.kind !== 'created')
      return { kind: 'failed', step: 'create signing key', outcome: created.kind };
    const id = randomUUID();
    const sealed = deps.vault.seal(created.secret, { purpose: 'signing-key', rowId: id });
    const now = deps.clock.now();
    await inTransaction(deps.db, async (tx) => {
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
        after: { klarna_signing_key_id: created.signingKeyId, vault_key_id: sealed.keyId },
        at: now,
      });
    });
    signingKey = (await activeSigningKeys(deps.db)).find((k) => k.id === id) ?? null;
    if (signingKey === null) return { kind: 'failed', step: 'store signing key', outcome: 'missing' };
  }

  const listed = await deps.notifications.listWebhooks();
  if (listed.kind !== 'answered') return { kind: 'failed', step: 'list webhooks', outcome: listed.kind };
  const existing = listed.webhooks.find((w) => w.url === url);
  const activeIds = new Set((await activeSigningKeys(deps.db)).map((k) => k.klarnaSigningKeyId));
  let webhookId: string;
  let created = false;
  if (existing !== undefined && existing.signingKeyId !== null && activeIds.has(existing.signingKeyId)) {
    webhookId = existing.webhookId;
  } else {
    if (existing !== undefined) {
      // Registered with a key Rebill cannot verify: replace it.
      await deps.notifications.deleteWebhook(existing.webhookId, randomUUID());
    }
    const made = await deps.notifications.createWebhook(
      { url, eventTypes: WEBHOOK_EVENT_TYPES, signingKeyId: signingKey.klarnaSigningKeyId },
      uuidv5(`webhook:${url}:${signingKey.klarnaSigningKeyId}`, REBILL_KEY_NAMESPACE),
    );
    if (made.kind === 'created') {
      webhookId = made.webhook.webhookId;
      created = true;
    } else if (made.kind === 'already_exists') {
      const again = await deps.notifications.listWebhooks();
      const found = again.kind === 'answered' ? again.webhooks.find((w) => w.url === url) : undefined;
      if (found === undefined) return { kind: 'failed', step: 'find existing webhook', outcome: 'missing' };
      webhookId = found.webhookId;
    } else {
      return { kind: 'failed', step: 'create webhook', outcome: made.kind };
    }
  }
  await upsertWebhookRegistration(deps.db, {
    klarnaWebhookId: webhookId,
    url,
    eventTypes: WEBHOOK_EVENT_TYPES,
    signingKeyId: signingKey.id,
    createdAt: deps.clock.now(),
  });
  return { kind: 'registered', webhookId, signingKeyId: signingKey.klarnaSigningKeyId, created };
}
