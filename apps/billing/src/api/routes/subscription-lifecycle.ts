// The merchant's lifecycle commands on a subscription (cancel, uncancel, pause, resume, token
// revocation) and its skipped periods. Each command runs one transaction in src/lifecycle and
// answers 200 with the subscription read back; a repeat that changes nothing answers the same way
// (and a repeat with the same Idempotency-Key replays the first answer).
import type { FastifyReply, FastifyRequest, FastifyInstance } from 'fastify';
import {
  changeSubscriptionPlan,
  revokeSubscriptionToken,
  runLifecycleCommand,
  type LifecycleCommandInput,
  type ChangePlanResult,
  type RevokeResult,
} from '../../lifecycle/commands.js';
import { getSubscription } from '../../store/subscriptions.js';
import { listSkippedPeriods } from '../../store/subscription-lifecycle.js';
import type { ResolvedApiDeps } from '../deps.js';
import { callerOf } from '../plugins/auth.js';
import { illegalTransitionProblem, notFoundProblem, problem, sendProblem } from '../problems.js';
import { emptyBody, idempotentHeaders, idParams, problemResponses } from '../schemas/common.js';
import {
  cancelSubscriptionBody,
  changePlanBody,
  revokeTokenBody,
  skippedPeriodSchema,
  subscriptionSchema,
} from '../schemas/subscriptions.js';
import { skippedPeriodView, subscriptionView } from '../views/subscriptions.js';
import { zodApp } from './common.js';
import { registerSubscriptionList } from './subscription-lists.js';

const tags = ['Subscriptions'];
const commandResponses = { 200: subscriptionSchema, ...problemResponses(400, 401, 404, 409, 422) };

