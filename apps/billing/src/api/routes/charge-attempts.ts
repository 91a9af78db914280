// Charge attempts (every authorize call for an invoice: the signup's first payment, renewals,
// dunning retries) of the calling merchant, newest first: all of them, per subscription with
// `subscription_id` (and under the subscription: subscription-transactions.ts). Status, decline reason and category and Klarna's
// correlation id; never idempotency keys or tokens.
import type { FastifyInstance } from 'fastify';
import { listChargeAttempts } from '../../store/charge-attempts.js';
import type { ResolvedApiDeps } from '../deps.js';
import { callerOf } from '../plugins/auth.js';
import { chargeAttemptSchema, listChargeAttemptsQuery } from '../schemas/charges.js';
import { listOf, problemResponses } from '../schemas/common.js';
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
}
