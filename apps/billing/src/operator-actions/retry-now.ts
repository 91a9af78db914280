// "Retry now" for an operator: a past-due subscription's next dunning retry, run at once. It moves
// the stored DUNNING_RETRY to now under the subscription's row lock, leases it as the scheduler's
// sweep would, and enqueues the catalog's deterministic job for it. The worker then runs it exactly
// as it runs the automatic retry (run-renewal.ts): the job checks it is still the stored next
// action, so a job queued for the old time finds it moved and does nothing, and an attempt already
// in flight refuses the retry here. At most one attempt is in flight per invoice.
import type { Queue } from 'bullmq';
import type { Clock } from '../domain/index.js';
import { JOBS, leasedJob } from '../queue/catalog.js';
import type { Actor } from '../store/audit.js';
import { inTransaction, type Db } from '../store/db.js';
import { readNextActionLease } from '../store/next-actions.js';
import { moveDunningRetryToNow } from '../store/operator-retry.js';
import { lockRenewalContext } from '../store/renewals.js';
import { decideRetryNow, type RetryNowRefusal } from './retry-now-decision.js';

export interface RetryNowDeps {
  readonly db: Db;
  readonly clock: Clock;
  /** The subscriptions queue (QUEUES.subscriptions). */
  readonly subscriptions: Pick<Queue, 'add'>;
  /** How long the job holds the retry before a sweep may enqueue it again (the scheduler's lease). */
  readonly leaseMs: number;
}

export interface RetryNowInput {
  readonly subscriptionId: string;
  /** Scope: a subscription of another merchant is NOT_FOUND. Omitted: any merchant (operators). */
  readonly merchantId?: string | undefined;
  readonly operatorId: string;
}

export type RetryNowResult =
  | { readonly kind: 'ENQUEUED'; readonly jobId: string; readonly dueAt: Date }
  | { readonly kind: 'NOT_FOUND' }
  | RetryNowRefusal;

export async function retryNow(deps: RetryNowDeps, input: RetryNowInput): Promise<RetryNowResult> {
  const actor: Actor = { kind: 'OPERATOR', id: input.operatorId };
  const moved = await inTransaction(deps.db, async (tx) => {
    const ctx = await lockRenewalContext(tx, input.subscriptionId);
    if (
      ctx === null ||
      (input.merchantId !== undefined && ctx.subscription.merchantId !== input.merchantId)
    ) {
      return { kind: 'NOT_FOUND' } as const;
    }
    const now = deps.clock.now();
    const lease = await readNextActionLease(tx, ctx.subscription.id);
    const decision = decideRetryNow(ctx, lease, now, deps.leaseMs);
    if (decision.kind !== 'MOVE') return decision;
    await moveDunningRetryToNow(tx, {
      subscriptionId: ctx.subscription.id,
      merchantId: ctx.subscription.merchantId,
      version: ctx.subscription.version,
      invoiceId: decision.invoiceId,
      previousDueAt: decision.previousDueAt,
      leaseUntil: decision.leaseUntil,
      actor,
      now,
    });
    return { kind: 'MOVED', dueAt: now, leaseUntil: decision.leaseUntil } as const;
  });
  if (moved.kind !== 'MOVED') return moved;
  // After the commit: a job must never run before the move it depends on is visible. Should this
  // enqueue fail, the lease runs out and the scheduler's next sweep enqueues the same action.
  const job = leasedJob(
    JOBS.runNextAction,
    { subscriptionId: input.subscriptionId, kind: 'DUNNING_RETRY', dueAtMs: moved.dueAt.getTime() },
    moved.leaseUntil,
  );
  await deps.subscriptions.add(job.name, job.data, job.opts);
  return {
    kind: 'ENQUEUED',
    jobId: JOBS.runNextAction.jobId(job.data, moved.leaseUntil),
    dueAt: moved.dueAt,
  };
}
