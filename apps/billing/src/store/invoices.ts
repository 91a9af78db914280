// Reading invoices for the merchant API (the billing roles issue them).
import type { Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';
import { afterKeyset, NEWEST_FIRST, toPage, type Page, type PageQuery } from './pagination.js';

export type InvoiceRow = Prisma.InvoiceGetPayload<object>;
export type InvoiceWithLines = Prisma.InvoiceGetPayload<{ include: { lines: true } }>;
export type InvoiceStatus = InvoiceRow['status'];

export interface InvoiceFilter {
  readonly subscriptionId?: string | undefined;
  readonly status?: InvoiceStatus | undefined;
  /** true: held invoices only (heldAt set); false: not held. */
  readonly held?: boolean | undefined;
}

export async function listInvoices(
  db: Db,
  merchantId: string,
  filter: InvoiceFilter,
  page: PageQuery,
): Promise<Page<InvoiceRow>> {
  const rows = await db.invoice.findMany({
    where: {
      merchantId,
      ...(filter.subscriptionId ? { subscriptionId: filter.subscriptionId } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.held === undefined ? {} : { heldAt: filter.held ? { not: null } : null }),
      ...afterKeyset(page.after),
    },
    orderBy: NEWEST_FIRST,
    take: page.limit + 1,
  });
  return toPage(rows, page.limit);
}

export async function getInvoice(db: Db, merchantId: string, id: string): Promise<InvoiceWithLines | null> {
  return db.invoice.findFirst({
    where: { id, merchantId },
    include: { lines: { orderBy: { position: 'asc' } } },
  });
}
