// Fairness between merchants, with the scheduler and a worker as real processes: a big merchant
// with 50x the per-tick cap due and a small one due at the same instant. The small merchant's
// renewals are all charged within two ticks, while the big one's backlog is still being worked
// through a cap per tick (and keeps being served, not starved in turn).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, disconnect } from '../../apps/billing/src/store/prisma-client.js';
import type { Db } from '../../apps/billing/src/store/db.js';
import { signedUpSubscriptions } from '../support/signed-up-subscriptions.js';
import { eventually } from './support/eventually.js';
import { World, type Merchant } from './support/world.js';

const CAP = 5;
const TICK_MS = 1_000;
const BIG = 50 * CAP;
const SMALL = CAP;

let world: World;
let db: Db;

beforeAll(async () => {
  // No scheduler yet: every subscription is due before the first tick sees any of them.
  world = await World.start({
    roles: ['api'],
    env: { SCHEDULER_MERCHANT_CAP: String(CAP), SCHEDULER_TICK_MS: String(TICK_MS) },
  });
  db = createPrismaClient({ databaseUrl: world.databaseUrl });
});

afterAll(async () => {
  if (db) await disconnect(db);
  await world?.stop();
});

async function dueSubscriptions(merchant: Merchant, count: number, dueAt: Date): Promise<void> {
  const plan = await world.api<{ id: string }>(merchant, 'POST', '/v1/plans', {
    body: { code: 'monthly', name: 'Monthly', currency: 'EUR', amount: 990, interval: 'MONTH' },
  });
  expect(plan.status, plan.text).toBe(201);
  const [version] = await world.sql<{ id: string }>('SELECT id FROM "PlanVersion" WHERE "planId" = $1', [
    plan.body.id,
  ]);
  await signedUpSubscriptions(db, world.sandbox, {
    merchantId: merchant.id,
    accountId: merchant.klarnaAccount,
    planVersionId: version?.id ?? '',
    currency: 'EUR',
    anchors: Array.from({ length: count }, () => ({ anchorAt: dueAt, timeZone: 'Europe/Berlin' })),
    at: new Date(dueAt.getTime() - 60_000),
  });
}

/**
 * In one snapshot: the small merchant's paid invoices, and how many of the big merchant's
 * renewals the scheduler has taken up so far (leased, or invoiced once run).
 */
async function progress(big: Merchant, small: Merchant): Promise<{ smallPaid: number; bigTaken: number }> {
  const [row] = await world.sql<{ small_paid: number; big_taken: number }>(
    `SELECT
       (SELECT count(*)::int FROM "Invoice" WHERE "merchantId" = $2 AND status = 'PAID') AS small_paid,
       (SELECT count(*)::int FROM "Subscription" s WHERE s."merchantId" = $1
          AND (EXISTS (SELECT 1 FROM "SubscriptionNextAction" n
                       WHERE n."subscriptionId" = s.id AND n."leaseUntil" IS NOT NULL)
               OR EXISTS (SELECT 1 FROM "Invoice" i WHERE i."subscriptionId" = s.id))) AS big_taken`,
    [big.id, small.id],
  );
  return { smallPaid: row?.small_paid ?? 0, bigTaken: row?.big_taken ?? 0 };
}

describe('renewals shared fairly between merchants', () => {
  it('charges a small merchant within two ticks while a big one has 50x the cap due', async () => {
    const big = await world.createMerchant();
    const small = await world.createMerchant();
    const dueAt = new Date(Date.now() - 1_000);
    await dueSubscriptions(big, BIG, dueAt);
    await dueSubscriptions(small, SMALL, dueAt);

    await world.startRole('worker');
    await world.startRole('scheduler');

    // Each tick takes at most CAP of the big merchant's renewals: when the small merchant's last
    // one is paid, two ticks at most have run, so the big merchant has had at most 2 x CAP taken.
    const done = await eventually(
      async () => {
        const now = await progress(big, small);
        expect(now.smallPaid).toBe(SMALL);
        return now;
      },
      60_000,
      50,
    );
    expect(done.bigTaken).toBeGreaterThan(0);
    expect(done.bigTaken).toBeLessThanOrEqual(2 * CAP);

    // And the big merchant keeps being served, a cap per tick, not starved in turn.
    await eventually(async () => {
      const { bigTaken } = await progress(big, small);
      expect(bigTaken).toBeGreaterThanOrEqual(done.bigTaken + 3 * CAP);
    }, 30_000);
    const [paid] = await world.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM "Invoice" WHERE "merchantId" = $1 AND status = 'PAID'`,
      [big.id],
    );
    expect(paid?.n ?? 0).toBeLessThan(BIG);
  });
});
