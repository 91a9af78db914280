// Reading subscriptions for the merchant API: the row with its phases (and the plan version each
// points at) and its latest payment request. Subscriptions are written by the signup service and
// the roles that bill them, not here.
import type { Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';
import { afterKeyset, NEWEST_FIRST, toPage, type Page, type PageQuery } from './pagination.js';

const DETAIL = {
  phases: {
    orderBy: { firstPeriodIndex: 'asc' as const },
    include: { planVersion: { select: { planId: true, version: true } } },
  },
  paymentRequests: { orderBy: NEWEST_FIRST, take: 1 },
} satisfies Prisma.SubscriptionInclude;

export type SubscriptionDetail = Prisma.SubscriptionGetPayload<{ include: typeof DETAIL }>;
export type SubscriptionStatus = SubscriptionDetail['status'];

export interface SubscriptionFilter {
  readonly status?: SubscriptionStatus | undefined;
  readonly customerId?: string | undefined;
}

export async function listSubscriptions(
  db: Db,
  merchantId: string,
  filter: SubscriptionFilter,
  page: PageQuery,
): Promise<Page<SubscriptionDetail>> {
  const rows = await db.subscription.findMany({
    where: {
      merchantId,
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.customerId ? { customerId: filter.customerId } : {}),
      ...afterKeyset(page.after),
    },
    orderBy: NEWEST_FIRST,
    take: page.limit + 1,
    include: DETAIL,
  });
  return toPage(rows, page.limit);
}

export async function getSubscription(
  db: Db,
  merchantId: string,
  id: string,
): Promise<SubscriptionDetail | null> {
  return db.subscription.findFirst({ where: { id, merchantId }, include: DETAIL });
}
