// A subscription started on a customer token Rebill already holds: the subscription (already
// TRIALING or ACTIVE, with its token and next action) and its first phase, no journey, no invoice
// (the renewal engine writes period 0's when it charges it).
import { randomUUID } from 'node:crypto';
import type { NextAction } from '../domain/next-action.js';
import type { Tx } from './db.js';
import type { NewSignupRows } from './signups.js';

export interface NewTokenSubscription extends Pick<
  NewSignupRows,
  | 'merchantId'
  | 'customerId'
  | 'planVersion'
  | 'timeZone'
  | 'currency'
  | 'returnUrl'
  | 'anchorAt'
  | 'trialEndsAt'
  | 'now'
> {
  readonly tokenId: string;
  readonly status: 'TRIALING' | 'ACTIVE';
  readonly next: NextAction;
}

export async function insertTokenSubscription(tx: Tx, row: NewTokenSubscription): Promise<string> {
  const id = randomUUID();
  await tx.subscription.create({
    data: {
      id,
      merchantId: row.merchantId,
      customerId: row.customerId,
      tokenId: row.tokenId,
      status: row.status,
      timeZone: row.timeZone,
      currency: row.currency,
      returnUrl: row.returnUrl,
      trialEndsAt: row.trialEndsAt,
      nextActionKind: row.next.kind,
      nextActionAt: row.next.at,
      createdAt: row.now,
      updatedAt: row.now,
    },
  });
  await tx.subscriptionPhase.create({
    data: {
      merchantId: row.merchantId,
      subscriptionId: id,
      planVersionId: row.planVersion.id,
      anchorAt: row.anchorAt,
      timeZone: row.timeZone,
      firstPeriodIndex: 0,
      createdAt: row.now,
    },
  });
  return id;
}
