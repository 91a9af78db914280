// Charge attempts listed for the merchant API: every authorize call Rebill made or will re-send,
// newest first, per merchant or per subscription. The columns a merchant may see only: never the
// idempotency key, the sealed session token or its key id.
import type { Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';
import { afterKeyset, NEWEST_FIRST, toPage, type Page, type PageQuery } from './pagination.js';

const ATTEMPT_COLUMNS = {
  id: true,
  subscriptionId: true,
  invoiceId: true,
  attemptNumber: true,
  kind: true,
  reference: true,
  amountMinor: true,
  currency: true,
  captureMode: true,
  status: true,
  declineReason: true,
  declineCategory: true,
  errorCode: true,
  klarnaCorrelationId: true,
  sendCount: true,
  firstSentAt: true,
  lastSentAt: true,
  completedAt: true,
  createdAt: true,
  charge: { select: { id: true } },
} as const satisfies Prisma.ChargeAttemptSelect;

export type ChargeAttemptListRow = Prisma.ChargeAttemptGetPayload<{ select: typeof ATTEMPT_COLUMNS }>;

export async function listChargeAttempts(
  db: Db,
  merchantId: string,
  filter: { readonly subscriptionId?: string | undefined },
  page: PageQuery,
): Promise<Page<ChargeAttemptListRow>> {
  const rows = await db.chargeAttempt.findMany({
    where: {
      merchantId,
      ...(filter.subscriptionId ? { subscriptionId: filter.subscriptionId } : {}),
      ...afterKeyset(page.after),
    },
    select: ATTEMPT_COLUMNS,
    orderBy: NEWEST_FIRST,
    take: page.limit + 1,
  });
  return toPage(rows, page.limit);
}
