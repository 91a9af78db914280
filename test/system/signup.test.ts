// Signup end to end: the api, webhooks, worker and scheduler roles as real processes, the real
// klarna-sandbox over HTTP, real PostgreSQL and Redis, the shared virtual clock. The customer's
// journey is driven through the sandbox's /__sim customer controls. The same world (a world costs
// ~30 s) then checks the roles' ops endpoints: /readyz answers, and /metrics moves as a signup and a
// few renewals run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readClockState } from '../../apps/billing/src/store/clock-state.js';
import { createPrismaClient, disconnect } from '../../apps/billing/src/store/prisma-client.js';
import { signedUpSubscriptions } from '../support/signed-up-subscriptions.js';
import { eventually } from './support/eventually.js';
import { sample, scrape } from './support/metrics.js';
import { Shop } from './support/shop.js';
import { ALL_ROLES, World, type RoleName } from './support/world.js';

let world: World;
let shop: Shop;
let paidPlanId: string;
let trialPlanId: string;
let laterPlanId: string;

beforeAll(async () => {
  world = await World.start({ opsServers: true });
  shop = await Shop.open(world, 'Signup Shop');
  paidPlanId = await shop.createPlan({ code: 'pro', name: 'Pro', currency: 'SEK', amount: 9900 });
  trialPlanId = await shop.createPlan({
    code: 'pro-trial',
    name: 'Pro trial',
    currency: 'SEK',
    amount: 9900,
    trial_days: 14,
  });
  laterPlanId = await shop.createPlan({
    code: 'pro-later',
    name: 'Pro, captured a day later',
    currency: 'SEK',
    amount: 9900,
    capture_mode: 'LATER',
    capture_delay_seconds: 86_400,
  });
}, 180_000);

afterAll(async () => {
  await world?.stop();
}, 120_000);

