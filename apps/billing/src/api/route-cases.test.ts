// Every route the live OpenAPI document lists must have an entry in ROUTE_CASES: how merchant
// isolation is checked on it and which bad inputs it must refuse, and how. A new route without an
// entry fails the first test, so no route ships without its isolation and bad-input cases.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { describe, expect } from 'vitest';
import type { Db } from '../store/db.js';
import { generateApiKey } from '../auth/api-key-token.js';
import { createApiKey } from '../store/api-keys.js';
import { audit, systemActor } from '../store/audit.js';
import { inTransaction } from '../store/db.js';
import { createWebhookEndpoint } from '../store/webhook-endpoints.js';
import { newMerchantWebhookSecret, sealMerchantWebhookSecret } from '../vault/merchant-webhooks.js';
import { apiTest, testVault } from './testing/api-test.js';
import { seedRefund } from '../store/testing/seed.js';
import { seedBilledSubscription } from './testing/billing-rows.js';
import { expectInvalidFields, expectProblem, expectStatus } from './testing/expectations.js';
import type { Tenant } from './testing/tenants.js';

/** Merchant A's rows of every kind, which merchant B must never reach. */
interface Owned {
  planId: string;
  customerId: string;
  subscriptionId: string;
  invoiceId: string;
  chargeId: string;
  attemptId: string;
  captureId: string;
  refundId: string;
  apiKeyId: string;
  webhookEndpointId: string;
  webhookDeliveryId: string;
}

interface Ctx {
  app: FastifyInstance;
  prisma: Db;
  /** Merchant A, owner of `owned`. */
  owner: Tenant;
  /** Merchant B, the intruder. */
  intruder: Tenant;
  owned: Owned;
}

type Check = (ctx: Ctx) => Promise<void>;
type Isolation = Check | { readonly none: string };

interface BadInput {
  readonly name: string;
  readonly request: (ctx: Ctx) => InjectOptions;
  /** 400 naming these fields, or another status with its problem type. */
  readonly expect:
    | { fields: readonly string[] }
    | { status: 404 | 413 | 415; slug: 'not-found' | 'payload-too-large' | 'unsupported-media-type' };
}

interface RouteCases {
  readonly isolation: Isolation;
  readonly badInput: readonly BadInput[] | { readonly none: string };
}

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const PLAN_BODY = {
  code: 'p',
  name: 'P',
  currency: 'SEK',
  amount: 100,
  interval: 'MONTH',
  interval_count: 1,
  trial_days: 0,
};
const TOKEN_SUBSCRIPTION_BODY = {
  plan_id: UNKNOWN_ID,
  customer_token_id: UNKNOWN_ID,
  return_url: 'https://a.example',
};
const VERSION_BODY = { amount: 200, interval: 'MONTH', interval_count: 1, trial_days: 0 };

const as = (tenant: Tenant, options: InjectOptions): InjectOptions => ({
  ...options,
  headers: { ...tenant.headers, ...(options.headers as Record<string, string> | undefined) },
});

/** The ids `tenant` (by default the intruder) sees in a list. */
async function listIds(ctx: Ctx, url: string, tenant: Tenant = ctx.intruder): Promise<string[]> {
  const response = await ctx.app.inject(as(tenant, { method: 'GET', url }));
  expectStatus(response, 200);
  return response.json<{ data: { id: string }[] }>().data.map((row) => row.id);
}

/** B's list shows none of A's rows (A's are there: A's own list shows them). */
function listIsolation(url: string, ownedId: (owned: Owned) => string): Check {
  return async (ctx) => {
    const ownerView = await ctx.app.inject(as(ctx.owner, { method: 'GET', url: `${url}?limit=100` }));
    expect(ownerView.json<{ data: { id: string }[] }>().data.map((r) => r.id)).toContain(ownedId(ctx.owned));
    expect(await listIds(ctx, `${url}?limit=100`)).not.toContain(ownedId(ctx.owned));
  };
}

/** B asking for A's row by id gets the 404 an unknown id gets. */
function readIsolation(
  method: 'GET' | 'POST' | 'DELETE',
  path: (owned: Owned) => string,
  payload?: object,
): Check {
  return async (ctx) => {
    const response = await ctx.app.inject(
      as(ctx.intruder, { method, url: path(ctx.owned), ...(payload === undefined ? {} : { payload }) }),
    );
    expectProblem(response, 404, 'not-found');
  };
}

