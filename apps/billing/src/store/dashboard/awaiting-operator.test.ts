// Held invoices with their last attempt, and uncaptured authorizations near or past expiry or past
// their capture time: what waits for an operator.
import { describe, expect } from 'vitest';
import { databaseTest as test } from '../../testing/database-test.js';
import { authorizedCharge, capturedCharge } from '../testing/money-charges.js';
import {
  seedChargeAttempt,
  seedCustomer,
  seedInvoice,
  seedMerchant,
  seedPlan,
  seedSubscription,
} from '../testing/seed.js';
import { awaitingOperator } from './awaiting-operator.js';

const DAY = 86_400_000;

describe('awaitingOperator', () => {
  test('lists held invoices oldest first with their last attempt', async ({ prisma }) => {
    const merchant = await seedMerchant(prisma);
    const customer = await seedCustomer(prisma, merchant.id);
    const { version } = await seedPlan(prisma, merchant.id);
    const held = [];
    for (const [i, heldAt] of ['2026-01-03T00:00:00Z', '2026-01-02T00:00:00Z', null].entries()) {
      const { subscription } = await seedSubscription(prisma, {
        merchantId: merchant.id,
        customerId: customer.id,
        planVersionId: version.id,
      });
      const invoice = await seedInvoice(prisma, {
        merchantId: merchant.id,
        customerId: customer.id,
        subscriptionId: subscription.id,
        planVersionId: version.id,
        heldAt: heldAt === null ? null : new Date(heldAt),
        holdReason: heldAt === null ? null : `outcome unknown ${i}`,
      });
      const attempt = await seedChargeAttempt(prisma, {
        merchantId: merchant.id,
        subscriptionId: subscription.id,
        invoiceId: invoice.id,
        status: 'UNKNOWN',
        klarnaCorrelationId: `corr-${i}`,
        firstSentAt: new Date('2026-01-01T00:00:00Z'),
      });
      held.push({ invoice, attempt });
    }
    const now = new Date('2026-01-05T00:00:00Z');
    const query = { merchantId: merchant.id, now, expiringWithinMs: DAY, captureGraceMs: 3_600_000 };
    const all = await awaitingOperator(prisma, { ...query, limit: 10 });
    expect(
      all.held.items.map((h) => [h.invoiceId, h.holdReason, h.lastAttempt?.klarnaCorrelationId]),
    ).toEqual([
      [held[1]?.invoice.id, 'outcome unknown 1', 'corr-1'],
      [held[0]?.invoice.id, 'outcome unknown 0', 'corr-0'],
    ]);
    expect(all.held.items[0]?.lastAttempt).toMatchObject({
      status: 'UNKNOWN',
      reference: held[1]?.attempt.reference,
    });
    expect(all.held.more).toBe(false);
    const one = await awaitingOperator(prisma, { ...query, limit: 1 });
    expect(one.held).toMatchObject({ items: [{ invoiceId: held[1]?.invoice.id }], more: true });
  });

  test('lists authorizations expiring soon, expired, or past their capture time', async ({ prisma }) => {
    const merchant = await seedMerchant(prisma);
    // Authorized 2026-01-15T10:00Z, capture due 2026-01-18T10:00Z, expiring 2026-02-12T10:00Z.
    const { charge } = await authorizedCharge(prisma, merchant.id);
    await capturedCharge(prisma, merchant.id);
    const cases = [
      { now: '2026-01-16T00:00:00Z', listed: false, overdue: false, expired: false },
      { now: '2026-01-18T12:00:00Z', listed: true, overdue: true, expired: false },
      { now: '2026-02-12T09:00:00Z', listed: true, overdue: true, expired: false },
      { now: '2026-02-13T00:00:00Z', listed: true, overdue: true, expired: true },
    ];
    for (const c of cases) {
      const { authorizations } = await awaitingOperator(prisma, {
        merchantId: merchant.id,
        now: new Date(c.now),
        expiringWithinMs: DAY,
        captureGraceMs: 3_600_000,
        limit: 10,
      });
      if (!c.listed) {
        expect(authorizations.items, c.now).toEqual([]);
        continue;
      }
      expect(authorizations.items, c.now).toEqual([
        expect.objectContaining({
          chargeId: charge.id,
          amountMinor: 9900,
          currency: 'SEK',
          captureOverdue: c.overdue,
          expired: c.expired,
        }),
      ]);
    }
  });
});
