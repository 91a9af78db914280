// The lease query against a realistic table: 70,000 subscriptions due at the same instant. A page
// must be one range read of the per-merchant sweep index per quota (no Seq Scan, no Sort over the
// table), touching a few thousand buffers, not the ~100,000 rows a scan of the due rows would.
import { describe, expect } from 'vitest';
import { ownDatabaseTest } from '../testing/database-test.js';
import { Prisma } from './generated/prisma/client.js';
import type { Db } from './db.js';
import {
  countDueNextActions,
  leaseDueNextActions,
  leaseDueNextActionsQuery,
  merchantsWithDueNextActions,
  merchantsWithDueNextActionsQuery,
  NO_SORT,
} from './next-actions.js';
import { seedCustomer, seedDueSubscriptions, seedMerchant } from './testing/seed.js';

const DUE = new Date('2027-03-01T00:00:00.000Z');
const NOW = new Date(DUE.getTime() + 60_000);
const LEASE_MS = 300_000;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  'Parent Relationship'?: string;
  'Actual Rows': number;
  Plans?: PlanNode[];
}

async function explain(db: Db, query: Prisma.Sql): Promise<{ root: PlanNode; nodes: PlanNode[] }> {
  // As leaseDueNextActions runs it: after NO_SORT, in one transaction.
  const [, [row]] = await db.$transaction([
    db.$queryRaw(NO_SORT),
    db.$queryRaw<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(
      Prisma.sql`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${query}`,
    ),
  ]);
  const root = row!['QUERY PLAN'][0].Plan;
  const nodes: PlanNode[] = [];
  const walk = (node: PlanNode): void => {
    nodes.push(node);
    node.Plans?.forEach(walk);
  };
  walk(root);
  return { root, nodes };
}

const buffers = (node: PlanNode) => node['Shared Hit Blocks'] + node['Shared Read Blocks'];

async function seedMerchantWithDue(
  db: Db,
  count: number,
  dueAt = DUE,
): Promise<{ merchantId: string; ids: string[] }> {
  const merchant = await seedMerchant(db);
  const customer = await seedCustomer(db, merchant.id);
  const ids = await seedDueSubscriptions(db, {
    merchantId: merchant.id,
    customerId: customer.id,
    count,
    dueAt,
  });
  return { merchantId: merchant.id, ids };
}