const malformedId = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object): BadInput => ({
  name: 'a malformed id in the path',
  request: (ctx) => as(ctx.owner, { method, url, ...(payload === undefined ? {} : { payload }) }),
  expect: { status: 404, slug: 'not-found' },
});

const badQuery = (url: string, fields: string[]): BadInput => ({
  name: `query ${url.split('?')[1] ?? ''}`,
  request: (ctx) => as(ctx.owner, { method: 'GET', url }),
  expect: { fields },
});

const badBody = (name: string, url: string, payload: unknown, fields: string[]): BadInput => ({
  name,
  request: (ctx) =>
    as(ctx.owner, {
      method: 'POST',
      url: url
        .replace(':plan', ctx.owned.planId)
        .replace(':subscription', ctx.owned.subscriptionId)
        .replace(':charge', ctx.owned.chargeId),
      payload: JSON.stringify(payload),
      headers: { 'content-type': 'application/json' },
    }),
  expect: { fields },
});

const textBody = (url: string): BadInput => ({
  name: 'a text/plain body',
  request: (ctx) =>
    as(ctx.owner, {
      method: 'POST',
      url: url.replace(':plan', ctx.owned.planId).replace(':charge', ctx.owned.chargeId),
      payload: 'hello',
      headers: { 'content-type': 'text/plain' },
    }),
  expect: { status: 415, slug: 'unsupported-media-type' },
});

const badIdempotencyKey = (url: string, payload: object): BadInput => ({
  name: 'an Idempotency-Key that is too long',
  request: (ctx) =>
    as(ctx.owner, {
      method: 'POST',
      url: url.replace(':plan', ctx.owned.planId).replace(':charge', ctx.owned.chargeId),
      payload,
      headers: { 'idempotency-key': 'k'.repeat(256) },
    }),
  expect: { fields: ['idempotency-key'] },
});

/**
 * A lifecycle command on A's subscription: B gets a 404 and A's row keeps its version (nothing
 * written); a malformed id is a 404; plus the route's bad bodies.
 */
/** A list under a subscription: B gets A's subscription's as an unknown one; bad page queries. */
function subscriptionListCases(list: string): RouteCases {
  return {
    isolation: readIsolation('GET', (o) => `/v1/subscriptions/${o.subscriptionId}/${list}`),
    badInput: [
      malformedId('GET', `/v1/subscriptions/1/${list}`),
      badQuery(`/v1/subscriptions/${UNKNOWN_ID}/${list}?limit=0&charge_id=x`, [
        'query.limit',
        'query.charge_id',
      ]),
    ],
  };
}

function lifecycleCases(command: string, payload: object | undefined, bad: readonly BadInput[]): RouteCases {
  return {
    isolation: async (ctx) => {
      await readIsolation('POST', (o) => `/v1/subscriptions/${o.subscriptionId}/${command}`, payload)(ctx);
      const row = await ctx.prisma.subscription.findUniqueOrThrow({
        where: { id: ctx.owned.subscriptionId },
      });
      expect(row).toMatchObject({ version: 0, status: 'ACTIVE', requiresNewToken: false });
    },
    badInput: [malformedId('POST', `/v1/subscriptions/1/${command}`, payload), ...bad],
  };
}

/** A POST with a JSON body to a path of A's webhook endpoint. */
const endpointBody = (name: string, suffix: string, payload: unknown, fields: string[]): BadInput => ({
  name,
  request: (ctx) =>
    as(ctx.owner, {
      method: 'POST',
      url: `/v1/webhook-endpoints/${ctx.owned.webhookEndpointId}${suffix}`,
      payload: JSON.stringify(payload),
      headers: { 'content-type': 'application/json' },
    }),
  expect: { fields },
});

