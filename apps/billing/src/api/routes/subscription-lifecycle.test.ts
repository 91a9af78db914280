import type { FastifyInstance } from 'fastify';
import { describe, expect } from 'vitest';
import type { Db } from '../../store/db.js';
import {
  seedChargeAttempt,
  seedCustomer,
  seedCustomerToken,
  seedInvoice,
  seedPlan,
  seedSubscription,
  type SubscriptionSeed,
} from '../../store/testing/seed.js';
import { apiTest, TEST_START } from '../testing/api-test.js';
import { expectProblem, expectStatus } from '../testing/expectations.js';
import type { Tenant } from '../testing/tenants.js';

const NOW = new Date(TEST_START);
const PERIOD_START = new Date('2026-02-15T10:00:00.000Z');
const PERIOD_END = new Date('2026-03-15T10:00:00.000Z');

/** A live subscription as the billing roles leave it: period 3 paid, RENEWAL at its end. */
async function seedLive(db: Db, merchantId: string, overrides: SubscriptionSeed = {}) {
  const customer = await seedCustomer(db, merchantId);
  const { version } = await seedPlan(db, merchantId);
  const token = await seedCustomerToken(db, { merchantId, customerId: customer.id });
  const { subscription, phase } = await seedSubscription(db, {
    merchantId,
    customerId: customer.id,
    planVersionId: version.id,
    tokenId: token.id,
    status: 'ACTIVE',
    periodIndex: 3,
    paidThroughPeriodIndex: 3,
    currentPeriodStart: PERIOD_START,
    currentPeriodEnd: PERIOD_END,
    nextActionKind: 'RENEWAL',
    nextActionAt: PERIOD_END,
    ...overrides,
  });
  return { customer, version, token, subscription, phase };
}

interface SubscriptionBody {
  status: string;
  cancel_at_period_end: boolean;
  pause_at_period_end: boolean;
  paused_at: string | null;
  canceled_at: string | null;
  ended_at: string | null;
  ended_reason: string | null;
  requires_new_token: boolean;
  next_action: { kind: string; at: string } | null;
  dunning: unknown;
  phases: { plan_version_id: string; anchor_at: string; first_period_index: number }[];
}

