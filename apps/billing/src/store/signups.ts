// Rows of a signup: the subscription with its first phase, the period-0 invoice and its first
// attempt (paid plans), and the payment request for the customer's journey. Written before any
// call to Klarna; everything after is an update of these rows under the subscription's row lock.
import { randomUUID } from 'node:crypto';
import {
  type ChargeAttempt,
  type Customer,
  type Invoice,
  type InvoiceLine,
  type Merchant,
  type PaymentRequest,
  type PaymentRequestPurpose,
  type Plan,
  type PlanVersion,
  type Subscription,
  type SubscriptionPhase,
} from './generated/prisma/client.js';
import type { Tx } from './db.js';
import { nextInvoiceNumber } from './invoice-numbers.js';
import { lockSubscriptionRow } from './subscription-lock.js';
import {
  readSubscription,
  readMerchant,
  readCustomer,
  readPhase,
  readPlanVersion,
  readPlan,
  readPaymentRequest,
  readInvoice,
  readInvoiceLine,
  readChargeAttempt,
} from './row-readers.js';

export type { ChargeAttempt };

export interface SignupContext {
  readonly subscription: Subscription;
  readonly merchant: Merchant;
  readonly customer: Customer;
  readonly phase: SubscriptionPhase & { planVersion: PlanVersion & { plan: Plan } };
  /** The newest SIGNUP payment request. */
  readonly paymentRequest: PaymentRequest;
  /** Period 0's invoice; null for a plan that starts with a trial. */
  readonly invoice: (Invoice & { lines: InvoiceLine[] }) | null;
  /** Period 0's attempts, oldest first. */
  readonly attempts: readonly ChargeAttempt[];
}

/**
 * Locks the subscription row (FOR UPDATE: the webhook ingester, the finalize job and the janitor
 * may act on the same signup at once) and reads everything a signup decision needs. Two
 * statements: the read must come after the lock, so that (READ COMMITTED) it sees what the
 * transaction that held the lock committed.
 */
export async function lockSignupContext(tx: Tx, subscriptionId: string): Promise<SignupContext | null> {
  if (!(await lockSubscriptionRow(tx, subscriptionId))) return null;
  return readSignupContext(tx, subscriptionId);
}

/** The journey a Klarna fact is about, and the subscription it belongs to (whose row is locked). */
export interface JourneyOwner {
  readonly subscriptionId: string;
  readonly merchantId: string;
  readonly paymentRequestId: string;
  /** A signup's journey, or a running subscription's token replacement. */
  readonly purpose: PaymentRequestPurpose;
}

/**
 * Finds the journey a Klarna payment request id (or, failing that, Rebill's own reference) is,
 * and locks its subscription row, in one statement per lookup.
 */
export async function lockSignupByKlarnaRequest(
  tx: Tx,
  klarnaPaymentRequestId: string,
  reference: string | null,
): Promise<JourneyOwner | null> {
  const [byId] = await tx.$queryRaw<JourneyOwner[]>`
    SELECT s.id AS "subscriptionId", s."merchantId", pr.id AS "paymentRequestId", pr.purpose::text AS purpose
    FROM "PaymentRequest" pr JOIN "Subscription" s ON s.id = pr."subscriptionId"
    WHERE pr."klarnaPaymentRequestId" = ${klarnaPaymentRequestId}
    FOR UPDATE OF s`;
  if (byId !== undefined || reference === null) return byId ?? null;
  const [byReference] = await tx.$queryRaw<JourneyOwner[]>`
    SELECT s.id AS "subscriptionId", s."merchantId", pr.id AS "paymentRequestId", pr.purpose::text AS purpose
    FROM "PaymentRequest" pr JOIN "Subscription" s ON s.id = pr."subscriptionId"
    WHERE pr.reference = ${reference}
    FOR UPDATE OF s`;
  return byReference ?? null;
}

/**
 * Everything a signup decision needs, in one statement (one plan, one round trip, where reading
 * the relations through Prisma took ten): the subscription with its merchant and customer, its
 * first phase with the plan version and plan, its newest SIGNUP payment request, and period 0's
 * invoice with its lines and attempts. Each part comes as JSON from a subquery of its own.
 */
