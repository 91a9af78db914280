// The list and the read of a charge's money operations (captures, refunds) of the calling merchant:
// `GET /v1/<plural>` newest first, all or by `charge_id` or `subscription_id`, and
// `GET /v1/<plural>/{id}`.
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { ChargeOperationFilter } from '../../store/charge-operation-filter.js';
import type { Db } from '../../store/db.js';
import type { Page, PageQuery } from '../../store/pagination.js';
import type { ResolvedApiDeps } from '../deps.js';
import { callerOf } from '../plugins/auth.js';
import { notFoundProblem, sendProblem } from '../problems.js';
import { listChargeOperationsQuery } from '../schemas/charges.js';
import { idParams, listOf, problemResponses } from '../schemas/common.js';
import { sendList, zodApp } from './common.js';

export interface ChargeOperationRoutes<T extends { createdAt: Date; id: string }> {
  /** The path and list name: `captures`, `refunds`. */
  readonly plural: string;
  /** As a 404 names it: `capture`, `refund`. */
  readonly singular: string;
  readonly tags: readonly string[];
  readonly item: z.ZodType;
  readonly list: (
    db: Db,
    merchantId: string,
    filter: ChargeOperationFilter,
    page: PageQuery,
  ) => Promise<Page<T>>;
  readonly get: (db: Db, merchantId: string, id: string) => Promise<T | null>;
  readonly view: (row: T) => unknown;
}

export function registerChargeOperations<T extends { createdAt: Date; id: string }>(
  app: FastifyInstance,
  deps: ResolvedApiDeps,
  spec: ChargeOperationRoutes<T>,
): void {
  const api = zodApp(app);
  const tags = [...spec.tags];

  api.get(
    `/${spec.plural}`,
    {
      schema: {
        tags,
        summary: `List ${spec.plural}, newest first`,
        description: '`charge_id` keeps one charge’s, `subscription_id` those of one subscription’s charges.',
        querystring: listChargeOperationsQuery,
        response: { 200: listOf(spec.item), ...problemResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const { merchantId } = callerOf(request);
      const { charge_id: chargeId, subscription_id: subscriptionId } = request.query;
      return sendList(
        request,
        reply,
        {
          name: spec.plural,
          query: request.query,
          filters: { charge_id: chargeId, subscription_id: subscriptionId },
        },
        (page) => spec.list(deps.db, merchantId, { chargeId, subscriptionId }, page),
        spec.view,
      );
    },
  );

  api.get(
    `/${spec.plural}/:id`,
    {
      schema: {
        tags,
        summary: `Read a ${spec.singular}`,
        params: idParams,
        response: { 200: spec.item, ...problemResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const row = await spec.get(deps.db, callerOf(request).merchantId, request.params.id);
      if (row === null) return sendProblem(request, reply, notFoundProblem(spec.singular));
      return reply.send(spec.view(row));
    },
  );
}