function post(app: FastifyInstance, tenant: Tenant, url: string, payload?: object, key?: string) {
  return app.inject({
    method: 'POST',
    url,
    headers: { ...tenant.headers, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    ...(payload === undefined ? {} : { payload }),
  });
}

async function row(db: Db, id: string) {
  return db.subscription.findUniqueOrThrow({ where: { id } });
}

async function auditActions(db: Db, subscriptionId: string): Promise<string[]> {
  const rows = await db.auditEvent.findMany({ where: { subscriptionId }, orderBy: { id: 'asc' } });
  return rows.map((r) => r.action);
}

describe('POST /v1/subscriptions/:id/cancel', () => {
  apiTest(
    'AT_PERIOD_END schedules the cancel; repeats change nothing; uncancel restores the renewal',
    async ({ app, merchant, prisma }) => {
      const { subscription } = await seedLive(prisma, merchant.merchantId);
      const url = `/v1/subscriptions/${subscription.id}`;

      const first = await post(app, merchant, `${url}/cancel`, { mode: 'AT_PERIOD_END' }, 'cancel-1');
      expectStatus(first, 200);
      expect(first.json<SubscriptionBody>()).toMatchObject({
        status: 'ACTIVE',
        cancel_at_period_end: true,
        canceled_at: null,
        ended_at: null,
        next_action: { kind: 'CANCEL_AT_PERIOD_END', at: PERIOD_END.toISOString() },
      });
      const stored = await row(prisma, subscription.id);
      expect(stored).toMatchObject({
        version: 1,
        nextActionKind: 'CANCEL_AT_PERIOD_END',
        nextActionAt: PERIOD_END,
      });

      // Same key: the stored answer. No key: the domain's no-op, nothing written.
      const replay = await post(app, merchant, `${url}/cancel`, { mode: 'AT_PERIOD_END' }, 'cancel-1');
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.json()).toEqual(first.json());
      const again = await post(app, merchant, `${url}/cancel`, { mode: 'AT_PERIOD_END' });
      expectStatus(again, 200);
      expect(again.json()).toEqual(first.json());
      expect((await row(prisma, subscription.id)).version).toBe(1);

      const uncancel = await post(app, merchant, `${url}/uncancel`);
      expectStatus(uncancel, 200);
      expect(uncancel.json<SubscriptionBody>()).toMatchObject({
        cancel_at_period_end: false,
        canceled_at: null,
        next_action: { kind: 'RENEWAL', at: PERIOD_END.toISOString() },
      });
      expectStatus(await post(app, merchant, `${url}/uncancel`, {}), 200);
      expect(await row(prisma, subscription.id)).toMatchObject({ version: 2, nextActionKind: 'RENEWAL' });
      expect(await auditActions(prisma, subscription.id)).toEqual([
        'subscription.cancel_scheduled',
        'subscription.cancel_unscheduled',
      ]);
    },
  );

  apiTest(
    'IMMEDIATELY ends it, clears the next action and voids only the invoices no money was or may be taken for',
    async ({ app, merchant, prisma }) => {
      const { subscription, customer, version } = await seedLive(prisma, merchant.merchantId, {
        nextActionLeaseUntil: new Date(NOW.getTime() + 60_000),
      });
      const invoice = (periodIndex: number, status: 'OPEN' | 'PAID') =>
        seedInvoice(prisma, {
          merchantId: merchant.merchantId,
          customerId: customer.id,
          subscriptionId: subscription.id,
          planVersionId: version.id,
          periodIndex,
          status,
        });
      const paid = await invoice(1, 'PAID');
      const uncharged = await invoice(2, 'OPEN');
      const inFlight = await invoice(3, 'OPEN');
      await seedChargeAttempt(prisma, {
        merchantId: merchant.merchantId,
        subscriptionId: subscription.id,
        invoiceId: inFlight.id,
        status: 'PENDING',
      });

      const response = await post(app, merchant, `/v1/subscriptions/${subscription.id}/cancel`, {
        mode: 'IMMEDIATELY',
      });

      expectStatus(response, 200);
      expect(response.json<SubscriptionBody>()).toMatchObject({
        status: 'CANCELED',
        canceled_at: NOW.toISOString(),
        ended_at: NOW.toISOString(),
        ended_reason: 'CANCELED_BY_MERCHANT',
        next_action: null,
      });
      expect(await row(prisma, subscription.id)).toMatchObject({
        version: 1,
        nextActionKind: null,
        nextActionAt: null,
      });
      // The scheduler's copy of the action (and its lease) went with it.
      expect(
        await prisma.subscriptionNextAction.findUnique({ where: { subscriptionId: subscription.id } }),
      ).toBeNull();
      const statuses = Object.fromEntries(
        (await prisma.invoice.findMany({ where: { subscriptionId: subscription.id } })).map((i) => [
          i.id,
          i.status,
        ]),
      );
      expect(statuses).toEqual({ [paid.id]: 'PAID', [uncharged.id]: 'VOID', [inFlight.id]: 'OPEN' });
      expect(await auditActions(prisma, subscription.id)).toEqual([
        'invoice.voided',
        'subscription.canceled',
      ]);

      // A repeat (either mode) changes nothing; what needs a live subscription is refused.
      for (const mode of ['IMMEDIATELY', 'AT_PERIOD_END']) {
        const again = await post(app, merchant, `/v1/subscriptions/${subscription.id}/cancel`, { mode });
        expectStatus(again, 200);
        expect(again.json<SubscriptionBody>().status).toBe('CANCELED');
      }
      for (const command of ['uncancel', 'pause', 'resume']) {
        const refused = expectProblem(
          await post(app, merchant, `/v1/subscriptions/${subscription.id}/${command}`),
          409,
          'illegal-transition',
        );
        expect(refused).toMatchObject({
          subscription_status: 'CANCELED',
          reason: 'the subscription has ended',
        });
      }
      expect((await row(prisma, subscription.id)).version).toBe(1);
    },
  );

  apiTest(
    'AT_PERIOD_END on a PAUSED subscription cancels at once (no paid period runs)',
    async ({ app, merchant, prisma }) => {
      const { subscription } = await seedLive(prisma, merchant.merchantId, {
        status: 'PAUSED',
        pausedAt: PERIOD_END,
        nextActionKind: null,
        nextActionAt: null,
      });
      const response = await post(app, merchant, `/v1/subscriptions/${subscription.id}/cancel`, {
        mode: 'AT_PERIOD_END',
      });
      expectStatus(response, 200);
      expect(response.json<SubscriptionBody>()).toMatchObject({ status: 'CANCELED', next_action: null });
    },
  );

  apiTest(
    'a signup in progress is refused with its status; a bad mode names the field',
    async ({ app, merchant, prisma }) => {
      const { subscription } = await seedLive(prisma, merchant.merchantId, {
        status: 'PENDING_TOKENIZATION',
        tokenId: null,
        currentPeriodStart: null,
        currentPeriodEnd: null,
        nextActionKind: 'SIGNUP_EXPIRY',
      });
      const refused = expectProblem(
        await post(app, merchant, `/v1/subscriptions/${subscription.id}/cancel`, { mode: 'IMMEDIATELY' }),
        409,
        'illegal-transition',
      );
      expect(refused.subscription_status).toBe('PENDING_TOKENIZATION');
      const bad = expectProblem(
        await post(app, merchant, `/v1/subscriptions/${subscription.id}/cancel`, { mode: 'NOW' }),
        400,
        'validation',
      );
      expect(bad.errors?.map((e) => e.field)).toEqual(['mode']);
      expect((await row(prisma, subscription.id)).version).toBe(0);
    },
  );
});

