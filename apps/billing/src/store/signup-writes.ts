// The signup services' writes and small reads, so that only src/store touches Prisma. Each takes
// the caller's transaction: the signup's decisions are written together with their audit rows.
import type {
  ChargeAttempt,
  Customer,
  Merchant,
  PaymentRequest,
  Plan,
  PlanVersion,
} from './generated/prisma/client.js';
import type { Db, DbOrTx, Tx } from './db.js';

export interface SignupInputs {
  readonly customer: Customer | null;
  readonly plan: (Plan & { latest: PlanVersion | null }) | null;
  readonly merchant: Merchant;
}

/** The customer, the plan with its newest version, and the merchant, all within one merchant. */
export async function readSignupInputs(
  tx: Tx,
  ids: { readonly merchantId: string; readonly customerId: string; readonly planId: string },
): Promise<SignupInputs> {
  // One query after the other: a transaction's connection runs one statement at a time.
  const customer = await tx.customer.findFirst({ where: { id: ids.customerId, merchantId: ids.merchantId } });
  const plan = await tx.plan.findFirst({
    where: { id: ids.planId, merchantId: ids.merchantId },
    include: { versions: { orderBy: { version: 'desc' }, take: 1 } },
  });
  const merchant = await tx.merchant.findUniqueOrThrow({ where: { id: ids.merchantId } });
  if (plan === null) return { customer, plan: null, merchant };
  const { versions, ...row } = plan;
  return { customer, plan: { ...row, latest: versions[0] ?? null }, merchant };
}

export async function subscriptionBelongsTo(
  db: Db,
  merchantId: string,
  subscriptionId: string,
): Promise<boolean> {
  const row = await db.subscription.findFirst({
    where: { id: subscriptionId, merchantId },
    select: { id: true },
  });
  return row !== null;
}

export async function findPaymentRequest(db: DbOrTx, id: string): Promise<PaymentRequest | null> {
  return db.paymentRequest.findUnique({ where: { id } });
}

/** The columns of a payment request a signup fact changes. */
export interface PaymentRequestPatch {
  readonly klarnaPaymentRequestId?: string;
  readonly state?: PaymentRequest['state'];
  readonly stateReason?: string | null;
  readonly url?: string | null;
  readonly expiresAt?: Date | null;
  readonly stateChangedAt?: Date;
  readonly completedAt?: Date | null;
  readonly paymentPart?: PaymentRequest['paymentPart'];
  readonly tokenPart?: PaymentRequest['tokenPart'];
  readonly updatedAt: Date;
}

export async function updatePaymentRequest(
  tx: Tx,
  id: string,
  patch: PaymentRequestPatch,
): Promise<PaymentRequest> {
  return tx.paymentRequest.update({ where: { id }, data: patch });
}

export async function markInvoicePaid(tx: Tx, invoiceId: string, at: Date): Promise<void> {
  await tx.invoice.updateMany({
    where: { id: invoiceId, status: 'OPEN' },
    data: { status: 'PAID', paidAt: at, updatedAt: at },
  });
}

export async function voidInvoice(tx: Tx, invoiceId: string, at: Date): Promise<void> {
  await tx.invoice.updateMany({
    where: { id: invoiceId, status: 'OPEN' },
    data: { status: 'VOID', voidedAt: at, updatedAt: at },
  });
}

export interface NewChargeAttempt {
  readonly id: string;
  readonly merchantId: string;
  readonly subscriptionId: string;
  readonly invoiceId: string;
  readonly attemptNumber: number;
  readonly kind: ChargeAttempt['kind'];
  readonly tokenId: string | null;
  readonly idempotencyKey: string;
  /** payment_transaction_reference; the row's id when not given. */
  readonly reference?: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly sealedSessionToken?: { readonly keyId: string; readonly ciphertext: Buffer };
  readonly deadlineAt?: Date;
  readonly at: Date;
}

export async function insertChargeAttempt(tx: Tx, row: NewChargeAttempt): Promise<ChargeAttempt> {
  return tx.chargeAttempt.create({
    data: {
      id: row.id,
      merchantId: row.merchantId,
      subscriptionId: row.subscriptionId,
      invoiceId: row.invoiceId,
      attemptNumber: row.attemptNumber,
      kind: row.kind,
      tokenId: row.tokenId,
      idempotencyKey: row.idempotencyKey,
      reference: row.reference ?? row.id,
      amountMinor: row.amountMinor,
      currency: row.currency,
      ...(row.sealedSessionToken === undefined
        ? {}
        : {
            sealedSessionToken: Uint8Array.from(row.sealedSessionToken.ciphertext),
            sealedKeyId: row.sealedSessionToken.keyId,
          }),
      ...(row.deadlineAt === undefined ? {} : { deadlineAt: row.deadlineAt }),
      createdAt: row.at,
      updatedAt: row.at,
    },
  });
}

/** What Klarna said last about an attempt that is still waiting for its answer. */
export async function noteAttemptFailure(
  tx: Tx,
  attemptId: string,
  failure: { readonly correlationId: string | null; readonly errorCode: string; readonly at: Date },
): Promise<void> {
  await tx.chargeAttempt.update({
    where: { id: attemptId },
    data: { klarnaCorrelationId: failure.correlationId, errorCode: failure.errorCode, updatedAt: failure.at },
  });
}

/** Nothing is scheduled any more: the subscription waits for an operator. */
export async function clearNextAction(tx: Tx, subscriptionId: string, at: Date): Promise<void> {
  await tx.subscription.update({
    where: { id: subscriptionId },
    data: {
      nextActionKind: null,
      nextActionAt: null,
      nextActionLeaseUntil: null,
      version: { increment: 1 },
      updatedAt: at,
    },
  });
}

/** Moves a pending signup's SIGNUP_EXPIRY (the janitor looks again then); no-op once it moved on. */
export async function rescheduleSignupExpiry(
  db: DbOrTx,
  subscriptionId: string,
  at: Date,
  now: Date,
): Promise<void> {
  await db.subscription.updateMany({
    where: { id: subscriptionId, status: 'PENDING_TOKENIZATION', nextActionKind: 'SIGNUP_EXPIRY' },
    data: { nextActionAt: at, nextActionLeaseUntil: null, version: { increment: 1 }, updatedAt: now },
  });
}
