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
  // Up to ENQUEUES_IN_FLIGHT addBulks run while the next pages are leased: PostgreSQL keeps leasing
  // while Node packs and Redis stores the pages before them. Each is marked handled at once (a
  // rejection waiting for its turn must not count as unhandled) and awaited in order.
  const enqueuing: Promise<unknown>[] = [];
  try {
    while (budget > 0 && active.length > 0) {
      const pages = planPages(active, remaining, budget, deps.batchSize);
      const now = deps.clock.now();
      const leaseUntil = new Date(now.getTime() + deps.leaseMs);
      // The pages lease side by side on two connections; SKIP LOCKED keeps them apart where they
      // share a merchant. A page's lease is most of the sweep's wall time, and one statement runs
      // on one core: one page at a time left the other core to Node and Redis, half idle.
      const results = await Promise.all(
        pages.map((quotas) => leaseDueNextActions(deps.transactions, { now, leaseUntil, quotas })),
      );

      const asked = new Map<string, number>();
      const got = new Map<string, number>();
      for (const quota of pages.flat())
        asked.set(quota.merchantId, (asked.get(quota.merchantId) ?? 0) + quota.limit);
      for (const row of results.flat()) got.set(row.merchantId, (got.get(row.merchantId) ?? 0) + 1);
      const done = new Set<string>();
      for (const [merchantId, limit] of asked) {
        const n = got.get(merchantId) ?? 0;
        const left = (remaining.get(merchantId) ?? 0) - n;
        remaining.set(merchantId, left);
        // Fewer than asked: nothing more is due (or another scheduler holds it) this tick.
        if (n < limit || left <= 0) done.add(merchantId);
      }
      // Merchants served by these pages go to the back of the round (matters when there are more
      // merchants than a page has rows).
      active = servedLast(active, asked).filter((id) => !done.has(id));
      state.lastMerchantId = pages.at(-1)?.at(-1)?.merchantId ?? state.lastMerchantId;
      let rowsLeased = 0;
      for (const rows of results) {
        budget -= rows.length;
        leased += rows.length;
        rowsLeased += rows.length;
        if (rows.length === 0) continue;
        const added = enqueueNextActions(deps, rows, leaseUntil);
        added.catch(() => undefined);
        enqueuing.push(added);
      }
      while (enqueuing.length > ENQUEUES_IN_FLIGHT) await enqueuing.shift();
      if (rowsLeased === 0 && done.size === 0) break; // cannot happen; never spin
    }
    while (enqueuing.length > 0) await enqueuing.shift();
  } finally {
    // A failed lease leaves the pending addBulks to finish (their rows are leased either way).
    await Promise.allSettled(enqueuing);
  }
  return { leased, backlogFull: false };
}

/** Pages handed to Redis and not yet stored, while the next ones are leased. */
const ENQUEUES_IN_FLIGHT = 2;
/** Pages leased side by side in one step of a tick. */
const LEASES_IN_FLIGHT = 2;

/**
 * The next pages of a tick: up to LEASES_IN_FLIGHT, each `batchSize` rows shared out as one page
 * would be, the second continuing the round where the first stopped, and together within each
 * merchant's cap and the tick's budget.
 */
export function planPages(
  active: readonly string[],
  remaining: ReadonlyMap<string, number>,
  budget: number,
  batchSize: number,
): MerchantQuota[][] {
  const pages: MerchantQuota[][] = [];
  const left = new Map(remaining);
  let round = [...active];
  let rest = budget;
  while (pages.length < LEASES_IN_FLIGHT && rest > 0) {
    const quotas = shareOut(round, left, Math.min(batchSize, rest));
    if (quotas.length === 0) break;
    pages.push(quotas);
    for (const q of quotas) {
      left.set(q.merchantId, (left.get(q.merchantId) ?? 0) - q.limit);
      rest -= q.limit;
    }
    round = servedLast(round, new Set(quotas.map((q) => q.merchantId))).filter(
      (id) => (left.get(id) ?? 0) > 0,
    );
    if (round.length === 0) break;
  }
  return pages;
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

/** The round with the merchants just served moved to its back, each part in its order. */
function servedLast(round: readonly string[], served: { has(id: string): boolean }): string[] {
  return [...round.filter((id) => !served.has(id)), ...round.filter((id) => served.has(id))];
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
