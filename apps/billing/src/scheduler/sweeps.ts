// The scheduler's sweeps: due work read from PostgreSQL (the truth), leased, and enqueued as
// BullMQ jobs whose ids derive from the row and its lease. Overlapping ticks, two schedulers and
// restarts never enqueue the same work twice; work whose job was lost is enqueued again once its
// lease has expired.
//
// Next actions are swept fairly and in bounded amounts (ARCHITECTURE.md, "The scheduler"):
// - a tick leases at most `merchantCap` rows per merchant and `tickMax` in all, in pages of
//   `batchSize` shared out evenly between the merchants with due work (a merchant with 100,000
//   renewals due gets the cap, one with 10 gets its 10 in the same tick). A tick does not loop
//   until nothing is due: what is left waits for the next tick, so the queue holds every merchant's
//   work interleaved, never one merchant's backlog in front of another's.
// - a tick enqueues nothing past `queueBacklog` jobs waiting in the subscriptions queue: Redis holds
//   only work in flight, PostgreSQL the rest. A leased row's job must start before its lease ends
//   (else the row is swept again and a second job enqueued), so `leaseMs` must exceed the time the
//   workers take to drain `queueBacklog` jobs, at their slowest.
import type { Queue } from 'bullmq';
import type { Clock } from '../domain/index.js';
import { JOBS, leasedJob } from '../queue/catalog.js';
import type { Db } from '../store/db.js';
import type { PipelinedTransactions } from '../store/pipelined-transaction.js';
import {
  leaseDueNextActions,
  merchantsWithDueNextActions,
  type LeasedNextAction,
  type MerchantQuota,
} from '../store/next-actions.js';
import { leaseDueChargeMoney } from '../store/charge-money.js';
import { leaseDueWebhookEvents } from '../store/webhook-events.js';
import { leaseDueWebhookDeliveries } from '../store/webhook-endpoints.js';

/** How long an enqueued webhook-event job owns its row before a sweep may enqueue it again. */
export const SWEEP_LEASE_MS = 60_000;

export interface SweepDeps {
  readonly db: Db;
  /** The next-action lease's transactions (plain `pg`, pipelined: a page in one write). */
  readonly transactions: Pick<PipelinedTransactions, 'run'>;
  readonly clock: Clock;
  readonly queues: {
    readonly subscriptions: Pick<Queue, 'addBulk' | 'getWaitingCount' | 'getPrioritizedCount'>;
    readonly webhookEvents: Pick<Queue, 'addBulk'>;
    readonly money: Pick<Queue, 'addBulk'>;
    readonly merchantWebhooks: Pick<Queue, 'addBulk'>;
  };
  /** Rows one lease statement (and one `addBulk`) handles. */
  readonly batchSize: number;
  /** Next actions a tick leases per merchant at most. */
  readonly merchantCap: number;
  /** Next actions a tick leases in all at most. */
  readonly tickMax: number;
  /** A tick leases nothing past this many jobs waiting in the subscriptions queue. */
  readonly queueBacklog: number;
  /** How long a next action's job owns its row. */
  readonly leaseMs: number;
}

/** What a sweep carries from one tick to the next: where its round of merchants starts. */
export interface SweepState {
  /** The merchant served last; the next tick starts with the one after it. */
  lastMerchantId: string | null;
}

export function newSweepState(): SweepState {
  return { lastMerchantId: null };
}

export interface SweepCounts {
  readonly nextActions: number;
  readonly webhookEvents: number;
  readonly charges: number;
  readonly webhookDeliveries: number;
  /** The subscriptions queue held `queueBacklog` waiting jobs or more: no next action was leased. */
  readonly backlogFull: boolean;
}

/** One tick: a fair, bounded share of due next actions, then every due webhook event. */
export async function sweepOnce(deps: SweepDeps, state: SweepState = newSweepState()): Promise<SweepCounts> {
  const { leased: nextActions, backlogFull } = await sweepNextActions(deps, state);
  const webhookEvents = await sweepWebhookEvents(deps);
  const charges = await sweepChargeMoney(deps);
  const webhookDeliveries = await sweepWebhookDeliveries(deps);
  return { nextActions, webhookEvents, charges, webhookDeliveries, backlogFull };
}

