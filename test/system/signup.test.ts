// Signup end to end: the api, webhooks, worker and scheduler roles as real processes, the real
// klarna-sandbox over HTTP, real PostgreSQL and Redis, the shared virtual clock. The customer's
// journey is driven through the sandbox's /__sim customer controls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually.js';
import { World, type Merchant } from './support/world.js';

interface Subscription {
  id: string;
  status: string;
  requires_new_token: boolean;
  token_id: string | null;
  ended_reason: string | null;
  next_action: { kind: string; at: string } | null;
  current_period: { index: number; start: string; end: string } | null;
  trial_ends_at: string | null;
  payment_request: { id: string; state: string; url: string | null; expires_at: string | null } | null;
  payment_request_url?: string | null;
}

let world: World;
let merchant: Merchant;
let paidPlanId: string;
let trialPlanId: string;

beforeAll(async () => {
  world = await World.start();
  merchant = await world.createMerchant('Signup Shop');
  paidPlanId = await createPlan({ code: 'pro', amount: 9900, trial_days: 0 });
  trialPlanId = await createPlan({ code: 'pro-trial', amount: 9900, trial_days: 14 });
}, 180_000);

afterAll(async () => {
  await world?.stop();
}, 120_000);

async function createPlan(extra: Record<string, unknown>): Promise<string> {
  const res = await world.api<{ id: string }>(merchant, 'POST', '/v1/plans', {
    body: {
      name: `Plan ${String(extra.code)}`,
      currency: 'SEK',
      interval: 'MONTH',
      interval_count: 1,
      ...extra,
    },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

async function createCustomer(): Promise<string> {
  const res = await world.api<{ id: string }>(merchant, 'POST', '/v1/customers', {
    body: { external_ref: `cust-${Math.random().toString(36).slice(2)}`, email: 'a@example.com' },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

async function subscribe(planId: string, headers: Record<string, string> = {}): Promise<Subscription> {
  const customerId = await createCustomer();
  const res = await world.api<Subscription>(merchant, 'POST', '/v1/subscriptions', {
    body: { customer_id: customerId, plan_id: planId, return_url: 'https://shop.example/return' },
    headers,
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

async function getSubscription(id: string): Promise<Subscription> {
  const res = await world.api<Subscription>(merchant, 'GET', `/v1/subscriptions/${id}`);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

/** The Klarna payment request id behind the signup's journey URL. */
function klarnaRequestId(sub: Subscription): string {
  const url = sub.payment_request_url ?? sub.payment_request?.url;
  const id =
    url === null || url === undefined ? undefined : decodeURIComponent(url.split('/journey/')[1] ?? '');
  if (id === undefined || id === '') throw new Error(`no journey URL on ${JSON.stringify(sub)}`);
  return id;
}

async function customer(
  action: 'complete' | 'decline' | 'enter' | 'abort',
  sub: Subscription,
): Promise<void> {
  const res = await world.sandbox.sim(
    'POST',
    `/payment-requests/${encodeURIComponent(klarnaRequestId(sub))}/${action}`,
  );
  expect(res.status, res.text).toBe(200);
}

async function settled(id: string, status: string): Promise<Subscription> {
  await world.advanceClock('PT1S');
  return eventually(async () => {
    const sub = await getSubscription(id);
    expect(sub.status).toBe(status);
    return sub;
  });
}

describe('signup', () => {
  it('trial plan: tokenize only, TRIALING with the trial end as next action, no money', async () => {
    const sub = await subscribe(trialPlanId);
    expect(sub.status).toBe('PENDING_TOKENIZATION');
    expect(sub.payment_request_url).toMatch(/\/journey\//);

    await customer('complete', sub);
    const done = await settled(sub.id, 'TRIALING');

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
    const sub = await subscribe(paidPlanId);
    await customer('complete', sub);
    const done = await settled(sub.id, 'ACTIVE');

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
      `/ledger?account_id=${encodeURIComponent(merchant.klarnaAccount)}`,
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

  it('customer declines in the journey: INCOMPLETE_EXPIRED, invoice void', async () => {
    const sub = await subscribe(paidPlanId);
    await customer('decline', sub);
    const done = await settled(sub.id, 'INCOMPLETE_EXPIRED');
    expect(done.ended_reason).toBe('SIGNUP_DECLINED');
    expect(done.next_action).toBeNull();
    const [invoice] = await world.sql<{ status: string }>(
      'SELECT status FROM "Invoice" WHERE "subscriptionId" = $1',
      [sub.id],
    );
    expect(invoice?.status).toBe('VOID');
  });

  it('customer abandons: the journey expires on the virtual clock and the signup ends', async () => {
    const sub = await subscribe(paidPlanId);
    await customer('enter', sub);
    await customer('abort', sub);
    await world.advanceClock('PT2H');
    const done = await settled(sub.id, 'INCOMPLETE_EXPIRED');
    expect(done.ended_reason).toBe('SIGNUP_EXPIRED');
  });
});
