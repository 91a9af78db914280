// Past-due subscriptions with their open invoice and last decline, one merchant's or everyone's,
// in keyset pages.
import { describe, expect } from 'vitest';
import { databaseTest as test } from '../../testing/database-test.js';
import type { Db } from '../db.js';
import {
  seedChargeAttempt,
  seedCustomer,
  seedInvoice,
  seedMerchant,
  seedPlan,
  seedSubscription,
} from '../testing/seed.js';
import { pastDueSubscriptions } from './past-due-subscriptions.js';

async function pastDue(db: Db, merchantId: string, createdAt: Date, declines: readonly string[]) {
  const customer = await seedCustomer(db, merchantId);
  const { version } = await seedPlan(db, merchantId);
  const { subscription } = await seedSubscription(db, {
    merchantId,
    customerId: customer.id,
    planVersionId: version.id,
    at: createdAt,
    status: 'PAST_DUE',
    periodIndex: 2,
    pastDuePeriodIndex: 2,
    dunningAttempt: declines.length,
    pastDueSince: new Date('2026-02-01T00:00:00.000Z'),
    nextRetryAt: new Date('2026-02-04T00:00:00.000Z'),
    graceEndsAt: new Date('2026-02-08T00:00:00.000Z'),
  });
  const invoice = await seedInvoice(db, {
    merchantId,
    customerId: customer.id,
    subscriptionId: subscription.id,
    planVersionId: version.id,
    periodIndex: 2,
  });
  for (const [i, reason] of declines.entries()) {
    await seedChargeAttempt(db, {
      merchantId,
      subscriptionId: subscription.id,
      invoiceId: invoice.id,
      attemptNumber: i + 1,
      status: 'DECLINED',
      declineReason: reason,
      declineCategory: 'SOFT',
      klarnaCorrelationId: `corr-${i + 1}`,
    });
  }
  return { subscription, invoice };
}

describe('pastDueSubscriptions', () => {
  test('lists past-due subscriptions newest first with the last decline, in pages', async ({ prisma }) => {
    const merchant = await seedMerchant(prisma);
    const older = await pastDue(prisma, merchant.id, new Date('2026-01-01T00:00:00.000Z'), [
      'INSUFFICIENT_FUNDS',
    ]);
    const newer = await pastDue(prisma, merchant.id, new Date('2026-01-02T00:00:00.000Z'), [
      'INSUFFICIENT_FUNDS',
      'CARD_EXPIRED',
    ]);
    const customer = await seedCustomer(prisma, merchant.id);
    const { version } = await seedPlan(prisma, merchant.id);
    await seedSubscription(prisma, {
      merchantId: merchant.id,
      customerId: customer.id,
      planVersionId: version.id,
      status: 'ACTIVE',
    });

    const first = await pastDueSubscriptions(prisma, { merchantId: merchant.id }, { limit: 1, after: null });
    expect(first.items.map((s) => s.id)).toEqual([newer.subscription.id]);
    expect(first.items[0]).toMatchObject({
      attemptCount: 2,
      nextRetryAt: new Date('2026-02-04T00:00:00.000Z'),
      graceEndsAt: new Date('2026-02-08T00:00:00.000Z'),
      openInvoice: { id: newer.invoice.id, amountMinor: 9900, currency: 'SEK', periodIndex: 2, heldAt: null },
      lastAttempt: {
        attemptNumber: 2,
        status: 'DECLINED',
        declineReason: 'CARD_EXPIRED',
        klarnaCorrelationId: 'corr-2',
      },
    });
    const second = await pastDueSubscriptions(
      prisma,
      { merchantId: merchant.id },
      { limit: 1, after: first.next },
    );
    expect(second.items.map((s) => s.id)).toEqual([older.subscription.id]);
    expect(second.next).toBeNull();
  });

  test('every merchant’s, merged in one order', async ({ prisma }) => {
    const a = await seedMerchant(prisma);
    const b = await seedMerchant(prisma);
    // Far in the future, so no other file's rows come first.
    const ofA = await pastDue(prisma, a.id, new Date('2099-01-02T00:00:00.000Z'), ['X']);
    const ofB = await pastDue(prisma, b.id, new Date('2099-01-01T00:00:00.000Z'), ['Y']);
    const page = await pastDueSubscriptions(prisma, {}, { limit: 2, after: null });
    expect(page.items.map((s) => [s.id, s.merchantId])).toEqual([
      [ofA.subscription.id, a.id],
      [ofB.subscription.id, b.id],
    ]);
    expect(page.next).not.toBeNull();
  });
});
