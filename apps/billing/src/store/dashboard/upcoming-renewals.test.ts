// Renewals per local date: the subscription's zone decides the date (across the date line and a
// DST change), or one zone for all when asked; overdue renewals count today; a pending plan change
// prices the next period.
import { describe, expect } from 'vitest';
import { databaseTest as test } from '../../testing/database-test.js';
import type { Db } from '../db.js';
import { seedCustomer, seedMerchant, seedPlan, seedSubscription } from '../testing/seed.js';
import { upcomingRenewalsByDay } from './upcoming-renewals.js';

const NOW = new Date('2026-03-27T12:00:00.000Z');

async function world(db: Db) {
  const merchant = await seedMerchant(db);
  const customer = await seedCustomer(db, merchant.id);
  const sek = await seedPlan(db, merchant.id, { amountMinor: 9900 });
  const sekDearer = await seedPlan(db, merchant.id, { amountMinor: 12000 });
  const eur = await seedPlan(db, merchant.id, { currency: 'EUR', amountMinor: 1500 });
  const due = async (
    timeZone: string,
    at: string,
    plan: typeof sek,
    extra: { kind?: 'RENEWAL' | 'TRIAL_END' | 'DUNNING_RETRY'; paidThrough?: number } = {},
  ) => {
    const { subscription } = await seedSubscription(db, {
      merchantId: merchant.id,
      customerId: customer.id,
      planVersionId: plan.version.id,
      currency: plan.plan.currency,
      timeZone,
      status: 'ACTIVE',
      nextActionAt: new Date(at),
      nextActionKind: extra.kind ?? 'RENEWAL',
      paidThroughPeriodIndex: extra.paidThrough ?? null,
    });
    return subscription;
  };
  // The same instant: Sunday morning in Auckland (UTC+13), Saturday in Los Angeles (UTC-7).
  await due('Pacific/Auckland', '2026-03-28T20:00:00.000Z', eur);
  await due('America/Los_Angeles', '2026-03-28T20:00:00.000Z', eur);
  // Stockholm moves to UTC+2 at 01:00 UTC on Mar 29: 23:30 UTC is 00:30 on the 29th (UTC+1),
  // and 22:30 UTC the next evening is 00:30 on the 30th (UTC+2), not 23:30 on the 29th.
  await due('Europe/Stockholm', '2026-03-28T23:30:00.000Z', sek, { kind: 'TRIAL_END' });
  const changing = await due('Europe/Stockholm', '2026-03-29T22:30:00.000Z', sek, { paidThrough: 0 });
  // Period 1 on a dearer version: a plan change waiting for the next period.
  await db.subscriptionPhase.create({
    data: {
      merchantId: merchant.id,
      subscriptionId: changing.id,
      planVersionId: sekDearer.version.id,
      anchorAt: new Date('2026-03-29T22:30:00.000Z'),
      timeZone: 'Europe/Stockholm',
      firstPeriodIndex: 1,
      createdAt: NOW,
    },
  });
  // Overdue (not run yet): today, in Los Angeles 05:00 on the 27th.
  await due('America/Los_Angeles', '2026-03-27T10:00:00.000Z', sek);
  // Not renewals in the window: past the window, and a dunning retry.
  await due('Europe/Stockholm', '2026-03-31T10:00:00.000Z', sek);
  await due('Europe/Stockholm', '2026-03-28T10:00:00.000Z', sek, { kind: 'DUNNING_RETRY' });
  return merchant;
}

describe('upcomingRenewalsByDay', () => {
  test('groups by each subscription’s local date, or by one zone', async ({ prisma }) => {
    const merchant = await world(prisma);
    const cases = [
      {
        zone: undefined,
        expected: [
          { date: '2026-03-27', currency: 'SEK', count: 1, amountMinor: 9900 },
          { date: '2026-03-28', currency: 'EUR', count: 1, amountMinor: 1500 },
          { date: '2026-03-29', currency: 'EUR', count: 1, amountMinor: 1500 },
          { date: '2026-03-29', currency: 'SEK', count: 1, amountMinor: 9900 },
          { date: '2026-03-30', currency: 'SEK', count: 1, amountMinor: 12000 },
        ],
      },
      {
        zone: 'UTC',
        expected: [
          { date: '2026-03-27', currency: 'SEK', count: 1, amountMinor: 9900 },
          { date: '2026-03-28', currency: 'EUR', count: 2, amountMinor: 3000 },
          { date: '2026-03-28', currency: 'SEK', count: 1, amountMinor: 9900 },
          { date: '2026-03-29', currency: 'SEK', count: 1, amountMinor: 12000 },
        ],
      },
    ];
    for (const { zone, expected } of cases) {
      const days = await upcomingRenewalsByDay(prisma, { merchantId: merchant.id, now: NOW, days: 3, zone });
      expect(days, `zone ${zone ?? 'of each subscription'}`).toEqual(expected);
    }
  });

  test('every merchant at once includes each merchant’s renewals', async ({ prisma }) => {
    const a = await world(prisma);
    const b = await world(prisma);
    const one = await upcomingRenewalsByDay(prisma, { merchantId: a.id, now: NOW, days: 3, zone: 'UTC' });
    const all = await upcomingRenewalsByDay(prisma, { now: NOW, days: 3, zone: 'UTC' });
    const countOf = (rows: typeof one) => rows.reduce((n, r) => n + r.count, 0);
    expect(countOf(all)).toBeGreaterThanOrEqual(2 * countOf(one));
    expect(b.id).not.toBe(a.id);
  });
});
