// Reading captures (money Klarna took on a charge) for the merchant API: the merchant's, newest
// first, paginated, by charge or by subscription. The money job and the authorize outcomes write them.
import type { Db } from './db.js';
import type { Capture } from './generated/prisma/client.js';
import { afterKeyset, NEWEST_FIRST, toPage, type Page, type PageQuery } from './pagination.js';

export type CaptureRow = Capture;

export async function listCaptures(
  db: Db,
  merchantId: string,
  filter: { readonly chargeId?: string | undefined; readonly subscriptionId?: string | undefined },
  page: PageQuery,
): Promise<Page<CaptureRow>> {
  const rows = await db.capture.findMany({
    where: {
      merchantId,
      ...(filter.chargeId ? { chargeId: filter.chargeId } : {}),
      ...(filter.subscriptionId ? { charge: { subscriptionId: filter.subscriptionId } } : {}),
      ...afterKeyset(page.after),
    },
    orderBy: NEWEST_FIRST,
    take: page.limit + 1,
  });
  return toPage(rows, page.limit);
}

export async function getCapture(db: Db, merchantId: string, id: string): Promise<CaptureRow | null> {
  return db.capture.findFirst({ where: { id, merchantId } });
}