describe('POST /v1/subscriptions/:id/pause and /resume', () => {
  apiTest(
    'an ACTIVE subscription pauses at the period end; resume before then withdraws it',
    async ({ app, merchant, prisma }) => {
      const { subscription } = await seedLive(prisma, merchant.merchantId);
      const url = `/v1/subscriptions/${subscription.id}`;

      const paused = await post(app, merchant, `${url}/pause`, undefined, 'pause-1');
      expectStatus(paused, 200);
      expect(paused.json<SubscriptionBody>()).toMatchObject({
        status: 'ACTIVE',
        pause_at_period_end: true,
        paused_at: null,
        next_action: { kind: 'PAUSE_AT_PERIOD_END', at: PERIOD_END.toISOString() },
      });
      expectStatus(await post(app, merchant, `${url}/pause`), 200);
      expect(await row(prisma, subscription.id)).toMatchObject({
        version: 1,
        nextActionKind: 'PAUSE_AT_PERIOD_END',
      });

      // A cancel asked for as well wins at the period end; withdrawing it brings the pause back.
      const canceled = await post(app, merchant, `${url}/cancel`, { mode: 'AT_PERIOD_END' });
      expect(canceled.json<SubscriptionBody>().next_action?.kind).toBe('CANCEL_AT_PERIOD_END');
      const uncanceled = await post(app, merchant, `${url}/uncancel`);
      expect(uncanceled.json<SubscriptionBody>().next_action?.kind).toBe('PAUSE_AT_PERIOD_END');

      const resumed = await post(app, merchant, `${url}/resume`);
      expectStatus(resumed, 200);
      expect(resumed.json<SubscriptionBody>()).toMatchObject({
        status: 'ACTIVE',
        pause_at_period_end: false,
        next_action: { kind: 'RENEWAL', at: PERIOD_END.toISOString() },
      });
      expect(resumed.json<SubscriptionBody>().phases).toHaveLength(1);
      expectStatus(await post(app, merchant, `${url}/resume`), 200);
      expect((await row(prisma, subscription.id)).version).toBe(4);
    },
  );

  apiTest(
    'a TRIALING subscription pauses at the trial end; resume restores TRIAL_END',
    async ({ app, merchant, prisma }) => {
      const trialEnd = new Date('2026-03-10T00:00:00.000Z');
      const { subscription } = await seedLive(prisma, merchant.merchantId, {
        status: 'TRIALING',
        periodIndex: 0,
        paidThroughPeriodIndex: null,
        currentPeriodStart: null,
        currentPeriodEnd: null,
        trialEndsAt: trialEnd,
        nextActionKind: 'TRIAL_END',
        nextActionAt: trialEnd,
      });
      const url = `/v1/subscriptions/${subscription.id}`;
      const paused = await post(app, merchant, `${url}/pause`);
      expect(paused.json<SubscriptionBody>().next_action).toEqual({
        kind: 'PAUSE_AT_PERIOD_END',
        at: trialEnd.toISOString(),
      });
      const resumed = await post(app, merchant, `${url}/resume`);
      expect(resumed.json<SubscriptionBody>().next_action).toEqual({
        kind: 'TRIAL_END',
        at: trialEnd.toISOString(),
      });
    },
  );

  apiTest(
    'PAST_DUE cannot be paused: 409 naming the status, nothing written',
    async ({ app, merchant, prisma }) => {
      const retry = new Date('2026-03-03T10:00:00.000Z');
      const grace = new Date('2026-03-09T10:00:00.000Z');
      const { subscription } = await seedLive(prisma, merchant.merchantId, {
        status: 'PAST_DUE',
        pastDuePeriodIndex: 4,
        pastDueSince: PERIOD_START,
        nextRetryAt: retry,
        graceEndsAt: grace,
        nextActionKind: 'DUNNING_RETRY',
        nextActionAt: retry,
      });
      const refused = expectProblem(
        await post(app, merchant, `/v1/subscriptions/${subscription.id}/pause`),
        409,
        'illegal-transition',
      );
      expect(refused).toMatchObject({ subscription_status: 'PAST_DUE' });
      expect(refused.detail).toContain('PAST_DUE');
      expect(await row(prisma, subscription.id)).toMatchObject({ version: 0, pauseAtPeriodEnd: false });
      expect(await auditActions(prisma, subscription.id)).toEqual([]);

      // The dunning is visible, and a cancel at period end joins the earliest-first next action.
      const read = await app.inject({
        method: 'GET',
        url: `/v1/subscriptions/${subscription.id}`,
        headers: merchant.headers,
      });
      expect(read.json<SubscriptionBody>().dunning).toEqual({
        past_due_since: PERIOD_START.toISOString(),
        next_retry_at: retry.toISOString(),
        grace_ends_at: grace.toISOString(),
      });
      const canceled = await post(app, merchant, `/v1/subscriptions/${subscription.id}/cancel`, {
        mode: 'AT_PERIOD_END',
      });
      expect(canceled.json<SubscriptionBody>()).toMatchObject({
        status: 'PAST_DUE',
        cancel_at_period_end: true,
        next_action: { kind: 'DUNNING_RETRY', at: retry.toISOString() },
      });
    },
  );

  apiTest(
    'a PAUSED subscription resumes ACTIVE on a new phase anchored now, numbering continued, charged at once',
    async ({ app, merchant, prisma }) => {
      const { subscription, version } = await seedLive(prisma, merchant.merchantId, {
        status: 'PAUSED',
        pausedAt: PERIOD_END,
        nextActionKind: null,
        nextActionAt: null,
      });
      const url = `/v1/subscriptions/${subscription.id}`;

      const resumed = await post(app, merchant, `${url}/resume`, {}, 'resume-1');

      expectStatus(resumed, 200);
      const body = resumed.json<SubscriptionBody>();
      expect(body).toMatchObject({
        status: 'ACTIVE',
        paused_at: null,
        pause_at_period_end: false,
        next_action: { kind: 'RENEWAL', at: NOW.toISOString() },
      });
      expect(body.phases.map((p) => [p.plan_version_id, p.anchor_at, p.first_period_index])).toEqual([
        [version.id, subscription.createdAt.toISOString(), 0],
        [version.id, NOW.toISOString(), 4],
      ]);
      const phase = await prisma.subscriptionPhase.findFirstOrThrow({
        where: { subscriptionId: subscription.id, firstPeriodIndex: 4 },
      });
      expect(phase.timeZone).toBe(subscription.timeZone);
      expect(await row(prisma, subscription.id)).toMatchObject({
        version: 1,
        nextActionKind: 'RENEWAL',
        nextActionAt: NOW,
      });

      // Repeats: replayed with the key, a no-op without (ACTIVE has nothing to resume).
      expect(
        (await post(app, merchant, `${url}/resume`, {}, 'resume-1')).headers['idempotent-replayed'],
      ).toBe('true');
      expectStatus(await post(app, merchant, `${url}/resume`), 200);
      expect(await prisma.subscriptionPhase.count({ where: { subscriptionId: subscription.id } })).toBe(2);
      expect(await auditActions(prisma, subscription.id)).toEqual(['subscription.resumed']);
    },
  );
});

