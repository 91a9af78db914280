// A page of a charge's money operations (captures, refunds) of one merchant, newest first: all of
// them, by the charge, or by the subscription the charge belongs to. Both tables take the same
// filter (each row has its merchant, its charge and, through the charge, the subscription).
import { afterKeyset, NEWEST_FIRST, toPage, type Keyset, type Page, type PageQuery } from './pagination.js';

export interface ChargeOperationFilter {
  readonly chargeId?: string | undefined;
  readonly subscriptionId?: string | undefined;
}

/** What a table's findMany is asked (a capture's and a refund's `where` accept it alike). */
export interface ChargeOperationQuery {
  readonly where: {
    readonly merchantId: string;
    readonly chargeId?: string;
    readonly charge?: { readonly subscriptionId: string };
  } & ReturnType<typeof afterKeyset>;
  readonly orderBy: typeof NEWEST_FIRST;
  readonly take: number;
}

export async function pageOfChargeOperations<T extends Keyset>(
  findMany: (query: ChargeOperationQuery) => Promise<T[]>,
  merchantId: string,
  filter: ChargeOperationFilter,
  page: PageQuery,
): Promise<Page<T>> {
  const rows = await findMany({
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
