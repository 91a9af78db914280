// The scheduler's view of subscriptions: SubscriptionNextAction, the narrow copy of each
// subscription's next action (time, kind) that triggers keep, with the sweep's lease.
//
// A tick is fair between merchants: it first lists the merchants with due work (one probe of
// SubscriptionNextAction_sweep_idx each), then leases pages in which every merchant has a quota
// (the sweep decides them: at most SCHEDULER_MERCHANT_CAP per merchant and tick). Each quota is
// one range read of SubscriptionNextAction_sweep_idx on (merchantId, GREATEST(dueAt, leaseUntil),
// subscriptionId): a leased row sorts at its lease's end, so a page reads due, unleased rows only,
// skipping rows another sweep holds (FOR UPDATE SKIP LOCKED). A page reads about as many rows as
// it leases, however many are due, and never touches the Subscription table.
import { Prisma } from './generated/prisma/client.js';
import type { NextActionKind } from '../domain/index.js';
import type { Db } from './db.js';
import type { PipelinedTransactions } from './pipelined-transaction.js';
import { queryInOrder, type RawTx } from './raw-tx.js';

export interface LeasedNextAction {
  readonly subscriptionId: string;
  readonly merchantId: string;
  readonly kind: NextActionKind;
  readonly dueAt: Date;
}

/** How many rows a page may lease from one merchant. */
export interface MerchantQuota {
  readonly merchantId: string;
  readonly limit: number;
}

/**
 * A merchant's rows (`n`) whose sweep key (GREATEST(dueAt, leaseUntil)) is up to `bound`, as one
 * range of SubscriptionNextAction_sweep_idx: from (merchant, -infinity) to (merchant, bound) in row
 * comparisons, which mean merchantId = merchant and GREATEST(...) up to the bound. Written as
 * `merchantId = merchant AND GREATEST(...) <= now` alone, the planner chose a global sweep index in
 * a test (since dropped; it gave the same order once the merchant is fixed), filtering out every
 * other merchant's due rows: 68,000 buffers instead of 30. The row comparisons are index conditions
 * only the per-merchant index can take whole; the equality keeps the row estimates right (without
 * it, another index and a sort were chosen). The dashboard's upcoming renewals read the same range.
 */
export function sweepKeyRange(
  merchantId: Prisma.Sql,
  bound: { readonly upTo: Prisma.Sql } | { readonly before: Prisma.Sql },
): Prisma.Sql {
  const upper =
    'upTo' in bound
      ? Prisma.sql`<= (${merchantId}, ${bound.upTo})`
      : Prisma.sql`< (${merchantId}, ${bound.before})`;
  return Prisma.sql`n."merchantId" = ${merchantId}
    AND (n."merchantId", GREATEST(n."dueAt", n."leaseUntil")) >= (${merchantId}, '-infinity'::timestamptz)
    AND (n."merchantId", GREATEST(n."dueAt", n."leaseUntil")) ${upper}`;
}

/** A merchant's due, unleased rows: sweep keys up to now. */
function dueOfMerchant(merchantId: Prisma.Sql, now: Date): Prisma.Sql {
  return sweepKeyRange(merchantId, { upTo: Prisma.sql`${now}::timestamptz` });
}

/** SubscriptionNextAction_sweep_idx's order. */
const SWEEP_ORDER = Prisma.sql`n."merchantId", GREATEST(n."dueAt", n."leaseUntil"), n."subscriptionId"`;

/** Merchants with at least one due, unleased next action, by id. */
export function merchantsWithDueNextActionsQuery(now: Date): Prisma.Sql {
  // LATERAL ... LIMIT 1: one index probe per merchant, never a scan of the due rows.
  return Prisma.sql`
    SELECT m.id FROM "Merchant" m
    CROSS JOIN LATERAL (
      SELECT 1 FROM "SubscriptionNextAction" n
      WHERE ${dueOfMerchant(Prisma.sql`m.id`, now)}
      ORDER BY ${SWEEP_ORDER}
      LIMIT 1) due
    ORDER BY m.id`;
}

export async function merchantsWithDueNextActions(db: Db, now: Date): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>(merchantsWithDueNextActionsQuery(now));
  return rows.map((r) => r.id);
}

