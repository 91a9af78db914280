// A customer's tokens, by Rebill's id: GET /v1/customers/{id}/tokens lists them (never the Klarna
// token itself); POST /v1/customers/{id}/subscriptions starts a subscription on one of them with no
// Klarna journey (signup/start-on-token.ts decides and writes; this maps its result to HTTP).
import type { FastifyInstance } from 'fastify';
import { startOnToken, type StartOnTokenResult } from '../../signup/start-on-token.js';
import type { ResolvedApiDeps } from '../deps.js';
import { callerOf } from '../plugins/auth.js';
import { listCustomerTokens } from '../../store/customer-tokens.js';
import { notFoundProblem, problem, sendProblem, type Problem } from '../problems.js';
import { customerTokenSchema } from '../schemas/customers.js';
import { customerTokenView } from '../views/customers.js';
import { idempotentHeaders, idParams, listOf, problemResponses } from '../schemas/common.js';
import { createdSubscriptionSchema, createTokenSubscriptionBody } from '../schemas/subscriptions.js';
import { zodApp } from './common.js';
import { newSubscriptionProblem, sendWithJourney } from './subscriptions.js';

const customerTokenListSchema = listOf(customerTokenSchema);

export function register(app: FastifyInstance, deps: ResolvedApiDeps): void {
  zodApp(app).get(
    '/customers/:id/tokens',
    {
      schema: {
        tags: ['Customers'],
        summary: "List the customer's tokens, newest first",
        description:
          "Rebill's record of each customer token Klarna issued for this customer: id, status, scopes, created and last-used times. An ACTIVE token scoped `payment:customer_not_present` can start a subscription with no journey (`POST /v1/customers/{id}/subscriptions`).",
        params: idParams,
        response: { 200: customerTokenListSchema, ...problemResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const tokens = await listCustomerTokens(deps.db, callerOf(request).merchantId, request.params.id);
      if (tokens === null) return sendProblem(request, reply, notFoundProblem('customer'));
      return reply.send({ object: 'list', data: tokens.map(customerTokenView), next_cursor: null });
    },
  );

  zodApp(app).post(
    '/customers/:id/subscriptions',
    {
      schema: {
        tags: ['Subscriptions'],
        summary: "Start a subscription on the customer's existing token",
        description:
          "Starts a subscription with no Klarna journey, on `customer_token_id`: one of this customer's ACTIVE tokens scoped `payment:customer_not_present` (a subscription's `token_id`). A plan with a trial starts TRIALING; a paid plan starts ACTIVE and its first period is charged without the customer at once by the renewal engine (event `subscription.renewed` when paid, `subscription.payment_failed` and dunning when declined). Event `subscription.activated`. 404 names `customer_id`, `plan_id` or `customer_token_id`; 422 `token-not-usable` for a revoked token, another customer's, or one without the recurring scope.",
        headers: idempotentHeaders,
        params: idParams,
        body: createTokenSubscriptionBody,
        response: { 201: createdSubscriptionSchema, ...problemResponses(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const claim = request.idempotency;
      // A retry whose first request committed: answer the subscription it created.
      if (claim !== null && claim.resourceId !== null) {
        return sendWithJourney(reply, deps, caller.merchantId, claim.resourceId, 201);
      }
      const body = request.body;
      const result = await startOnToken(deps, {
        merchantId: caller.merchantId,
        customerId: request.params.id,
        planId: body.plan_id,
        tokenId: body.customer_token_id,
        returnUrl: body.return_url,
        timeZone: body.time_zone ?? null,
        actor: caller.actor,
        idempotencyRecordId: claim?.recordId ?? null,
      });
      if (result.kind === 'started') {
        return sendWithJourney(reply, deps, caller.merchantId, result.subscriptionId, 201);
      }
      return sendProblem(request, reply, problemOf(result));
    },
  );
}

function problemOf(result: Exclude<StartOnTokenResult, { kind: 'started' }>): Problem {
  switch (result.kind) {
    case 'not_found':
    case 'plan_archived':
      return newSubscriptionProblem(result);
    case 'token_refused':
      return problem('token-not-usable', `The customer token ${result.message}.`, {
        errors: [{ field: 'customer_token_id', message: result.message }],
        reason: result.reason,
      });
  }
}
