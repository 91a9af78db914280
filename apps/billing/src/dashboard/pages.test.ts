import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { describe, expect } from 'vitest';
import { audit, systemActor } from '../store/audit.js';
import { inTransaction, type Db } from '../store/db.js';
import { capturedCharge } from '../store/testing/money-charges.js';
import { seedFailedDelivery } from '../store/testing/dashboard-rows.js';
import { dashboardTest as test } from './testing/dashboard-test.js';
import { cookieValue, postForm, signIn, type SignedIn } from './testing/sign-in.js';

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

const get = (app: FastifyInstance, url: string, session: SignedIn, cookie = '') =>
  app.inject({
    method: 'GET',
    url,
    headers: { cookie: `${session.cookie}; ${cookie}`, accept: 'text/html' },
  });

/** Posts an action's form with the session's CSRF token; after a 303, the flash the next page shows. */
async function act(
  app: FastifyInstance,
  session: SignedIn,
  url: string,
  fields: Record<string, string> = {},
) {
  const res = await postForm(app, url, { _csrf: session.csrf, ...fields }, session.cookie);
  const flashCookie = cookieValue(res, 'rebill_dashboard_flash');
  const next =
    res.statusCode === 303 && flashCookie !== undefined
      ? await get(app, res.headers.location ?? '/dashboard', session, `rebill_dashboard_flash=${flashCookie}`)
      : undefined;
  const flash = next === undefined ? undefined : /role="status">([^<]*)</.exec(next.body)?.[1];
  return { status: res.statusCode, body: res.body, location: res.headers.location, flash };
}

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
  return seedFailedDelivery(db, merchant.merchantId, new Date());
}

