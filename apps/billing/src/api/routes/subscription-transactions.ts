// A subscription's transactions, newest first and cursor-paginated: its charge attempts, charges,
// captures and refunds. Each is the merchant-wide list filtered by `subscription_id`, with a 404
// for a subscription the caller does not have.
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { listCaptures } from '../../store/captures.js';
import { listChargeAttempts } from '../../store/charge-attempts.js';
import { listCharges } from '../../store/charges.js';
import type { Page, PageQuery } from '../../store/pagination.js';
import { listRefunds } from '../../store/refunds.js';
import { subscriptionExists } from '../../store/subscription-lifecycle.js';
import type { ResolvedApiDeps } from '../deps.js';
import { callerOf } from '../plugins/auth.js';
import { notFoundProblem, sendProblem } from '../problems.js';
import {
  captureSchema,
  chargeAttemptSchema,
  chargeSchema,
  listSubscriptionTransactionsQuery,
  refundSchema,
} from '../schemas/charges.js';
import { idParams, listOf, problemResponses } from '../schemas/common.js';
import { chargeAttemptView } from '../views/charge-attempts.js';
import { captureView, chargeView, refundView } from '../views/charges.js';
import { sendList, zodApp } from './common.js';

interface SubscriptionList<T extends { createdAt: Date; id: string }> {
  /** The path under /v1/subscriptions/{id}/. */
  readonly path: string;
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

export function register(app: FastifyInstance, deps: ResolvedApiDeps): void {
  registerList(app, deps, {
    path: 'attempts',
    name: 'subscription-attempts',
    summary: "List a subscription's charge attempts, newest first",
    description: 'As `GET /v1/charge-attempts?subscription_id=`, with 404 for an unknown subscription.',
    item: chargeAttemptSchema,
    fetch: (deps, merchantId, id, page) =>
      listChargeAttempts(deps.db, merchantId, { subscriptionId: id }, page),
    view: chargeAttemptView,
  });
  registerList(app, deps, {
    path: 'charges',
    name: 'subscription-charges',
    summary: "List a subscription's charges, newest first",
    description: 'As `GET /v1/charges?subscription_id=`, with 404 for an unknown subscription.',
    item: chargeSchema,
    fetch: (deps, merchantId, id, page) => listCharges(deps.db, merchantId, { subscriptionId: id }, page),
    view: chargeView,
  });
  registerList(app, deps, {
    path: 'captures',
    name: 'subscription-captures',
    summary: "List the captures of a subscription's charges, newest first",
    description: 'As `GET /v1/captures?subscription_id=`, with 404 for an unknown subscription.',
    item: captureSchema,
    fetch: (deps, merchantId, id, page) => listCaptures(deps.db, merchantId, { subscriptionId: id }, page),
    view: captureView,
  });
  registerList(app, deps, {
    path: 'refunds',
    name: 'subscription-refunds',
    summary: "List the refunds of a subscription's charges, newest first",
    description: 'As `GET /v1/refunds?subscription_id=`, with 404 for an unknown subscription.',
    item: refundSchema,
    fetch: (deps, merchantId, id, page) => listRefunds(deps.db, merchantId, { subscriptionId: id }, page),
    view: refundView,
  });
}

function registerList<T extends { createdAt: Date; id: string }>(
  app: FastifyInstance,
  deps: ResolvedApiDeps,
  entry: SubscriptionList<T>,
): void {
  zodApp(app).get(
    `/subscriptions/:id/${entry.path}`,
    {
      schema: {
        tags: ['Subscriptions'],
        summary: entry.summary,
        description: entry.description,
        params: idParams,
        querystring: listSubscriptionTransactionsQuery,
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
