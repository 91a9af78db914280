// The scheduler's view of subscriptions: only the stored next action (time, kind, lease). A sweep
// leases a page of due rows in one statement, in the order of the expression index
// Subscription_sweep_idx on GREATEST(nextActionAt, nextActionLeaseUntil): a leased row sorts at its
// lease's end, so a page reads due, unleased rows only, skipping rows another sweep holds
// (SKIP LOCKED).
import type { NextActionKind } from '../domain/index.js';
import type { Db } from './db.js';

export interface LeasedNextAction {
  readonly subscriptionId: string;
  readonly kind: NextActionKind;
  readonly dueAt: Date;
}

export async function leaseDueNextActions(
  db: Db,
  opts: {
    readonly now: Date;
    readonly leaseUntil: Date;
    readonly limit: number;
  },
): Promise<LeasedNextAction[]> {
  const rows = await db.$queryRaw<{ id: string; kind: NextActionKind; due_at: Date }[]>`
    UPDATE "Subscription" SET "nextActionLeaseUntil" = ${opts.leaseUntil}
    WHERE id IN (
      SELECT id FROM "Subscription"
      WHERE "nextActionAt" IS NOT NULL
        AND GREATEST("nextActionAt", "nextActionLeaseUntil") <= ${opts.now}
      ORDER BY GREATEST("nextActionAt", "nextActionLeaseUntil"), id
      LIMIT ${opts.limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING id, "nextActionKind" AS kind, "nextActionAt" AS due_at`;
  return rows.map((r) => ({ subscriptionId: r.id, kind: r.kind, dueAt: r.due_at }));
}

/** Due next actions, leased or not: zero means the sweep has nothing left to do. */
export async function countDueNextActions(db: Db, now: Date): Promise<number> {
  const [row] = await db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM "Subscription"
    WHERE "nextActionAt" IS NOT NULL AND "nextActionAt" <= ${now}`;
  return row?.n ?? 0;
}
