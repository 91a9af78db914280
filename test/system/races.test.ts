// Races across process boundaries, with the four roles as real processes and the klarna-sandbox
// over HTTP (the rules are in ARCHITECTURE.md, "Races"):
// - the merchant cancels (api) while the worker's renewal authorize is held at Klarna: the answer
//   arrives for an ended subscription; money captured with it is booked (NOW), an authorization not
//   captured yet is released (LATER); nothing is charged after the cancel; no 500;
// - the merchant changes the plan (api) while a dunning retry is queued in Redis (scheduler) and no
//   worker runs: the retry collects the past-due period at the price it was invoiced at, and the
//   period after it is billed on the new plan.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../harness/index.js';
import { eventually } from './support/eventually.js';
import { Shop, type SubscriptionView } from './support/shop.js';
import { OPERATOR_TOKEN, World } from './support/world.js';

let world: World;
let shop: Shop;
let redis: Redis;
let queue: Queue;
let basicPlanId: string;
let laterPlanId: string;
let proPlanId: string;

beforeAll(async () => {
  world = await World.start();
  shop = await Shop.open(world, 'Race Shop');
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  queue = new Queue('subscriptions', { connection: redis, prefix: `{${world.redisPrefix}}` });
  basicPlanId = await shop.createPlan({ code: 'basic', name: 'Basic', currency: 'EUR', amount: 1_000 });
  laterPlanId = await shop.createPlan({
    code: 'basic-later',
    name: 'Basic, captured a day later',
    currency: 'EUR',
    amount: 1_000,
    capture_mode: 'LATER',
    capture_delay_seconds: 86_400,
  });
  proPlanId = await shop.createPlan({ code: 'pro', name: 'Pro', currency: 'EUR', amount: 2_500 });
}, 180_000);

afterAll(async () => {
  await queue?.close();
  await redis?.quit();
  await world?.stop();
}, 120_000);

async function activeSubscription(planId: string): Promise<SubscriptionView> {
  const sub = await shop.subscribe(planId);
  await shop.customer('complete', sub);
  return shop.settledAs(sub.id, 'ACTIVE');
}

/** The sandbox's approved charges of a subscription's renewals (references `<id>-p<period>-a<attempt>`). */
async function renewalLedger(subscriptionId: string): Promise<{ reference: string; amount: number }[]> {
  const res = await world.sandbox.sim<{
    entries: { payment_transaction_reference: string; amount: number }[];
  }>('GET', `/ledger?account_id=${encodeURIComponent(shop.merchant.klarnaAccount)}`);
  return res.body.entries
    .filter((e) => e.payment_transaction_reference.startsWith(`${subscriptionId}-p`))
    .map((e) => ({ reference: e.payment_transaction_reference, amount: e.amount }));
}

/** Moves the virtual clock to `offsetMs` after `at`, a week at a step (what falls due runs). */
async function advanceTo(at: string, offsetMs: number): Promise<void> {
  const clock = await world.http.request<{ now: string }>(`${world.apiUrl}/internal/clock`, {
    method: 'GET',
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
  });
  const seconds = Math.floor((Date.parse(at) + offsetMs - Date.parse(clock.body.now)) / 1000);
  if (seconds > 0) await world.advanceClock(`PT${seconds}S`, 'P7D');
}

const periodEnd = (sub: SubscriptionView): string => sub.current_period?.end ?? '';

async function invoice(subscriptionId: string, periodIndex: number) {
  const [row] = await world.sql<{ status: string; amountMinor: number }>(
    'SELECT status, "amountMinor" FROM "Invoice" WHERE "subscriptionId" = $1 AND "periodIndex" = $2',
    [subscriptionId, periodIndex],
  );
  return row;
}

