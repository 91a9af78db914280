// Lists under a subscription (`/v1/subscriptions/{id}/<list>`): newest first, cursor-paginated,
// a 404 for a subscription the caller does not have. The cursor names the list and the
// subscription, so a cursor of one list is refused by another.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Page, PageQuery } from '../../store/pagination.js';
import { subscriptionExists } from '../../store/subscription-lifecycle.js';
import type { ResolvedApiDeps } from '../deps.js';
import { callerOf } from '../plugins/auth.js';
import { notFoundProblem, sendProblem } from '../problems.js';
import { idParams, listOf, listQueryShape, problemResponses } from '../schemas/common.js';
import { sendList, zodApp } from './common.js';

const subscriptionListQuery = z.strictObject({ ...listQueryShape });

export interface SubscriptionList<T extends { createdAt: Date; id: string }> {
  /** The path under /v1/subscriptions/{id}/. */
  readonly path: string;
  readonly tags: readonly string[];
  /** The cursor's list name (a cursor of one list is refused by another). */
  readonly name: string;
  readonly summary: string;
  readonly description: string;
  readonly item: z.ZodType;
  readonly fetch: (
    deps: ResolvedApiDeps,
    merchantId: string,
    id: string,
    page: PageQuery,
  ) => Promise<Page<T>>;
  readonly view: (row: T) => unknown;
}

export function registerSubscriptionList<T extends { createdAt: Date; id: string }>(
  app: FastifyInstance,
  deps: ResolvedApiDeps,
  entry: SubscriptionList<T>,
): void {
  zodApp(app).get(
    `/subscriptions/:id/${entry.path}`,
    {
      schema: {
        tags: [...entry.tags],
        summary: entry.summary,
        description: entry.description,
        params: idParams,
        querystring: subscriptionListQuery,
        response: { 200: listOf(entry.item), ...problemResponses(400, 401, 404) },
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
        { name: entry.name, query: request.query, filters: { subscription_id: id } },
        (page) => entry.fetch(deps, merchantId, id, page),
        entry.view,
      );
    },
  );
}
