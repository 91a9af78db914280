// What the rest of Rebill knows of the database: a Prisma client (`Db`) and the client a
// transaction hands its callback (`Tx`). Only src/store/** imports Prisma itself.
import { inDatabaseSpan } from '../ops/trace-context.js';
import type { Prisma, PrismaClient } from './generated/prisma/client.js';

export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;
/** Either: repository functions that can run inside or outside a transaction take this. */
export type DbOrTx = Db | Tx;

/**
 * Runs `fn` in one READ COMMITTED transaction. Every state change and the audit rows, next action
 * and outbox rows that go with it are written through one of these, so nothing is half-written.
 */
export function inTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  // A span of its own when tracing is on (API requests, webhooks and jobs that write through Prisma).
  return inDatabaseSpan('prisma', () => db.$transaction(fn, { maxWait: 5_000, timeout: 15_000 }));
}