const WEBHOOK_ROUTE_CASES: Readonly<Record<string, RouteCases>> = {
  'POST /v1/webhook-endpoints': {
    isolation: async (ctx) => {
      const created = await ctx.app.inject(
        as(ctx.intruder, {
          method: 'POST',
          url: '/v1/webhook-endpoints',
          payload: { url: 'https://b.example/h' },
        }),
      );
      expectStatus(created, 201);
      const ownerList = await ctx.app.inject(as(ctx.owner, { method: 'GET', url: '/v1/webhook-endpoints' }));
      expect(ownerList.body).not.toContain(created.json<{ id: string }>().id);
    },
    badInput: [
      badBody('no url', '/v1/webhook-endpoints', {}, ['url']),
      badBody('a url that is not http(s)', '/v1/webhook-endpoints', { url: 'ftp://x.example/' }, ['url']),
      badBody(
        'an unknown event type',
        '/v1/webhook-endpoints',
        { url: 'https://x.example/', enabled_events: ['nope'] },
        ['enabled_events[0]'],
      ),
      badBody('an unknown field', '/v1/webhook-endpoints', { url: 'https://x.example/', secret: 'x' }, [
        'secret',
      ]),
      textBody('/v1/webhook-endpoints'),
      badIdempotencyKey('/v1/webhook-endpoints', { url: 'https://x.example/' }),
    ],
  },
  'GET /v1/webhook-endpoints': {
    isolation: listIsolation('/v1/webhook-endpoints', (o) => o.webhookEndpointId),
    badInput: [
      badQuery('/v1/webhook-endpoints?limit=0', ['query.limit']),
      badQuery('/v1/webhook-endpoints?cursor=zz', ['query.cursor']),
    ],
  },
  'GET /v1/webhook-endpoints/{id}': {
    isolation: readIsolation('GET', (o) => `/v1/webhook-endpoints/${o.webhookEndpointId}`),
    badInput: [malformedId('GET', '/v1/webhook-endpoints/1')],
  },
  'DELETE /v1/webhook-endpoints/{id}': {
    isolation: async (ctx) => {
      await readIsolation('DELETE', (o) => `/v1/webhook-endpoints/${o.webhookEndpointId}`)(ctx);
      const row = await ctx.prisma.webhookEndpoint.findUniqueOrThrow({
        where: { id: ctx.owned.webhookEndpointId },
      });
      expect(row.status).toBe('ENABLED');
    },
    badInput: [malformedId('DELETE', '/v1/webhook-endpoints/1')],
  },
  'POST /v1/webhook-endpoints/{id}/rotate-secret': {
    isolation: async (ctx) => {
      await readIsolation('POST', (o) => `/v1/webhook-endpoints/${o.webhookEndpointId}/rotate-secret`)(ctx);
      expect(
        await ctx.prisma.webhookEndpointSecret.count({ where: { endpointId: ctx.owned.webhookEndpointId } }),
      ).toBe(1);
    },
    badInput: [
      malformedId('POST', '/v1/webhook-endpoints/1/rotate-secret'),
      endpointBody('a negative validity', '/rotate-secret', { old_secret_valid_seconds: -1 }, [
        'old_secret_valid_seconds',
      ]),
      endpointBody('an unknown field', '/rotate-secret', { now: true }, ['now']),
    ],
  },
  'GET /v1/webhook-deliveries': {
    isolation: listIsolation('/v1/webhook-deliveries', (o) => o.webhookDeliveryId),
    badInput: [
      badQuery('/v1/webhook-deliveries?status=LOST', ['query.status']),
      badQuery('/v1/webhook-deliveries?endpoint_id=x', ['query.endpoint_id']),
      badQuery('/v1/webhook-deliveries?cursor=zz', ['query.cursor']),
    ],
  },
  'POST /v1/webhook-deliveries/{id}/retry': {
    isolation: readIsolation('POST', (o) => `/v1/webhook-deliveries/${o.webhookDeliveryId}/retry`),
    badInput: [malformedId('POST', '/v1/webhook-deliveries/1/retry')],
  },
};

