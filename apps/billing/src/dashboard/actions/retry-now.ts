// POST /dashboard/subscriptions/:id/retry-now: the next dunning retry run at once, through the
// same stored next action and job as the automatic one (operator-actions/retry-now.ts), so the
// two never race.
import type { FastifyInstance } from 'fastify';
import { retryNow, type RetryNowResult } from '../../operator-actions/retry-now.js';
import { QUEUES } from '../../queue/catalog.js';
import { isUuid } from '../../store/operator-lookups.js';
import type { DashboardDeps } from '../deps.js';
import { instant } from '../format.js';
import { sessionOf } from '../session.js';
import { answerAction, done, refused, idParam, notFound } from './answers.js';

function refusal(result: Exclude<RetryNowResult, { kind: 'ENQUEUED' } | { kind: 'NOT_FOUND' }>): string {
  switch (result.kind) {
    case 'NOT_PAST_DUE':
      return `Not retried: the subscription is ${result.status}, not past due.`;
    case 'NO_RETRY_SCHEDULED':
      return 'Not retried: no dunning retry is scheduled (the retries are over).';
    case 'HELD':
      return 'Not retried: the invoice is held; resolve its held attempt first.';
    case 'ATTEMPT_IN_FLIGHT':
      return 'Not retried: an attempt is in flight and has no answer yet.';
    case 'OUTCOME_UNKNOWN':
      return "Not retried: the last attempt's outcome is unknown.";
    case 'TOKEN_NOT_USABLE':
      return "Not retried: the customer's token cannot be charged (revoked, or a new one is needed).";
    case 'ALREADY_QUEUED':
      return `Not retried: the retry is already queued (until ${instant(result.leaseUntil)}).`;
  }
}

export function register(app: FastifyInstance, deps: DashboardDeps): void {
  const subscriptions = deps.queues.find((queue) => queue.name === QUEUES.subscriptions);
  app.post('/subscriptions/:id/retry-now', async (request, reply) => {
    const id = idParam(request);
    const back = `/dashboard/subscriptions?id=${encodeURIComponent(id)}`;
    if (!isUuid(id) || subscriptions === undefined) return notFound(reply, 'subscription');
    const result = await retryNow(
      { db: deps.db, clock: deps.clock, subscriptions, leaseMs: deps.options.retryLeaseMs },
      { subscriptionId: id, operatorId: sessionOf(request).operator.id },
    );
    if (result.kind === 'NOT_FOUND') return notFound(reply, 'subscription');
    if (result.kind === 'ENQUEUED')
      return answerAction(request, reply, deps.options, back, done('Retry queued: a new attempt runs now.'));
    return answerAction(request, reply, deps.options, back, refused(refusal(result)));
  });
}