describe('POST /v1/subscriptions/:id/token/revoke', () => {
  apiTest(
    'revokes the token and flags every subscription on it, once; the next action is untouched',
    async ({ app, merchant, prisma }) => {
      const { subscription, token, customer, version } = await seedLive(prisma, merchant.merchantId);
      const { subscription: sibling } = await seedSubscription(prisma, {
        merchantId: merchant.merchantId,
        customerId: customer.id,
        planVersionId: version.id,
        tokenId: token.id,
        status: 'PAUSED',
      });
      const { subscription: bystander } = await seedLive(prisma, merchant.merchantId);

      const response = await post(app, merchant, `/v1/subscriptions/${subscription.id}/token/revoke`, {
        reason: 'customer asked',
      });

      expectStatus(response, 200);
      expect(response.json<SubscriptionBody>()).toMatchObject({
        requires_new_token: true,
        status: 'ACTIVE',
        next_action: { kind: 'RENEWAL', at: PERIOD_END.toISOString() },
      });
      expect(response.body).not.toContain('encrypted');
      expect(await prisma.customerToken.findUniqueOrThrow({ where: { id: token.id } })).toMatchObject({
        status: 'REVOKED',
        revokedAt: NOW,
        revokedReason: 'customer asked',
      });
      expect(await row(prisma, subscription.id)).toMatchObject({ requiresNewToken: true, version: 1 });
      expect(await row(prisma, sibling.id)).toMatchObject({ requiresNewToken: true, version: 1 });
      expect(await row(prisma, bystander.id)).toMatchObject({ requiresNewToken: false, version: 0 });
      expect(await auditActions(prisma, subscription.id)).toEqual([
        'subscription.requires_new_token',
        'customer_token.revoked',
      ]);

      const again = await post(app, merchant, `/v1/subscriptions/${sibling.id}/token/revoke`);
      expectStatus(again, 200);
      expect((await row(prisma, sibling.id)).version).toBe(1);
      expect(await prisma.auditEvent.count({ where: { entityId: token.id } })).toBe(1);
    },
  );

  apiTest('a subscription without a token is refused', async ({ app, merchant, prisma }) => {
    const { subscription } = await seedLive(prisma, merchant.merchantId, {
      status: 'PENDING_TOKENIZATION',
      tokenId: null,
    });
    expectProblem(
      await post(app, merchant, `/v1/subscriptions/${subscription.id}/token/revoke`),
      409,
      'illegal-transition',
    );
  });
});

