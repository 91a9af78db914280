// The scheduler's sweeps: due work read from PostgreSQL (the truth), leased, and enqueued as
// BullMQ jobs whose ids derive from the row and its lease. Overlapping ticks, two schedulers and
// restarts never enqueue the same work twice; work whose job was lost is enqueued again once its
// lease has expired.
import type { Queue } from 'bullmq';
import type { Clock } from '../domain/index.js';
import { JOBS } from '../queue/catalog.js';
import type { Db } from '../store/db.js';
import { leaseDueNextActions } from '../store/next-actions.js';
import { leaseDueWebhookEvents } from '../store/webhook-events.js';

/** How long an enqueued job owns its row before a sweep may enqueue the work again. */
export const SWEEP_LEASE_MS = 60_000;

export interface SweepDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly queues: { readonly subscriptions: Queue; readonly webhookEvents: Queue };
  readonly batchSize: number;
}

export interface SweepCounts {
  readonly nextActions: number;
  readonly webhookEvents: number;
}

/** One tick: every due next action and webhook event, page by page, until none is left. */
export async function sweepOnce(deps: SweepDeps): Promise<SweepCounts> {
  let nextActions = 0;
  let webhookEvents = 0;
  for (;;) {
    const now = deps.clock.now();
    const leaseUntil = new Date(now.getTime() + SWEEP_LEASE_MS);
    const due = await leaseDueNextActions(deps.db, {
      now,
      leaseUntil,
      limit: deps.batchSize,
    });
    if (due.length > 0) {
      const job = JOBS.runNextAction;
      await deps.queues.subscriptions.addBulk(
        due.map((row) => {
          const payload = job.payload.parse({
            subscriptionId: row.subscriptionId,
            kind: row.kind,
            dueAtMs: row.dueAt.getTime(),
          });
          return {
            name: job.name,
            data: payload,
            opts: { ...job.options, jobId: job.jobId(payload, leaseUntil) },
          };
        }),
      );
      nextActions += due.length;
    }
    if (due.length < deps.batchSize) break;
  }
  for (;;) {
    const now = deps.clock.now();
    const leaseUntil = new Date(now.getTime() + SWEEP_LEASE_MS);
    const due = await leaseDueWebhookEvents(deps.db, now, leaseUntil, deps.batchSize);
    if (due.length > 0) {
      const job = JOBS.applyWebhookEvent;
      await deps.queues.webhookEvents.addBulk(
        due.map((row) => {
          const payload = job.payload.parse({ webhookEventId: row.id });
          return {
            name: job.name,
            data: payload,
            opts: { ...job.options, jobId: job.jobId(payload, leaseUntil) },
          };
        }),
      );
      webhookEvents += due.length;
    }
    if (due.length < deps.batchSize) break;
  }
  return { nextActions, webhookEvents };
}
