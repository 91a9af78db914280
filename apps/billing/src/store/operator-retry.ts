// The write behind an operator's "retry now": the subscription's DUNNING_RETRY moved to now and
// leased (next-actions.ts, as a sweep leases it) for the job the caller enqueues next, version checked and bumped,
// audited with the operator; in the caller's transaction, under the subscription's row lock.
import { audit, type Actor } from './audit.js';
import { leaseNextAction } from './next-actions.js';
import type { RawTx } from './raw-tx.js';

export async function moveDunningRetryToNow(
  tx: RawTx,
  input: {
    readonly subscriptionId: string;
    readonly merchantId: string;
    readonly version: number;
    readonly invoiceId: string;
    readonly previousDueAt: Date;
    readonly leaseUntil: Date;
    readonly actor: Actor;
    readonly now: Date;
  },
): Promise<void> {
  const updated = await tx.$executeRaw`
    UPDATE "Subscription" SET "nextActionAt" = ${input.now}::timestamptz, "nextRetryAt" = ${input.now}::timestamptz,
      version = version + 1, "updatedAt" = ${input.now}::timestamptz
    WHERE id = ${input.subscriptionId}::uuid AND version = ${input.version} AND "nextActionKind" = 'DUNNING_RETRY'`;
  if (updated !== 1) {
    throw new Error(
      `subscription ${input.subscriptionId} changed under its row lock (version ${input.version})`,
    );
  }
  await leaseNextAction(tx, input.subscriptionId, input.leaseUntil);
  await audit(tx, {
    actor: input.actor,
    merchantId: input.merchantId,
    subscriptionId: input.subscriptionId,
    entityType: 'subscription',
    entityId: input.subscriptionId,
    action: 'subscription.retry_requested',
    before: { next_retry_at: input.previousDueAt.toISOString() },
    after: { next_retry_at: input.now.toISOString(), invoice_id: input.invoiceId },
    at: input.now,
  });
}