async function sweepNextActions(
  deps: SweepDeps,
  state: SweepState,
): Promise<{ leased: number; backlogFull: boolean }> {
  const queue = deps.queues.subscriptions;
  const [waiting, prioritized] = await Promise.all([queue.getWaitingCount(), queue.getPrioritizedCount()]);
  let budget = Math.min(deps.tickMax, deps.queueBacklog - waiting - prioritized);
  if (budget <= 0) return { leased: 0, backlogFull: true };

  let active = startAfter(await merchantsWithDueNextActions(deps.db, deps.clock.now()), state.lastMerchantId);
  const remaining = new Map(active.map((id) => [id, deps.merchantCap]));
  let leased = 0;
  // One addBulk in flight while the next page is leased: PostgreSQL and Redis work side by side.
  let enqueuing: Promise<unknown> | null = null;
  try {
    while (budget > 0 && active.length > 0) {
      const quotas = shareOut(active, remaining, Math.min(deps.batchSize, budget));
      const now = deps.clock.now();
      const leaseUntil = new Date(now.getTime() + deps.leaseMs);
      const rows = await leaseDueNextActions(deps.transactions, { now, leaseUntil, quotas });

      const got = new Map<string, number>();
      for (const row of rows) got.set(row.merchantId, (got.get(row.merchantId) ?? 0) + 1);
      const done = new Set<string>();
      for (const quota of quotas) {
        const n = got.get(quota.merchantId) ?? 0;
        const left = (remaining.get(quota.merchantId) ?? 0) - n;
        remaining.set(quota.merchantId, left);
        // Fewer than asked: nothing more is due (or another scheduler holds it) this tick.
        if (n < quota.limit || left <= 0) done.add(quota.merchantId);
      }
      // Merchants served by this page go to the back of the round (matters when there are more
      // merchants than a page has rows).
      const served = new Set(quotas.map((q) => q.merchantId));
      active = [
        ...active.filter((id) => !served.has(id)),
        ...active.filter((id) => served.has(id) && !done.has(id)),
      ];
      state.lastMerchantId = quotas.at(-1)?.merchantId ?? state.lastMerchantId;
      budget -= rows.length;
      leased += rows.length;

      if (enqueuing !== null) await enqueuing;
      enqueuing = null;
      if (rows.length > 0) enqueuing = enqueueNextActions(deps, rows, leaseUntil);
      if (rows.length === 0 && done.size === 0) break; // cannot happen; never spin
    }
    if (enqueuing !== null) await enqueuing;
    enqueuing = null;
  } finally {
    // A failed lease leaves the pending addBulk to finish (its rows are leased either way).
    if (enqueuing !== null) await enqueuing.catch(() => undefined);
  }
  return { leased, backlogFull: false };
}

function enqueueNextActions(
  deps: SweepDeps,
  rows: readonly LeasedNextAction[],
  leaseUntil: Date,
): Promise<unknown> {
  return deps.queues.subscriptions.addBulk(
    rows.map((row) =>
      leasedJob(
        JOBS.runNextAction,
        { subscriptionId: row.subscriptionId, kind: row.kind, dueAtMs: row.dueAt.getTime() },
        leaseUntil,
      ),
    ),
  );
}

/** Merchant ids (sorted) rotated to start after `last`, so each tick starts the round elsewhere. */
function startAfter(ids: readonly string[], last: string | null): string[] {
  if (last === null) return [...ids];
  const i = ids.findIndex((id) => id > last);
  return i <= 0 ? [...ids] : [...ids.slice(i), ...ids.slice(0, i)];
}

/**
 * A page's rows shared out evenly between the active merchants, in round order, each within what
 * is left of its cap. With more merchants than rows, the first `page` merchants get one each.
 */
export function shareOut(
  active: readonly string[],
  remaining: ReadonlyMap<string, number>,
  page: number,
): MerchantQuota[] {
  const merchants = active.slice(0, page);
  const base = Math.floor(page / merchants.length);
  const extra = page % merchants.length;
  return merchants.flatMap((merchantId, i) => {
    const limit = Math.min(remaining.get(merchantId) ?? 0, base + (i < extra ? 1 : 0));
    return limit > 0 ? [{ merchantId, limit }] : [];
  });
}

/** A job as `leasedJob` makes it, ready for `addBulk`. */
type LeasedJob = ReturnType<typeof leasedJob>;

/**
 * Every due row of one kind, page by page, until a page comes back short (no fairness needed):
 * `leasePage` leases up to `limit` rows and answers their jobs, which go to `queue`.
 */
async function sweepAllDue(
  batchSize: number,
  queue: Pick<Queue, 'addBulk'>,
  leasePage: (limit: number) => Promise<LeasedJob[]>,
): Promise<number> {
  let swept = 0;
  for (;;) {
    const jobs = await leasePage(batchSize);
    if (jobs.length > 0) {
      await queue.addBulk(jobs);
      swept += jobs.length;
    }
    if (jobs.length < batchSize) return swept;
  }
}

/** Webhook events whose apply has not succeeded yet. */
function sweepWebhookEvents(deps: SweepDeps): Promise<number> {
  return sweepAllDue(deps.batchSize, deps.queues.webhookEvents, async (limit) => {
    const now = deps.clock.now();
    const leaseUntil = new Date(now.getTime() + SWEEP_LEASE_MS);
    const due = await leaseDueWebhookEvents(deps.db, now, leaseUntil, limit);
    return due.map((row) => leasedJob(JOBS.applyWebhookEvent, { webhookEventId: row.id }, leaseUntil));
  });
}

/** Charges whose money work is due (captures, voids, refunds, reads). */
function sweepChargeMoney(deps: SweepDeps): Promise<number> {
  return sweepAllDue(deps.batchSize, deps.queues.money, async (limit) => {
    const now = deps.clock.now();
    const leaseUntil = new Date(now.getTime() + SWEEP_LEASE_MS);
    const due = await leaseDueChargeMoney(deps.db, { now, leaseUntil, limit });
    return due.map((row) => leasedJob(JOBS.runChargeMoney, { chargeId: row.chargeId }, leaseUntil));
  });
}

/**
 * Merchant webhook deliveries that are due (real time: see store/webhook-endpoints.ts). A delivery
 * whose job was never enqueued (a crash after the state change's commit) is due at once; one whose
 * worker died mid-send is due again when its lease ends.
 */
function sweepWebhookDeliveries(deps: SweepDeps): Promise<number> {
  return sweepAllDue(deps.batchSize, deps.queues.merchantWebhooks, async (limit) => {
    const due = await leaseDueWebhookDeliveries(deps.db, { leaseMs: SWEEP_LEASE_MS, limit });
    return due.map((row) => leasedJob(JOBS.deliverWebhook, { deliveryId: row.id }, row.leaseUntil));
  });
}