export async function readSignupContext(tx: Tx, subscriptionId: string): Promise<SignupContext | null> {
  const [row] = await tx.$queryRawUnsafe<SignupContextJson[]>(SIGNUP_CONTEXT_SQL, subscriptionId);
  if (row === undefined || row.phase === null || row.pr === null) return null;
  const invoice = row.invoice === null ? null : readInvoice(row.invoice.invoice);
  return {
    subscription: readSubscription(row.s),
    merchant: readMerchant(row.m),
    customer: readCustomer(row.c),
    phase: {
      ...readPhase(row.phase.phase),
      planVersion: { ...readPlanVersion(row.phase.planVersion), plan: readPlan(row.phase.plan) },
    },
    paymentRequest: readPaymentRequest(row.pr),
    invoice: invoice === null ? null : { ...invoice, lines: (row.invoice?.lines ?? []).map(readInvoiceLine) },
    attempts: (row.invoice?.attempts ?? []).map(readChargeAttempt),
  };
}

interface SignupContextJson {
  readonly s: unknown;
  readonly m: unknown;
  readonly c: unknown;
  readonly phase: { readonly phase: unknown; readonly planVersion: unknown; readonly plan: unknown } | null;
  readonly pr: unknown;
  readonly invoice: {
    readonly invoice: unknown;
    readonly lines: unknown[];
    readonly attempts: unknown[];
  } | null;
}

// Each relation follows its composite (id, merchantId) foreign key, as Prisma's relation reads do.
const SIGNUP_CONTEXT_SQL = `
  SELECT row_to_json(s) AS s,
    (SELECT row_to_json(m) FROM "Merchant" m WHERE m.id = s."merchantId") AS m,
    (SELECT row_to_json(c) FROM "Customer" c WHERE c.id = s."customerId" AND c."merchantId" = s."merchantId") AS c,
    (SELECT json_build_object('phase', row_to_json(ph), 'planVersion', row_to_json(pv), 'plan', row_to_json(p))
       FROM "SubscriptionPhase" ph
       JOIN "PlanVersion" pv ON pv.id = ph."planVersionId" AND pv."merchantId" = ph."merchantId"
       JOIN "Plan" p ON p.id = pv."planId" AND p."merchantId" = pv."merchantId"
       WHERE ph."subscriptionId" = s.id AND ph."merchantId" = s."merchantId"
       ORDER BY ph."firstPeriodIndex" ASC LIMIT 1) AS phase,
    (SELECT row_to_json(pr) FROM "PaymentRequest" pr
       WHERE pr."subscriptionId" = s.id AND pr."merchantId" = s."merchantId" AND pr.purpose = 'SIGNUP'
       ORDER BY pr."createdAt" DESC LIMIT 1) AS pr,
    (SELECT json_build_object(
         'invoice', row_to_json(i),
         'lines', (SELECT coalesce(json_agg(l ORDER BY l.position), '[]') FROM "InvoiceLine" l
                   WHERE l."invoiceId" = i.id AND l."merchantId" = i."merchantId"),
         'attempts', (SELECT coalesce(json_agg(a ORDER BY a."attemptNumber"), '[]') FROM "ChargeAttempt" a
                      WHERE a."invoiceId" = i.id))
       FROM "Invoice" i
       WHERE i."subscriptionId" = s.id AND i."merchantId" = s."merchantId" AND i."periodIndex" = 0) AS invoice
  FROM "Subscription" s
  WHERE s.id = $1::uuid`;

