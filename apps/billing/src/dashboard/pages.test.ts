import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { inTransaction } from '../store/db.js';
import { audit, systemActor } from '../store/audit.js';
import type { Db } from '../store/db.js';
import { capturedCharge } from '../store/testing/money-charges.js';
import {
  seedChargeAttempt,
  seedCustomer,
  seedInvoice,
  seedPlan,
  seedSubscription,
} from '../store/testing/seed.js';
import { dashboardTest as test } from './testing/dashboard-test.js';
import { postForm, signIn, type SignedIn } from './testing/sign-in.js';
import type { FastifyInstance } from 'fastify';

const PAGES = [
  '/dashboard',
  '/dashboard/past-due',
  '/dashboard/renewals',
  '/dashboard/charges',
  '/dashboard/recovery',
  '/dashboard/held',
  '/dashboard/subscriptions',
  '/dashboard/webhook-deliveries',
];

const get = (app: FastifyInstance, url: string, session: SignedIn) =>
  app.inject({ method: 'GET', url, headers: { cookie: session.cookie, accept: 'text/html' } });

/** A failed delivery of a `charge.captured` event to the merchant's endpoint. */
async function failedDelivery(
  app: FastifyInstance,
  db: Db,
  merchant: { merchantId: string; headers: Record<string, string> },
) {
  const created = await app.inject({
    method: 'POST',
    url: '/v1/webhook-endpoints',
    headers: merchant.headers,
    payload: { url: 'http://127.0.0.1:9/hook' },
  });
  expect(created.statusCode, created.body).toBe(201);
  await inTransaction(db, (tx) =>
    audit(tx, {
      actor: systemActor('test'),
      merchantId: merchant.merchantId,
      entityType: 'capture',
      entityId: randomUUID(),
      action: 'capture.succeeded',
      after: { charge_id: randomUUID(), amount: 1200 },
      at: new Date(),
    }),
  );
  const delivery = await db.webhookDelivery.findFirstOrThrow({ where: { merchantId: merchant.merchantId } });
  return db.webhookDelivery.update({
    where: { id: delivery.id },
    data: { status: 'FAILED', attemptCount: 8, lastError: 'connection refused' },
  });
}

const flashOf = async (
  app: FastifyInstance,
  session: SignedIn,
  location: string | undefined,
  cookie: string | undefined,
) => {
  const page = await app.inject({
    method: 'GET',
    url: location ?? '/dashboard',
    headers: { cookie: `${session.cookie}; ${cookie ?? ''}`, accept: 'text/html' },
  });
  return /role="status">([^<]*)</.exec(page.body)?.[1];
};

function flashCookie(res: { cookies: { name: string; value: string }[] }): string | undefined {
  const c = res.cookies.find((x) => x.name === 'rebill_dashboard_flash');
  return c === undefined ? undefined : `rebill_dashboard_flash=${c.value}`;
}

