// Klarna notifications, each stored once (unique event_id) before it is acknowledged, with its
// payload's raw tokens replaced by "[sealed]" and the tokens themselves sealed to the row.
import type { Prisma, WebhookEvent } from './generated/prisma/client.js';
import type { Db, DbOrTx } from './db.js';

export interface NewWebhookEvent {
  readonly id: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly occurredAt: Date;
  readonly receivedAt: Date;
  /** When the sweep may apply it if the ingester's own apply did not finish. */
  readonly nextAttemptAt: Date;
  readonly subjectAccountId: string | null;
  readonly merchantId: string | null;
  readonly klarnaPaymentRequestId: string | null;
  readonly signingKeyId: string;
  readonly payload: Prisma.InputJsonValue;
  readonly sealed: { readonly keyId: string; readonly ciphertext: Buffer } | null;
}

/** Inserts the event unless its event_id is known; true when this call stored it. */
export async function insertWebhookEvent(db: DbOrTx, event: NewWebhookEvent): Promise<boolean> {
  const inserted = await db.$executeRaw`
    INSERT INTO "WebhookEvent" (id, "eventId", "eventType", "occurredAt", "receivedAt", "subjectAccountId",
      "merchantId", "klarnaPaymentRequestId", "signingKeyId", payload, "sealedSecrets", "sealedKeyId", status, "applyCount",
      "nextAttemptAt")
    VALUES (${event.id}::uuid, ${event.eventId}, ${event.eventType}, ${event.occurredAt}, ${event.receivedAt},
      ${event.subjectAccountId}, ${event.merchantId}::uuid, ${event.klarnaPaymentRequestId}, ${event.signingKeyId},
      ${JSON.stringify(event.payload)}::jsonb, ${event.sealed?.ciphertext ?? null}, ${event.sealed?.keyId ?? null},
      'RECEIVED', 0, ${event.nextAttemptAt})
    ON CONFLICT ("eventId") DO NOTHING`;
  return inserted === 1;
}

export async function findWebhookEvent(db: DbOrTx, id: string): Promise<WebhookEvent | null> {
  return db.webhookEvent.findUnique({ where: { id } });
}

/** What applying an event reads of its row (the ingester has it in hand from the insert). */
export interface AppliableWebhookEvent extends Pick<
  WebhookEvent,
  'id' | 'eventType' | 'occurredAt' | 'merchantId' | 'applyCount' | 'nextAttemptAt'
> {
  readonly payload: unknown;
}

/** The row `insertWebhookEvent` wrote, as applying it needs it. */
export function insertedWebhookEvent(event: NewWebhookEvent): AppliableWebhookEvent {
  return {
    id: event.id,
    eventType: event.eventType,
    occurredAt: event.occurredAt,
    merchantId: event.merchantId,
    payload: event.payload,
    applyCount: 0,
    nextAttemptAt: event.nextAttemptAt,
  };
}

export type ApplyVerdict = 'PROCESSED' | 'IGNORED' | 'FAILED';

/** Back-off between applies of an event that failed: 5 s, 30 s, 2 min, 10 min, then every 30 min. */
const RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000];

/** Records how an apply ended; FAILED events are retried by the sweep. */
export async function recordApply(
  db: DbOrTx,
  row: { readonly id: string; readonly applyCount: number },
  verdict: ApplyVerdict,
  detail: { readonly error: string | null; readonly now: Date },
): Promise<void> {
  const delay = RETRY_DELAYS_MS[row.applyCount] ?? RETRY_DELAYS_MS.at(-1) ?? 1_800_000;
  // Plain statements: nothing is read back (the row's payload would come with it).
  if (verdict === 'FAILED') {
    await db.$executeRaw`
      UPDATE "WebhookEvent" SET status = 'FAILED', "applyCount" = "applyCount" + 1, "lastError" = ${detail.error},
        "nextAttemptAt" = ${new Date(detail.now.getTime() + delay)}
      WHERE id = ${row.id}::uuid`;
    return;
  }
  await db.$executeRaw`
    UPDATE "WebhookEvent" SET status = ${verdict}::"WebhookEventStatus", "applyCount" = "applyCount" + 1,
      "lastError" = ${detail.error}, "processedAt" = ${detail.now}, "sealedSecrets" = NULL, "sealedKeyId" = NULL
    WHERE id = ${row.id}::uuid`;
}

/**
 * Leases unapplied events (never applied, or failed) that are due, oldest first along the partial
 * index WebhookEvent_unapplied_idx: their nextAttemptAt moves to `leaseUntil`, so the next sweep
 * skips them while a job holds them. SKIP LOCKED lets two schedulers sweep side by side.
 */
export async function leaseDueWebhookEvents(
  db: Db,
  now: Date,
  leaseUntil: Date,
  limit: number,
): Promise<{ id: string }[]> {
  return db.$queryRaw<{ id: string }[]>`
    UPDATE "WebhookEvent" SET "nextAttemptAt" = ${leaseUntil}
    WHERE id IN (
      SELECT id FROM "WebhookEvent"
      WHERE status IN ('RECEIVED', 'FAILED') AND "nextAttemptAt" <= ${now}
      ORDER BY "nextAttemptAt", id
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING id`;
}

export async function countDueWebhookEvents(db: Db, now: Date): Promise<number> {
  const [row] = await db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM "WebhookEvent"
    WHERE status IN ('RECEIVED', 'FAILED') AND "nextAttemptAt" <= ${now}`;
  return row?.n ?? 0;
}
