// The subscription row lock every state change of a subscription takes first (FOR UPDATE): the
// webhook ingester, the workers' jobs and the API's commands may act on one subscription at once.
// Callers read what they need in a statement after this one: under READ COMMITTED that read sees
// what the previous holder of the lock committed, which a read in the locking statement would not.
import type { Tx } from './db.js';

/** Locks the row; false when there is no such subscription. */
export async function lockSubscriptionRow(tx: Tx, subscriptionId: string): Promise<boolean> {
  const locked = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM "Subscription" WHERE id = ${subscriptionId}::uuid FOR UPDATE`;
  return locked.length > 0;
}
