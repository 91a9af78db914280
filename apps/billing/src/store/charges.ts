// Reading charges (payment transactions Klarna approved) for the merchant API, with the captures
// and refunds under them. The worker and webhook roles write them.
import type { Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';
import { afterKeyset, NEWEST_FIRST, toPage, type Page, type PageQuery } from './pagination.js';

const OLDEST_FIRST = [{ createdAt: 'asc' as const }, { id: 'asc' as const }];

export type ChargeRow = Prisma.ChargeGetPayload<object>;
export type ChargeDetail = Prisma.ChargeGetPayload<{
  include: { captures: true; refunds: true; voids: true };
}>;

export async function listCharges(
  db: Db,
  merchantId: string,
  filter: { readonly subscriptionId?: string | undefined },
  page: PageQuery,
): Promise<Page<ChargeRow>> {
  const rows = await db.charge.findMany({
    where: {
      merchantId,
      ...(filter.subscriptionId ? { subscriptionId: filter.subscriptionId } : {}),
      ...afterKeyset(page.after),
    },
    orderBy: NEWEST_FIRST,
    take: page.limit + 1,
  });
  return toPage(rows, page.limit);
}

export async function getCharge(db: Db, merchantId: string, id: string): Promise<ChargeDetail | null> {
  return db.charge.findFirst({
    where: { id, merchantId },
    include: {
      captures: { orderBy: OLDEST_FIRST },
      refunds: { orderBy: OLDEST_FIRST },
      voids: { orderBy: OLDEST_FIRST },
    },
  });
}
