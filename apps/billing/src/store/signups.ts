// Rows of a signup: the subscription with its first phase, the period-0 invoice and its first
// attempt (paid plans), and the payment request for the customer's journey. Written before any
// call to Klarna; everything after is an update of these rows under the subscription's row lock.
import { randomUUID } from 'node:crypto';
import type {
  ChargeAttempt,
  Customer,
  Invoice,
  InvoiceLine,
  Merchant,
  PaymentRequest,
  Plan,
  PlanVersion,
  Prisma,
  Subscription,
  SubscriptionPhase,
} from './generated/prisma/client.js';
import type { Tx } from './db.js';

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
 * may act on the same signup at once) and reads everything a signup decision needs.
 */
export async function lockSignupContext(tx: Tx, subscriptionId: string): Promise<SignupContext | null> {
  const locked = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM "Subscription" WHERE id = ${subscriptionId}::uuid FOR UPDATE`;
  if (locked.length === 0) return null;
  return readSignupContext(tx, subscriptionId);
}

export async function readSignupContext(tx: Tx, subscriptionId: string): Promise<SignupContext | null> {
  const subscription = await tx.subscription.findUnique({
    where: { id: subscriptionId },
    include: {
      merchant: true,
      customer: true,
      phases: {
        orderBy: { firstPeriodIndex: 'asc' },
        take: 1,
        include: { planVersion: { include: { plan: true } } },
      },
      paymentRequests: { where: { purpose: 'SIGNUP' }, orderBy: { createdAt: 'desc' }, take: 1 },
      invoices: { where: { periodIndex: 0 }, include: { lines: { orderBy: { position: 'asc' } } } },
    },
  });
  if (subscription === null) return null;
  const { merchant, customer, phases, paymentRequests, invoices, ...row } = subscription;
  const phase = phases[0];
  const paymentRequest = paymentRequests[0];
  if (phase === undefined || paymentRequest === undefined) return null;
  const invoice = invoices[0] ?? null;
  const attempts =
    invoice === null
      ? []
      : await tx.chargeAttempt.findMany({
          where: { invoiceId: invoice.id },
          orderBy: { attemptNumber: 'asc' },
        });
  return { subscription: row, merchant, customer, phase, paymentRequest, invoice, attempts };
}

/** Finds the subscription a Klarna payment request id (or our own reference) belongs to. */
export async function findSignupByKlarnaRequest(
  tx: Tx,
  where: { klarnaPaymentRequestId: string } | { reference: string },
): Promise<{ subscriptionId: string; merchantId: string } | null> {
  return tx.paymentRequest.findFirst({ where, select: { subscriptionId: true, merchantId: true } });
}

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

/**
 * The merchant's next invoice number, `<prefix>-<sequence>` with no gaps: the counter row is
 * locked until the transaction that took the number commits (or rolls back, returning it).
 */
export async function nextInvoiceNumber(tx: Tx, merchantId: string): Promise<string> {
  const [row] = await tx.$queryRaw<{ invoicePrefix: string; sequence: number }[]>`
    UPDATE "Merchant" SET "nextInvoiceSequence" = "nextInvoiceSequence" + 1
    WHERE id = ${merchantId}::uuid
    RETURNING "invoicePrefix", "nextInvoiceSequence" - 1 AS sequence`;
  if (row === undefined) throw new Error(`merchant ${merchantId} not found`);
  return `${row.invoicePrefix}-${String(row.sequence).padStart(6, '0')}`;
}

/** Updates the subscription under its optimistic lock; false when another writer got there first. */
export async function updateSubscriptionVersioned(
  tx: Tx,
  subscription: Pick<Subscription, 'id' | 'version'>,
  data: Prisma.SubscriptionUncheckedUpdateManyInput,
): Promise<boolean> {
  const { count } = await tx.subscription.updateMany({
    where: { id: subscription.id, version: subscription.version },
    data: { ...data, version: { increment: 1 } },
  });
  return count === 1;
}
