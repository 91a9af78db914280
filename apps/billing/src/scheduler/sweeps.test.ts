// The next-action sweep is fair and bounded: a merchant with thousands due cannot starve one with
// ten, a tick leases at most the cap per merchant and the tick maximum in all, and nothing is leased
// while the subscriptions queue holds a full backlog. Charges whose money work is due are leased
// once each. Real PostgreSQL; the queues are recorders.
import type { Queue } from 'bullmq';
import { describe, expect } from 'vitest';
import { fixedClock } from '../domain/index.js';
import type { Db } from '../store/db.js';
import { seedCustomer, seedDueSubscriptions, seedMerchant } from '../store/testing/seed.js';
import { ownDatabaseTest } from '../testing/database-test.js';
import { seedBilledSubscription } from '../api/testing/billing-rows.js';
import { newSweepState, sweepOnce, type SweepDeps } from './sweeps.js';

const DUE = new Date('2027-03-01T00:00:00.000Z');
const NOW = new Date(DUE.getTime() + 60_000);

interface RecordingQueue {
  waiting: number;
  readonly jobs: { data: { subscriptionId: string }; opts: { jobId: string } }[];
}

function recordingQueue(): RecordingQueue &
  Pick<Queue, 'addBulk' | 'getWaitingCount' | 'getPrioritizedCount'> {
  const queue = {
    waiting: 0,
    jobs: [] as RecordingQueue['jobs'],
    addBulk: (jobs: RecordingQueue['jobs']) => {
      queue.jobs.push(...jobs);
      return Promise.resolve([]);
    },
    getWaitingCount: () => Promise.resolve(queue.waiting),
    getPrioritizedCount: () => Promise.resolve(0),
  };
  return queue as unknown as RecordingQueue &
    Pick<Queue, 'addBulk' | 'getWaitingCount' | 'getPrioritizedCount'>;
}

function deps(db: Db, transactions: SweepDeps['transactions'], overrides: Partial<SweepDeps> = {}) {
  const subscriptions = recordingQueue();
  return {
    subscriptions,
    deps: {
      db,
      transactions,
      clock: fixedClock(NOW),
      queues: {
        subscriptions,
        webhookEvents: recordingQueue(),
        money: recordingQueue(),
        merchantWebhooks: recordingQueue(),
      },
      batchSize: 500,
      merchantCap: 20,
      tickMax: 5_000,
      queueBacklog: 100_000,
      leaseMs: 300_000,
      ...overrides,
    } satisfies SweepDeps,
  };
}

async function merchantWithDue(db: Db, count: number): Promise<Set<string>> {
  const merchant = await seedMerchant(db);
  const customer = await seedCustomer(db, merchant.id);
  return new Set(
    await seedDueSubscriptions(db, { merchantId: merchant.id, customerId: customer.id, count, dueAt: DUE }),
  );
}

const countOf = (jobs: RecordingQueue['jobs'], ids: Set<string>) =>
  jobs.filter((job) => ids.has(job.data.subscriptionId)).length;

