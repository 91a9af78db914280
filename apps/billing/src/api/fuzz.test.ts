// Property: whatever a caller POSTs (random JSON, valid bodies with random values swapped in,
// raw bytes under random content types, random Idempotency-Keys), no POST route answers 5xx.
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { randomUUID } from 'node:crypto';
import { audit, systemActor } from '../store/audit.js';
import { inTransaction, type Db } from '../store/db.js';
import { seedCustomer, seedCustomerToken, seedPlan, seedSubscription } from '../store/testing/seed.js';
import { apiTest } from './testing/api-test.js';
import { authorizedCharge, capturedCharge } from '../store/testing/money-charges.js';

const VALID_BODIES: Readonly<Record<string, Record<string, unknown>>> = {
  '/v1/api-keys': { name: 'fuzz' },
  '/v1/plans': {
    code: 'fuzz',
    name: 'Fuzz',
    currency: 'EUR',
    amount: 100,
    interval: 'MONTH',
    interval_count: 1,
    trial_days: 0,
    dunning_policy: {
      retry_offsets_hours: [24, 48],
      max_attempts: 3,
      grace_period_days: 3,
      final_action: 'CANCEL',
    },
    catch_up_policy: { kind: 'EACH_MISSED', max_charges: 2 },
  },
  '/v1/plans/{id}/archive': {},
  '/v1/plans/{id}/versions': {
    name: 'v',
    amount: 100,
    interval: 'DAY',
    interval_count: 7,
    trial_days: 0,
    dunning_policy: { retry_offsets_hours: [1] },
    catch_up_policy: { kind: 'CURRENT_ONLY' },
  },
  '/v1/customers': { external_ref: 'fuzz', email: 'a@example.com', name: 'Fuzz' },
  '/v1/customers/{id}/subscriptions': {
    plan_id: '',
    customer_token_id: '',
    return_url: 'https://shop.example',
  },
  '/v1/webhook-endpoints': { url: 'https://hooks.example/rebill', enabled_events: ['*'] },
  '/v1/webhook-endpoints/{id}/rotate-secret': { old_secret_valid_seconds: 60 },
  '/v1/webhook-deliveries/{id}/retry': {},
  '/v1/subscriptions': {
    customer_id: '',
    plan_id: '',
    return_url: 'https://shop.example',
    time_zone: 'Europe/Oslo',
  },
  '/v1/subscriptions/{id}/cancel': { mode: 'AT_PERIOD_END' },
  '/v1/subscriptions/{id}/uncancel': {},
  '/v1/subscriptions/{id}/pause': {},
  '/v1/subscriptions/{id}/resume': {},
  '/v1/subscriptions/{id}/token/revoke': { reason: 'fuzz' },
  '/v1/subscriptions/{id}/change-plan': { plan_id: '', plan_version: 1 },
  '/v1/charges/{id}/refunds': { amount: 1, reason: 'fuzz' },
  '/v1/charges/{id}/void': {},
};

/** Values that have broken APIs before: huge and fractional numbers, NUL, lone surrogates, deep nesting. */
const nastyValue = fc.oneof(
  fc.jsonValue(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('\u0000', '\ud800', 'a'.repeat(5000), '__proto__', 'DAY', 'EACH_MISSED', '-0', 'NaN'),
  fc.integer(),
  fc.constantFrom(2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, 1e308, -0, 0.5),
  fc.array(fc.integer({ min: -10, max: 10_000 }), { maxLength: 30 }),
);

/** A valid body with some fields replaced, removed or nested values swapped. */
function mutatedBody(valid: Record<string, unknown>) {
  const keys = Object.keys(valid);
  return fc
    .record({
      replace: fc.dictionary(keys.length > 0 ? fc.constantFrom(...keys) : fc.string(), nastyValue, {
        maxKeys: 3,
      }),
      drop: fc.subarray(keys),
      extra: fc.dictionary(fc.string({ maxLength: 12 }), nastyValue, { maxKeys: 1 }),
    })
    .map(({ replace, drop, extra }) => {
      const body: Record<string, unknown> = { ...valid, ...replace, ...extra };
      for (const key of drop) delete body[key];
      return body;
    });
}

const rawRequest = fc.record({
  body: fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
  ),
  contentType: fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/octet-stream',
    '',
  ),
});

const idempotencyKey = fc.option(fc.oneof(fc.string({ maxLength: 300 }), fc.uuid()), { nil: undefined });