describe('cancel while a renewal charge is in flight', () => {
  it('books money captured in the authorization, releases an uncaptured one, charges nothing after', async () => {
    const captured = await activeSubscription(basicPlanId);
    const authorized = await activeSubscription(laterPlanId);
    const subs = [captured, authorized];
    // Klarna holds both period-1 authorizations for five seconds, then approves them.
    for (const sub of subs) {
      const rule = await world.sandbox.sim('POST', '/scenarios', {
        match: { payment_transaction_reference: `${sub.id}-p1-a1` },
        outcome: { result: 'APPROVED' },
        latency: { type: 'fixed', ms: 5_000 },
        times: 'once',
      });
      expect(rule.status, rule.text).toBe(201);
    }

    const advancing = advanceTo(periodEnd(captured), 60_000);
    await eventually(async () => {
      const sent = await world.sql(
        `SELECT 1 FROM "ChargeAttempt" WHERE reference = ANY($1) AND "sendCount" >= 1 AND status = 'PENDING'`,
        [subs.map((s) => `${s.id}-p1-a1`)],
      );
      expect(sent).toHaveLength(2);
    });
    for (const sub of subs) {
      const res = await world.api<SubscriptionView>(
        shop.merchant,
        'POST',
        `/v1/subscriptions/${sub.id}/cancel`,
        {
          body: { mode: 'IMMEDIATELY' },
        },
      );
      expect(res.status, res.text).toBe(200);
      expect(res.body.status).toBe('CANCELED');
    }
    await advancing;

    const charge = async (sub: SubscriptionView) => {
      const [row] = await world.sql<{ state: string; capturedMinor: number; releasedMinor: number }>(
        `SELECT c.state, c."capturedMinor", c."releasedMinor" FROM "Charge" c
         JOIN "ChargeAttempt" a ON a.id = c."attemptId" WHERE a.reference = $1`,
        [`${sub.id}-p1-a1`],
      );
      return row;
    };
    await eventually(async () => {
      expect(await charge(captured)).toMatchObject({ state: 'COMPLETED', capturedMinor: 1_000 });
      expect(await invoice(captured.id, 1)).toMatchObject({ status: 'PAID' });
      expect(await charge(authorized)).toMatchObject({ capturedMinor: 0, releasedMinor: 1_000 });
      expect(await invoice(authorized.id, 1)).toMatchObject({ status: 'VOID' });
    });
    for (const sub of subs) {
      expect((await shop.subscription(sub.id)).status).toBe('CANCELED');
      const audits = await world.sql<{ after: { released: boolean } }>(
        `SELECT "after" FROM "AuditEvent" WHERE "subscriptionId" = $1 AND action = 'renewal.paid_after_end'`,
        [sub.id],
      );
      expect(audits.map((a) => a.after.released)).toEqual([sub === authorized]);
    }

    // A period later: nothing more was sent to Klarna for either.
    await world.advanceClock('P32D', 'P7D');
    for (const sub of subs) {
      expect(await renewalLedger(sub.id)).toEqual([{ reference: `${sub.id}-p1-a1`, amount: 1_000 }]);
    }
  });
});

describe('change plan while a dunning retry is queued', () => {
  it('the retry collects the past-due period at its invoiced price; the next period bills the new plan', async () => {
    const sub = await activeSubscription(basicPlanId);
    const rule = await world.sandbox.sim('POST', '/scenarios', {
      match: { payment_transaction_reference: `${sub.id}-p1-a1` },
      outcome: { result: 'DECLINED', reason: 'CUSTOMER_ACTION_REQUIRED' },
      times: 'once',
    });
    expect(rule.status, rule.text).toBe(201);
    await advanceTo(periodEnd(sub), 60_000);
    const pastDue = await eventually(async () => {
      const now = await shop.subscription(sub.id);
      expect(now).toMatchObject({ status: 'PAST_DUE', next_action: { kind: 'DUNNING_RETRY' } });
      return now;
    });

    // No worker: the scheduler queues the retry when it falls due (three seconds after this
    // advance, on the virtual clock that runs on in real time), and nobody runs it yet.
    await world.stopRole('worker');
    await advanceTo(pastDue.next_action?.at ?? '', -3_000);
    await eventually(async () => {
      const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed']);
      const data = jobs.map((j) => j.data as { subscriptionId: string; kind: string });
      expect(data).toContainEqual(expect.objectContaining({ subscriptionId: sub.id, kind: 'DUNNING_RETRY' }));
    });

    const changed = await world.api(shop.merchant, 'POST', `/v1/subscriptions/${sub.id}/change-plan`, {
      body: { plan_id: proPlanId },
    });
    expect(changed.status, changed.text).toBe(200);
    await world.startRole('worker');

    await eventually(async () => {
      expect(await invoice(sub.id, 1)).toEqual({ status: 'PAID', amountMinor: 1_000 });
    });
    expect(await renewalLedger(sub.id)).toEqual([{ reference: `${sub.id}-p1-a2`, amount: 1_000 }]);

    await advanceTo((await shop.subscription(sub.id)).current_period?.end ?? '', 60_000);
    await eventually(async () => {
      expect(await invoice(sub.id, 2)).toEqual({ status: 'PAID', amountMinor: 2_500 });
    });
    expect(await renewalLedger(sub.id)).toEqual([
      { reference: `${sub.id}-p1-a2`, amount: 1_000 },
      { reference: `${sub.id}-p2-a1`, amount: 2_500 },
    ]);
  });
});
