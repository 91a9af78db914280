// Signup end to end: the api, webhooks, worker and scheduler roles as real processes, the real
// klarna-sandbox over HTTP, real PostgreSQL and Redis, the shared virtual clock. The customer's
// journey is driven through the sandbox's /__sim customer controls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually.js';
import { Shop } from './support/shop.js';
import { World } from './support/world.js';

let world: World;
let shop: Shop;
let paidPlanId: string;
let trialPlanId: string;
let laterPlanId: string;

beforeAll(async () => {
  world = await World.start();
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
