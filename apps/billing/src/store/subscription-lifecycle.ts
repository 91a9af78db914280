// The lifecycle commands' writes (cancel, uncancel, pause, resume, token revocation and replacement,
// plan change): row locks, the subscription update that checks and bumps `version`, the resume's
// and the plan change's phases, voiding uncharged invoices, the token's revocation, and the
// skipped-period list. Decisions are made in src/lifecycle with the domain; this file only reads and
// writes what it is told, in the caller's transaction.
import type { Db, Tx } from './db.js';
import type { ChargeAttemptStatus, Prisma, Subscription } from './generated/prisma/client.js';
import { afterKeyset, NEWEST_FIRST, toPage, type Page, type PageQuery } from './pagination.js';

export type LifecycleSubscriptionRow = Subscription;

export interface LockedSubscription {
  readonly row: Subscription;
  /** The plan version of the subscription's latest phase. */
  readonly planVersionId: string;
  /**
   * The highest period index the subscription has used: its current period, any invoice or
   * skipped range, the latest phase's first period less one (a phase not billed yet).
   */
  readonly lastPeriodIndex: number;
}

/**
 * Locks the subscription row (FOR UPDATE, scoped by merchant) and reads it after the lock, so
 * (READ COMMITTED) it sees what the transaction that held the lock committed. Null: no such
 * subscription for this merchant.
 */
