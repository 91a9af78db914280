// Charges (payment transactions Klarna approved) of the calling merchant: list and read with
// their captures and refunds.
import type { FastifyInstance } from 'fastify';
import { getCharge, listCharges } from '../../store/charges.js';
import type { ResolvedApiDeps } from '../deps.js';
import { callerOf } from '../plugins/auth.js';
import { notFoundProblem, sendProblem } from '../problems.js';
import { chargeDetailSchema, chargeSchema, listChargesQuery } from '../schemas/charges.js';
import { idParams, listOf, problemResponses } from '../schemas/common.js';
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
}
