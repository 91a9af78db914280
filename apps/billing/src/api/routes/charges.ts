// Charges (payment transactions Klarna approved) of the calling merchant: list and read with
// their captures, refunds and voids; void an authorization's uncaptured remainder.
import type { FastifyInstance } from 'fastify';
import { voidCharge } from '../../money/merchant-money.js';
import { getCharge, listCharges } from '../../store/charges.js';
import type { ResolvedApiDeps } from '../deps.js';
import { callerOf } from '../plugins/auth.js';
import { notFoundProblem, problem, sendProblem } from '../problems.js';
import { chargeDetailSchema, chargeSchema, listChargesQuery } from '../schemas/charges.js';
import { emptyBody, idempotentHeaders, idParams, listOf, problemResponses } from '../schemas/common.js';
import { chargeDetailView, chargeView } from '../views/charges.js';
import { sendList, zodApp } from './common.js';

const tags = ['Charges'];

export function register(app: FastifyInstance, deps: ResolvedApiDeps): void {
  const api = zodApp(app);

  api.get(
    '/charges',
    {
      schema: {
        tags,
        summary: 'List charges, newest first',
        querystring: listChargesQuery,
        response: { 200: listOf(chargeSchema), ...problemResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const { merchantId } = callerOf(request);
      const { subscription_id: subscriptionId } = request.query;
      return sendList(
        request,
        reply,
        { name: 'charges', query: request.query, filters: { subscription_id: subscriptionId } },
        (page) => listCharges(deps.db, merchantId, { subscriptionId }, page),
        chargeView,
      );
    },
  );

  api.get(
    '/charges/:id',
    {
      schema: {
        tags,
        summary: 'Read a charge with its captures and refunds',
        params: idParams,
        response: { 200: chargeDetailSchema, ...problemResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const charge = await getCharge(deps.db, callerOf(request).merchantId, request.params.id);
      if (charge === null) return sendProblem(request, reply, notFoundProblem('charge'));
      return reply.send(chargeDetailView(charge));
    },
  );

  api.post(
    '/charges/:id/void',
    {
      schema: {
        tags,
        summary: "Void a charge's uncaptured authorization",
        description:
          'Releases what was authorized and not captured (a LATER capture not yet made). The void is sent to Klarna at once; the answer is the charge as it stands (its `voids`, `released_amount`, `state`). 409 nothing-to-void when nothing is left to release.',
        headers: idempotentHeaders,
        params: idParams,
        body: emptyBody,
        response: { 200: chargeDetailSchema, ...problemResponses(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const result = await voidCharge(
        { db: deps.db, clock: deps.clock, money: deps.money },
        { merchantId: caller.merchantId, chargeId: request.params.id, actor: caller.actor },
      );
      if (result.kind === 'not_found') return sendProblem(request, reply, notFoundProblem('charge'));
      if (result.kind === 'nothing_to_void') {
        return sendProblem(
          request,
          reply,
          problem('nothing-to-void', 'The charge has no uncaptured authorization left to void.'),
        );
      }
      const charge = await getCharge(deps.db, caller.merchantId, request.params.id);
      if (charge === null) return sendProblem(request, reply, notFoundProblem('charge'));
      return reply.send(chargeDetailView(charge));
    },
  );
}