describe('dashboard pages and actions', () => {
  test('every page answers an admin and a viewer; the timeline of an unknown id is a 404', async ({
    dashboardApp: app,
    rows,
    admin,
    viewer,
  }) => {
    for (const who of [admin, viewer]) {
      const session = await signIn(app, who.email);
      for (const url of [...PAGES, `/dashboard/subscriptions?id=${rows.subscriptionId}`]) {
        const res = await get(app, url, session);
        expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(200);
        expect(res.headers['content-type']).toContain('text/html');
      }
      expect((await get(app, `/dashboard/subscriptions?id=${randomUUID()}`, session)).statusCode).toBe(404);
      expect((await get(app, '/dashboard/subscriptions?id=<script>', session)).body).not.toContain(
        '<script>',
      );
    }
    const charges = await get(app, '/dashboard/charges', await signIn(app, viewer.email));
    expect(charges.body).toContain('declined: INSUFFICIENT_FUNDS');
    expect(charges.body).toMatch(/<svg\s[^>]*role="img"/);
  });

  test('refund: done as the audited operator; over the refundable amount, the reason and no 500', async ({
    dashboardApp: app,
    prisma,
    admin,
    merchant,
  }) => {
    const { charge } = await capturedCharge(prisma, merchant.merchantId);
    const session = await signIn(app, admin.email);
    const timeline = await get(app, `/dashboard/subscriptions?id=${charge.subscriptionId}`, session);
    expect(timeline.body).toContain(`/dashboard/charges/${charge.id}/refund`);
    const url = `/dashboard/charges/${charge.id}/refund`;

    expect((await act(app, session, url, { amount: '999999' })).flash).toContain('more than the 9900');
    const bad = await act(app, session, url, { amount: '12.5' });
    expect([bad.status, bad.body]).toEqual([400, expect.stringContaining('<code>amount</code>')]);
    const back = `/dashboard/subscriptions?id=${charge.subscriptionId}`;
    const done = await act(app, session, url, { amount: '1000', reason: 'goodwill', back });

    expect(done.location).toBe(back);
    expect(done.flash).toMatch(/^Refund of 1000/);
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
    rows,
    admin,
  }) => {
    const { subscriptionId } = rows;
    const session = await signIn(app, admin.email);
    const url = `/dashboard/subscriptions/${subscriptionId}/cancel`;

    const badMode = await act(app, session, url, { mode: 'NOW' });
    expect([badMode.status, badMode.body]).toEqual([400, expect.stringContaining('<code>mode</code>')]);
    expect((await act(app, session, url, { mode: 'AT_PERIOD_END' })).flash).toContain(
      'will cancel at the end',
    );
    expect((await act(app, session, url, { mode: 'IMMEDIATELY' })).flash).toBe('Subscription canceled.');

    expect(await prisma.subscription.findUniqueOrThrow({ where: { id: subscriptionId } })).toMatchObject({
      status: 'CANCELED',
    });
    const audited = await prisma.auditEvent.findMany({ where: { subscriptionId, actorKind: 'OPERATOR' } });
    expect(audited.length).toBeGreaterThanOrEqual(2);
    expect(new Set(audited.map((a) => a.actorId))).toEqual(new Set([admin.id]));
    expect((await get(app, `/dashboard/subscriptions?id=${subscriptionId}`, session)).body).toContain(
      admin.id,
    );
  });

  test('retry now: refused with the reason when not past due; queued for a past-due one', async ({
    dashboardApp: app,
    rows,
    admin,
    queue,
  }) => {
    const { subscriptionId, pastDueSubscriptionId } = rows;
    const session = await signIn(app, admin.email);

    expect((await act(app, session, `/dashboard/subscriptions/${subscriptionId}/retry-now`)).flash).toContain(
      'not past due',
    );
    const retried = await act(app, session, `/dashboard/subscriptions/${pastDueSubscriptionId}/retry-now`);
    expect(retried.flash).toMatch(/^(Retry queued|Not retried)/);
    if (retried.flash?.startsWith('Retry queued') === true) {
      expect(
        (await queue.getJobs(['waiting', 'delayed'])).map((j) => j.data as { subscriptionId: string }),
      ).toContainEqual(expect.objectContaining({ subscriptionId: pastDueSubscriptionId }));
    }
    expect((await act(app, session, `/dashboard/subscriptions/${randomUUID()}/retry-now`)).status).toBe(404);
  });

  test('held attempts are listed with the resolve form; bad input names the field; a refusal shows why', async ({
    dashboardApp: app,
    prisma,
    rows,
    admin,
  }) => {
    const { heldInvoiceId } = rows;
    const session = await signIn(app, admin.email);
    expect((await get(app, '/dashboard/held', session)).body).toContain(
      `/dashboard/invoices/${heldInvoiceId}/resolve`,
    );
    const url = `/dashboard/invoices/${heldInvoiceId}/resolve`;

    const noId = await act(app, session, url, { outcome: 'APPROVED' });
    expect([noId.status, noId.body]).toEqual([
      400,
      expect.stringContaining('<code>payment_transaction_id</code>'),
    ]);
    const badOutcome = await act(app, session, url, { outcome: 'MAYBE' });
    expect([badOutcome.status, badOutcome.body]).toEqual([
      400,
      expect.stringContaining('<code>outcome</code>'),
    ]);
    await prisma.invoice.update({ where: { id: heldInvoiceId }, data: { heldAt: null, holdReason: null } });
    expect((await act(app, session, url, { outcome: 'NOT_CHARGED' })).flash).toContain('no longer held');
    expect(
      (await act(app, session, `/dashboard/invoices/${randomUUID()}/resolve`, { outcome: 'NOT_CHARGED' }))
        .status,
    ).toBe(404);
  });

  test('a failed merchant webhook delivery is listed and re-sent', async ({
    dashboardApp: app,
    prisma,
    admin,
    merchant,
  }) => {
    const deliveryId = await failedDelivery(app, prisma, merchant);
    const session = await signIn(app, admin.email);
    expect((await get(app, '/dashboard/webhook-deliveries', session)).body).toContain(
      `/dashboard/webhook-deliveries/${deliveryId}/resend`,
    );

    expect((await act(app, session, `/dashboard/webhook-deliveries/${deliveryId}/resend`)).flash).toContain(
      're-sent',
    );

    expect(await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } })).toMatchObject({
      status: 'PENDING',
      attemptCount: 0,
    });
    const audited = await prisma.auditEvent.findMany({ where: { entityId: deliveryId } });
    expect(audited.map((a) => [a.action, a.actorKind, a.actorId])).toEqual([
      ['webhook_delivery.retry_requested', 'OPERATOR', admin.id],
    ]);
  });

  test('failed deliveries page newest first, every row once; an edited or foreign cursor is a 400 naming it', async ({
    dashboardApp: app,
    prisma,
    admin,
    merchant,
  }) => {
    await failedDelivery(app, prisma, merchant);
    // More than a page: each audited capture fans out one delivery to the merchant's endpoint.
    for (let i = 0; i < 104; i += 1) {
      await inTransaction(prisma, (tx) =>
        audit(tx, {
          actor: systemActor('test'),
          merchantId: merchant.merchantId,
          entityType: 'capture',
          entityId: randomUUID(),
          action: 'capture.succeeded',
          after: { charge_id: randomUUID(), amount: 100 + i },
          at: new Date(),
        }),
      );
    }
    await prisma.webhookDelivery.updateMany({
      where: { merchantId: merchant.merchantId },
      data: {
        status: 'FAILED',
        attemptCount: 8,
        lastStatus: 500,
        lastError: 'HTTP 500',
        lastAttemptAt: new Date(),
      },
    });
    const failed = await prisma.webhookDelivery.findMany({
      where: { status: 'FAILED' },
      select: { id: true },
    });
    expect(failed.length).toBeGreaterThan(100);

    const session = await signIn(app, admin.email);
    const seen: string[] = [];
    let url = '/dashboard/webhook-deliveries';
    let pages = 0;
    for (;;) {
      const res = await get(app, url, session);
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      pages += 1;
      seen.push(
        ...[...res.body.matchAll(/\/dashboard\/webhook-deliveries\/([0-9a-f-]{36})\/resend/g)].map(
          (m) => m[1] ?? '',
        ),
      );
      if (pages > 1) expect(res.body).toContain('href="/dashboard/webhook-deliveries">← Newest');
      const older = /href="(\/dashboard\/webhook-deliveries\?after=[A-Za-z0-9_-]+)">Older/.exec(
        res.body,
      )?.[1];
      if (older === undefined) break;
      url = older;
    }
    expect(pages).toBe(Math.ceil(failed.length / 100));
    expect(seen.sort()).toEqual(failed.map((d) => d.id).sort());

    const edited = await get(app, '/dashboard/webhook-deliveries?after=bm9uc2Vuc2U', session);
    expect([edited.statusCode, edited.body]).toEqual([400, expect.stringContaining('<code>after</code>')]);
    // A cursor of one list does not page another.
    const cursor = url.split('after=')[1] ?? '';
    expect((await get(app, `/dashboard/past-due?after=${cursor}`, session)).statusCode).toBe(400);
  });

  test('a viewer gets 403 on every action, and nothing changes; no CSRF token is 403 for an admin too', async ({
    dashboardApp: app,
    prisma,
    rows,
    admin,
    viewer,
    merchant,
  }) => {
    const deliveryId = await failedDelivery(app, prisma, merchant);
    const actions: [string, Record<string, string>][] = [
      [`/dashboard/subscriptions/${rows.subscriptionId}/retry-now`, {}],
      [`/dashboard/subscriptions/${rows.subscriptionId}/cancel`, { mode: 'IMMEDIATELY' }],
      [`/dashboard/charges/${rows.chargeId}/refund`, { amount: '100' }],
      [`/dashboard/webhook-deliveries/${deliveryId}/resend`, {}],
      [`/dashboard/invoices/${rows.heldInvoiceId}/resolve`, { outcome: 'NOT_CHARGED' }],
    ];
    const asViewer = await signIn(app, viewer.email);
    const asAdmin = await signIn(app, admin.email);
    for (const [url, fields] of actions) {
      expect((await act(app, asViewer, url, fields)).status, url).toBe(403);
      expect((await postForm(app, url, fields, asAdmin.cookie)).statusCode, url).toBe(403);
      expect((await act(app, { ...asAdmin, csrf: asViewer.csrf }, url, fields)).status, url).toBe(403);
    }
    expect(await prisma.subscription.findUniqueOrThrow({ where: { id: rows.subscriptionId } })).toMatchObject(
      { status: 'ACTIVE' },
    );
    expect(await prisma.refund.count({ where: { chargeId: rows.chargeId } })).toBe(0);
    expect(await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } })).toMatchObject({
      status: 'FAILED',
    });
    expect(await prisma.invoice.findUniqueOrThrow({ where: { id: rows.heldInvoiceId } })).toMatchObject({
      status: 'OPEN',
    });
  });
});