describe('dashboard pages and actions', () => {
  test('every page answers an admin and a viewer; the timeline of an unknown id is a 404', async ({
    dashboardApp: app,
    admin,
    viewer,
  }) => {
    for (const who of [admin, viewer]) {
      const session = await signIn(app, who.email);
      for (const url of PAGES) {
        const res = await get(app, url, session);
        expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(200);
        expect(res.headers['content-type']).toContain('text/html');
      }
      expect((await get(app, `/dashboard/subscriptions?id=${randomUUID()}`, session)).statusCode).toBe(404);
      expect((await get(app, '/dashboard/subscriptions?id=<script>', session)).body).not.toContain(
        '<script>',
      );
    }
  });

  test('refund: done as the audited operator; over the refundable amount, the reason and no 500', async ({
    dashboardApp: app,
    prisma,
    admin,
    merchant,
  }) => {
    const { charge } = await capturedCharge(prisma, merchant.merchantId);
    const subscription = { id: charge.subscriptionId };
    const session = await signIn(app, admin.email);
    const timeline = await get(app, `/dashboard/subscriptions?id=${subscription.id}`, session);
    expect(timeline.body).toContain(`/dashboard/charges/${charge.id}/refund`);

    const tooMuch = await postForm(
      app,
      `/dashboard/charges/${charge.id}/refund`,
      { _csrf: session.csrf, amount: '999999' },
      session.cookie,
    );
    expect(tooMuch.statusCode).toBe(303);
    expect(await flashOf(app, session, tooMuch.headers.location, flashCookie(tooMuch))).toContain(
      'more than the 9900',
    );

    const bad = await postForm(
      app,
      `/dashboard/charges/${charge.id}/refund`,
      { _csrf: session.csrf, amount: '12.5' },
      session.cookie,
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('<code>amount</code>');

    const done = await postForm(
      app,
      `/dashboard/charges/${charge.id}/refund`,
      {
        _csrf: session.csrf,
        amount: '1000',
        reason: 'goodwill',
        back: `/dashboard/subscriptions?id=${subscription.id}`,
      },
      session.cookie,
    );
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`/dashboard/subscriptions?id=${subscription.id}`);
    expect(await flashOf(app, session, done.headers.location, flashCookie(done))).toMatch(/^Refund of 1000/);
    const refunds = await prisma.refund.findMany({ where: { chargeId: charge.id } });
    expect(refunds.map((r) => r.amountMinor)).toEqual([1000]);
    const audited = await prisma.auditEvent.findMany({
      where: { entityType: 'refund', entityId: refunds[0]?.id ?? '' },
    });
    expect(audited.map((a) => [a.actorKind, a.actorId])).toContainEqual(['OPERATOR', admin.id]);
  });

  test('cancel at period end, then immediately, audited with the operator', async ({
    dashboardApp: app,
    prisma,
    admin,
    merchant,
  }) => {
    const subscription = { id: (await capturedCharge(prisma, merchant.merchantId)).charge.subscriptionId };
    await prisma.subscription.update({
      where: { id: subscription.id },
      data: {
        currentPeriodStart: new Date('2026-03-01T00:00:00Z'),
        currentPeriodEnd: new Date('2026-04-01T00:00:00Z'),
      },
    });
    const session = await signIn(app, admin.email);

    const badMode = await postForm(
      app,
      `/dashboard/subscriptions/${subscription.id}/cancel`,
      { _csrf: session.csrf, mode: 'NOW' },
      session.cookie,
    );
    expect(badMode.statusCode).toBe(400);
    expect(badMode.body).toContain('<code>mode</code>');
    const scheduled = await postForm(
      app,
      `/dashboard/subscriptions/${subscription.id}/cancel`,
      { _csrf: session.csrf, mode: 'AT_PERIOD_END' },
      session.cookie,
    );
    expect(await flashOf(app, session, scheduled.headers.location, flashCookie(scheduled))).toContain(
      'will cancel at the end',
    );
    const now = await postForm(
      app,
      `/dashboard/subscriptions/${subscription.id}/cancel`,
      { _csrf: session.csrf, mode: 'IMMEDIATELY' },
      session.cookie,
    );
    expect(await flashOf(app, session, now.headers.location, flashCookie(now))).toBe(
      'Subscription canceled.',
    );

    const row = await prisma.subscription.findUniqueOrThrow({ where: { id: subscription.id } });
    expect(row.status).toBe('CANCELED');
    const audited = await prisma.auditEvent.findMany({
      where: { subscriptionId: subscription.id, actorKind: 'OPERATOR' },
    });
    expect(audited.length).toBeGreaterThanOrEqual(2);
    expect(new Set(audited.map((a) => a.actorId))).toEqual(new Set([admin.id]));
    const timeline = await get(app, `/dashboard/subscriptions?id=${subscription.id}`, session);
    expect(timeline.body).toContain(admin.id);
  });

  test('retry now of a subscription that is not past due is refused with the reason', async ({
    dashboardApp: app,
    prisma,
    admin,
    merchant,
  }) => {
    const subscription = { id: (await capturedCharge(prisma, merchant.merchantId)).charge.subscriptionId };
    const session = await signIn(app, admin.email);
    const res = await postForm(
      app,
      `/dashboard/subscriptions/${subscription.id}/retry-now`,
      { _csrf: session.csrf },
      session.cookie,
    );
    expect(res.statusCode).toBe(303);
    expect(await flashOf(app, session, res.headers.location, flashCookie(res))).toContain('not past due');
    expect(
      (
        await postForm(
          app,
          `/dashboard/subscriptions/${randomUUID()}/retry-now`,
          { _csrf: session.csrf },
          session.cookie,
        )
      ).statusCode,
    ).toBe(404);
  });

  test('held attempts are listed with the resolve form; bad input names the field; a refusal shows why', async ({
    dashboardApp: app,
    prisma,
    admin,
    merchant,
  }) => {
    const merchantId = merchant.merchantId;
    const customer = await seedCustomer(prisma, merchantId);
    const { version } = await seedPlan(prisma, merchantId);
    const { subscription } = await seedSubscription(prisma, {
      merchantId,
      customerId: customer.id,
      planVersionId: version.id,
    });
    const invoice = await seedInvoice(prisma, {
      merchantId,
      customerId: customer.id,
      subscriptionId: subscription.id,
      planVersionId: version.id,
      heldAt: new Date('2026-03-01T00:00:00Z'),
      holdReason: 'outcome unknown past the replay window',
    });
    await seedChargeAttempt(prisma, {
      merchantId,
      subscriptionId: subscription.id,
      invoiceId: invoice.id,
      status: 'UNKNOWN',
      klarnaCorrelationId: 'corr-held-1',
    });
    const session = await signIn(app, admin.email);

    const held = await get(app, '/dashboard/held', session);
    expect(held.body).toContain(`/dashboard/invoices/${invoice.id}/resolve`);
    expect(held.body).toContain('corr-held-1');
    const url = `/dashboard/invoices/${invoice.id}/resolve`;
    const noId = await postForm(app, url, { _csrf: session.csrf, outcome: 'APPROVED' }, session.cookie);
    expect(noId.statusCode).toBe(400);
    expect(noId.body).toContain('<code>payment_transaction_id</code>');
    const badOutcome = await postForm(app, url, { _csrf: session.csrf, outcome: 'MAYBE' }, session.cookie);
    expect(badOutcome.statusCode).toBe(400);
    expect(badOutcome.body).toContain('<code>outcome</code>');
    await prisma.invoice.update({ where: { id: invoice.id }, data: { heldAt: null, holdReason: null } });
    const notHeld = await postForm(app, url, { _csrf: session.csrf, outcome: 'NOT_CHARGED' }, session.cookie);
    expect(notHeld.statusCode).toBe(303);
    expect(await flashOf(app, session, notHeld.headers.location, flashCookie(notHeld))).toContain(
      'no longer held',
    );
    expect(
      (
        await postForm(
          app,
          `/dashboard/invoices/${randomUUID()}/resolve`,
          { _csrf: session.csrf, outcome: 'NOT_CHARGED' },
          session.cookie,
        )
      ).statusCode,
    ).toBe(404);
  });

  test('a failed merchant webhook delivery is listed and re-sent', async ({
    dashboardApp: app,
    prisma,
    admin,
    merchant,
  }) => {
    const delivery = await failedDelivery(app, prisma, merchant);
    const session = await signIn(app, admin.email);
    const list = await get(app, '/dashboard/webhook-deliveries', session);
    expect(list.body).toContain(`/dashboard/webhook-deliveries/${delivery.id}/resend`);

    const res = await postForm(
      app,
      `/dashboard/webhook-deliveries/${delivery.id}/resend`,
      { _csrf: session.csrf },
      session.cookie,
    );

    expect(res.statusCode).toBe(303);
    expect(await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).toMatchObject({
      status: 'PENDING',
      attemptCount: 0,
    });
    const audited = await prisma.auditEvent.findMany({ where: { entityId: delivery.id } });
    expect(audited.map((a) => [a.action, a.actorKind, a.actorId])).toEqual([
      ['webhook_delivery.retry_requested', 'OPERATOR', admin.id],
    ]);
  });

  test('a viewer gets 403 on every action, and nothing changes; no CSRF token is 403 for an admin too', async ({
    dashboardApp: app,
    prisma,
    admin,
    viewer,
    merchant,
  }) => {
    const { charge } = await capturedCharge(prisma, merchant.merchantId);
    const subscription = { id: charge.subscriptionId };
    const delivery = await failedDelivery(app, prisma, merchant);
    const actions: [string, Record<string, string>][] = [
      [`/dashboard/subscriptions/${subscription.id}/retry-now`, {}],
      [`/dashboard/subscriptions/${subscription.id}/cancel`, { mode: 'IMMEDIATELY' }],
      [`/dashboard/charges/${charge.id}/refund`, { amount: '100' }],
      [`/dashboard/webhook-deliveries/${delivery.id}/resend`, {}],
      [`/dashboard/invoices/${randomUUID()}/resolve`, { outcome: 'NOT_CHARGED' }],
    ];
    const asViewer = await signIn(app, viewer.email);
    const asAdmin = await signIn(app, admin.email);
    for (const [url, fields] of actions) {
      expect(
        (await postForm(app, url, { ...fields, _csrf: asViewer.csrf }, asViewer.cookie)).statusCode,
        url,
      ).toBe(403);
      expect((await postForm(app, url, fields, asAdmin.cookie)).statusCode, url).toBe(403);
      expect(
        (await postForm(app, url, { ...fields, _csrf: asViewer.csrf }, asAdmin.cookie)).statusCode,
        url,
      ).toBe(403);
    }
    expect(await prisma.subscription.findUniqueOrThrow({ where: { id: subscription.id } })).toMatchObject({
      status: 'ACTIVE',
    });
    expect(await prisma.refund.count({ where: { chargeId: charge.id } })).toBe(0);
    expect(await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).toMatchObject({
      status: 'FAILED',
    });
  });
});
