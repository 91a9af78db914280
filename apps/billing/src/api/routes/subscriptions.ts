// Subscriptions: POST starts a signup through the SubscriptionSignups port (the API only maps its
// outcome to HTTP); GETs read what the billing roles maintain.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getSubscription, listSubscriptions } from '../../store/subscriptions.js';
import type { ResolvedApiDeps } from '../deps.js';
import { callerOf } from '../plugins/auth.js';
import type { StartSignupResult } from '../ports.js';
import { notFoundProblem, problem, sendProblem, type Problem } from '../problems.js';
import { idempotentHeaders, idParams, listOf, problemResponses } from '../schemas/common.js';
import {
  createdSubscriptionSchema,
  createSubscriptionBody,
  listSubscriptionsQuery,
  subscriptionSchema,
} from '../schemas/subscriptions.js';
import { subscriptionView } from '../views/subscriptions.js';
import { sendList, zodApp } from './common.js';

const tags = ['Subscriptions'];

export function register(app: FastifyInstance, deps: ResolvedApiDeps): void {
  const api = zodApp(app);

  api.post(
    '/subscriptions',
    {
      schema: {
        tags,
        summary: 'Start a subscription',
        description:
          'Creates the subscription (PENDING_TOKENIZATION) and a Klarna purchase journey; send the customer to `payment_request_url`. On 503 retry with the same Idempotency-Key: the signup resumes instead of starting another.',
        headers: idempotentHeaders,
        body: createSubscriptionBody,
        response: { 201: createdSubscriptionSchema, ...problemResponses(400, 401, 404, 409, 422, 502, 503) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const body = request.body;
      const claim = request.idempotency;
      // A retry of a request whose signup already created its subscription resumes that one.
      const result =
        claim !== null && claim.resourceId !== null
          ? await deps.signups.resume(caller.merchantId, claim.resourceId, caller.actor)
          : await deps.signups.start({
              merchantId: caller.merchantId,
              customerId: body.customer_id,
              planId: body.plan_id,
              returnUrl: body.return_url,
              timeZone: body.time_zone ?? null,
              actor: caller.actor,
              idempotencyRecordId: claim?.recordId ?? null,
            });
      return answerSignup(request, reply, deps, caller.merchantId, result);
    },
  );

  api.get(
    '/subscriptions',
    {
      schema: {
        tags,
        summary: 'List subscriptions, newest first',
        querystring: listSubscriptionsQuery,
        response: { 200: listOf(subscriptionSchema), ...problemResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const { merchantId } = callerOf(request);
      const { status, customer_id: customerId } = request.query;
      return sendList(
        request,
        reply,
        { name: 'subscriptions', query: request.query, filters: { status, customer_id: customerId } },
        (page) => listSubscriptions(deps.db, merchantId, { status, customerId }, page),
        subscriptionView,
      );
    },
  );

  api.get(
    '/subscriptions/:id',
    {
      schema: {
        tags,
        summary: 'Read a subscription',
        params: idParams,
        response: { 200: subscriptionSchema, ...problemResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const subscription = await getSubscription(deps.db, callerOf(request).merchantId, request.params.id);
      if (subscription === null) return sendProblem(request, reply, notFoundProblem('subscription'));
      return reply.send(subscriptionView(subscription));
    },
  );
}

async function answerSignup(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: ResolvedApiDeps,
  merchantId: string,
  result: StartSignupResult,
): Promise<FastifyReply> {
  switch (result.kind) {
    case 'started':
      return sendWithJourney(reply, deps, merchantId, result.subscriptionId, 201);
    case 'not_found':
    case 'plan_archived':
      return sendProblem(request, reply, newSubscriptionProblem(result));
    case 'klarna_unavailable':
      reply.header('retry-after', String(Math.max(1, Math.ceil(result.retryAfterSeconds))));
      return sendProblem(
        request,
        reply,
        problem(
          'klarna-unavailable',
          'Klarna did not answer. Retry with the same Idempotency-Key to resume this signup.',
          { subscription_id: result.subscriptionId, retry_after_seconds: result.retryAfterSeconds },
        ),
      );
    case 'klarna_rejected':
      return sendProblem(
        request,
        reply,
        problem('klarna-rejected', 'Klarna refused to start the purchase journey.', {
          subscription_id: result.subscriptionId,
          klarna_error_code: result.errorCode,
          klarna_parameters: result.parameters,
        }),
      );
  }
}

const NAMES = { customer_id: 'customer', plan_id: 'plan', customer_token_id: 'customer token' } as const;

/** A new subscription's input that names nothing of this merchant's, or an archived plan. */
export function newSubscriptionProblem(
  result:
    { readonly kind: 'not_found'; readonly field: keyof typeof NAMES } | { readonly kind: 'plan_archived' },
): Problem {
  if (result.kind === 'plan_archived') {
    return problem('plan-archived', 'An archived plan starts no new subscriptions.', {
      errors: [{ field: 'plan_id', message: 'is archived' }],
    });
  }
  const what = NAMES[result.field];
  return problem('not-found', `No such ${what}.`, {
    errors: [{ field: result.field, message: `no such ${what}` }],
  });
}

/** The subscription with its newest journey's `payment_request_url` (a signup's or a token replacement's). */
export async function sendWithJourney(
  reply: FastifyReply,
  deps: ResolvedApiDeps,
  merchantId: string,
  subscriptionId: string,
  code: 200 | 201,
): Promise<FastifyReply> {
  const subscription = await getSubscription(deps.db, merchantId, subscriptionId);
  if (subscription === null) throw new Error(`subscription ${subscriptionId} is not there`);
  const view = subscriptionView(subscription);
  return reply.code(code).send({ ...view, payment_request_url: view.payment_request?.url ?? null });
}