describe('POST routes never answer 5xx', () => {
  apiTest(
    'to any body, content type or Idempotency-Key',
    { timeout: 180_000 },
    async ({ app, merchant, prisma }) => {
      const customer = await seedCustomer(prisma, merchant.merchantId);
      const { plan } = await seedPlan(prisma, merchant.merchantId);
      const { plan: archivable } = await seedPlan(prisma, merchant.merchantId);
      const token = await seedCustomerToken(prisma, {
        merchantId: merchant.merchantId,
        customerId: customer.id,
      });
      const routes = await postRoutes(app);
      expect(routes.sort()).toEqual(Object.keys(VALID_BODIES).sort());
      const validBodies: Record<string, Record<string, unknown>> = {
        ...VALID_BODIES,
        '/v1/subscriptions': {
          ...VALID_BODIES['/v1/subscriptions'],
          customer_id: customer.id,
          plan_id: plan.id,
        },
        '/v1/subscriptions/{id}/change-plan': { plan_id: plan.id, plan_version: 1 },
        '/v1/customers/{id}/subscriptions': {
          ...VALID_BODIES['/v1/customers/{id}/subscriptions'],
          plan_id: plan.id,
          customer_token_id: token.id,
        },
      };

      for (const route of routes) {
        const valid = validBodies[route] ?? {};
        // Each lifecycle command gets a live subscription of its own (a cancel must not end the next one's).
        const realId = route.endsWith('/archive')
          ? archivable.id
          : route === '/v1/customers/{id}/subscriptions'
            ? customer.id
            : route.startsWith('/v1/subscriptions/')
              ? await liveSubscription(prisma, merchant.merchantId)
              : route === '/v1/charges/{id}/refunds'
                ? (await capturedCharge(prisma, merchant.merchantId)).charge.id
                : route === '/v1/charges/{id}/void'
                  ? (await authorizedCharge(prisma, merchant.merchantId)).charge.id
                  : route === '/v1/webhook-endpoints/{id}/rotate-secret'
                    ? await webhookEndpoint(app, merchant.headers)
                    : route === '/v1/webhook-deliveries/{id}/retry'
                      ? await webhookDelivery(app, prisma, merchant)
                      : plan.id;
        // The template is a valid request: the mutations below start one step away from success.
        const baseline = await app.inject({
          method: 'POST',
          url: route.replace('{id}', realId),
          headers: merchant.headers,
          payload: { ...valid, ...(route === '/v1/plans' ? { code: 'fuzz-baseline' } : {}) },
        });
        expect(baseline.statusCode, `${route}: ${baseline.body}`).toBeLessThan(300);
        const pathIds = fc.oneof(fc.constant(realId), fc.uuid(), fc.string({ maxLength: 40 }));
        const payloads = fc.oneof(
          mutatedBody(valid).map((body) => ({ raw: JSON.stringify(body), contentType: 'application/json' })),
          fc
            .jsonValue()
            .map((body) => ({ raw: JSON.stringify(body) ?? 'null', contentType: 'application/json' })),
          rawRequest.map(({ body, contentType }) => ({ raw: body, contentType })),
        );
        await fc.assert(
          fc.asyncProperty(payloads, pathIds, idempotencyKey, async (payload, id, key) => {
            const headers: Record<string, string> = { ...merchant.headers };
            if (payload.contentType !== '') headers['content-type'] = payload.contentType;
            if (key !== undefined) headers['idempotency-key'] = key;
            const response = await app.inject({
              method: 'POST',
              url: route.replace('{id}', encodeURIComponent(id)),
              headers,
              payload: payload.raw,
            });
            if (response.statusCode >= 500) {
              throw new Error(`${route} answered ${response.statusCode}: ${response.body}`);
            }
          }),
          { numRuns: 60 },
        );
      }
    },
  );
});

/** An endpoint of the merchant's, made over the API. */
async function webhookEndpoint(app: FastifyInstance, headers: Record<string, string>): Promise<string> {
  const created = await app.inject({
    method: 'POST',
    url: '/v1/webhook-endpoints',
    headers,
    payload: VALID_BODIES['/v1/webhook-endpoints'] ?? {},
  });
  return created.json<{ id: string }>().id;
}

/** A delivery to a new endpoint of the merchant's: an audited capture reports charge.captured. */
async function webhookDelivery(
  app: FastifyInstance,
  prisma: Db,
  merchant: { merchantId: string; headers: Record<string, string> },
): Promise<string> {
  const endpointId = await webhookEndpoint(app, merchant.headers);
  await inTransaction(prisma, (tx) =>
    audit(tx, {
      actor: systemActor('fuzz'),
      merchantId: merchant.merchantId,
      entityType: 'capture',
      entityId: randomUUID(),
      action: 'capture.succeeded',
      after: { charge_id: randomUUID(), amount: 100 },
      at: new Date(),
    }),
  );
  const listed = await app.inject({
    method: 'GET',
    url: '/v1/webhook-deliveries?status=PENDING',
    headers: merchant.headers,
  });
  const delivery = listed
    .json<{ data: { id: string; endpoint_id: string }[] }>()
    .data.find((d) => d.endpoint_id === endpointId);
  if (delivery === undefined) throw new Error('no delivery to the new endpoint');
  return delivery.id;
}

async function postRoutes(app: FastifyInstance): Promise<string[]> {
  const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
    paths: Record<string, Record<string, unknown>>;
  }>();
  return Object.entries(document.paths)
    .filter(([, operations]) => 'post' in operations)
    .map(([path]) => path);
}

/** An ACTIVE subscription with a token and a current period, as the billing roles leave one. */
async function liveSubscription(db: Db, merchantId: string): Promise<string> {
  const customer = await seedCustomer(db, merchantId);
  const { version } = await seedPlan(db, merchantId);
  const token = await seedCustomerToken(db, { merchantId, customerId: customer.id });
  const end = new Date('2026-04-01T00:00:00.000Z');
  const { subscription } = await seedSubscription(db, {
    merchantId,
    customerId: customer.id,
    planVersionId: version.id,
    tokenId: token.id,
    status: 'ACTIVE',
    currentPeriodStart: new Date('2026-03-01T00:00:00.000Z'),
    currentPeriodEnd: end,
    paidThroughPeriodIndex: 0,
    nextActionKind: 'RENEWAL',
    nextActionAt: end,
  });
  return subscription.id;
}