describe('leasing due next actions', () => {
  ownDatabaseTest(
    'a page of 500 among 70,000 due rows reads the sweep index, no Seq Scan or Sort, a few thousand buffers',
    { timeout: 120_000 },
    async ({ prisma, transactions }) => {
      // Seven merchants: one with 40,000 due, six with 5,000; plus 2,000 not yet due.
      const big = await seedMerchantWithDue(prisma, 40_000);
      const others = [];
      for (let i = 0; i < 6; i++) others.push(await seedMerchantWithDue(prisma, 5_000));
      await seedMerchantWithDue(prisma, 2_000, new Date(NOW.getTime() + 86_400_000));
      await prisma.$executeRawUnsafe('ANALYZE "Subscription", "SubscriptionNextAction"');
      expect(await countDueNextActions(prisma, NOW)).toBe(70_000);

      // Twenty pages leased first: their 10,000 rows must not be read again by the next page.
      for (let i = 0; i < 20; i++) {
        const leased = await leaseDueNextActions(transactions, {
          now: NOW,
          leaseUntil: new Date(NOW.getTime() + LEASE_MS),
          quotas: [{ merchantId: big.merchantId, limit: 500 }],
        });
        expect(leased).toHaveLength(500);
      }

      const merchants = await explain(prisma, merchantsWithDueNextActionsQuery(NOW));
      const probes = merchants.nodes.filter((n) => n['Relation Name'] === 'SubscriptionNextAction');
      expect(probes.map((n) => `${n['Node Type']} ${n['Index Name']}`)).toEqual([
        expect.stringMatching(/^Index (?:Only )?Scan SubscriptionNextAction_sweep_idx$/),
      ]);
      // The sweep never reads the wide Subscription table.
      expect(merchants.nodes.filter((n) => n['Relation Name'] === 'Subscription')).toEqual([]);
      // Dead index entries of the rows just leased are read (and marked dead) by the first probe after.
      expect(buffers(merchants.root)).toBeLessThan(3_000);
      expect(await merchantsWithDueNextActions(prisma, NOW)).toHaveLength(7);

      // A page of 500 shared out among the seven merchants, as the sweep does.
      const quotas = [big, ...others].map((m, i) => ({ merchantId: m.merchantId, limit: i < 3 ? 72 : 71 }));
      expect(quotas.reduce((sum, q) => sum + q.limit, 0)).toBe(500);
      const page = await explain(
        prisma,
        leaseDueNextActionsQuery({ now: NOW, leaseUntil: new Date(NOW.getTime() + LEASE_MS), quotas }),
      );
      const shape = page.nodes.map((n) => `${n['Node Type']}${n['Index Name'] ? ` ${n['Index Name']}` : ''}`);
      expect(shape.join(' / ')).not.toMatch(/Seq Scan|Sort/);
      expect(shape).toContain('LockRows');
      const queueReads = page.nodes.filter((n) => n['Relation Name'] === 'SubscriptionNextAction');
      expect(queueReads.map((n) => `${n['Node Type']} ${n['Index Name'] ?? ''}`.trim()).sort()).toEqual([
        'Index Scan SubscriptionNextAction_sweep_idx',
        'ModifyTable',
        'Tid Scan',
      ]);
      expect(page.nodes.filter((n) => n['Relation Name'] === 'Subscription')).toEqual([]);
      // Picking and locking the 500 rows: a few buffers per row, however many rows are due or leased.
      const picking = page.nodes.find((n) => n['Parent Relationship'] === 'InitPlan')!;
      expect(buffers(picking)).toBeLessThan(3_000);
      // The whole statement adds the update itself: each row's new version goes into the queue's
      // two indexes (the lease is in the sweep index's key, so the update is never HOT), the price
      // of leased rows never being read again. On Subscription's seven indexes this was about 25
      // buffers a row.
      expect(buffers(page.root)).toBeLessThan(10_000);
      expect(page.root['Actual Rows']).toBe(500);
      console.info(
        `lease page of 500: ${buffers(picking)} buffers picking, ${buffers(page.root)} in all; due merchants: ${buffers(merchants.root)}`,
      );
    },
  );

  ownDatabaseTest(
    'a page leases each quota of due, unleased rows, oldest first',
    async ({ prisma, transactions }) => {
      const a = await seedMerchantWithDue(prisma, 30);
      const b = await seedMerchantWithDue(prisma, 5);
      await seedMerchantWithDue(prisma, 5, new Date(NOW.getTime() + 1));
      const leaseUntil = new Date(NOW.getTime() + LEASE_MS);
      const quotas = [
        { merchantId: a.merchantId, limit: 20 },
        { merchantId: b.merchantId, limit: 20 },
      ];

      const first = await leaseDueNextActions(transactions, { now: NOW, leaseUntil, quotas });
      expect(first.filter((r) => r.merchantId === a.merchantId)).toHaveLength(20);
      expect(first.filter((r) => r.merchantId === b.merchantId)).toHaveLength(5);
      expect(first.every((r) => r.kind === 'RENEWAL' && r.dueAt.getTime() === DUE.getTime())).toBe(true);

      // Leased rows stay out until their lease ends; then they are due again.
      const second = await leaseDueNextActions(transactions, { now: NOW, leaseUntil, quotas });
      expect(second).toHaveLength(10);
      expect(await merchantsWithDueNextActions(prisma, NOW)).toEqual([]);
      expect(await merchantsWithDueNextActions(prisma, leaseUntil)).toHaveLength(3);
    },
  );
});
