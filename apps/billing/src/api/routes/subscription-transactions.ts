// A subscription's transactions, newest first and cursor-paginated: its charge attempts, charges,
// captures and refunds. Each is the merchant-wide list filtered by `subscription_id`, with a 404
// for a subscription the caller does not have (subscription-lists.ts).
import type { FastifyInstance } from 'fastify';
import { listCaptures } from '../../store/captures.js';
import { listChargeAttempts } from '../../store/charge-attempts.js';
import { listCharges } from '../../store/charges.js';
import { listRefunds } from '../../store/refunds.js';
import type { ResolvedApiDeps } from '../deps.js';
import { captureSchema, chargeAttemptSchema, chargeSchema, refundSchema } from '../schemas/charges.js';
import { chargeAttemptView } from '../views/charge-attempts.js';
import { captureView, chargeView, refundView } from '../views/charges.js';
import { registerSubscriptionList } from './subscription-lists.js';

const TAGS = ['Subscriptions'];

export function register(app: FastifyInstance, deps: ResolvedApiDeps): void {
  registerSubscriptionList(app, deps, {
    tags: TAGS,
    path: 'attempts',
    name: 'subscription-attempts',
    summary: "List a subscription's charge attempts, newest first",
    description: 'As `GET /v1/charge-attempts?subscription_id=`, with 404 for an unknown subscription.',
    item: chargeAttemptSchema,
    fetch: (deps, merchantId, id, page) =>
      listChargeAttempts(deps.db, merchantId, { subscriptionId: id }, page),
    view: chargeAttemptView,
  });
  registerSubscriptionList(app, deps, {
    tags: TAGS,
    path: 'charges',
    name: 'subscription-charges',
    summary: "List a subscription's charges, newest first",
    description: 'As `GET /v1/charges?subscription_id=`, with 404 for an unknown subscription.',
    item: chargeSchema,
    fetch: (deps, merchantId, id, page) => listCharges(deps.db, merchantId, { subscriptionId: id }, page),
    view: chargeView,
  });
  registerSubscriptionList(app, deps, {
    tags: TAGS,
    path: 'captures',
    name: 'subscription-captures',
    summary: "List the captures of a subscription's charges, newest first",
    description: 'As `GET /v1/captures?subscription_id=`, with 404 for an unknown subscription.',
    item: captureSchema,
    fetch: (deps, merchantId, id, page) => listCaptures(deps.db, merchantId, { subscriptionId: id }, page),
    view: captureView,
  });
  registerSubscriptionList(app, deps, {
    tags: TAGS,
    path: 'refunds',
    name: 'subscription-refunds',
    summary: "List the refunds of a subscription's charges, newest first",
    description: 'As `GET /v1/refunds?subscription_id=`, with 404 for an unknown subscription.',
    item: refundSchema,
    fetch: (deps, merchantId, id, page) => listRefunds(deps.db, merchantId, { subscriptionId: id }, page),
    view: refundView,
  });
}