const ROUTE_CASES: Readonly<Record<string, RouteCases>> = {
  ...WEBHOOK_ROUTE_CASES,
  'GET /healthz': {
    isolation: { none: 'public liveness, no merchant data' },
    badInput: { none: 'takes no input' },
  },
  'GET /readyz': {
    isolation: { none: 'public readiness, no merchant data' },
    badInput: { none: 'takes no input' },
  },

  'POST /v1/api-keys': {
    isolation: async (ctx) => {
      const created = await ctx.app.inject(
        as(ctx.intruder, { method: 'POST', url: '/v1/api-keys', payload: { name: 'b' } }),
      );
      expectStatus(created, 201);
      const ownerKeys = await ctx.app.inject(as(ctx.owner, { method: 'GET', url: '/v1/api-keys' }));
      expect(ownerKeys.body).not.toContain(created.json<{ id: string }>().id);
    },
    badInput: [
      badBody('no name', '/v1/api-keys', {}, ['name']),
      badBody('an unknown field', '/v1/api-keys', { name: 'k', scopes: ['all'] }, ['scopes']),
      textBody('/v1/api-keys'),
      badIdempotencyKey('/v1/api-keys', { name: 'k' }),
    ],
  },
  'GET /v1/api-keys': {
    isolation: listIsolation('/v1/api-keys', (o) => o.apiKeyId),
    badInput: [
      badQuery('/v1/api-keys?limit=0', ['query.limit']),
      badQuery('/v1/api-keys?cursor=zz', ['query.cursor']),
    ],
  },
  'DELETE /v1/api-keys/{id}': {
    isolation: async (ctx) => {
      await readIsolation('DELETE', (o) => `/v1/api-keys/${o.apiKeyId}`)(ctx);
      const key = await ctx.prisma.apiKey.findUniqueOrThrow({ where: { id: ctx.owned.apiKeyId } });
      expect(key.revokedAt).toBeNull();
    },
    badInput: [malformedId('DELETE', '/v1/api-keys/123')],
  },

  'POST /v1/plans': {
    isolation: async (ctx) => {
      // Codes are per merchant: B may use A's code, and A never sees B's plan.
      const owner = await ctx.prisma.plan.findUniqueOrThrow({ where: { id: ctx.owned.planId } });
      const created = await ctx.app.inject(
        as(ctx.intruder, { method: 'POST', url: '/v1/plans', payload: { ...PLAN_BODY, code: owner.code } }),
      );
      expectStatus(created, 201);
      expect(await listIds(ctx, '/v1/plans?limit=100', ctx.owner)).not.toContain(
        created.json<{ id: string }>().id,
      );
    },
    badInput: [
      badBody(
        'an amount of 0 and a bad currency',
        '/v1/plans',
        { ...PLAN_BODY, amount: 0, currency: 'XXX' },
        ['amount', 'currency'],
      ),
      badBody(
        'a dunning policy out of order',
        '/v1/plans',
        { ...PLAN_BODY, dunning_policy: { retry_offsets_hours: [5, 5] } },
        ['dunning_policy.retry_offsets_hours[1]'],
      ),
      textBody('/v1/plans'),
      badIdempotencyKey('/v1/plans', PLAN_BODY),
    ],
  },
  'GET /v1/plans': {
    isolation: listIsolation('/v1/plans', (o) => o.planId),
    badInput: [
      badQuery('/v1/plans?status=DRAFT', ['query.status']),
      badQuery('/v1/plans?limit=101', ['query.limit']),
    ],
  },
  'GET /v1/plans/{id}': {
    isolation: readIsolation('GET', (o) => `/v1/plans/${o.planId}`),
    badInput: [malformedId('GET', '/v1/plans/xyz')],
  },
  'POST /v1/plans/{id}/archive': {
    isolation: async (ctx) => {
      await readIsolation('POST', (o) => `/v1/plans/${o.planId}/archive`)(ctx);
      const plan = await ctx.prisma.plan.findUniqueOrThrow({ where: { id: ctx.owned.planId } });
      expect(plan.status).toBe('ACTIVE');
    },
    badInput: [
      malformedId('POST', '/v1/plans/1/archive'),
      badBody('a body field', '/v1/plans/:plan/archive', { now: true }, ['now']),
    ],
  },
  'POST /v1/plans/{id}/versions': {
    isolation: async (ctx) => {
      await readIsolation('POST', (o) => `/v1/plans/${o.planId}/versions`, VERSION_BODY)(ctx);
      const plan = await ctx.prisma.plan.findUniqueOrThrow({ where: { id: ctx.owned.planId } });
      expect(plan.latestVersion).toBe(1);
    },
    badInput: [
      malformedId('POST', '/v1/plans/1/versions', VERSION_BODY),
      badBody('a trial too long', '/v1/plans/:plan/versions', { ...VERSION_BODY, trial_days: 4000 }, [
        'trial_days',
      ]),
      badBody('no terms', '/v1/plans/:plan/versions', {}, ['amount', 'interval']),
      textBody('/v1/plans/:plan/versions'),
    ],
  },

  'POST /v1/customers': {
    isolation: async (ctx) => {
      const owner = await ctx.prisma.customer.findUniqueOrThrow({ where: { id: ctx.owned.customerId } });
      const created = await ctx.app.inject(
        as(ctx.intruder, {
          method: 'POST',
          url: '/v1/customers',
          payload: { external_ref: owner.externalRef },
        }),
      );
      expectStatus(created, 201);
    },
    badInput: [
      badBody('no external_ref', '/v1/customers', { email: 'a@example.com' }, ['external_ref']),
      badBody('a bad email', '/v1/customers', { external_ref: 'x', email: 'nope' }, ['email']),
      textBody('/v1/customers'),
    ],
  },
  'GET /v1/customers': {
    isolation: listIsolation('/v1/customers', (o) => o.customerId),
    badInput: [badQuery('/v1/customers?limit=x', ['query.limit'])],
  },
  'GET /v1/customers/{id}': {
    isolation: readIsolation('GET', (o) => `/v1/customers/${o.customerId}`),
    badInput: [malformedId('GET', '/v1/customers/abc')],
  },

  'POST /v1/subscriptions': {
    isolation: async (ctx) => {
      const response = await ctx.app.inject(
        as(ctx.intruder, {
          method: 'POST',
          url: '/v1/subscriptions',
          payload: {
            customer_id: ctx.owned.customerId,
            plan_id: ctx.owned.planId,
            return_url: 'https://b.example',
          },
        }),
      );
      expect(expectProblem(response, 404, 'not-found').errors?.[0]?.field).toBe('customer_id');
    },
    badInput: [
      badBody(
        'bad ids, url and zone',
        '/v1/subscriptions',
        { customer_id: 'x', plan_id: 'y', return_url: 'javascript:alert(1)', time_zone: 'Nowhere/Land' },
        ['customer_id', 'plan_id', 'return_url', 'time_zone'],
      ),
      textBody('/v1/subscriptions'),
    ],
  },
  'GET /v1/customers/{id}/tokens': {
    isolation: readIsolation('GET', (o) => `/v1/customers/${o.customerId}/tokens`),
    badInput: [malformedId('GET', '/v1/customers/abc/tokens')],
  },
  'POST /v1/customers/{id}/subscriptions': {
    isolation: async (ctx) => {
      const response = await ctx.app.inject(
        as(ctx.intruder, {
          method: 'POST',
          url: `/v1/customers/${ctx.owned.customerId}/subscriptions`,
          payload: {
            plan_id: ctx.owned.planId,
            customer_token_id: UNKNOWN_ID,
            return_url: 'https://b.example',
          },
        }),
      );
      expect(expectProblem(response, 404, 'not-found').errors?.[0]?.field).toBe('customer_id');
    },
    badInput: [
      badBody(
        'bad ids, url and zone',
        `/v1/customers/${UNKNOWN_ID}/subscriptions`,
        {
          plan_id: 'y',
          customer_token_id: 'krn:customer-token:x',
          return_url: 'ftp://x',
          time_zone: 'Mars/Base',
        },
        ['plan_id', 'customer_token_id', 'return_url', 'time_zone'],
      ),
      badBody(
        'no token',
        `/v1/customers/${UNKNOWN_ID}/subscriptions`,
        { plan_id: UNKNOWN_ID, return_url: 'https://a.example' },
        ['customer_token_id'],
      ),
      malformedId('POST', '/v1/customers/abc/subscriptions', TOKEN_SUBSCRIPTION_BODY),
      textBody(`/v1/customers/${UNKNOWN_ID}/subscriptions`),
    ],
  },
  'GET /v1/subscriptions': {
    isolation: listIsolation('/v1/subscriptions', (o) => o.subscriptionId),
    badInput: [badQuery(`/v1/subscriptions?status=active`, ['query.status'])],
  },
  'GET /v1/subscriptions/{id}': {
    isolation: readIsolation('GET', (o) => `/v1/subscriptions/${o.subscriptionId}`),
    badInput: [malformedId('GET', '/v1/subscriptions/1')],
  },

  'POST /v1/subscriptions/{id}/cancel': lifecycleCases('cancel', { mode: 'IMMEDIATELY' }, [
    badBody('no mode', '/v1/subscriptions/:subscription/cancel', {}, ['mode']),
    badBody('an unknown mode and field', '/v1/subscriptions/:subscription/cancel', { mode: 'NOW', at: 1 }, [
      'mode',
      'at',
    ]),
  ]),
  'POST /v1/subscriptions/{id}/uncancel': lifecycleCases('uncancel', undefined, [
    badBody('a body field', '/v1/subscriptions/:subscription/uncancel', { now: true }, ['now']),
  ]),
  'POST /v1/subscriptions/{id}/pause': lifecycleCases('pause', undefined, [
    badBody('a body field', '/v1/subscriptions/:subscription/pause', { until: '2027-01-01' }, ['until']),
  ]),
  'POST /v1/subscriptions/{id}/resume': lifecycleCases('resume', undefined, [
    badBody('a body field', '/v1/subscriptions/:subscription/resume', { at: 'now' }, ['at']),
  ]),
  'POST /v1/subscriptions/{id}/change-plan': lifecycleCases('change-plan', { plan_id: UNKNOWN_ID }, [
    badBody('no plan', '/v1/subscriptions/:subscription/change-plan', {}, ['plan_id']),
    badBody(
      'a bad plan id, version and field',
      '/v1/subscriptions/:subscription/change-plan',
      { plan_id: 'x', plan_version: 0, prorate: true },
      ['plan_id', 'plan_version', 'prorate'],
    ),
  ]),
  'POST /v1/subscriptions/{id}/token/revoke': lifecycleCases('token/revoke', undefined, [
    badBody('an empty reason', '/v1/subscriptions/:subscription/token/revoke', { reason: '' }, ['reason']),
    badBody(
      'a reason with a control character',
      '/v1/subscriptions/:subscription/token/revoke',
      { reason: 'a\u0000b' },
      ['reason'],
    ),
  ]),
  'GET /v1/subscriptions/{id}/skipped-periods': {
    isolation: readIsolation('GET', (o) => `/v1/subscriptions/${o.subscriptionId}/skipped-periods`),
    badInput: [
      malformedId('GET', '/v1/subscriptions/1/skipped-periods'),
      {
        name: 'query limit=0&cursor=zz',
        request: (ctx) =>
          as(ctx.owner, {
            method: 'GET',
            url: `/v1/subscriptions/${ctx.owned.subscriptionId}/skipped-periods?limit=0&cursor=${'z'.repeat(600)}`,
          }),
        expect: { fields: ['query.limit', 'query.cursor'] },
      },
    ],
  },

  'GET /v1/invoices': {
    isolation: async (ctx) => {
      await listIsolation('/v1/invoices', (o) => o.invoiceId)(ctx);
      expect(await listIds(ctx, `/v1/invoices?subscription_id=${ctx.owned.subscriptionId}`)).toEqual([]);
    },
    badInput: [
      badQuery('/v1/invoices?subscription_id=1&status=x', ['query.subscription_id', 'query.status']),
      badQuery('/v1/invoices?held=1', ['query.held']),
    ],
  },
  'GET /v1/invoices/{id}': {
    isolation: readIsolation('GET', (o) => `/v1/invoices/${o.invoiceId}`),
    badInput: [malformedId('GET', '/v1/invoices/1')],
  },
  'GET /v1/charges': {
    isolation: async (ctx) => {
      await listIsolation('/v1/charges', (o) => o.chargeId)(ctx);
      expect(await listIds(ctx, `/v1/charges?subscription_id=${ctx.owned.subscriptionId}`)).toEqual([]);
    },
    badInput: [badQuery('/v1/charges?subscription_id=x', ['query.subscription_id'])],
  },
  'GET /v1/charge-attempts': {
    isolation: async (ctx) => {
      await listIsolation('/v1/charge-attempts', (o) => o.attemptId)(ctx);
      expect(await listIds(ctx, `/v1/charge-attempts?subscription_id=${ctx.owned.subscriptionId}`)).toEqual(
        [],
      );
    },
    badInput: [
      badQuery('/v1/charge-attempts?subscription_id=x', ['query.subscription_id']),
      badQuery('/v1/charge-attempts?limit=0', ['query.limit']),
    ],
  },
  'GET /v1/subscriptions/{id}/attempts': {
    isolation: readIsolation('GET', (o) => `/v1/subscriptions/${o.subscriptionId}/attempts`),
    badInput: [
      malformedId('GET', '/v1/subscriptions/1/attempts'),
      badQuery('/v1/subscriptions/00000000-0000-4000-8000-000000000000/attempts?status=x', ['query.status']),
    ],
  },
  'GET /v1/subscriptions/{id}/charges': subscriptionListCases('charges'),
  'GET /v1/subscriptions/{id}/captures': subscriptionListCases('captures'),
  'GET /v1/subscriptions/{id}/refunds': subscriptionListCases('refunds'),
  'GET /v1/captures': {
    isolation: async (ctx) => {
      await listIsolation('/v1/captures', (o) => o.captureId)(ctx);
      expect(await listIds(ctx, `/v1/captures?charge_id=${ctx.owned.chargeId}`)).toEqual([]);
      expect(await listIds(ctx, `/v1/captures?subscription_id=${ctx.owned.subscriptionId}`)).toEqual([]);
    },
    badInput: [
      badQuery('/v1/captures?charge_id=x&subscription_id=y', ['query.charge_id', 'query.subscription_id']),
      badQuery('/v1/captures?limit=101', ['query.limit']),
    ],
  },
  'GET /v1/captures/{id}': {
    isolation: readIsolation('GET', (o) => `/v1/captures/${o.captureId}`),
    badInput: [malformedId('GET', '/v1/captures/1')],
  },
  'GET /v1/charges/{id}': {
    isolation: readIsolation('GET', (o) => `/v1/charges/${o.chargeId}`),
    badInput: [malformedId('GET', '/v1/charges/1')],
  },
  'POST /v1/charges/{id}/refunds': {
    isolation: async (ctx) => {
      await readIsolation('POST', (o) => `/v1/charges/${o.chargeId}/refunds`, { amount: 1 })(ctx);
      expect(await ctx.prisma.refund.count({ where: { chargeId: ctx.owned.chargeId } })).toBe(1);
    },
    badInput: [
      malformedId('POST', '/v1/charges/1/refunds', { amount: 1 }),
      badBody('a zero amount', '/v1/charges/:charge/refunds', { amount: 0 }, ['amount']),
      badBody('an unknown field', '/v1/charges/:charge/refunds', { amount: 1, currency: 'SEK' }, [
        'currency',
      ]),
      textBody('/v1/charges/:charge/refunds'),
      badIdempotencyKey('/v1/charges/:charge/refunds', { amount: 1 }),
    ],
  },
  'GET /v1/charges/{id}/refunds': {
    isolation: readIsolation('GET', (o) => `/v1/charges/${o.chargeId}/refunds`),
    badInput: [malformedId('GET', '/v1/charges/1/refunds')],
  },
  'POST /v1/charges/{id}/void': {
    isolation: async (ctx) => {
      await readIsolation('POST', (o) => `/v1/charges/${o.chargeId}/void`)(ctx);
      const row = await ctx.prisma.charge.findUniqueOrThrow({ where: { id: ctx.owned.chargeId } });
      expect(row.voidRequestedAt).toBeNull();
    },
    badInput: [
      malformedId('POST', '/v1/charges/1/void'),
      badBody('a body field', '/v1/charges/:charge/void', { amount: 1 }, ['amount']),
    ],
  },
  'GET /v1/refunds': {
    isolation: async (ctx) => {
      await listIsolation('/v1/refunds', (o) => o.refundId)(ctx);
      expect(await listIds(ctx, `/v1/refunds?charge_id=${ctx.owned.chargeId}`)).toEqual([]);
      expect(await listIds(ctx, `/v1/refunds?subscription_id=${ctx.owned.subscriptionId}`)).toEqual([]);
    },
    badInput: [
      badQuery('/v1/refunds?charge_id=x&subscription_id=y', ['query.charge_id', 'query.subscription_id']),
      badQuery('/v1/refunds?limit=101', ['query.limit']),
    ],
  },
  'GET /v1/refunds/{id}': {
    isolation: readIsolation('GET', (o) => `/v1/refunds/${o.refundId}`),
    badInput: [malformedId('GET', '/v1/refunds/1')],
  },
};

