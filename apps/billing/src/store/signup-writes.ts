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
import type { RawTx } from './raw-tx.js';
import { readChargeAttempt } from './row-readers.js';

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
  /** The plan's capture mode (NOW when absent). */
  readonly captureMode?: 'NOW' | 'LATER';
  readonly sealedSessionToken?: { readonly keyId: string; readonly ciphertext: Buffer };
  readonly deadlineAt?: Date;
  readonly at: Date;
}

export async function insertChargeAttempt(tx: RawTx, row: NewChargeAttempt): Promise<ChargeAttempt> {
  const sealed = row.sealedSessionToken;
  const [inserted] = await tx.$queryRaw<{ attempt: unknown }[]>`
    WITH attempt AS (
      INSERT INTO "ChargeAttempt" (id, "merchantId", "subscriptionId", "invoiceId", "attemptNumber", kind,
        "tokenId", "idempotencyKey", reference, "amountMinor", currency, "captureMode", "sealedSessionToken",
        "sealedKeyId", "deadlineAt", "createdAt", "updatedAt")
      VALUES (${row.id}::uuid, ${row.merchantId}::uuid, ${row.subscriptionId}::uuid, ${row.invoiceId}::uuid,
        ${row.attemptNumber}::int, ${row.kind}::"ChargeAttemptKind", ${row.tokenId}::uuid, ${row.idempotencyKey}::text,
        ${row.reference ?? row.id}::text, ${row.amountMinor}::int, ${row.currency}::text,
        ${row.captureMode ?? 'NOW'}::"CaptureMode", ${sealed === undefined ? null : Buffer.from(sealed.ciphertext)}::bytea, ${sealed?.keyId ?? null}::text,
        ${row.deadlineAt ?? null}::timestamptz, ${row.at}::timestamptz, ${row.at}::timestamptz)
      RETURNING *)
    SELECT row_to_json(attempt) AS attempt FROM attempt`;
  if (inserted === undefined) throw new Error(`attempt ${row.id} not inserted`);
  return readChargeAttempt(inserted.attempt);
}

/** What Klarna said last about an attempt that is still waiting for its answer. */
export async function noteAttemptFailure(
  tx: RawTx,
  attemptId: string,
  failure: { readonly correlationId: string | null; readonly errorCode: string; readonly at: Date },
): Promise<void> {
  await tx.$executeRaw`
    UPDATE "ChargeAttempt" SET "klarnaCorrelationId" = ${failure.correlationId}::text,
      "errorCode" = ${failure.errorCode}::text, "updatedAt" = ${failure.at}::timestamptz
    WHERE id = ${attemptId}::uuid`;
}

/** Nothing is scheduled any more: the subscription waits for an operator. */
export async function clearNextAction(tx: Tx, subscriptionId: string, at: Date): Promise<void> {
  await tx.subscription.update({
    where: { id: subscriptionId },
    data: {
      nextActionKind: null,
      nextActionAt: null,
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
    data: { nextActionAt: at, version: { increment: 1 }, updatedAt: now },
  });
}
