// Rotating the key Klarna signs Rebill's webhooks with (CONTRACT.md §10.5: several keys active,
// chosen by Klarna-Signing-Key-Id). `rotate` creates a new key and moves Rebill's webhook to it,
// keeping the old key ACTIVE so deliveries Klarna signed with it before the move still verify;
// `retire` is the operator's later step: the old key is no longer accepted, and is deleted at
// Klarna unless a webhook there still uses it.
import { randomUUID } from 'node:crypto';
import { audit, systemActor } from '../store/audit.js';
import { inTransaction } from '../store/db.js';
import { activeSigningKeys, findAnySigningKey, retireSigningKeys } from '../store/signing-keys.js';
import { createSigningKey } from './new-signing-key.js';
import { putWebhook, type RegistrationDeps } from './registration.js';

const OPERATOR = systemActor('cli');

export type RotationResult =
  | {
      readonly kind: 'rotated';
      readonly signingKeyId: string;
      readonly webhookId: string;
      /** Older keys that stay ACTIVE until retired. */
      readonly stillAccepted: string[];
    }
  | { readonly kind: 'failed'; readonly step: string; readonly outcome: string };

export async function rotateSigningKey(deps: RegistrationDeps, url: string): Promise<RotationResult> {
  const made = await createSigningKey(deps, OPERATOR, 'rotation');
  if (made.kind !== 'stored') return made;
  const listed = await deps.notifications.listWebhooks();
  if (listed.kind !== 'answered') return { kind: 'failed', step: 'list webhooks', outcome: listed.kind };
  const put = await putWebhook(
    deps,
    OPERATOR,
    url,
    made.key,
    listed.webhooks.filter((w) => w.url === url),
  );
  if (put.kind !== 'put') return put;
  const others = (await activeSigningKeys(deps.db)).filter((k) => k.id !== made.key.id);
  return {
    kind: 'rotated',
    signingKeyId: made.key.klarnaSigningKeyId,
    webhookId: put.webhookId,
    stillAccepted: others.map((k) => k.klarnaSigningKeyId),
  };
}

export type RetirementResult =
  | {
      readonly kind: 'retired';
      readonly signingKeyId: string;
      /** False when it was RETIRED already (a re-run finishing a deletion at Klarna). */
      readonly changed: boolean;
      /** Deleted (or already gone) at Klarna; false while a webhook there still uses it. */
      readonly deletedAtKlarna: boolean;
    }
  | { readonly kind: 'not_found'; readonly signingKeyId: string }
  /** Rebill's own webhook still signs with it: rotate first. */
  | { readonly kind: 'in_use'; readonly signingKeyId: string; readonly webhookId: string }
  | { readonly kind: 'failed'; readonly step: string; readonly outcome: string };

export async function retireSigningKey(
  deps: RegistrationDeps,
  url: string,
  klarnaSigningKeyId: string,
): Promise<RetirementResult> {
  const key = await findAnySigningKey(deps.db, klarnaSigningKeyId);
  if (key === null) return { kind: 'not_found', signingKeyId: klarnaSigningKeyId };
  const listed = await deps.notifications.listWebhooks();
  if (listed.kind !== 'answered') return { kind: 'failed', step: 'list webhooks', outcome: listed.kind };
  const ours = listed.webhooks.find((w) => w.url === url && w.signingKeyId === klarnaSigningKeyId);
  if (ours !== undefined)
    return { kind: 'in_use', signingKeyId: klarnaSigningKeyId, webhookId: ours.webhookId };

  const now = deps.clock.now();
  const changed = await inTransaction(deps.db, async (tx) => {
    const retired = await retireSigningKeys(tx, [key.id], now);
    if (retired.length === 0) return false;
    await audit(tx, {
      actor: OPERATOR,
      merchantId: null,
      entityType: 'klarna_signing_key',
      entityId: key.id,
      action: 'klarna_signing_key.retired',
      after: { klarna_signing_key_id: klarnaSigningKeyId, reason: 'retired by an operator' },
      at: now,
    });
    return true;
  });

  const deleted = await deps.notifications.deleteSigningKey(klarnaSigningKeyId, randomUUID());
  switch (deleted.kind) {
    case 'deleted':
    case 'not_found':
      return { kind: 'retired', signingKeyId: klarnaSigningKeyId, changed, deletedAtKlarna: true };
    case 'conflict':
      return { kind: 'retired', signingKeyId: klarnaSigningKeyId, changed, deletedAtKlarna: false };
    case 'permanent':
    case 'rate_limited':
    case 'transient':
      // Retired here already; running the command again finishes the deletion.
      return { kind: 'failed', step: 'delete signing key at Klarna', outcome: deleted.kind };
  }
}
