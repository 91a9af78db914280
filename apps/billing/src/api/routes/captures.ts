// Captures (money Klarna took on a charge, at authorization or later) of the calling merchant:
// listed newest first, all or by `charge_id` or `subscription_id`, and read one by one.
import type { FastifyInstance } from 'fastify';
import { getCapture, listCaptures } from '../../store/captures.js';
import type { ResolvedApiDeps } from '../deps.js';
import { callerOf } from '../plugins/auth.js';
import { notFoundProblem, sendProblem } from '../problems.js';
import { captureSchema, listCapturesQuery } from '../schemas/charges.js';
import { idParams, listOf, problemResponses } from '../schemas/common.js';
import { captureView } from '../views/charges.js';
import { sendList, zodApp } from './common.js';

const tags = ['Charges'];

export function register(app: FastifyInstance, deps: ResolvedApiDeps): void {
  const api = zodApp(app);

  api.get(
    '/captures',
    {
      schema: {
        tags,
        summary: 'List captures, newest first',
        description: '`charge_id` keeps one charge’s, `subscription_id` those of one subscription’s charges.',
        querystring: listCapturesQuery,
        response: { 200: listOf(captureSchema), ...problemResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const { merchantId } = callerOf(request);
      const { charge_id: chargeId, subscription_id: subscriptionId } = request.query;
      return sendList(
        request,
        reply,
        {
          name: 'captures',
          query: request.query,
          filters: { charge_id: chargeId, subscription_id: subscriptionId },
        },
        (page) => listCaptures(deps.db, merchantId, { chargeId, subscriptionId }, page),
        captureView,
      );
    },
  );

  api.get(
    '/captures/:id',
    {
      schema: {
        tags,
        summary: 'Read a capture',
        params: idParams,
        response: { 200: captureSchema, ...problemResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const capture = await getCapture(deps.db, callerOf(request).merchantId, request.params.id);
      if (capture === null) return sendProblem(request, reply, notFoundProblem('capture'));
      return reply.send(captureView(capture));
    },
  );
}