describe('signup', () => {
  it('trial plan: tokenize only, TRIALING with the trial end as next action, no money', async () => {
    const sub = await shop.subscribe(trialPlanId);
    expect(sub.status).toBe('PENDING_TOKENIZATION');
    expect(sub.payment_request_url).toMatch(/\/journey\//);

    await shop.customer('complete', sub);
    const done = await shop.settledAs(sub.id, 'TRIALING');

    expect(done.token_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(done.next_action?.kind).toBe('TRIAL_END');
    expect(done.next_action?.at).toBe(done.trial_ends_at);
    const invoices = await world.sql('SELECT 1 FROM "Invoice" WHERE "subscriptionId" = $1', [sub.id]);
    expect(invoices).toHaveLength(0);
    const tokens = await world.sql<{ keyId: string; n: number }>(
      'SELECT "keyId", octet_length("encryptedToken") AS n FROM "CustomerToken" WHERE id = $1',
      [done.token_id],
    );
    expect(tokens[0]?.n).toBeGreaterThan(28);
  });

  it('paid plan: journey completed, finalized with the session token, captured, ACTIVE', async () => {
    const sub = await shop.subscribe(paidPlanId);
    await shop.customer('complete', sub);
    const done = await shop.settledAs(sub.id, 'ACTIVE');

    expect(done.requires_new_token).toBe(false);
    expect(done.current_period?.index).toBe(0);
    expect(done.next_action).toEqual({ kind: 'RENEWAL', at: done.current_period?.end });
    const [charge] = await world.sql<{ state: string; capturedMinor: number; klarnaTransactionId: string }>(
      'SELECT state, "capturedMinor", "klarnaTransactionId" FROM "Charge" WHERE "subscriptionId" = $1',
      [sub.id],
    );
    expect(charge).toMatchObject({ state: 'COMPLETED', capturedMinor: 9900 });
    const captures = await world.sql(
      'SELECT 1 FROM "Capture" c JOIN "Charge" ch ON ch.id = c."chargeId" WHERE ch."subscriptionId" = $1',
      [sub.id],
    );
    expect(captures).toHaveLength(1);
    const [invoice] = await world.sql<{ status: string; number: string }>(
      'SELECT status, number FROM "Invoice" WHERE "subscriptionId" = $1',
      [sub.id],
    );
    expect(invoice?.status).toBe('PAID');
    // The sandbox charged exactly once, with the invoice number as purchase reference.
    const ledger = await world.sandbox.sim<{ count: number }>(
      'GET',
      `/ledger?account_id=${encodeURIComponent(shop.merchant.klarnaAccount)}`,
    );
    expect(ledger.body.count).toBeGreaterThan(0);
    const attempts = await world.sql<{ kind: string; status: string }>(
      'SELECT kind, status FROM "ChargeAttempt" WHERE "subscriptionId" = $1 ORDER BY "attemptNumber"',
      [sub.id],
    );
    expect(attempts).toEqual([
      { kind: 'SIGNUP', status: 'STEP_UP_REQUIRED' },
      { kind: 'FINALIZE', status: 'APPROVED' },
    ]);
  });

  it('LATER plan: the first payment is authorized, captured a day later, then refunded in part over the API', async () => {
    const sub = await shop.subscribe(laterPlanId);
    await shop.customer('complete', sub);
    await shop.settledAs(sub.id, 'ACTIVE');
    type ChargeView = {
      id: string;
      state: string;
      captured_amount: number;
      capture_due_at: string | null;
      refunded_amount: number;
    };
    const chargeOf = async (): Promise<ChargeView> => {
      const list = await world.api<{ data: ChargeView[] }>(
        shop.merchant,
        'GET',
        `/v1/charges?subscription_id=${sub.id}`,
      );
      expect(list.status, list.text).toBe(200);
      const [charge] = list.body.data;
      if (charge === undefined) throw new Error('no charge');
      return charge;
    };
    const authorized = await chargeOf();
    expect(authorized).toMatchObject({ state: 'AUTHORIZED', captured_amount: 0 });
    expect(authorized.capture_due_at).not.toBeNull();

    await world.advanceClock('P1DT1M', 'PT12H');
    const captured = await eventually(async () => {
      const charge = await chargeOf();
      expect(charge).toMatchObject({ state: 'COMPLETED', captured_amount: 9900 });
      return charge;
    });

    const refund = await world.api<{ status: string; amount: number }>(
      shop.merchant,
      'POST',
      `/v1/charges/${captured.id}/refunds`,
      { body: { amount: 2500, reason: 'goodwill' }, headers: { 'Idempotency-Key': `refund-${sub.id}` } },
    );
    expect(refund.status, refund.text).toBe(201);
    expect(refund.body).toMatchObject({ status: 'SUCCEEDED', amount: 2500 });
    const over = await world.api(shop.merchant, 'POST', `/v1/charges/${captured.id}/refunds`, {
      body: { amount: 7401 },
      headers: { 'Idempotency-Key': `over-${sub.id}` },
    });
    expect(over.status, over.text).toBe(409);
    expect((await chargeOf()).refunded_amount).toBe(2500);
    const [tx] = await world.sql<{ klarnaTransactionId: string }>(
      'SELECT "klarnaTransactionId" FROM "Charge" WHERE id = $1',
      [captured.id],
    );
    const ledger = await world.sandbox.sim<{
      entries: { captured_amount: number; refunded_amount: number; captures: unknown[] }[];
    }>('GET', `/ledger?payment_transaction_id=${encodeURIComponent(tx?.klarnaTransactionId ?? '')}`);
    expect(ledger.body.entries).toEqual([
      expect.objectContaining({
        captured_amount: 9900,
        refunded_amount: 2500,
        captures: [expect.anything()],
      }),
    ]);
  });

  it('customer declines in the journey: INCOMPLETE_EXPIRED, invoice void', async () => {
    const sub = await shop.subscribe(paidPlanId);
    await shop.customer('decline', sub);
    const done = await shop.settledAs(sub.id, 'INCOMPLETE_EXPIRED');
    expect(done.ended_reason).toBe('SIGNUP_DECLINED');
    expect(done.next_action).toBeNull();
    const [invoice] = await world.sql<{ status: string }>(
      'SELECT status FROM "Invoice" WHERE "subscriptionId" = $1',
      [sub.id],
    );
    expect(invoice?.status).toBe('VOID');
  });

  it('customer abandons: the journey expires on the virtual clock and the signup ends', async () => {
    const sub = await shop.subscribe(paidPlanId);
    await shop.customer('enter', sub);
    await shop.customer('abort', sub);
    // Past the hour the journey had, within the janitor's grace: Klarna's own expiry ends it.
    await world.advanceClock('PT1H5M');
    const done = await shop.settledAs(sub.id, 'INCOMPLETE_EXPIRED');
    expect(done.ended_reason).toBe('SIGNUP_EXPIRED');
  });
});

describe('ops endpoints of every role', () => {
  const scrapeAll = async (): Promise<Record<RoleName, string>> => {
    const [api, webhooks, worker, scheduler] = await Promise.all(
      ALL_ROLES.map((role) => scrape(world.opsUrl(role))),
    );
    return { api: api ?? '', webhooks: webhooks ?? '', worker: worker ?? '', scheduler: scheduler ?? '' };
  };

  it('/healthz and /readyz answer 200 on all four roles', async () => {
    for (const role of ALL_ROLES) {
      expect((await fetch(`${world.opsUrl(role)}/healthz`)).status, role).toBe(200);
      const ready = await fetch(`${world.opsUrl(role)}/readyz`);
      expect(ready.status, role).toBe(200);
      expect(JSON.stringify(await ready.json()), role).toMatch(/"redis":"ok"/);
    }
  });

  it('/metrics moves as a signup and three renewals run', async () => {
    const before = await scrapeAll();

    // A signup: the api calls Klarna, the webhooks role stores the journey's events.
    const signup = await shop.subscribe(paidPlanId);
    await shop.customer('complete', signup);
    await shop.settledAs(signup.id, 'ACTIVE');

    // Three renewals due a minute from now on the shared clock: the scheduler sweeps them, the
    // worker charges them through the sandbox.
    const db = createPrismaClient({ databaseUrl: world.databaseUrl });
    try {
      const [version] = await world.sql<{ id: string }>('SELECT id FROM "PlanVersion" WHERE "planId" = $1', [
        paidPlanId,
      ]);
      const now = new Date(Date.now() + ((await readClockState(db))?.offsetMs ?? 0));
      const anchorAt = new Date(now.getTime() + 60_000);
      const renewing = await signedUpSubscriptions(db, world.sandbox, {
        merchantId: shop.merchant.id,
        accountId: shop.merchant.klarnaAccount,
        planVersionId: version?.id ?? '',
        currency: 'SEK',
        anchors: Array.from({ length: 3 }, () => ({ anchorAt, timeZone: 'Europe/Stockholm' })),
        at: now,
      });
      await world.advanceClock('PT2M');
      await eventually(async () => {
        const [paid] = await world.sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM "Invoice" WHERE "subscriptionId"::text = ANY($1::text[]) AND status = 'PAID'`,
          [renewing.map((r) => r.id)],
        );
        expect(paid?.n).toBe(3);
      }, 60_000);
    } finally {
      await disconnect(db);
    }

    const after = await eventually(async () => {
      const scraped = await scrapeAll();
      const charged = { kind: 'RENEWAL', result: 'CHARGED' };
      expect(
        sample(scraped.worker, 'rebill_renewal_runs_total', charged) -
          sample(before.worker, 'rebill_renewal_runs_total', charged),
      ).toBe(3);
      return scraped;
    });
    const moved = (role: RoleName, name: string, labels: Record<string, string> = {}) =>
      sample(after[role], name, labels) - sample(before[role], name, labels);

    // Klarna's latency histogram: the renewals' authorizations in the worker, the signup's calls in the api.
    expect(
      moved('worker', 'rebill_klarna_request_duration_seconds_count', { operation: 'authorize' }),
    ).toBeGreaterThanOrEqual(3);
    expect(moved('api', 'rebill_klarna_request_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    // The scheduler leased the three renewals (and the signup's work), timing each tick.
    expect(moved('scheduler', 'rebill_swept_rows_total', { kind: 'next_action' })).toBeGreaterThanOrEqual(3);
    expect(moved('scheduler', 'rebill_sweep_duration_seconds_count')).toBeGreaterThan(0);
    expect(sample(after.scheduler, 'rebill_queue_jobs', { queue: 'subscriptions', state: 'failed' })).toBe(0);
    // The journey's notifications arrived, each with its lag observed.
    expect(moved('webhooks', 'rebill_webhooks_received_total', { result: 'stored' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(moved('webhooks', 'rebill_webhook_ingest_lag_seconds_count')).toBeGreaterThanOrEqual(1);
    // Every series names its role.
    for (const role of ALL_ROLES) expect(after[role]).toContain(`role="${role}"`);
  });
});
