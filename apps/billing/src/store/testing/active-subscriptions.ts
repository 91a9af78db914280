// Subscriptions that signed up earlier, for renewal tests and benchmarks: ACTIVE, with a stored
// token and a phase anchored at `anchorAt`, and period 0 not yet invoiced, so the RENEWAL next
// action at the anchor charges period 0. Written in bulk (one statement per table).
import { randomUUID } from 'node:crypto';
import type { Db } from '../db.js';

export interface ActiveSubscriptionSeed {
  readonly merchantId: string;
  readonly customerId: string;
  readonly tokenId: string;
  readonly planVersionId: string;
  readonly currency: string;
  readonly anchorAt: Date;
  readonly timeZone: string;
}

export async function seedActiveSubscriptions(
  db: Db,
  rows: readonly ActiveSubscriptionSeed[],
  at: Date,
): Promise<string[]> {
  const ids = rows.map(() => randomUUID());
  if (rows.length === 0) return ids;
  await db.$transaction([
    db.subscription.createMany({
      data: rows.map((row, i) => ({
        id: ids[i] ?? randomUUID(),
        merchantId: row.merchantId,
        customerId: row.customerId,
        tokenId: row.tokenId,
        status: 'ACTIVE' as const,
        timeZone: row.timeZone,
        currency: row.currency,
        returnUrl: 'https://shop.example/return',
        periodIndex: 0,
        currentPeriodEnd: row.anchorAt,
        nextActionKind: 'RENEWAL' as const,
        nextActionAt: row.anchorAt,
        createdAt: at,
        updatedAt: at,
      })),
    }),
    db.subscriptionPhase.createMany({
      data: rows.map((row, i) => ({
        merchantId: row.merchantId,
        subscriptionId: ids[i] ?? '',
        planVersionId: row.planVersionId,
        anchorAt: row.anchorAt,
        timeZone: row.timeZone,
        firstPeriodIndex: 0,
        createdAt: at,
      })),
    }),
  ]);
  return ids;
}