async function ownedRows(prisma: Db, owner: Tenant, at: Date): Promise<Owned> {
  const billed = await seedBilledSubscription(prisma, owner.merchantId);
  const seeded = billed.charges[0];
  if (seeded === undefined) throw new Error('no charge seeded');
  const refund = await seedRefund(prisma, owner.merchantId, seeded, at);
  const key = generateApiKey();
  const apiKey = await createApiKey(prisma, {
    merchantId: owner.merchantId,
    name: 'second',
    prefix: key.prefix,
    secretHash: key.secretHash,
    actor: systemActor('test'),
    at,
  });
  const endpoint = await createWebhookEndpoint(prisma, {
    merchantId: owner.merchantId,
    url: 'https://merchant.example/hooks',
    eventTypes: ['*'],
    description: null,
    seal: (rowId) => sealMerchantWebhookSecret(testVault, newMerchantWebhookSecret(), rowId),
    actor: systemActor('test'),
    now: at,
  });
  await inTransaction(prisma, (tx) =>
    audit(tx, {
      actor: systemActor('test'),
      merchantId: owner.merchantId,
      subscriptionId: billed.subscription.id,
      entityType: 'subscription',
      entityId: billed.subscription.id,
      action: 'subscription.resumed',
      after: { status: 'ACTIVE' },
      at,
    }),
  );
  const delivery = await prisma.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id } });
  return {
    planId: billed.plan.id,
    customerId: billed.customer.id,
    subscriptionId: billed.subscription.id,
    invoiceId: billed.invoices[0]?.id ?? '',
    chargeId: seeded.charge.id,
    attemptId: seeded.charge.attemptId,
    captureId: seeded.capture.id,
    refundId: refund.id,
    apiKeyId: apiKey.id,
    webhookEndpointId: endpoint.id,
    webhookDeliveryId: delivery.id,
  };
}