describe('visibility', () => {
  apiTest(
    'lists skipped period ranges newest first, a page at a time, own subscription only',
    async ({ app, merchant, otherMerchant, prisma }) => {
      const { subscription } = await seedLive(prisma, merchant.merchantId);
      for (const [i, from] of [5, 8, 12].entries()) {
        await prisma.skippedPeriodRange.create({
          data: {
            merchantId: merchant.merchantId,
            subscriptionId: subscription.id,
            fromIndex: from,
            toIndex: from + 1,
            periodStart: new Date(Date.UTC(2026, from, 1)),
            periodEnd: new Date(Date.UTC(2026, from + 2, 1)),
            reason: 'CATCH_UP_POLICY',
            createdAt: new Date(Date.UTC(2026, 0, 1 + i)),
          },
        });
      }
      const url = `/v1/subscriptions/${subscription.id}/skipped-periods`;
      const first = await app.inject({ method: 'GET', url: `${url}?limit=2`, headers: merchant.headers });
      expectStatus(first, 200);
      const page = first.json<{ data: { from_index: number; object: string }[]; next_cursor: string }>();
      expect(page.data.map((r) => r.from_index)).toEqual([12, 8]);
      expect(page.data[0]).toMatchObject({
        object: 'skipped_period_range',
        to_index: 13,
        reason: 'CATCH_UP_POLICY',
      });
      const second = await app.inject({
        method: 'GET',
        url: `${url}?limit=2&cursor=${page.next_cursor}`,
        headers: merchant.headers,
      });
      expect(second.json<{ data: { from_index: number }[]; next_cursor: null }>()).toMatchObject({
        data: [{ from_index: 5 }],
        next_cursor: null,
      });
      expectProblem(
        await app.inject({ method: 'GET', url, headers: otherMerchant.headers }),
        404,
        'not-found',
      );
    },
  );

  apiTest(
    'invoices show their hold, and `held` filters the operators’ view',
    async ({ app, merchant, prisma }) => {
      const { subscription, customer, version } = await seedLive(prisma, merchant.merchantId);
      const heldAt = new Date('2026-03-01T12:00:00.000Z');
      const held = await seedInvoice(prisma, {
        merchantId: merchant.merchantId,
        customerId: customer.id,
        subscriptionId: subscription.id,
        planVersionId: version.id,
        periodIndex: 3,
        heldAt,
        holdReason: 'charge FAILED: Klarna refused the request (invalid amount)',
      });
      const free = await seedInvoice(prisma, {
        merchantId: merchant.merchantId,
        customerId: customer.id,
        subscriptionId: subscription.id,
        planVersionId: version.id,
        periodIndex: 2,
      });
      const list = async (query: string) =>
        (await app.inject({ method: 'GET', url: `/v1/invoices?${query}`, headers: merchant.headers })).json<{
          data: { id: string; hold: unknown }[];
        }>().data;

      expect(await list('held=true')).toEqual([
        expect.objectContaining({
          id: held.id,
          hold: {
            reason: 'charge FAILED: Klarna refused the request (invalid amount)',
            held_at: heldAt.toISOString(),
          },
        }),
      ]);
      expect(
        (await list(`held=false&subscription_id=${subscription.id}`)).map((i) => [i.id, i.hold]),
      ).toEqual([[free.id, null]]);
      const bad = expectProblem(
        await app.inject({ method: 'GET', url: '/v1/invoices?held=yes', headers: merchant.headers }),
        400,
        'validation',
      );
      expect(bad.errors?.map((e) => e.field)).toEqual(['query.held']);
    },
  );
});

