// The raw-SQL face of a transaction: what the renewal runner's statements need. A Prisma
// interactive transaction (`Tx`) is one; so is the worker's pipelined `pg` transaction
// (pipelined-transaction.ts), which skips Prisma's per-query work on the renewal hot path.
import type { Prisma } from './generated/prisma/client.js';

export interface RawTx {
  $queryRaw<T = unknown>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): PromiseLike<T>;
  $executeRaw(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): PromiseLike<number>;
  /**
   * Sends the statements in one write and answers their rows in order. They still run one after
   * the other, each its own statement with its own snapshot (READ COMMITTED).
   */
  readonly $pipeline?: (queries: readonly Prisma.Sql[]) => Promise<unknown[][]>;
  /**
   * Sends the transaction's last statement with its COMMIT in one write and answers its rows; the
   * transaction is over once it resolves (a failed statement rolls it back instead).
   */
  readonly $queryRawThenCommit?: (query: Prisma.Sql) => Promise<unknown[]>;
}

/**
 * Runs the transaction's last statement: committed in the same write where the transaction can,
 * else a plain statement that the transaction commits when its callback returns.
 */
export async function queryLast<T>(tx: RawTx, query: Prisma.Sql): Promise<T[]> {
  if (tx.$queryRawThenCommit !== undefined) return (await tx.$queryRawThenCommit(query)) as T[];
  return tx.$queryRaw<T[]>(query);
}

/** Runs the statements in order: pipelined when the transaction can, else one round trip each. */
export async function queryInOrder(tx: RawTx, queries: readonly Prisma.Sql[]): Promise<unknown[][]> {
  if (tx.$pipeline !== undefined) return tx.$pipeline(queries);
  const rows: unknown[][] = [];
  for (const query of queries) rows.push(await tx.$queryRaw<unknown[]>(query));
  return rows;
}
