// The worker role's processors: each job is parsed against its catalog schema and handed to the
// service that owns the work. Business outcomes are recorded in PostgreSQL by those services;
// only infrastructure failures (a database down, a bug) fail the job, and BullMQ retries it.
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { JOBS } from '../queue/catalog.js';
import type { SignupDeps } from '../signup/deps.js';
import { runFinalize } from '../signup/finalize.js';
import { runSignupExpiry } from '../signup/signup-expiry.js';
import { applyStoredEvent } from '../webhooks/apply-event.js';

export function subscriptionProcessor(deps: SignupDeps, log: Logger) {
  return async (job: Job): Promise<string> => {
    const payload = JOBS.runNextAction.payload.parse(job.data);
    switch (payload.kind) {
      case 'FINALIZE':
        return runFinalize(deps, payload.subscriptionId);
      case 'SIGNUP_EXPIRY':
        return runSignupExpiry(deps, payload.subscriptionId);
      case 'TRIAL_END':
      case 'RENEWAL':
      case 'DUNNING_RETRY':
      case 'GRACE_END':
      case 'CANCEL_AT_PERIOD_END':
      case 'PAUSE_AT_PERIOD_END':
        // Not swept by this version (SWEPT_NEXT_ACTION_KINDS); a job from a newer scheduler waits
        // for the worker that knows it.
        log.warn(
          { kind: payload.kind, subscriptionId: payload.subscriptionId },
          'no processor for this next action',
        );
        return 'NO_PROCESSOR';
    }
  };
}

export function webhookEventProcessor(deps: SignupDeps) {
  return async (job: Job): Promise<string> => {
    const payload = JOBS.applyWebhookEvent.payload.parse(job.data);
    return applyStoredEvent(deps, payload.webhookEventId);
  };
}