describe('the next-action sweep', () => {
  ownDatabaseTest(
    'a merchant with 50x the cap due does not starve one with 10',
    async ({ prisma, transactions }) => {
      const a = await merchantWithDue(prisma, 1_000);
      const b = await merchantWithDue(prisma, 10);
      const { deps: d, subscriptions } = deps(prisma, transactions);
      const state = newSweepState();

      const first = await sweepOnce(d, state);
      expect(first).toEqual({
        nextActions: 30,
        webhookEvents: 0,
        charges: 0,
        webhookDeliveries: 0,
        backlogFull: false,
      });
      expect(countOf(subscriptions.jobs, b)).toBe(10);
      expect(countOf(subscriptions.jobs, a)).toBe(20);

      for (let tick = 2; tick <= 5; tick++) {
        const before = subscriptions.jobs.length;
        await sweepOnce(d, state);
        expect(subscriptions.jobs.length - before).toBe(20); // A only, the cap
      }
      expect(countOf(subscriptions.jobs, a)).toBe(100);
      expect(new Set(subscriptions.jobs.map((j) => j.opts.jobId)).size).toBe(110);
    },
  );

  ownDatabaseTest(
    'the tick maximum is shared out: the small merchant still gets all its rows',
    async ({ prisma, transactions }) => {
      const a = await merchantWithDue(prisma, 1_000);
      const b = await merchantWithDue(prisma, 10);
      const { deps: d, subscriptions } = deps(prisma, transactions, {
        merchantCap: 500,
        tickMax: 25,
        batchSize: 10,
      });

      expect((await sweepOnce(d)).nextActions).toBe(25);
      expect(countOf(subscriptions.jobs, b)).toBe(10);
      expect(countOf(subscriptions.jobs, a)).toBe(15);
    },
  );

  ownDatabaseTest(
    'with more merchants than a tick takes, the round moves on from tick to tick',
    async ({ prisma, transactions }) => {
      const merchants = [];
      for (let i = 0; i < 10; i++) merchants.push(await merchantWithDue(prisma, 3));
      const { deps: d, subscriptions } = deps(prisma, transactions, {
        merchantCap: 1,
        tickMax: 4,
        batchSize: 4,
      });
      const state = newSweepState();

      for (let tick = 0; tick < 3; tick++) expect((await sweepOnce(d, state)).nextActions).toBe(4);
      // 12 rows over three ticks: every merchant served at least once, none more than twice.
      const served = merchants.map((ids) => countOf(subscriptions.jobs, ids));
      expect(Math.min(...served)).toBe(1);
      expect(Math.max(...served)).toBe(2);
    },
  );

  ownDatabaseTest(
    'a full backlog in the queue leases nothing; a partly full one leases what fits',
    async ({ prisma, transactions }) => {
      const a = await merchantWithDue(prisma, 100);
      const { deps: d, subscriptions } = deps(prisma, transactions, { queueBacklog: 50, merchantCap: 100 });

      subscriptions.waiting = 50;
      expect(await sweepOnce(d)).toEqual({
        nextActions: 0,
        webhookEvents: 0,
        charges: 0,
        webhookDeliveries: 0,
        backlogFull: true,
      });
      subscriptions.waiting = 43;
      expect((await sweepOnce(d)).nextActions).toBe(7);
      expect(countOf(subscriptions.jobs, a)).toBe(7);
    },
  );
});

describe('the money sweep', () => {
  ownDatabaseTest(
    'leases each charge whose money action is due once, by id and lease, and not again while leased',
    async ({ prisma, transactions }) => {
      const merchant = await seedMerchant(prisma);
      const { charges } = await seedBilledSubscription(prisma, merchant.id, 3);
      const [due, later, none] = charges.map((c) => c.charge);
      if (due === undefined || later === undefined || none === undefined) throw new Error('seed');
      await prisma.charge.update({ where: { id: due.id }, data: { moneyActionAt: DUE } });
      await prisma.charge.update({
        where: { id: later.id },
        data: { moneyActionAt: new Date(NOW.getTime() + 1) },
      });
      const money = recordingQueue();
      const { deps: d } = deps(prisma, transactions);
      const withMoney = { ...d, queues: { ...d.queues, money } };

      expect((await sweepOnce(withMoney)).charges).toBe(1);
      const jobs = money.jobs as unknown as { data: { chargeId: string }; opts: { jobId: string } }[];
      expect(jobs.map((j) => j.data.chargeId)).toEqual([due.id]);
      expect(jobs[0]?.opts.jobId).toBe(`money-${due.id}-${NOW.getTime() + 60_000}`);
      // Leased: the next tick leaves it to its job.
      expect((await sweepOnce(withMoney)).charges).toBe(0);
      // Once the lease has passed (a lost job), it is swept again under a new lease.
      const afterLease = { ...withMoney, clock: fixedClock(new Date(NOW.getTime() + 61_000)) };
      expect((await sweepOnce(afterLease)).charges).toBe(2);
    },
  );
});
