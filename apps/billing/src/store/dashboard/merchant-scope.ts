// The dashboard reads either one merchant's rows or every merchant's. Both go through the tables'
// (merchantId, ...) indexes: for every merchant, a LATERAL join over Merchant runs the one-merchant
// read once per merchant (an index range each), then the outer query merges and limits. Without it,
// an operator-wide list would scan a table that only has per-merchant indexes.
import { Prisma } from '../generated/prisma/client.js';
import type { PageQuery } from '../pagination.js';

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

/**
 * A FROM item: the scope's rows of `table` (aliased `t` in `where`) in `page`, newest first on
 * (createdAt, id), at most limit + 1 a merchant: one range of a (merchantId, ..., createdAt, id)
 * index each. Callers order and limit the merged rows the same way.
 */
export function newestFirstOfScope(
  scope: DashboardScope,
  table: string,
  where: Prisma.Sql,
  page: PageQuery,
): Prisma.Sql {
  const after = page.after;
  const older =
    after === null
      ? Prisma.sql`TRUE`
      : Prisma.sql`(t."createdAt" < ${after.createdAt}::timestamptz
          OR (t."createdAt" = ${after.createdAt}::timestamptz AND t.id < ${after.id}::uuid))`;
  return forScope(
    scope,
    (merchantId) => Prisma.sql`
      SELECT t.* FROM ${Prisma.raw(`"${table}"`)} t
      WHERE t."merchantId" = ${merchantId} AND ${where} AND ${older}
      ORDER BY t."createdAt" DESC, t.id DESC LIMIT ${page.limit + 1}`,
  );
}

/** A bigint sum or count from PostgreSQL as a number (sums of minor units stay far below 2^53). */
export function toNumber(value: bigint | number | null): number {
  return value === null ? 0 : Number(value);
}
