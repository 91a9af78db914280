// A subscription's history for an operator, one entry per thing that happened, oldest first:
// the signup, its payment requests, the Klarna webhooks received for them, every charge attempt
// (with Klarna's correlation id), charges and their captures, refunds and voids, every audited
// action with its actor (state changes told apart), and every event sent to the merchant's
// webhooks with its deliveries. One UNION ALL over indexes on subscriptionId (or on the rows the
// subscription owns), keyset-paginated on (at, key).
import { z } from 'zod';
import { Prisma } from '../generated/prisma/client.js';
import type { Db } from '../db.js';

const actor = z.object({ kind: z.string(), id: z.string() });
const json = z.unknown();

const entryData = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('SIGNED_UP'), status: z.string(), currency: z.string(), timeZone: z.string() }),
  z.object({
    kind: z.literal('PAYMENT_REQUEST'),
    paymentRequestId: z.string(),
    purpose: z.string(),
    state: z.string(),
    klarnaPaymentRequestId: z.string().nullable(),
    amountMinor: z.number().nullable(),
    currency: z.string(),
  }),
  z.object({
    kind: z.literal('WEBHOOK_RECEIVED'),
    webhookEventId: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    status: z.string(),
    klarnaPaymentRequestId: z.string().nullable(),
  }),
  z.object({
    kind: z.literal('ATTEMPT'),
    attemptId: z.string(),
    invoiceId: z.string(),
    attemptNumber: z.number(),
    attemptKind: z.string(),
    status: z.string(),
    amountMinor: z.number(),
    currency: z.string(),
    declineReason: z.string().nullable(),
    declineCategory: z.string().nullable(),
    errorCode: z.string().nullable(),
    klarnaCorrelationId: z.string().nullable(),
    reference: z.string(),
  }),
  z.object({
    kind: z.literal('CHARGE'),
    chargeId: z.string(),
    attemptId: z.string(),
    klarnaTransactionId: z.string(),
    state: z.string(),
    captureMode: z.string(),
    amountMinor: z.number(),
    currency: z.string(),
  }),
  z.object({
    kind: z.enum(['CAPTURE', 'REFUND', 'VOID']),
    operationId: z.string(),
    chargeId: z.string(),
    status: z.string(),
    /** Null for a void, which releases what was not captured. */
    amountMinor: z.number().nullable(),
    currency: z.string().nullable(),
    failureCode: z.string().nullable(),
  }),
  z.object({
    kind: z.literal('STATE_CHANGE'),
    actor,
    action: z.string(),
    from: z.string().nullable(),
    to: z.string(),
  }),
  z.object({
    kind: z.literal('AUDITED_ACTION'),
    actor,
    action: z.string(),
    entityType: z.string(),
    entityId: z.string(),
    before: json,
    after: json,
  }),
  z.object({
    kind: z.literal('MERCHANT_WEBHOOK'),
    outboxEventId: z.string(),
    type: z.string(),
    deliveries: z.array(
      z.object({
        deliveryId: z.string(),
        endpointId: z.string(),
        status: z.string(),
        attemptCount: z.number(),
        lastStatus: z.number().nullable(),
      }),
    ),
  }),
]);

export type TimelineEntry = z.infer<typeof entryData> & {
  readonly at: Date;
  /** Orders entries at the same instant; with `at`, the cursor of the next page. */
  readonly key: string;
};

export interface TimelineCursor {
  readonly at: Date;
  readonly key: string;
}

export interface TimelinePage {
  readonly entries: readonly TimelineEntry[];
  /** Pass as `after` for the next page; null on the last. */
  readonly next: TimelineCursor | null;
}

export interface TimelineQuery {
  readonly subscriptionId: string;
  /** Scope: null when the subscription is not this merchant's. */
  readonly merchantId?: string | undefined;
  readonly limit: number;
  readonly after: TimelineCursor | null;
}

/** The subscription's entries, oldest first; null when there is no such subscription (in scope). */
export async function subscriptionTimeline(db: Db, q: TimelineQuery): Promise<TimelinePage | null> {
  const scoped = await db.subscription.findFirst({
    where: { id: q.subscriptionId, ...(q.merchantId === undefined ? {} : { merchantId: q.merchantId }) },
    select: { id: true },
  });
  if (scoped === null) return null;
  const sub = Prisma.sql`${q.subscriptionId}::uuid`;
  const after =
    q.after === null
      ? Prisma.sql`TRUE`
      : Prisma.sql`(e.at, e.key) > (${q.after.at}::timestamptz, ${q.after.key})`;
  const rows = await db.$queryRaw<{ at: Date; key: string; data: unknown }[]>`
    SELECT e.at, e.key, e.data FROM (${entriesOf(sub)}) e
    WHERE ${after}
    ORDER BY e.at, e.key LIMIT ${q.limit + 1}`;
  const entries = rows.slice(0, q.limit).map((r) => ({ ...entryData.parse(r.data), at: r.at, key: r.key }));
  const last = entries.at(-1);
  return {
    entries,
    next: rows.length > q.limit && last !== undefined ? { at: last.at, key: last.key } : null,
  };
}

