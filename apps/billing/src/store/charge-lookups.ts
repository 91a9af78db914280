// Charges found by what Klarna calls them, for the webhook hints and reconciliation: by
// payment_transaction_id, and every charge in keyset pages (all merchants or one).
import type { Db, DbOrTx } from './db.js';

/** The charge of this merchant with that payment_transaction_id, or null. */
export async function chargeIdForTransaction(
  db: DbOrTx,
  klarnaTransactionId: string,
  merchantId: string,
): Promise<string | null> {
  const charge = await db.charge.findFirst({
    where: { klarnaTransactionId, merchantId },
    select: { id: true },
  });
  return charge?.id ?? null;
}

/** What reconciliation compares of a charge with Klarna's transaction. */
export interface ReconcilableCharge {
  readonly id: string;
  readonly merchantId: string;
  /** The merchant's Klarna partner account: the account the read is made on. */
  readonly accountId: string;
  readonly klarnaTransactionId: string;
  readonly currency: string;
  readonly state: string;
  readonly capturedMinor: number;
  readonly refundedMinor: number;
  readonly releasedMinor: number;
}

export interface ChargePageQuery {
  readonly merchantId?: string;
  /** Charges created at or after this instant. */
  readonly since?: Date;
  /** The last id of the previous page (keyset). */
  readonly after?: string;
  readonly limit: number;
}

/** One page of charges in id order, after `after`. */
export async function reconcilableCharges(db: Db, query: ChargePageQuery): Promise<ReconcilableCharge[]> {
  const rows = await db.charge.findMany({
    where: {
      ...(query.merchantId === undefined ? {} : { merchantId: query.merchantId }),
      ...(query.since === undefined ? {} : { createdAt: { gte: query.since } }),
      ...(query.after === undefined ? {} : { id: { gt: query.after } }),
    },
    orderBy: { id: 'asc' },
    take: query.limit,
    select: {
      id: true,
      merchantId: true,
      klarnaTransactionId: true,
      currency: true,
      state: true,
      capturedMinor: true,
      refundedMinor: true,
      releasedMinor: true,
      merchant: { select: { klarnaPartnerAccountId: true } },
    },
  });
  return rows.map(({ merchant, ...row }) => ({ ...row, accountId: merchant.klarnaPartnerAccountId }));
}
