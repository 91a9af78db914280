// The job catalog: every queue and job Rebill runs, its payload schema and its options, in one
// place (after trigger.dev's catalog). Payloads carry ids only: never a token, never an amount
// to trust; the processor reads the truth from PostgreSQL.
//
// Redis is a cache of work. A job is enqueued by a sweep (or a fast path) that first took a lease
// on the row in PostgreSQL; its id is derived from the row and the lease, so two sweeps never
// enqueue the same work, and work whose job was lost (a crash, a flushed Redis) is enqueued again
// by the next sweep once the lease has expired.
import type { JobsOptions } from 'bullmq';
import { z } from 'zod';
import { NEXT_ACTION_KINDS } from '../domain/index.js';

const uuid = z.uuid();

export const QUEUES = {
  /** Subscription next actions: signup finalize and expiry, renewals, dunning, lifecycle ends. */
  subscriptions: 'subscriptions',
  /** Re-applying stored Klarna webhook events whose first apply failed or never ran. */
  webhookEvents: 'webhook-events',
  /** A charge's money after authorization: LATER captures, voids, refunds to send, reads. */
  money: 'money',
  /** Signed event deliveries to merchants' webhook endpoints (the outbox's fan-out). */
  merchantWebhooks: 'merchant-webhooks',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

const RETRY: JobsOptions = {
  // Infrastructure failures (database down, a bug): BullMQ retries; business outcomes are
  // recorded in PostgreSQL by the processor and never fail the job.
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: true,
  // Failed jobs stay visible for operators; their ids carry the lease, so they never block a
  // later enqueue of the same work.
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

export const runNextActionPayload = z.object({
  subscriptionId: uuid,
  /** The action the sweep saw; the processor checks it is still the subscription's next action. */
  kind: z.enum(NEXT_ACTION_KINDS),
  /** nextActionAt the sweep saw, epoch ms. */
  dueAtMs: z.number().int(),
});
export type RunNextActionPayload = z.infer<typeof runNextActionPayload>;

export const applyWebhookEventPayload = z.object({ webhookEventId: uuid });
export type ApplyWebhookEventPayload = z.infer<typeof applyWebhookEventPayload>;

export const runChargeMoneyPayload = z.object({ chargeId: uuid });
export type RunChargeMoneyPayload = z.infer<typeof runChargeMoneyPayload>;

export const deliverWebhookPayload = z.object({ deliveryId: uuid });
export type DeliverWebhookPayload = z.infer<typeof deliverWebhookPayload>;

export const JOBS = {
  runNextAction: {
    queue: QUEUES.subscriptions,
    name: 'run-next-action',
    payload: runNextActionPayload,
    options: RETRY,
    /** One job per subscription and lease: `<kind>-<subscriptionId>-<lease ms>` (no ':'). */
    jobId: (p: RunNextActionPayload, leaseUntil: Date) =>
      `${p.kind}-${p.subscriptionId}-${leaseUntil.getTime()}`,
  },
  applyWebhookEvent: {
    queue: QUEUES.webhookEvents,
    name: 'apply-webhook-event',
    payload: applyWebhookEventPayload,
    options: RETRY,
    jobId: (p: ApplyWebhookEventPayload, leaseUntil: Date) =>
      `apply-${p.webhookEventId}-${leaseUntil.getTime()}`,
  },
  runChargeMoney: {
    queue: QUEUES.money,
    name: 'run-charge-money',
    payload: runChargeMoneyPayload,
    options: RETRY,
    jobId: (p: RunChargeMoneyPayload, leaseUntil: Date) => `money-${p.chargeId}-${leaseUntil.getTime()}`,
  },
  deliverWebhook: {
    queue: QUEUES.merchantWebhooks,
    name: 'deliver-webhook',
    payload: deliverWebhookPayload,
    // A merchant's answer never fails the job (the delivery row keeps its own attempts and
    // back-off); only infrastructure failures do.
    options: RETRY,
    jobId: (p: DeliverWebhookPayload, leaseUntil: Date) => `deliver-${p.deliveryId}-${leaseUntil.getTime()}`,
  },
} as const;

export type JobName = keyof typeof JOBS;

/** What the catalog says of a job. */
interface JobSpec<P> {
  readonly name: string;
  readonly payload: z.ZodType<P>;
  readonly options: JobsOptions;
  readonly jobId: (payload: P, leaseUntil: Date) => string;
}

/** A catalog job as BullMQ adds it: the payload checked, the options, the id from row and lease. */
export function leasedJob<P>(
  job: JobSpec<P>,
  payload: P,
  leaseUntil: Date,
): { name: string; data: P; opts: JobsOptions } {
  const data = job.payload.parse(payload);
  return { name: job.name, data, opts: { ...job.options, jobId: job.jobId(data, leaseUntil) } };
}

/**
 * BullMQ key prefix. The braces are a Redis Cluster hash tag: every key of every queue lands in
 * one slot, so BullMQ's multi-key scripts run unchanged on a cluster.
 */
export function bullPrefix(redisPrefix: string): string {
  return `{${redisPrefix}}`;
}