/**
 * Run before the lease statement, in its transaction. The index path's heap reads are random (ids
 * are random), so the planner may prefer reading all of a merchant's rows in heap order through
 * another (merchantId, ...) index and sorting them, when its estimate of the merchant's due rows is
 * low (stale statistics on a renewal day): measured, 8,571 rows read and sorted to lease 71.
 * PostgreSQL has no hints; disabling sorts for this one transaction leaves only the index's order.
 * The lease commits asynchronously (no wait for the WAL flush): a lease lost in a crash of
 * PostgreSQL only makes its row due again, and the next sweep enqueues it again under a new lease,
 * as after a lease that expired (the processor checks the action is still the row's next one).
 */
export const NO_SORT = Prisma.sql`SELECT set_config('enable_sort', 'off', true),
  set_config('enable_incremental_sort', 'off', true), set_config('synchronous_commit', 'off', true)`;

/** Leases up to each quota of due rows of each merchant, oldest first; one statement. */
export function leaseDueNextActionsQuery(opts: {
  readonly now: Date;
  readonly leaseUntil: Date;
  readonly quotas: readonly MerchantQuota[];
}): Prisma.Sql {
  const merchantIds = opts.quotas.map((q) => q.merchantId);
  const limits = opts.quotas.map((q) => q.limit);
  // ARRAY(...) runs the picking once, as an init plan, and the UPDATE then reaches each row by the
  // ctid the lock returned (a Tid Scan: no second index lookup; a join could even be planned as a
  // hash join over the whole table). The row stays locked by this statement, so its ctid holds.
  return Prisma.sql`
    UPDATE "SubscriptionNextAction" SET "leaseUntil" = ${opts.leaseUntil}
    WHERE ctid = ANY (ARRAY(
      SELECT picked.ctid
      FROM unnest(${merchantIds}::uuid[], ${limits}::int[]) AS quota(merchant_id, quota)
      CROSS JOIN LATERAL (
        SELECT n.ctid FROM "SubscriptionNextAction" n
        WHERE ${dueOfMerchant(Prisma.sql`quota.merchant_id`, opts.now)}
        ORDER BY ${SWEEP_ORDER}
        LIMIT quota.quota
        FOR UPDATE SKIP LOCKED) picked))
    RETURNING "subscriptionId" AS id, "merchantId" AS merchant_id, kind, "dueAt" AS due_at`;
}

/**
 * Runs the lease on the pipelined `pg` pool: BEGIN, NO_SORT and the lease go out in one write, the
 * COMMIT in a second (Prisma's batch transaction took four round trips and decoded every row in
 * its query engine: a tenth of the sweep's CPU per row).
 */
export async function leaseDueNextActions(
  transactions: Pick<PipelinedTransactions, 'run'>,
  opts: {
    readonly now: Date;
    readonly leaseUntil: Date;
    readonly quotas: readonly MerchantQuota[];
  },
): Promise<LeasedNextAction[]> {
  if (opts.quotas.length === 0) return [];
  const [, rows] = await transactions.run((tx) =>
    queryInOrder(tx, [NO_SORT, leaseDueNextActionsQuery(opts)]),
  );
  return (rows as { id: string; merchant_id: string; kind: NextActionKind; due_at: Date }[]).map((r) => ({
    subscriptionId: r.id,
    merchantId: r.merchant_id,
    kind: r.kind,
    dueAt: r.due_at,
  }));
}

/** Due next actions, leased or not: zero means the sweep has nothing left to do. */
export async function countDueNextActions(db: Db, now: Date): Promise<number> {
  const [row] = await db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM "SubscriptionNextAction" WHERE "dueAt" <= ${now}`;
  return row?.n ?? 0;
}

/**
 * Leases one subscription's next action for a job its caller enqueues itself (an operator's retry
 * now, a signup's finalize, a replaced token's retry), as a sweep leases a page. Run after the
 * statement that set the action, in the same transaction: the trigger that copies a new action
 * into SubscriptionNextAction runs at the end of that statement and clears the lease.
 */
export async function leaseNextAction(tx: RawTx, subscriptionId: string, leaseUntil: Date): Promise<void> {
  await tx.$executeRaw`
    UPDATE "SubscriptionNextAction" SET "leaseUntil" = ${leaseUntil}::timestamptz
    WHERE "subscriptionId" = ${subscriptionId}::uuid`;
}

/** The lease on a subscription's next action; null when it has none or is not leased. */
export async function readNextActionLease(tx: RawTx, subscriptionId: string): Promise<Date | null> {
  const rows = await tx.$queryRaw<{ lease_until: Date | null }[]>`
    SELECT "leaseUntil" AS lease_until FROM "SubscriptionNextAction" WHERE "subscriptionId" = ${subscriptionId}::uuid`;
  return rows[0]?.lease_until ?? null;
}