export interface NewSignupRows {
  readonly merchantId: string;
  readonly customerId: string;
  readonly planVersion: PlanVersion;
  readonly timeZone: string;
  readonly currency: string;
  readonly returnUrl: string;
  readonly anchorAt: Date;
  readonly trialEndsAt: Date | null;
  /** Period 0 [start, end) for a paid plan; null when the plan starts with a trial. */
  readonly firstPeriod: { readonly start: Date; readonly end: Date } | null;
  /** When the journey is expected to expire (until Klarna says). */
  readonly expectedExpiry: Date;
  readonly lineDescription: string;
  readonly now: Date;
  /** Derives an attempt's or request's Klarna-Idempotency-Key from its row id. */
  readonly keyFor: (call: 'charge-attempt' | 'payment-request', rowId: string) => string;
}

export interface CreatedSignup {
  readonly subscriptionId: string;
  readonly paymentRequestId: string;
  readonly invoiceId: string | null;
}

/** Inserts the signup's rows; the caller's transaction also holds the audit row. */
export async function insertSignupRows(tx: Tx, rows: NewSignupRows): Promise<CreatedSignup> {
  const { merchantId, customerId, planVersion, now } = rows;
  const subscriptionId = randomUUID();
  const paymentRequestId = randomUUID();
  await tx.subscription.create({
    data: {
      id: subscriptionId,
      merchantId,
      customerId,
      timeZone: rows.timeZone,
      currency: rows.currency,
      returnUrl: rows.returnUrl,
      trialEndsAt: rows.trialEndsAt,
      nextActionKind: 'SIGNUP_EXPIRY',
      nextActionAt: rows.expectedExpiry,
      createdAt: now,
      updatedAt: now,
    },
  });
  await tx.subscriptionPhase.create({
    data: {
      merchantId,
      subscriptionId,
      planVersionId: planVersion.id,
      anchorAt: rows.anchorAt,
      timeZone: rows.timeZone,
      firstPeriodIndex: 0,
      createdAt: now,
    },
  });
  let invoiceId: string | null = null;
  let attemptKey: string | null = null;
  if (rows.firstPeriod !== null) {
    invoiceId = randomUUID();
    const number = await nextInvoiceNumber(tx, merchantId);
    await tx.invoice.create({
      data: {
        id: invoiceId,
        merchantId,
        customerId,
        subscriptionId,
        periodIndex: 0,
        planVersionId: planVersion.id,
        number,
        periodStart: rows.firstPeriod.start,
        periodEnd: rows.firstPeriod.end,
        amountMinor: planVersion.amountMinor,
        currency: rows.currency,
        issuedAt: now,
        createdAt: now,
        updatedAt: now,
        lines: {
          create: {
            position: 1,
            description: rows.lineDescription,
            quantity: 1,
            unitAmountMinor: planVersion.amountMinor,
            amountMinor: planVersion.amountMinor,
            planVersionId: planVersion.id,
            periodStart: rows.firstPeriod.start,
            periodEnd: rows.firstPeriod.end,
          },
        },
      },
    });
    const attemptId = randomUUID();
    attemptKey = rows.keyFor('charge-attempt', attemptId);
    await tx.chargeAttempt.create({
      data: {
        id: attemptId,
        merchantId,
        subscriptionId,
        invoiceId,
        attemptNumber: 1,
        kind: 'SIGNUP',
        idempotencyKey: attemptKey,
        reference: attemptId,
        amountMinor: planVersion.amountMinor,
        currency: rows.currency,
        captureMode: planVersion.captureMode,
        createdAt: now,
        updatedAt: now,
      },
    });
  }
  await tx.paymentRequest.create({
    data: {
      id: paymentRequestId,
      merchantId,
      customerId,
      subscriptionId,
      reference: paymentRequestId,
      tokenReference: randomUUID(),
      // A paid signup's authorize call is its first attempt: one call, one key.
      idempotencyKey: attemptKey ?? rows.keyFor('payment-request', paymentRequestId),
      paymentPart: rows.firstPeriod === null ? 'NOT_REQUESTED' : 'PENDING',
      tokenPart: 'PENDING',
      amountMinor: rows.firstPeriod === null ? null : planVersion.amountMinor,
      currency: rows.currency,
      expiresAt: rows.expectedExpiry,
      createdAt: now,
      updatedAt: now,
    },
  });
  return { subscriptionId, paymentRequestId, invoiceId };
}
