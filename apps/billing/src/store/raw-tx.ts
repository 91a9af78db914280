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
}

/** Runs the statements in order: pipelined when the transaction can, else one round trip each. */
export async function queryInOrder(tx: RawTx, queries: readonly Prisma.Sql[]): Promise<unknown[][]> {
  if (tx.$pipeline !== undefined) return tx.$pipeline(queries);
  const rows: unknown[][] = [];
  for (const query of queries) rows.push(await tx.$queryRaw<unknown[]>(query));
  return rows;
}