export async function lockSubscriptionForLifecycle(
  tx: Tx,
  merchantId: string,
  subscriptionId: string,
): Promise<LockedSubscription | null> {
  const locked = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM "Subscription" WHERE id = ${subscriptionId}::uuid AND "merchantId" = ${merchantId}::uuid
    FOR UPDATE`;
  if (locked.length === 0) return null;
  return readLifecycleSubscription(tx, subscriptionId);
}

async function readLifecycleSubscription(tx: Tx, subscriptionId: string): Promise<LockedSubscription> {
  const row = await tx.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });
  const [phase, invoice, skipped] = await Promise.all([
    tx.subscriptionPhase.findFirstOrThrow({
      where: { subscriptionId },
      orderBy: { firstPeriodIndex: 'desc' },
      select: { planVersionId: true, firstPeriodIndex: true },
    }),
    tx.invoice.aggregate({ where: { subscriptionId }, _max: { periodIndex: true } }),
    tx.skippedPeriodRange.aggregate({ where: { subscriptionId }, _max: { toIndex: true } }),
  ]);
  const lastPeriodIndex = Math.max(
    row.periodIndex,
    invoice._max.periodIndex ?? 0,
    skipped._max.toIndex ?? 0,
    phase.firstPeriodIndex - 1,
  );
  return { row, planVersionId: phase.planVersionId, lastPeriodIndex };
}

/** The subscription columns a lifecycle command may change. */
export type SubscriptionLifecycleWrite = Partial<
  Pick<
    Subscription,
    | 'status'
    | 'cancelAtPeriodEnd'
    | 'pauseAtPeriodEnd'
    | 'pausedAt'
    | 'requiresNewToken'
    | 'tokenId'
    | 'canceledAt'
    | 'endedAt'
    | 'endedReason'
    | 'nextRetryAt'
    | 'nextActionKind'
    | 'nextActionAt'
  >
>;

/**
 * Writes `data` to the locked row if its version is still `version`, and bumps it. Under the
 * row lock the check cannot fail unless a writer skipped the lock: that is a bug, and it throws
 * (the transaction rolls back).
 */
export async function updateSubscriptionVersioned(
  tx: Tx,
  input: { id: string; version: number; data: SubscriptionLifecycleWrite; at: Date },
): Promise<void> {
  const { count } = await tx.subscription.updateMany({
    where: { id: input.id, version: input.version },
    data: { ...input.data, version: { increment: 1 }, updatedAt: input.at },
  });
  if (count !== 1) {
    throw new Error(`subscription ${input.id} changed under its row lock (version ${input.version})`);
  }
}

/**
 * Adds a phase, or, when one already starts with the same period (a plan change from the next
 * period not billed yet, then a resume), moves that one: the resume's anchor, the pending version.
 */
export async function insertSubscriptionPhase(
  tx: Tx,
  input: {
    merchantId: string;
    subscriptionId: string;
    planVersionId: string;
    anchorAt: Date;
    timeZone: string;
    firstPeriodIndex: number;
    at: Date;
  },
): Promise<void> {
  await tx.subscriptionPhase.upsert({
    where: {
      subscriptionId_firstPeriodIndex: {
        subscriptionId: input.subscriptionId,
        firstPeriodIndex: input.firstPeriodIndex,
      },
    },
    create: {
      merchantId: input.merchantId,
      subscriptionId: input.subscriptionId,
      planVersionId: input.planVersionId,
      anchorAt: input.anchorAt,
      timeZone: input.timeZone,
      firstPeriodIndex: input.firstPeriodIndex,
      createdAt: input.at,
    },
    update: { planVersionId: input.planVersionId, anchorAt: input.anchorAt, timeZone: input.timeZone },
  });
}

export interface PlanChangeRows {
  /** Every phase, oldest first. */
  readonly phases: readonly {
    readonly id: string;
    readonly planVersionId: string;
    readonly anchorAt: Date;
    readonly firstPeriodIndex: number;
  }[];
  /** The newest invoice's period (a renewal in flight is ahead of the row's period). */
  readonly newestInvoice: { readonly periodIndex: number; readonly periodEnd: Date } | null;
}

/** What a plan change reads besides the locked row (call with the row locked). */
export async function readPlanChangeRows(tx: Tx, subscriptionId: string): Promise<PlanChangeRows> {
  const [phases, newestInvoice] = await Promise.all([
    tx.subscriptionPhase.findMany({
      where: { subscriptionId },
      orderBy: { firstPeriodIndex: 'asc' },
      select: { id: true, planVersionId: true, anchorAt: true, firstPeriodIndex: true },
    }),
    tx.invoice.findFirst({
      where: { subscriptionId },
      orderBy: { periodIndex: 'desc' },
      select: { periodIndex: true, periodEnd: true },
    }),
  ]);
  return { phases, newestInvoice };
}

export type PlanVersionLookup =
  | {
      readonly kind: 'found';
      readonly plan: { readonly id: string; readonly currency: string; readonly archived: boolean };
      readonly version: { readonly id: string; readonly version: number };
    }
  | { readonly kind: 'no_plan' }
  | { readonly kind: 'no_version' };

/** The merchant's plan and its version `version` (null: the latest). */
export async function findPlanVersionForChange(
  tx: Tx,
  merchantId: string,
  planId: string,
  version: number | null,
): Promise<PlanVersionLookup> {
  const plan = await tx.plan.findFirst({
    where: { id: planId, merchantId },
    select: { id: true, currency: true, status: true, latestVersion: true },
  });
  if (plan === null) return { kind: 'no_plan' };
  const row = await tx.planVersion.findFirst({
    where: { planId: plan.id, merchantId, version: version ?? plan.latestVersion },
    select: { id: true, version: true },
  });
  if (row === null) return { kind: 'no_version' };
  return {
    kind: 'found',
    plan: { id: plan.id, currency: plan.currency, archived: plan.status === 'ARCHIVED' },
    version: row,
  };
}

/** Points a phase not billed yet at another plan version. */
export async function setPhasePlanVersion(tx: Tx, phaseId: string, planVersionId: string): Promise<void> {
  await tx.subscriptionPhase.update({ where: { id: phaseId }, data: { planVersionId } });
}

/** Removes a phase not billed yet (a pending plan change withdrawn). */
export async function deletePendingPhase(tx: Tx, phaseId: string): Promise<void> {
  await tx.subscriptionPhase.delete({ where: { id: phaseId } });
}

/** Attempts whose outcome may still take money: an invoice with one stays OPEN. */
const IN_FLIGHT: ChargeAttemptStatus[] = ['PENDING', 'UNKNOWN', 'STEP_UP_REQUIRED'];

/**
 * Voids the subscription's OPEN invoices that no charge took money for and no attempt may still
 * take money for. Returns the ids voided and the ids left OPEN (an attempt in flight: its
 * outcome settles them).
 */
export async function voidUnchargedOpenInvoices(
  tx: Tx,
  input: { merchantId: string; subscriptionId: string; at: Date },
): Promise<{ voided: string[]; leftOpen: string[] }> {
  const open = await tx.invoice.findMany({
    where: { merchantId: input.merchantId, subscriptionId: input.subscriptionId, status: 'OPEN' },
    select: {
      id: true,
      _count: { select: { charges: true, chargeAttempts: { where: { status: { in: IN_FLIGHT } } } } },
    },
    orderBy: { periodIndex: 'asc' },
  });
  const voidable = open.filter((i) => i._count.charges === 0 && i._count.chargeAttempts === 0);
  const voided = voidable.map((i) => i.id);
  if (voided.length > 0) {
    await tx.invoice.updateMany({
      where: { id: { in: voided }, status: 'OPEN' },
      data: { status: 'VOID', voidedAt: input.at, updatedAt: input.at },
    });
  }
  return { voided, leftOpen: open.filter((i) => !voided.includes(i.id)).map((i) => i.id) };
}

/** The token a subscription uses (read without a lock, to know what to lock next). */
export async function findSubscriptionToken(
  tx: Tx,
  merchantId: string,
  subscriptionId: string,
): Promise<{ tokenId: string | null } | null> {
  return tx.subscription.findFirst({ where: { id: subscriptionId, merchantId }, select: { tokenId: true } });
}

/**
 * Locks every subscription of the merchant on `tokenId` (in id order, one statement, so two
 * revocations never deadlock), then the token row; reads both after the locks.
 */
export async function lockTokenAndSubscriptions(
  tx: Tx,
  merchantId: string,
  tokenId: string,
): Promise<{
  token: { id: string; status: 'ACTIVE' | 'REVOKED'; revokedAt: Date | null; revokedReason: string | null };
  subscriptions: Subscription[];
} | null> {
  await tx.$queryRaw`
    SELECT id FROM "Subscription" WHERE "tokenId" = ${tokenId}::uuid AND "merchantId" = ${merchantId}::uuid
    ORDER BY id FOR UPDATE`;
  const locked = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM "CustomerToken" WHERE id = ${tokenId}::uuid AND "merchantId" = ${merchantId}::uuid FOR UPDATE`;
  if (locked.length === 0) return null;
  const [token, subscriptions] = await Promise.all([
    tx.customerToken.findUniqueOrThrow({
      where: { id: tokenId },
      select: { id: true, status: true, revokedAt: true, revokedReason: true },
    }),
    tx.subscription.findMany({ where: { tokenId, merchantId }, orderBy: { id: 'asc' } }),
  ]);
  return { token, subscriptions };
}

export async function revokeCustomerTokenRow(
  tx: Tx,
  input: { id: string; reason: string; at: Date },
): Promise<void> {
  await tx.customerToken.updateMany({
    where: { id: input.id, status: 'ACTIVE' },
    data: { status: 'REVOKED', revokedAt: input.at, revokedReason: input.reason },
  });
}

export type SkippedPeriodRow = Prisma.SkippedPeriodRangeGetPayload<object>;

export async function subscriptionExists(db: Db, merchantId: string, id: string): Promise<boolean> {
  const row = await db.subscription.findFirst({ where: { id, merchantId }, select: { id: true } });
  return row !== null;
}

/** A subscription's skipped period ranges, newest first. */
export async function listSkippedPeriods(
  db: Db,
  merchantId: string,
  subscriptionId: string,
  page: PageQuery,
): Promise<Page<SkippedPeriodRow>> {
  const rows = await db.skippedPeriodRange.findMany({
    where: { merchantId, subscriptionId, ...afterKeyset(page.after) },
    orderBy: NEWEST_FIRST,
    take: page.limit + 1,
  });
  return toPage(rows, page.limit);
}
