// The worker role's processors: each job is parsed against its catalog schema and handed to the
// service that owns the work. Business outcomes are recorded in PostgreSQL by those services;
// only infrastructure failures (a database down, a bug) fail the job, and BullMQ retries it.
import type { Job } from 'bullmq';
import { deliverWebhook, type DeliveryDeps } from '../merchant-webhooks/deliver.js';
import type { MoneyDeps } from '../money/deps.js';
import { runChargeMoney } from '../money/run-charge-money.js';
import { inUnitOfWork } from '../ops/trace-context.js';
import { JOBS } from '../queue/catalog.js';
import type { RenewalDeps } from '../renewal/deps.js';
import { runRenewalAction } from '../renewal/run-renewal.js';
import type { SignupDeps } from '../signup/deps.js';
import { runFinalize } from '../signup/finalize.js';
import { runSignupExpiry } from '../signup/signup-expiry.js';
import { applyStoredEvent } from '../webhooks/apply-event.js';

/**
 * Each job runs under a trace, so its log lines can be told apart: BullMQ's job span when tracing
 * is on (the enqueuer's trace), an id of its own when it is off.
 */
export function traced<T>(processor: (job: Job) => Promise<T>): (job: Job) => Promise<T> {
  return (job) => inUnitOfWork(`process ${job.queueName}`, () => processor(job));
}

export function subscriptionProcessor(deps: {
  signups: SignupDeps;
  renewals: RenewalDeps;
  /** Told of each renewal action's result (metrics). */
  onRenewalRun?: (kind: string, result: string) => void;
}) {
  return async (job: Job): Promise<string> => {
    const payload = JOBS.runNextAction.payload.parse(job.data);
    switch (payload.kind) {
      case 'FINALIZE':
        return runFinalize(deps.signups, payload.subscriptionId);
      case 'SIGNUP_EXPIRY':
        return runSignupExpiry(deps.signups, payload.subscriptionId);
      case 'TRIAL_END':
      case 'RENEWAL':
      case 'DUNNING_RETRY':
      case 'GRACE_END':
      case 'CANCEL_AT_PERIOD_END':
      case 'PAUSE_AT_PERIOD_END': {
        const result = await runRenewalAction(deps.renewals, payload);
        deps.onRenewalRun?.(payload.kind, result);
        return result;
      }
    }
  };
}

export function chargeMoneyProcessor(deps: MoneyDeps, onResult?: (result: string) => void) {
  return async (job: Job): Promise<string> => {
    const payload = JOBS.runChargeMoney.payload.parse(job.data);
    const result = await runChargeMoney(deps, payload.chargeId);
    onResult?.(result);
    return result;
  };
}

export function webhookEventProcessor(deps: SignupDeps) {
  return async (job: Job): Promise<string> => {
    const payload = JOBS.applyWebhookEvent.payload.parse(job.data);
    return applyStoredEvent(deps, payload.webhookEventId);
  };
}

export function merchantWebhookProcessor(deps: DeliveryDeps) {
  return async (job: Job): Promise<string> => {
    const payload = JOBS.deliverWebhook.payload.parse(job.data);
    return deliverWebhook(deps, payload.deliveryId);
  };
}
