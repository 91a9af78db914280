// Keeps Rebill's webhook registered with Klarna (CONTRACT.md §4, §10): one signing key Klarna
// knows (created if none, its secret sealed in the database; several stay active during a
// rotation) and one webhook for Rebill's URL using one of them. Idempotent: run at every start of
// the webhooks role and by `rebill klarna register-webhook`; a Klarna that forgot everything (a
// restarted sandbox) gets both again.
import { randomUUID } from 'node:crypto';
import { uuidv5 } from '../ids/uuidv5.js';
import { REBILL_KEY_NAMESPACE } from '../ids/idempotency-keys.js';
import type { WebhookRegistration } from '../klarna/notifications.js';
import { audit, systemActor, type Actor } from '../store/audit.js';
import { inTransaction } from '../store/db.js';
import {
  activeSigningKeys,
  retireSigningKeys,
  upsertWebhookRegistration,
  type SigningKeyRow,
} from '../store/signing-keys.js';
import { createSigningKey, type SigningKeyDeps } from './new-signing-key.js';

export const WEBHOOK_EVENT_TYPES = ['payment.request.*'];

export type RegistrationDeps = SigningKeyDeps;

export type RegistrationResult =
  | {
      readonly kind: 'registered';
      readonly webhookId: string;
      readonly signingKeyId: string;
      readonly created: boolean;
    }
  | { readonly kind: 'failed'; readonly step: string; readonly outcome: string };

type Failed = Extract<RegistrationResult, { kind: 'failed' }>;

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
  let ours = await activeSigningKeys(deps.db);
  const stale = ours.filter((k) => !known.has(k.klarnaSigningKeyId));
  if (stale.length > 0) await retireForgottenKeys(deps, actor, stale);
  ours = ours.filter((k) => known.has(k.klarnaSigningKeyId));

  const listed = await deps.notifications.listWebhooks();
  if (listed.kind !== 'answered') return { kind: 'failed', step: 'list webhooks', outcome: listed.kind };
  const forUrl = listed.webhooks.filter((w) => w.url === url);
  const usable = forUrl.find((w) => ours.some((k) => k.klarnaSigningKeyId === w.signingKeyId));
  if (usable !== undefined) {
    const key = ours.find((k) => k.klarnaSigningKeyId === usable.signingKeyId);
    if (key === undefined) return { kind: 'failed', step: 'find signing key', outcome: 'missing' };
    await upsertWebhookRegistration(deps.db, {
      klarnaWebhookId: usable.webhookId,
      url,
      eventTypes: WEBHOOK_EVENT_TYPES,
      signingKeyId: key.id,
      createdAt: deps.clock.now(),
    });
    return {
      kind: 'registered',
      webhookId: usable.webhookId,
      signingKeyId: key.klarnaSigningKeyId,
      created: false,
    };
  }

  // The newest key Klarna knows (rows come newest first), else a new one.
  let signingKey = ours[0];
  if (signingKey === undefined) {
    const made = await createSigningKey(deps, actor, 'none usable');
    if (made.kind !== 'stored') return made;
    signingKey = made.key;
  }
  const put = await putWebhook(deps, actor, url, signingKey, forUrl);
  if (put.kind !== 'put') return put;
  return {
    kind: 'registered',
    webhookId: put.webhookId,
    signingKeyId: signingKey.klarnaSigningKeyId,
    created: true,
  };
}

/**
 * Makes `signingKey` the key of Rebill's webhook for `url`. The Notifications API has no update,
 * and refuses a second webhook with the same configuration, so the ones there (`existing`) are
 * deleted first and a new one is created. Deliveries Klarna still retries for a deleted webhook
 * are dropped by Klarna; the signup janitor reads what they would have said.
 */
export async function putWebhook(
  deps: RegistrationDeps,
  actor: Actor,
  url: string,
  signingKey: SigningKeyRow,
  existing: readonly WebhookRegistration[],
): Promise<{ readonly kind: 'put'; readonly webhookId: string } | Failed> {
  for (const webhook of existing) {
    const deleted = await deps.notifications.deleteWebhook(webhook.webhookId, randomUUID());
    if (deleted.kind !== 'deleted' && deleted.kind !== 'not_found') {
      return { kind: 'failed', step: 'delete webhook', outcome: deleted.kind };
    }
  }
  const made = await deps.notifications.createWebhook(
    { url, eventTypes: WEBHOOK_EVENT_TYPES, signingKeyId: signingKey.klarnaSigningKeyId },
    uuidv5(`webhook:${url}:${signingKey.klarnaSigningKeyId}`, REBILL_KEY_NAMESPACE),
  );
  let webhookId: string;
  if (made.kind === 'created') {
    webhookId = made.webhook.webhookId;
  } else if (made.kind === 'already_exists') {
    // Another process registered the same configuration meanwhile.
    const again = await deps.notifications.listWebhooks();
    const found = again.kind === 'answered' ? again.webhooks.find((w) => w.url === url) : undefined;
    if (found === undefined) return { kind: 'failed', step: 'find existing webhook', outcome: 'missing' };
    webhookId = found.webhookId;
  } else {
    return { kind: 'failed', step: 'create webhook', outcome: made.kind };
  }
  const now = deps.clock.now();
  await inTransaction(deps.db, async (tx) => {
    await upsertWebhookRegistration(tx, {
      klarnaWebhookId: webhookId,
      url,
      eventTypes: WEBHOOK_EVENT_TYPES,
      signingKeyId: signingKey.id,
      createdAt: now,
    });
    await audit(tx, {
      actor,
      merchantId: null,
      entityType: 'klarna_webhook',
      entityId: webhookId,
      action: 'klarna_webhook.registered',
      after: {
        url,
        klarna_signing_key_id: signingKey.klarnaSigningKeyId,
        replaced_webhook_ids: existing.map((w) => w.webhookId),
      },
      at: now,
    });
  });
  return { kind: 'put', webhookId };
}

async function retireForgottenKeys(
  deps: RegistrationDeps,
  actor: Actor,
  stale: readonly SigningKeyRow[],
): Promise<void> {
  const now = deps.clock.now();
  await inTransaction(deps.db, async (tx) => {
    const retired = await retireSigningKeys(
      tx,
      stale.map((k) => k.id),
      now,
    );
    for (const key of stale.filter((k) => retired.includes(k.id))) {
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
