// The subscription row lock every state change of a subscription takes first (FOR UPDATE): the
// webhook ingester, the workers' jobs and the API's commands may act on one subscription at once.
// Callers read what they need in a statement after this one: under READ COMMITTED that read sees
// what the previous holder of the lock committed, which a read in the locking statement would not.
import { Prisma } from './generated/prisma/client.js';
import type { RawTx } from './raw-tx.js';

/** Locks the row; false when there is no such subscription. */
export async function lockSubscriptionRow(tx: RawTx, subscriptionId: string): Promise<boolean> {
  const locked = await tx.$queryRaw<{ id: string }[]>(lockSubscriptionSql(subscriptionId));
  return locked.length > 0;
}

/** The locking statement, for a caller that sends it together with its read (queryInOrder). */
export function lockSubscriptionSql(subscriptionId: string): Prisma.Sql {
  return Prisma.sql`SELECT id FROM "Subscription" WHERE id = ${subscriptionId}::uuid FOR UPDATE`;
}