describe('POST /v1/subscriptions/:id/change-plan', () => {
  apiTest(
    'adds a phase from the next period (anchored at the period end, numbering on); repeats are no-ops; a replay answers the same',
    async ({ app, merchant, prisma }) => {
      const { subscription, version } = await seedLive(prisma, merchant.merchantId);
      const target = await seedPlan(prisma, merchant.merchantId, { amountMinor: 19900 });
      const url = `/v1/subscriptions/${subscription.id}/change-plan`;

      const first = await post(app, merchant, url, { plan_id: target.plan.id }, 'change-1');
      expectStatus(first, 200);
      const body = first.json<SubscriptionBody & { plan: { id: string; version: number } }>();
      // The current period is still the old plan's; the new phase waits for period 4.
      expect(body.plan).toEqual({ id: version.planId, version: 1 });
      expect(body.next_action).toEqual({ kind: 'RENEWAL', at: PERIOD_END.toISOString() });
      expect(body.phases.map((p) => [p.plan_version_id, p.first_period_index])).toEqual([
        [version.id, 0],
        [target.version.id, 4],
      ]);
      expect(body.phases[1]?.anchor_at).toBe(PERIOD_END.toISOString());
      const phase = await prisma.subscriptionPhase.findFirstOrThrow({
        where: { subscriptionId: subscription.id, firstPeriodIndex: 4 },
      });
      expect(phase.timeZone).toBe(subscription.timeZone);

      const replay = await post(app, merchant, url, { plan_id: target.plan.id }, 'change-1');
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.json()).toEqual(first.json());
      // Same target again, explicit version: nothing changes.
      expectStatus(await post(app, merchant, url, { plan_id: target.plan.id, plan_version: 1 }), 200);
      expect(await prisma.subscriptionPhase.count({ where: { subscriptionId: subscription.id } })).toBe(2);
      expect((await row(prisma, subscription.id)).version).toBe(1);
      expect(await auditActions(prisma, subscription.id)).toEqual(['subscription.plan_changed']);
    },
  );

  apiTest(
    'one pending change: another plan replaces it; the version billing now withdraws it; the same version now is a no-op',
    async ({ app, merchant, prisma }) => {
      const { subscription, version } = await seedLive(prisma, merchant.merchantId);
      const second = await seedPlan(prisma, merchant.merchantId);
      const third = await seedPlan(prisma, merchant.merchantId);
      const url = `/v1/subscriptions/${subscription.id}/change-plan`;
      const phases = async () =>
        (
          await prisma.subscriptionPhase.findMany({
            where: { subscriptionId: subscription.id },
            orderBy: { firstPeriodIndex: 'asc' },
          })
        ).map((p) => [p.planVersionId, p.firstPeriodIndex]);

      expectStatus(await post(app, merchant, url, { plan_id: version.planId }), 200);
      expect(await phases()).toEqual([[version.id, 0]]);
      expectStatus(await post(app, merchant, url, { plan_id: second.plan.id }), 200);
      expectStatus(await post(app, merchant, url, { plan_id: third.plan.id }), 200);
      expect(await phases()).toEqual([
        [version.id, 0],
        [third.version.id, 4],
      ]);
      expectStatus(await post(app, merchant, url, { plan_id: version.planId }), 200);
      expect(await phases()).toEqual([[version.id, 0]]);
      expect(await auditActions(prisma, subscription.id)).toEqual([
        'subscription.plan_changed',
        'subscription.plan_changed',
        'subscription.plan_change_withdrawn',
      ]);
    },
  );

  apiTest(
    'a renewal in flight (period 4 invoiced, not settled): the change starts at period 5',
    async ({ app, merchant, prisma }) => {
      const { subscription, customer, version } = await seedLive(prisma, merchant.merchantId);
      const nextEnd = new Date('2026-04-15T10:00:00.000Z');
      await seedInvoice(prisma, {
        merchantId: merchant.merchantId,
        customerId: customer.id,
        subscriptionId: subscription.id,
        planVersionId: version.id,
        periodIndex: 4,
        periodStart: PERIOD_END,
        periodEnd: nextEnd,
        status: 'OPEN',
      });
      const target = await seedPlan(prisma, merchant.merchantId);
      const res = await post(app, merchant, `/v1/subscriptions/${subscription.id}/change-plan`, {
        plan_id: target.plan.id,
      });
      expectStatus(res, 200);
      expect(res.json<SubscriptionBody>().phases.at(-1)).toMatchObject({
        first_period_index: 5,
        anchor_at: nextEnd.toISOString(),
      });
    },
  );

  apiTest('refusals name why, and write nothing', async ({ app, merchant, prisma }) => {
    const { subscription, version } = await seedLive(prisma, merchant.merchantId);
    const url = `/v1/subscriptions/${subscription.id}/change-plan`;
    const euro = await seedPlan(prisma, merchant.merchantId, { currency: 'EUR' });
    const archived = await seedPlan(prisma, merchant.merchantId, { status: 'ARCHIVED' });

    const currency = await post(app, merchant, url, { plan_id: euro.plan.id });
    expectProblem(currency, 422, 'currency-mismatch');
    expect(currency.json()).toMatchObject({
      errors: [{ field: 'plan_id' }],
      subscription_currency: 'SEK',
      plan_currency: 'EUR',
    });
    const archivedRes = await post(app, merchant, url, { plan_id: archived.plan.id });
    expectProblem(archivedRes, 409, 'plan-archived');
    expect(archivedRes.json()).toMatchObject({ errors: [{ field: 'plan_id' }] });
    const noPlan = await post(app, merchant, url, { plan_id: '00000000-0000-4000-8000-000000000000' });
    expectProblem(noPlan, 404, 'not-found');
    expect(noPlan.json()).toMatchObject({ errors: [{ field: 'plan_id' }] });
    const noVersion = await post(app, merchant, url, { plan_id: version.planId, plan_version: 9 });
    expectProblem(noVersion, 404, 'not-found');
    expect(noVersion.json()).toMatchObject({ errors: [{ field: 'plan_version' }] });
    expectProblem(await post(app, merchant, url, { plan_version: 1 }), 400, 'validation');

    for (const status of ['CANCELED', 'PENDING_TOKENIZATION', 'TRIALING'] as const) {
      const other = await seedLive(prisma, merchant.merchantId, { status });
      const refused = await post(app, merchant, `/v1/subscriptions/${other.subscription.id}/change-plan`, {
        plan_id: (await seedPlan(prisma, merchant.merchantId)).plan.id,
      });
      expectProblem(refused, 409, 'illegal-transition');
      expect(refused.json()).toMatchObject({ subscription_status: status });
      expect(refused.json<{ reason: string }>().reason).not.toBe('');
    }
    expect(await prisma.subscriptionPhase.count({ where: { subscriptionId: subscription.id } })).toBe(1);
    expect(await auditActions(prisma, subscription.id)).toEqual([]);
  });

  apiTest(
    'a pending change then pause and resume: the resume phase takes the new version',
    async ({ app, merchant, prisma }) => {
      const { subscription } = await seedLive(prisma, merchant.merchantId);
      const target = await seedPlan(prisma, merchant.merchantId);
      const url = `/v1/subscriptions/${subscription.id}`;
      expectStatus(await post(app, merchant, `${url}/change-plan`, { plan_id: target.plan.id }), 200);
      // The period ran out and the pause took effect (as the renewal engine leaves it).
      await prisma.subscription.update({
        where: { id: subscription.id },
        data: { status: 'PAUSED', pausedAt: PERIOD_END, nextActionKind: null, nextActionAt: null },
      });
      const resumed = await post(app, merchant, `${url}/resume`);
      expectStatus(resumed, 200);
      const phases = resumed.json<SubscriptionBody>().phases;
      expect(phases).toHaveLength(2);
      expect(phases[1]).toMatchObject({
        plan_version_id: target.version.id,
        first_period_index: 4,
        anchor_at: NOW.toISOString(),
      });
    },
  );
});
