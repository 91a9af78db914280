// The dashboard reads either one merchant's rows or every merchant's. Both go through the tables'
// (merchantId, ...) indexes: for every merchant, a LATERAL join over Merchant runs the one-merchant
// read once per merchant (an index range each), then the outer query merges and limits. Without it,
// an operator-wide list would scan a table that only has per-merchant indexes.
import { Prisma } from '../generated/prisma/client.js';

/** Which merchant's rows: one, or every merchant's (operators see all). */
export interface DashboardScope {
  readonly merchantId?: string | undefined;
}

/**
 * A FROM item: `perMerchant` (a SELECT for the merchant id it is given) for the scope's merchant, or
 * for each merchant. Callers alias it and order and limit the merged rows themselves.
 */
export function forScope(
  scope: DashboardScope,
  perMerchant: (merchantId: Prisma.Sql) => Prisma.Sql,
): Prisma.Sql {
  if (scope.merchantId !== undefined) {
    return Prisma.sql`(${perMerchant(Prisma.sql`${scope.merchantId}::uuid`)})`;
  }
  return Prisma.sql`(SELECT per.* FROM "Merchant" m CROSS JOIN LATERAL (${perMerchant(Prisma.sql`m.id`)}) per)`;
}

/** Keyset condition "strictly older than `after`" on (createdAt, id), newest first. */
export function olderThan(
  table: string,
  after: { readonly createdAt: Date; readonly id: string } | null,
): Prisma.Sql {
  if (after === null) return Prisma.sql`TRUE`;
  const t = Prisma.raw(table);
  return Prisma.sql`(${t}."createdAt" < ${after.createdAt}::timestamptz
    OR (${t}."createdAt" = ${after.createdAt}::timestamptz AND ${t}.id < ${after.id}::uuid))`;
}

/** A bigint sum or count from PostgreSQL as a number (sums of minor units stay far below 2^53). */
export function toNumber(value: bigint | number | null): number {
  return value === null ? 0 : Number(value);
}
