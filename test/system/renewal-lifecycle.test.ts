// Jobs already in Redis when the subscription changes: the scheduler (a real process) has queued
// the renewals, no worker is running yet; the merchant cancels, pauses or revokes through the API;
// then a worker starts and drains the queue. Nothing is charged for the changed subscriptions
// (the job finds its next action changed, or the token unusable), while an unchanged one is.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, disconnect } from '../../apps/billing/src/store/prisma-client.js';
import type { Db } from '../../apps/billing/src/store/db.js';
import { testRedisUrl } from '../harness/index.js';
import { signedUpSubscriptions } from '../support/signed-up-subscriptions.js';
import { eventually } from './support/eventually.js';
import { World, type Merchant } from './support/world.js';

let world: World;
let db: Db;
let merchant: Merchant;
let redis: Redis;
let queue: Queue;

beforeAll(async () => {
  world = await World.start({ roles: ['api', 'scheduler'] });
  db = createPrismaClient({ databaseUrl: world.databaseUrl });
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  queue = new Queue('subscriptions', { connection: redis, prefix: `{${world.redisPrefix}}` });
  merchant = await world.createMerchant();
});

afterAll(async () => {
  await queue.close();
  await redis.quit();
  await disconnect(db);
  await world?.stop();
});

async function ledgerReferences(): Promise<string[]> {
  const res = await world.sandbox.sim<{ entries: { payment_transaction_reference: string }[] }>(
    'GET',
    '/ledger',
  );
  return res.body.entries.map((e) => e.payment_transaction_reference);
}

describe('a renewal job queued before the subscription changed', () => {
  it('charges nothing for a canceled, paused or revoked subscription; the unchanged one is charged', async () => {
    const plan = await world.api<{ id: string }>(merchant, 'POST', '/v1/plans', {
      body: { code: 'monthly', name: 'Monthly', currency: 'EUR', amount: 1_500, interval: 'MONTH' },
    });
    expect(plan.status, plan.text).toBe(201);
    const [version] = await world.sql<{ id: string }>('SELECT id FROM "PlanVersion" WHERE "planId" = $1', [
      plan.body.id,
    ]);
    // Due two seconds from now on the shared clock: the scheduler queues them, nobody runs them.
    const anchorAt = new Date(Date.now() + 2_000);
    const [canceled, canceledAtEnd, paused, revoked, unchanged] = await signedUpSubscriptions(
      db,
      world.sandbox,
      {
        merchantId: merchant.id,
        accountId: merchant.klarnaAccount,
        planVersionId: version?.id ?? '',
        currency: 'EUR',
        anchors: Array.from({ length: 5 }, () => ({ anchorAt, timeZone: 'Europe/Stockholm' })),
        at: new Date(),
      },
    );
    if (
      canceled === undefined ||
      canceledAtEnd === undefined ||
      paused === undefined ||
      revoked === undefined ||
      unchanged === undefined
    )
      throw new Error('seed');

    const queued = await eventually(async () => {
      const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed']);
      expect(jobs.length).toBe(5);
      return jobs;
    });
    expect(new Set(queued.map((j) => (j.data as { subscriptionId: string }).subscriptionId))).toEqual(
      new Set([canceled.id, canceledAtEnd.id, paused.id, revoked.id, unchanged.id]),
    );

    const command = async (id: string, path: string, body: unknown = {}) => {
      const res = await world.api(merchant, 'POST', `/v1/subscriptions/${id}/${path}`, { body });
      expect(res.status, res.text).toBe(200);
    };
    await command(canceled.id, 'cancel', { mode: 'IMMEDIATELY' });
    await command(canceledAtEnd.id, 'cancel', { mode: 'AT_PERIOD_END' });
    await command(paused.id, 'pause');
    await command(revoked.id, 'token/revoke', { reason: 'customer asked' });

    await world.startRole('worker');
    await eventually(async () => {
      expect(await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).toEqual({
        waiting: 0,
        active: 0,
        delayed: 0,
        prioritized: 0,
      });
      const [charged] = await world.sql<{ status: string }>(
        'SELECT status FROM "Subscription" WHERE id = $1',
        [unchanged.id],
      );
      expect(charged?.status).toBe('ACTIVE');
      const [paid] = await world.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM "Invoice" WHERE "subscriptionId" = $1 AND status = 'PAID'`,
        [unchanged.id],
      );
      expect(paid?.n).toBe(1);
    }, 60_000);

    const references = await ledgerReferences();
    const chargedFor = (id: string) => references.filter((r) => r.startsWith(`${id}-`)).length;
    expect(chargedFor(unchanged.id)).toBe(1);
    for (const sub of [canceled, canceledAtEnd, paused, revoked]) expect(chargedFor(sub.id), sub.id).toBe(0);

    // What each became once its own next action ran.
    const status = async (id: string) =>
      (
        await world.sql<{ status: string; requiresNewToken: boolean }>(
          'SELECT status, "requiresNewToken" FROM "Subscription" WHERE id = $1',
          [id],
        )
      )[0];
    await eventually(async () => {
      expect(await status(canceled.id)).toMatchObject({ status: 'CANCELED' });
      expect(await status(canceledAtEnd.id)).toMatchObject({ status: 'CANCELED' });
      expect(await status(paused.id)).toMatchObject({ status: 'PAUSED' });
      // A revoked token is a hard decline decided without calling Klarna: dunning to the grace end.
      expect(await status(revoked.id)).toMatchObject({ status: 'PAST_DUE', requiresNewToken: true });
    }, 30_000);
  });
});
