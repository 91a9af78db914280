// Past-due subscriptions for the operators' dashboard: each with its open invoice (the period in
// dunning), its dunning progress and its last attempt's decline, newest subscription first.
import { Prisma } from '../generated/prisma/client.js';
import type { Db } from '../db.js';
import { toPage, type Page, type PageQuery } from '../pagination.js';
import { newestFirstOfScope, type DashboardScope } from './merchant-scope.js';

export interface PastDueSubscription {
  readonly id: string;
  readonly merchantId: string;
  readonly customerId: string;
  readonly createdAt: Date;
  readonly pastDueSince: Date | null;
  /** Dunning attempts made for the open invoice so far. */
  readonly attemptCount: number;
  /** null once the retries are over (only the grace end is left). */
  readonly nextRetryAt: Date | null;
  readonly graceEndsAt: Date | null;
  readonly requiresNewToken: boolean;
  readonly openInvoice: {
    readonly id: string;
    readonly number: string;
    readonly periodIndex: number;
    readonly amountMinor: number;
    readonly currency: string;
    readonly heldAt: Date | null;
  } | null;
  readonly lastAttempt: {
    readonly id: string;
    readonly attemptNumber: number;
    readonly status: string;
    readonly declineReason: string | null;
    readonly declineCategory: string | null;
    readonly klarnaCorrelationId: string | null;
    readonly createdAt: Date;
  } | null;
}

interface Row {
  id: string;
  merchantId: string;
  customerId: string;
  createdAt: Date;
  pastDueSince: Date | null;
  dunningAttempt: number;
  nextRetryAt: Date | null;
  graceEndsAt: Date | null;
  requiresNewToken: boolean;
  invoice_id: string | null;
  invoice_number: string | null;
  invoice_period: number | null;
  invoice_amount: number | null;
  invoice_currency: string | null;
  invoice_held_at: Date | null;
  attempt_id: string | null;
  attempt_number: number | null;
  attempt_status: string | null;
  decline_reason: string | null;
  decline_category: string | null;
  correlation_id: string | null;
  attempt_created_at: Date | null;
}

export async function pastDueSubscriptions(
  db: Db,
  scope: DashboardScope,
  page: PageQuery,
): Promise<Page<PastDueSubscription>> {
  const rows = await db.$queryRaw<Row[]>(pastDueSubscriptionsQuery(scope, page));
  return toPage(rows.map(toPastDue), page.limit);
}

export function pastDueSubscriptionsQuery(scope: DashboardScope, page: PageQuery): Prisma.Sql {
  const take = page.limit + 1;
  // Subscription_merchantId_status_createdAt_id_idx per merchant; the open invoice and its last
  // attempt by their unique keys (subscription, period) and (invoice, attempt number).
  const subscriptions = newestFirstOfScope(scope, 'Subscription', Prisma.sql`t.status = 'PAST_DUE'`, page);
  return Prisma.sql`
    SELECT s.id, s."merchantId", s."customerId", s."createdAt", s."pastDueSince", s."dunningAttempt",
      s."nextRetryAt", s."graceEndsAt", s."requiresNewToken",
      i.id AS invoice_id, i.number AS invoice_number, i."periodIndex" AS invoice_period,
      i."amountMinor" AS invoice_amount, i.currency AS invoice_currency, i."heldAt" AS invoice_held_at,
      a.id AS attempt_id, a."attemptNumber" AS attempt_number, a.status::text AS attempt_status,
      a."declineReason" AS decline_reason, a."declineCategory"::text AS decline_category,
      a."klarnaCorrelationId" AS correlation_id, a."createdAt" AS attempt_created_at
    FROM ${subscriptions} s
    LEFT JOIN "Invoice" i ON i."subscriptionId" = s.id AND i."periodIndex" = s."pastDuePeriodIndex"
    LEFT JOIN LATERAL (
      SELECT * FROM "ChargeAttempt" x WHERE x."invoiceId" = i.id ORDER BY x."attemptNumber" DESC LIMIT 1
    ) a ON TRUE
    ORDER BY s."createdAt" DESC, s.id DESC LIMIT ${take}`;
}

function toPastDue(r: Row): PastDueSubscription {
  return {
    id: r.id,
    merchantId: r.merchantId,
    customerId: r.customerId,
    createdAt: r.createdAt,
    pastDueSince: r.pastDueSince,
    attemptCount: r.dunningAttempt,
    nextRetryAt: r.nextRetryAt,
    graceEndsAt: r.graceEndsAt,
    requiresNewToken: r.requiresNewToken,
    openInvoice:
      r.invoice_id === null
        ? null
        : {
            id: r.invoice_id,
            number: r.invoice_number ?? '',
            periodIndex: r.invoice_period ?? 0,
            amountMinor: r.invoice_amount ?? 0,
            currency: r.invoice_currency ?? '',
            heldAt: r.invoice_held_at,
          },
    lastAttempt:
      r.attempt_id === null
        ? null
        : {
            id: r.attempt_id,
            attemptNumber: r.attempt_number ?? 0,
            status: r.attempt_status ?? '',
            declineReason: r.decline_reason,
            declineCategory: r.decline_category,
            klarnaCorrelationId: r.correlation_id,
            createdAt: r.attempt_created_at ?? r.createdAt,
          },
  };
}
