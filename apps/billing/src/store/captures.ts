// Reading captures (money Klarna took on a charge) for the merchant API: the merchant's, newest
// first, paginated, by charge or by subscription. The authorize outcomes and the money job write
// them.
import { pageOfChargeOperations, type ChargeOperationFilter } from './charge-operation-filter.js';
import type { Db } from './db.js';
import type { Capture } from './generated/prisma/client.js';
import type { Page, PageQuery } from './pagination.js';

export type CaptureRow = Capture;

export async function listCaptures(
  db: Db,
  merchantId: string,
  filter: ChargeOperationFilter,
  page: PageQuery,
): Promise<Page<CaptureRow>> {
  return pageOfChargeOperations((query) => db.capture.findMany(query), merchantId, filter, page);
}

export async function getCapture(db: Db, merchantId: string, id: string): Promise<CaptureRow | null> {
  return db.capture.findFirst({ where: { id, merchantId } });
}
