// A held invoice as an operator resolves it: found with its last attempt and the merchant's Klarna
// account (to read the transaction there), and its hold released with the operator's audit row.
import { audit, type Actor } from './audit.js';
import type { Db } from './db.js';
import type { ChargeAttempt, Invoice } from './generated/prisma/client.js';
import type { RawTx } from './raw-tx.js';

export interface HeldAttempt {
  readonly invoice: Invoice;
  /** The invoice's last attempt: the one whose outcome the hold is about. */
  readonly attempt: ChargeAttempt | null;
  readonly accountId: string;
}

/** The invoice (scoped to the merchant when given) with its last attempt; null when there is none. */
export async function findHeldAttempt(
  db: Db,
  invoiceId: string,
  merchantId: string | undefined,
): Promise<HeldAttempt | null> {
  const invoice = await db.invoice.findFirst({
    where: { id: invoiceId, ...(merchantId === undefined ? {} : { merchantId }) },
    include: {
      chargeAttempts: { orderBy: { attemptNumber: 'desc' }, take: 1 },
      merchant: { select: { klarnaPartnerAccountId: true } },
    },
  });
  if (invoice === null) return null;
  const { chargeAttempts, merchant, ...row } = invoice;
  return { invoice: row, attempt: chargeAttempts[0] ?? null, accountId: merchant.klarnaPartnerAccountId };
}

/** Clears the hold (whatever the invoice's status became) and audits the operator's resolution. */
export async function releaseHeldInvoice(
  tx: RawTx,
  input: {
    readonly invoice: Pick<Invoice, 'id' | 'merchantId' | 'subscriptionId' | 'holdReason'>;
    readonly attemptId: string;
    readonly resolution: 'APPROVED' | 'NOT_CHARGED';
    readonly paymentTransactionId: string | null;
    readonly actor: Actor;
    readonly now: Date;
  },
): Promise<void> {
  await tx.$executeRaw`
    UPDATE "Invoice" SET "heldAt" = NULL, "holdReason" = NULL, "updatedAt" = ${input.now}::timestamptz
    WHERE id = ${input.invoice.id}::uuid AND "heldAt" IS NOT NULL`;
  await audit(tx, {
    actor: input.actor,
    merchantId: input.invoice.merchantId,
    subscriptionId: input.invoice.subscriptionId,
    entityType: 'invoice',
    entityId: input.invoice.id,
    action: 'invoice.hold_resolved',
    before: { hold_reason: input.invoice.holdReason },
    after: {
      resolution: input.resolution,
      attempt_id: input.attemptId,
      klarna_payment_transaction_id: input.paymentTransactionId,
    },
    at: input.now,
  });
}
