// POST /v1/subscriptions/{id}/token-replacements: a new Klarna journey that issues a customer token
// for a running subscription, through the TokenReplacements port (the API only maps its outcome to
// HTTP). Served when the deps bring the port.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ResolvedApiDeps } from '../deps.js';
import { callerOf } from '../plugins/auth.js';
import type { ReplacementResult } from '../ports.js';
import { illegalTransitionProblem, notFoundProblem, problem, sendProblem } from '../problems.js';
import { emptyBody, idempotentHeaders, idParams, problemResponses } from '../schemas/common.js';
import { createdSubscriptionSchema } from '../schemas/subscriptions.js';
import { zodApp } from './common.js';
import { sendWithJourney } from './subscriptions.js';

export function register(app: FastifyInstance, deps: ResolvedApiDeps): void {
  const replacements = deps.tokenReplacements;
  if (replacements === undefined) return;
  zodApp(app).post(
    '/subscriptions/:id/token-replacements',
    {
      schema: {
        tags: ['Subscriptions'],
        summary: 'Replace the customer token through a new Klarna journey',
        description:
          "Opens a tokenize-only Klarna purchase journey for a TRIALING, ACTIVE, PAST_DUE or PAUSED subscription (e.g. after a hard decline set `requires_new_token`); send the customer to `payment_request_url`. When the customer completes it, the new token becomes the subscription's, `requires_new_token` is cleared and a PAST_DUE period is charged again at once with it (event `subscription.token_replaced`). A journey declined, abandoned or expired changes nothing. 201 with the subscription, its `payment_request` being the replacement; 200 with the open one when a replacement is already open. 409 `illegal-transition` for a subscription signing up, unpaid or ended. On 503 retry with the same Idempotency-Key: the same journey is asked for again.",
        headers: idempotentHeaders,
        params: idParams,
        body: emptyBody,
        response: {
          200: createdSubscriptionSchema,
          201: createdSubscriptionSchema,
          ...problemResponses(400, 401, 404, 409, 422, 502, 503),
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const claim = request.idempotency;
      const result =
        claim !== null && claim.resourceId !== null
          ? await replacements.resume(caller.merchantId, claim.resourceId, caller.actor)
          : await replacements.start({
              merchantId: caller.merchantId,
              subscriptionId: request.params.id,
              actor: caller.actor,
              idempotencyRecordId: claim?.recordId ?? null,
            });
      return answer(request, reply, deps, { merchantId: caller.merchantId, id: request.params.id }, result);
    },
  );
}

async function answer(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: ResolvedApiDeps,
  subscription: { merchantId: string; id: string },
  result: ReplacementResult,
): Promise<FastifyReply> {
  switch (result.kind) {
    case 'started':
      return sendWithJourney(
        reply,
        deps,
        subscription.merchantId,
        subscription.id,
        result.created ? 201 : 200,
      );
    case 'not_found':
      return sendProblem(request, reply, notFoundProblem('subscription'));
    case 'illegal':
      return sendProblem(
        request,
        reply,
        illegalTransitionProblem('A token replacement', result.status, result.reason),
      );
    case 'klarna_unavailable':
      reply.header('retry-after', String(result.retryAfterSeconds));
      return sendProblem(
        request,
        reply,
        problem(
          'klarna-unavailable',
          'Klarna did not answer. Retry with the same Idempotency-Key to ask for the same journey again.',
          {
            subscription_id: subscription.id,
            payment_request_id: result.paymentRequestId,
            retry_after_seconds: result.retryAfterSeconds,
          },
        ),
      );
    case 'klarna_rejected':
      return sendProblem(
        request,
        reply,
        problem('klarna-rejected', 'Klarna refused to start the journey for a new token.', {
          subscription_id: subscription.id,
          payment_request_id: result.paymentRequestId,
          klarna_error_code: result.errorCode,
          klarna_parameters: result.parameters,
        }),
      );
  }
}