const routeTest = apiTest.extend('ctx', async ({ app, prisma, merchant, otherMerchant, clock }) => ({
  app,
  prisma,
  owner: merchant,
  intruder: otherMerchant,
  owned: await ownedRows(prisma, merchant, clock.now()),
}));

async function documentedRoutes(app: FastifyInstance): Promise<string[]> {
  const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
    paths: Record<string, Record<string, unknown>>;
  }>();
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe('route cases', () => {
  apiTest('cover exactly the routes of the live OpenAPI document', async ({ app }) => {
    const documented = await documentedRoutes(app);

    expect(
      documented.filter((route) => !(route in ROUTE_CASES)),
      'routes without cases',
    ).toEqual([]);
    expect(
      Object.keys(ROUTE_CASES).filter((route) => !documented.includes(route)),
      'cases of no route',
    ).toEqual([]);
    expect(documented.length).toBeGreaterThanOrEqual(18);
  });

  apiTest('answer an unknown id with 404 on every route with an {id}', async ({ app, merchant }) => {
    for (const route of (await documentedRoutes(app)).filter((r) => r.includes('{id}'))) {
      const [method, path] = route.split(' ') as ['GET' | 'POST' | 'DELETE', string];
      const response = await app.inject({
        method,
        url: path.replace('{id}', UNKNOWN_ID),
        headers: merchant.headers,
        ...(path.endsWith('/versions') ? { payload: VERSION_BODY } : {}),
        ...(path.endsWith('/cancel') ? { payload: { mode: 'IMMEDIATELY' } } : {}),
        ...(path.endsWith('/change-plan') ? { payload: { plan_id: UNKNOWN_ID } } : {}),
        ...(path.endsWith('/customers/{id}/subscriptions') ? { payload: TOKEN_SUBSCRIPTION_BODY } : {}),
      });
      expectProblem(response, 404, 'not-found');
    }
  });

  // Routes whose entry says `none` for both (with the reason) have no case to run.
  const entries = Object.entries(ROUTE_CASES).filter(
    ([, cases]) => !('none' in cases.isolation && 'none' in cases.badInput),
  );

  describe.each(entries)('%s', (_route, cases) => {
    const { isolation, badInput } = cases;
    if (!('none' in isolation)) {
      routeTest("keeps merchant B out of merchant A's rows", async ({ ctx }) => {
        await isolation(ctx);
      });
    }
    if (!('none' in badInput)) {
      routeTest.for(badInput.map((b) => [b.name, b] as const))('refuses %s', async ([, bad], { ctx }) => {
        const response: LightMyRequestResponse = await ctx.app.inject(bad.request(ctx));
        if ('fields' in bad.expect) expectInvalidFields(response, bad.expect.fields);
        else expectProblem(response, bad.expect.status, bad.expect.slug);
      });
    }
  });
});
