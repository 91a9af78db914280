// What waits for an operator: invoices held (a FAILED charge, an outcome unknown past Klarna's
// replay window; nothing charges them until resolved) with their last attempt, and authorizations
// still uncaptured near or past their expiry, or past their capture time. Oldest first, up to
// `limit` of each with `more` saying whether others wait: operators work from the top and a
// resolved row leaves the list, so no cursor is needed.
import { Prisma } from '../generated/prisma/client.js';
import type { Db } from '../db.js';
import { forScope, type DashboardScope } from './merchant-scope.js';

export interface HeldInvoice {
  readonly invoiceId: string;
  readonly merchantId: string;
  readonly subscriptionId: string;
  readonly number: string;
  readonly periodIndex: number;
  readonly amountMinor: number;
  readonly currency: string;
  readonly heldAt: Date;
  readonly holdReason: string | null;
  readonly lastAttempt: {
    readonly id: string;
    readonly attemptNumber: number;
    readonly status: string;
    readonly errorCode: string | null;
    readonly klarnaCorrelationId: string | null;
    /** payment_transaction_reference, to look the transaction up at Klarna. */
    readonly reference: string;
    readonly firstSentAt: Date | null;
  } | null;
}

export interface UncapturedAuthorization {
  readonly chargeId: string;
  readonly merchantId: string;
  readonly subscriptionId: string;
  readonly invoiceId: string;
  readonly klarnaTransactionId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly authorizedAt: Date;
  readonly expiresAt: Date | null;
  readonly captureDueAt: Date | null;
  readonly expiryAlertedAt: Date | null;
  /** Expired already (the money can no longer be captured). */
  readonly expired: boolean;
  readonly captureOverdue: boolean;
}

export interface AwaitingOperatorQuery extends DashboardScope {
  readonly now: Date;
  /** Authorizations expiring before now + this are listed. */
  readonly expiringWithinMs: number;
  /** A capture this long past its due time is overdue (the money sweep should have made it). */
  readonly captureGraceMs: number;
  readonly limit: number;
}

export interface AwaitingOperator {
  readonly held: { readonly items: readonly HeldInvoice[]; readonly more: boolean };
  readonly authorizations: { readonly items: readonly UncapturedAuthorization[]; readonly more: boolean };
}

export async function awaitingOperator(db: Db, q: AwaitingOperatorQuery): Promise<AwaitingOperator> {
  const [held, authorizations] = await Promise.all([heldInvoices(db, q), uncapturedAuthorizations(db, q)]);
  return {
    held: { items: held.slice(0, q.limit), more: held.length > q.limit },
    authorizations: { items: authorizations.slice(0, q.limit), more: authorizations.length > q.limit },
  };
}

interface HeldRow {
  id: string;
  merchantId: string;
  subscriptionId: string;
  number: string;
  periodIndex: number;
  amountMinor: number;
  currency: string;
  heldAt: Date;
  holdReason: string | null;
  attempt_id: string | null;
  attempt_number: number | null;
  attempt_status: string | null;
  error_code: string | null;
  correlation_id: string | null;
  reference: string | null;
  first_sent_at: Date | null;
}

async function heldInvoices(db: Db, q: AwaitingOperatorQuery): Promise<HeldInvoice[]> {
  const rows = await db.$queryRaw<HeldRow[]>(heldInvoicesQuery(q));
  return rows.map((r) => ({
    invoiceId: r.id,
    merchantId: r.merchantId,
    subscriptionId: r.subscriptionId,
    number: r.number,
    periodIndex: r.periodIndex,
    amountMinor: r.amountMinor,
    currency: r.currency,
    heldAt: r.heldAt,
    holdReason: r.holdReason,
    lastAttempt:
      r.attempt_id === null || r.attempt_number === null || r.reference === null
        ? null
        : {
            id: r.attempt_id,
            attemptNumber: r.attempt_number,
            status: r.attempt_status ?? 'PENDING',
            errorCode: r.error_code,
            klarnaCorrelationId: r.correlation_id,
            reference: r.reference,
            firstSentAt: r.first_sent_at,
          },
  }));
}