export function register(app: FastifyInstance, deps: ResolvedApiDeps): void {
  const api = zodApp(app);

  const command = async (
    request: FastifyRequest,
    reply: FastifyReply,
    subscriptionId: string,
    input: LifecycleCommandInput,
  ) => {
    const caller = callerOf(request);
    const result = await runLifecycleCommand(
      deps.db,
      {
        merchantId: caller.merchantId,
        subscriptionId,
        actor: caller.actor,
        now: deps.clock.now(),
      },
      input,
    );
    return answer(request, reply, deps, { merchantId: caller.merchantId, id: subscriptionId }, result);
  };

  api.post(
    '/subscriptions/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a subscription',
        description:
          'IMMEDIATELY: CANCELED now, nothing more is charged, open invoices no charge has taken money for are voided. AT_PERIOD_END: `cancel_at_period_end`, the paid period (or trial) runs out, then it ends (next action CANCEL_AT_PERIOD_END); a PAUSED or UNPAID subscription has no paid period running and is canceled at once. Repeats change nothing. 409 for a signup still in progress.',
        headers: idempotentHeaders,
        params: idParams,
        body: cancelSubscriptionBody,
        response: commandResponses,
      },
    },
    (request, reply) =>
      command(request, reply, request.params.id, { type: 'CANCEL', mode: request.body.mode }),
  );

  api.post(
    '/subscriptions/:id/uncancel',
    {
      schema: {
        tags,
        summary: 'Withdraw a scheduled cancel',
        description:
          'Clears `cancel_at_period_end`; the next action is the renewal (or trial end, or scheduled pause) again. Nothing scheduled: no change. 409 once the subscription has ended.',
        headers: idempotentHeaders,
        params: idParams,
        body: emptyBody,
        response: commandResponses,
      },
    },
    (request, reply) => command(request, reply, request.params.id, { type: 'UNCANCEL' }),
  );

  api.post(
    '/subscriptions/:id/pause',
    {
      schema: {
        tags,
        summary: 'Pause at the end of the paid period',
        description:
          'ACTIVE or TRIALING: `pause_at_period_end`; when the paid period (or trial) ends the subscription becomes PAUSED instead of renewing, and nothing is charged while paused (next action PAUSE_AT_PERIOD_END; a scheduled cancel wins over it). 409 for PAST_DUE (an unpaid period is being collected: dunning settles it first), UNPAID and ended subscriptions. Repeats change nothing.',
        headers: idempotentHeaders,
        params: idParams,
        body: emptyBody,
        response: commandResponses,
      },
    },
    (request, reply) => command(request, reply, request.params.id, { type: 'PAUSE' }),
  );

  api.post(
    '/subscriptions/:id/resume',
    {
      schema: {
        tags,
        summary: 'Resume a paused subscription',
        description:
          'PAUSED: ACTIVE again with a new phase anchored now (same plan version, or the one a pending plan change named; period numbers continue), and its first period is charged at once (next action RENEWAL now). A pause not yet in effect is withdrawn. Not paused: no change.',
        headers: idempotentHeaders,
        params: idParams,
        body: emptyBody,
        response: commandResponses,
      },
    },
    (request, reply) => command(request, reply, request.params.id, { type: 'RESUME' }),
  );

  api.post(
    '/subscriptions/:id/token/revoke',
    {
      schema: {
        tags,
        summary: "Revoke the subscription's customer token",
        description:
          'The customer token this subscription charges becomes REVOKED in Rebill, and every subscription on it gets `requires_new_token`: no further charge is sent to Klarna with it (a due charge counts as a hard decline). Klarna is not called. Revoking again changes nothing. 409 when the subscription has no token yet or a signup on the token is still in progress.',
        headers: idempotentHeaders,
        params: idParams,
        body: revokeTokenBody,
        response: commandResponses,
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const result = await revokeSubscriptionToken(deps.db, {
        merchantId: caller.merchantId,
        subscriptionId: request.params.id,
        actor: caller.actor,
        now: deps.clock.now(),
        reason: request.body?.reason ?? null,
      });
      return answer(request, reply, deps, { merchantId: caller.merchantId, id: request.params.id }, result);
    },
  );

  api.post(
    '/subscriptions/:id/change-plan',
    {
      schema: {
        tags,
        summary: 'Change the plan from the next period',
        description:
          "The plan version (`plan_version`, default the plan's latest) bills from the period after the current one: a new phase anchored at the current period's end, in the subscription's time zone, its periods numbered on (current + 1). Nothing is charged or refunded now (no proration); a past-due period is still collected on the version it was invoiced on. One pending change at a time: changing again before it takes effect replaces it, and changing back to the version billing now withdraws it. The version already billing the next period: no change (200). ACTIVE, PAST_DUE and PAUSED subscriptions (a resume then starts on the new version). 422 `currency-mismatch` (naming `plan_id`) for a plan in another currency; 409 `plan-archived` for an archived plan; 409 `illegal-transition` for a subscription in trial, not started, canceled or unpaid; 404 naming `plan_id` or `plan_version` when they do not exist.",
        headers: idempotentHeaders,
        params: idParams,
        body: changePlanBody,
        response: commandResponses,
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const result = await changeSubscriptionPlan(
        deps.db,
        {
          merchantId: caller.merchantId,
          subscriptionId: request.params.id,
          actor: caller.actor,
          now: deps.clock.now(),
        },
        { planId: request.body.plan_id, planVersion: request.body.plan_version ?? null },
      );
      return answer(request, reply, deps, { merchantId: caller.merchantId, id: request.params.id }, result);
    },
  );

  registerSubscriptionList(app, deps, {
    tags,
    path: 'skipped-periods',
    name: 'skipped-periods',
    summary: "List a subscription's skipped periods, newest first",
    description:
      'Ranges of periods that were never charged (the catch-up policy left them out after downtime or dunning).',
    item: skippedPeriodSchema,
    fetch: (d, merchantId, id, page) => listSkippedPeriods(d.db, merchantId, id, page),
    view: skippedPeriodView,
  });
}

async function answer(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: ResolvedApiDeps,
  subscription: { merchantId: string; id: string },
  result: RevokeResult | ChangePlanResult,
): Promise<FastifyReply> {
  switch (result.kind) {
    case 'no_plan':
      return sendProblem(
        request,
        reply,
        problem('not-found', 'No such plan.', { errors: [{ field: 'plan_id', message: 'no such plan' }] }),
      );
    case 'no_version':
      return sendProblem(
        request,
        reply,
        problem('not-found', 'The plan has no such version.', {
          errors: [{ field: 'plan_version', message: 'no such version of the plan' }],
        }),
      );
    case 'plan_archived':
      return sendProblem(
        request,
        reply,
        problem('plan-archived', 'An archived plan takes no subscription changes.', {
          errors: [{ field: 'plan_id', message: 'is archived' }],
        }),
      );
    case 'currency_mismatch':
      return sendProblem(
        request,
        reply,
        problem(
          'currency-mismatch',
          `The plan bills in ${result.planCurrency}; the subscription bills in ${result.subscriptionCurrency} for its whole life.`,
          {
            errors: [
              {
                field: 'plan_id',
                message: `bills in ${result.planCurrency}, not ${result.subscriptionCurrency}`,
              },
            ],
            subscription_currency: result.subscriptionCurrency,
            plan_currency: result.planCurrency,
          },
        ),
      );
    case 'not_found':
      return sendProblem(request, reply, notFoundProblem('subscription'));
    case 'illegal':
      return sendProblem(
        request,
        reply,
        illegalTransitionProblem(result.command, result.status, result.reason),
      );
    case 'no_token':
      return sendProblem(
        request,
        reply,
        problem('illegal-transition', 'The subscription has no customer token yet.', {
          reason: 'no customer token yet',
        }),
      );
    case 'retry':
      return sendProblem(
        request,
        reply,
        problem(
          'illegal-transition',
          "The subscription's token changed meanwhile; read it again and retry.",
          {
            reason: 'token changed meanwhile',
          },
        ),
      );
    case 'done': {
      const row = await getSubscription(deps.db, subscription.merchantId, subscription.id);
      if (row === null) throw new Error('a subscription vanished after a lifecycle command');
      return reply.send(subscriptionView(row));
    }
  }
}
