// Keyset pagination, newest first, on (createdAt, id): every list has an index on
// (merchantId, createdAt, id), so a page is one index range scan wherever it starts, and rows
// inserted while a client walks the list land before its position, never inside it.

/** The position of the last row a page returned. */
export interface Keyset {
  readonly createdAt: Date;
  readonly id: string;
}

export interface PageQuery {
  readonly limit: number;
  /** Start after this row; null for the first page. */
  readonly after: Keyset | null;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Where the next page starts; null on the last page. */
  readonly next: Keyset | null;
}

/** Rows strictly after `after` in newest-first order (the Prisma `where` fragment). */
export function afterKeyset(after: Keyset | null): {
  OR?: ({ createdAt: { lt: Date } } | { createdAt: Date; id: { lt: string } })[];
} {
  if (after === null) return {};
  return {
    OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }],
  };
}

export const NEWEST_FIRST = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

/** Query `limit + 1` rows and hand them here: the extra row only says whether a next page exists. */
export function toPage<T extends Keyset>(rows: readonly T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    next: rows.length > limit && last !== undefined ? { createdAt: last.createdAt, id: last.id } : null,
  };
}