// Keys: a letter per source (so ties at one instant keep a stable, causal-ish order) and the row id;
// audit ids are zero-padded so they sort as numbers.
export function entriesOf(sub: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    SELECT s."createdAt" AS at, 'a:' || s.id AS key, jsonb_build_object('kind', 'SIGNED_UP',
      'status', s.status, 'currency', s.currency, 'timeZone', s."timeZone") AS data
    FROM "Subscription" s WHERE s.id = ${sub}
    UNION ALL
    SELECT p."createdAt", 'b:' || p.id, jsonb_build_object('kind', 'PAYMENT_REQUEST', 'paymentRequestId', p.id,
      'purpose', p.purpose, 'state', p.state, 'klarnaPaymentRequestId', p."klarnaPaymentRequestId",
      'amountMinor', p."amountMinor", 'currency', p.currency)
    FROM "PaymentRequest" p WHERE p."subscriptionId" = ${sub}
    UNION ALL
    SELECT w."receivedAt", 'c:' || w.id, jsonb_build_object('kind', 'WEBHOOK_RECEIVED', 'webhookEventId', w.id,
      'eventId', w."eventId", 'eventType', w."eventType", 'status', w.status,
      'klarnaPaymentRequestId', w."klarnaPaymentRequestId")
    FROM "PaymentRequest" p JOIN "WebhookEvent" w ON w."klarnaPaymentRequestId" = p."klarnaPaymentRequestId"
    WHERE p."subscriptionId" = ${sub}
    UNION ALL
    SELECT a."createdAt", 'd:' || a.id, jsonb_build_object('kind', 'ATTEMPT', 'attemptId', a.id,
      'invoiceId', a."invoiceId", 'attemptNumber', a."attemptNumber", 'attemptKind', a.kind, 'status', a.status,
      'amountMinor', a."amountMinor", 'currency', a.currency, 'declineReason', a."declineReason",
      'declineCategory', a."declineCategory", 'errorCode', a."errorCode",
      'klarnaCorrelationId', a."klarnaCorrelationId", 'reference', a.reference)
    FROM "ChargeAttempt" a WHERE a."subscriptionId" = ${sub}
    UNION ALL
    SELECT c."createdAt", 'e:' || c.id, jsonb_build_object('kind', 'CHARGE', 'chargeId', c.id, 'attemptId', c."attemptId",
      'klarnaTransactionId', c."klarnaTransactionId", 'state', c.state, 'captureMode', c."captureMode",
      'amountMinor', c."amountMinor", 'currency', c.currency)
    FROM "Charge" c WHERE c."subscriptionId" = ${sub}
    UNION ALL
    SELECT o."createdAt", 'f:' || o.id, jsonb_build_object('kind', 'CAPTURE', 'operationId', o.id, 'chargeId', c.id,
      'status', o.status, 'amountMinor', o."amountMinor", 'currency', o.currency, 'failureCode', o."failureCode")
    FROM "Charge" c JOIN "Capture" o ON o."chargeId" = c.id WHERE c."subscriptionId" = ${sub}
    UNION ALL
    SELECT o."createdAt", 'g:' || o.id, jsonb_build_object('kind', 'REFUND', 'operationId', o.id, 'chargeId', c.id,
      'status', o.status, 'amountMinor', o."amountMinor", 'currency', o.currency, 'failureCode', o."failureCode")
    FROM "Charge" c JOIN "Refund" o ON o."chargeId" = c.id WHERE c."subscriptionId" = ${sub}
    UNION ALL
    SELECT o."createdAt", 'h:' || o.id, jsonb_build_object('kind', 'VOID', 'operationId', o.id, 'chargeId', c.id,
      'status', o.status, 'amountMinor', o."releasedMinor", 'currency', c.currency, 'failureCode', o."failureCode")
    FROM "Charge" c JOIN "Void" o ON o."chargeId" = c.id WHERE c."subscriptionId" = ${sub}
    UNION ALL
    SELECT x."createdAt", 'i:' || lpad(x.id::text, 20, '0'),
      CASE WHEN x."entityType" = 'subscription' AND x."after" ? 'status'
             AND x."after"->>'status' IS DISTINCT FROM x."before"->>'status'
        THEN jsonb_build_object('kind', 'STATE_CHANGE', 'actor', jsonb_build_object('kind', x."actorKind", 'id', x."actorId"),
          'action', x.action, 'from', x."before"->>'status', 'to', x."after"->>'status')
        ELSE jsonb_build_object('kind', 'AUDITED_ACTION', 'actor', jsonb_build_object('kind', x."actorKind", 'id', x."actorId"),
          'action', x.action, 'entityType', x."entityType", 'entityId', x."entityId", 'before', x."before", 'after', x."after")
      END
    FROM "AuditEvent" x WHERE x."subscriptionId" = ${sub}
    UNION ALL
    SELECT ev."createdAt", 'j:' || ev.id, jsonb_build_object('kind', 'MERCHANT_WEBHOOK', 'outboxEventId', ev.id,
      'type', ev.type, 'deliveries', COALESCE((
        SELECT jsonb_agg(jsonb_build_object('deliveryId', d.id, 'endpointId', d."endpointId", 'status', d.status,
          'attemptCount', d."attemptCount", 'lastStatus', d."lastStatus") ORDER BY d."createdAt", d.id)
        FROM "WebhookDelivery" d WHERE d."eventId" = ev.id), '[]'::jsonb))
    FROM "OutboxEvent" ev WHERE ev."subscriptionId" = ${sub}`;
}
