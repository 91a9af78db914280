// Receiving a Klarna notification (CONTRACT.md §10): verify the HMAC over the raw bytes with the
// key Klarna-Signing-Key-Id names (constant time), then store the event once, its tokens sealed,
// and only then acknowledge. A bad or missing signature stores nothing. Applying the event happens
// after the answer (the caller runs `applyReceivedEvent` with what this hands back), and again
// from the sweep if that fails.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../domain/index.js';
import { parseKlarnaWebhook } from '../klarna/webhook-envelope.js';
import { verifyKlarnaSignature } from '../klarna/webhook-signature.js';
import type { Db } from '../store/db.js';
import { insertedWebhookEvent, insertWebhookEvent, type NewWebhookEvent } from '../store/webhook-events.js';
import type { Vault } from '../vault/vault.js';
import { sealWebhookSecrets } from '../vault/webhook-secrets.js';
import type { ReceivedEvent } from './apply-event.js';
import type { SigningKeyRing } from './signing-key-ring.js';
import type { MerchantDirectory } from './merchant-directory.js';

/** The ingester applies an event itself right after storing it; the sweep steps in after this. */
export const INLINE_APPLY_GRACE_MS = 30_000;

export interface IngestDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly vault: Vault;
  readonly keys: SigningKeyRing;
  readonly merchants: MerchantDirectory;
}

export interface IngestRequest {
  readonly rawBody: Buffer;
  readonly signingKeyId: string | undefined;
  readonly signature: string | undefined;
}

export type IngestResult =
  | {
      readonly kind: 'stored';
      readonly webhookEventId: string;
      readonly eventId: string;
      /** The stored row and its tokens, for the apply that follows the answer. */
      readonly received: ReceivedEvent;
    }
  | { readonly kind: 'duplicate'; readonly eventId: string }
  | {
      readonly kind: 'rejected';
      readonly status: 400 | 401;
      readonly field: string;
      readonly reason: string;
    };

export async function ingestKlarnaWebhook(deps: IngestDeps, request: IngestRequest): Promise<IngestResult> {
  const { signingKeyId, signature, rawBody } = request;
  if (signingKeyId === undefined || signingKeyId === '') {
    return { kind: 'rejected', status: 400, field: 'Klarna-Signing-Key-Id', reason: 'missing' };
  }
  if (signature === undefined || signature === '') {
    return { kind: 'rejected', status: 400, field: 'Klarna-Signature', reason: 'missing' };
  }
  const key = await deps.keys.get(signingKeyId);
  if (key === undefined) {
    return { kind: 'rejected', status: 400, field: 'Klarna-Signing-Key-Id', reason: 'unknown signing key' };
  }
  if (!verifyKlarnaSignature(rawBody, signature, key)) {
    return { kind: 'rejected', status: 400, field: 'Klarna-Signature', reason: 'does not match the body' };
  }
  const parsed = parseKlarnaWebhook(rawBody);
  if (!parsed.ok) {
    return {
      kind: 'rejected',
      status: 400,
      field: parsed.problem.field ?? 'body',
      reason: parsed.problem.message,
    };
  }
  const event = parsed.event;
  const id = randomUUID();
  const now = deps.clock.now();
  const merchantId =
    event.subjectAccountId === null ? null : await deps.merchants.idForKlarnaAccount(event.subjectAccountId);
  const row: NewWebhookEvent = {
    id,
    eventId: event.eventId,
    eventType: event.eventType,
    occurredAt: event.occurredAt,
    receivedAt: now,
    nextAttemptAt: new Date(now.getTime() + INLINE_APPLY_GRACE_MS),
    subjectAccountId: event.subjectAccountId,
    merchantId,
    klarnaPaymentRequestId: event.paymentRequest?.paymentRequestId ?? null,
    signingKeyId,
    payload: event.storablePayload ?? {},
    sealed: sealWebhookSecrets(deps.vault, event.secrets, id),
  };
  const stored = await insertWebhookEvent(deps.db, row);
  return stored
    ? {
        kind: 'stored',
        webhookEventId: id,
        eventId: event.eventId,
        received: { row: insertedWebhookEvent(row), secrets: event.secrets },
      }
    : { kind: 'duplicate', eventId: event.eventId };
}
