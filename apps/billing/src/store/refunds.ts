// Reading refunds for the merchant API: a charge's (oldest first) and the merchant's (newest
// first, paginated, by charge or by subscription). The money job writes and settles them
// (store/charge-money*.ts).
import { pageOfChargeOperations, type ChargeOperationFilter } from './charge-operation-filter.js';
import type { Db } from './db.js';
import type { Refund } from './generated/prisma/client.js';
import type { Page, PageQuery } from './pagination.js';

const OLDEST_FIRST = [{ createdAt: 'asc' as const }, { id: 'asc' as const }];

export type RefundRow = Refund;

export async function listRefunds(
  db: Db,
  merchantId: string,
  filter: ChargeOperationFilter,
  page: PageQuery,
): Promise<Page<RefundRow>> {
  return pageOfChargeOperations((query) => db.refund.findMany(query), merchantId, filter, page);
}

/** The charge's refunds, oldest first; null when the charge is not the merchant's. */
export async function chargeRefunds(
  db: Db,
  merchantId: string,
  chargeId: string,
): Promise<RefundRow[] | null> {
  const charge = await db.charge.findFirst({
    where: { id: chargeId, merchantId },
    select: { refunds: { orderBy: OLDEST_FIRST } },
  });
  return charge?.refunds ?? null;
}

export async function getRefund(db: Db, merchantId: string, id: string): Promise<RefundRow | null> {
  return db.refund.findFirst({ where: { id, merchantId } });
}

/** A refund by its id (the caller knows it exists: it wrote it). */
export function getRefundById(db: Db, id: string): Promise<RefundRow> {
  return db.refund.findUniqueOrThrow({ where: { id } });
}