interface AuthorizationRow {
  id: string;
  merchantId: string;
  subscriptionId: string;
  invoiceId: string;
  klarnaTransactionId: string;
  amountMinor: number;
  currency: string;
  authorizedAt: Date;
  expiresAt: Date | null;
  captureDueAt: Date | null;
  expiryAlertedAt: Date | null;
}

async function uncapturedAuthorizations(
  db: Db,
  q: AwaitingOperatorQuery,
): Promise<UncapturedAuthorization[]> {
  const horizon = new Date(q.now.getTime() + q.expiringWithinMs);
  const overdue = new Date(q.now.getTime() - q.captureGraceMs);
  const rows = await db.$queryRaw<AuthorizationRow[]>(uncapturedAuthorizationsQuery(q, horizon, overdue));
  return rows.map((r) => ({
    chargeId: r.id,
    merchantId: r.merchantId,
    subscriptionId: r.subscriptionId,
    invoiceId: r.invoiceId,
    klarnaTransactionId: r.klarnaTransactionId,
    amountMinor: r.amountMinor,
    currency: r.currency,
    authorizedAt: r.authorizedAt,
    expiresAt: r.expiresAt,
    captureDueAt: r.captureDueAt,
    expiryAlertedAt: r.expiryAlertedAt,
    expired: r.expiresAt !== null && r.expiresAt.getTime() <= q.now.getTime(),
    captureOverdue: r.captureDueAt !== null && r.captureDueAt.getTime() < overdue.getTime(),
  }));
}

export function heldInvoicesQuery(q: AwaitingOperatorQuery): Prisma.Sql {
  const take = q.limit + 1;
  // Invoice_held_idx (partial: held rows only) per merchant, read backwards: oldest hold first.
  const held = forScope(
    q,
    (merchantId) => Prisma.sql`
      SELECT i.* FROM "Invoice" i WHERE i."merchantId" = ${merchantId} AND i."heldAt" IS NOT NULL
      ORDER BY i."heldAt", i.id DESC LIMIT ${take}`,
  );
  return Prisma.sql`
    SELECT i.id, i."merchantId", i."subscriptionId", i.number, i."periodIndex", i."amountMinor", i.currency,
      i."heldAt", i."holdReason", a.id AS attempt_id, a."attemptNumber" AS attempt_number,
      a.status::text AS attempt_status, a."errorCode" AS error_code, a."klarnaCorrelationId" AS correlation_id,
      a.reference, a."firstSentAt" AS first_sent_at
    FROM ${held} i
    LEFT JOIN LATERAL (
      SELECT * FROM "ChargeAttempt" x WHERE x."invoiceId" = i.id ORDER BY x."attemptNumber" DESC LIMIT 1
    ) a ON TRUE
    ORDER BY i."heldAt", i.id DESC LIMIT ${take}`;
}

export function uncapturedAuthorizationsQuery(
  q: AwaitingOperatorQuery,
  horizon: Date,
  overdue: Date,
): Prisma.Sql {
  // Charge_authorized_expiry_idx is partial (AUTHORIZED rows only): the uncaptured authorizations,
  // a few days' worth of LATER charges at most, are all it holds.
  return Prisma.sql`
    SELECT c.id, c."merchantId", c."subscriptionId", c."invoiceId", c."klarnaTransactionId", c."amountMinor",
      c.currency, c."authorizedAt", c."expiresAt", c."captureDueAt", c."expiryAlertedAt"
    FROM "Charge" c
    WHERE c.state = 'AUTHORIZED'
      ${q.merchantId === undefined ? Prisma.empty : Prisma.sql`AND c."merchantId" = ${q.merchantId}::uuid`}
      AND (c."expiresAt" < ${horizon}::timestamptz OR c."captureDueAt" < ${overdue}::timestamptz)
    ORDER BY c."expiresAt" NULLS LAST, c.id LIMIT ${q.limit + 1}`;
}
