// Charge attempts (every authorize call for an invoice: the signup's first payment, renewals,
// dunning retries) of the calling merchant, newest first: all of them, per subscription with
// `subscription_id`, or under the subscription. Status, decline reason and category and Klarna's
// correlation id; never idempotency keys or tokens.
import type { FastifyInstance } from 'fastify';
import { listChargeAttempts } from '../../store/charge-attempts.js';
import { subscriptionExists } from '../../store/subscription-lifecycle.js';
import type { ResolvedApiDeps } from '../deps.js';
import { callerOf } from '../plugins/auth.js';
import { notFoundProblem, sendProblem } from '../problems.js';
import {
  chargeAttemptSchema,
  listChargeAttemptsQuery,
  listSubscriptionAttemptsQuery,
} from '../schemas/charges.js';
import { idParams, listOf, problemResponses } from '../schemas/common.js';
import { chargeAttemptView } from '../views/charge-attempts.js';
import { sendList, zodApp } from './common.js';

export function register(app: FastifyInstance, deps: ResolvedApiDeps): void {
  const api = zodApp(app);

  api.get(
    '/charge-attempts',
    {
      schema: {
        tags: ['Charges'],
        summary: 'List charge attempts, newest first',
        description:
          'Every authorize call Rebill made for an invoice, approved or not; `subscription_id` keeps one subscription’s.',
        querystring: listChargeAttemptsQuery,
        response: { 200: listOf(chargeAttemptSchema), ...problemResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const { merchantId } = callerOf(request);
      const { subscription_id: subscriptionId } = request.query;
      return sendList(
        request,
        reply,
        { name: 'charge-attempts', query: request.query, filters: { subscription_id: subscriptionId } },
        (page) => listChargeAttempts(deps.db, merchantId, { subscriptionId }, page),
        chargeAttemptView,
      );
    },
  );

  api.get(
    '/subscriptions/:id/attempts',
    {
      schema: {
        tags: ['Subscriptions'],
        summary: "List a subscription's charge attempts, newest first",
        description: 'As `GET /v1/charge-attempts?subscription_id=`, with 404 for an unknown subscription.',
        params: idParams,
        querystring: listSubscriptionAttemptsQuery,
        response: { 200: listOf(chargeAttemptSchema), ...problemResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { merchantId } = callerOf(request);
      const id = request.params.id;
      if (!(await subscriptionExists(deps.db, merchantId, id))) {
        return sendProblem(request, reply, notFoundProblem('subscription'));
      }
      return sendList(
        request,
        reply,
        { name: 'subscription-attempts', query: request.query, filters: { subscription_id: id } },
        (page) => listChargeAttempts(deps.db, merchantId, { subscriptionId: id }, page),
        chargeAttemptView,
      );
    },
  );
}
