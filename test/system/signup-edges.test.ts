// Signup when things go sideways, end to end with every role a real process: Klarna's mixed
// results (CONTRACT.md §7.1), a finalize window missed, lost webhooks (the janitor asks Klarna),
// Klarna unreachable at signup (503, resumed by the same Idempotency-Key, replayed by the janitor),
// and the API's idempotency replay.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually.js';
import { Shop } from './support/shop.js';
import { World } from './support/world.js';

let world: World;
let shop: Shop;
let planId: string;

beforeAll(async () => {
  // Short Klarna timeouts, so a scripted TIMEOUT costs seconds, not the default 30 s.
  world = await World.start({ env: { KLARNA_REQUEST_TIMEOUT_MS: '1500' } });
  shop = await Shop.open(world, 'Edge Shop');
  planId = await shop.createPlan({ code: 'basic', name: 'Basic', currency: 'SEK', amount: 4900 });
}, 180_000);

afterEach(async () => {
  await world.sandbox.sim('DELETE', '/scenarios');
  await world.sandbox.sim('DELETE', '/webhook-faults');
});

afterAll(async () => {
  await world?.stop();
}, 120_000);

async function attempts(
  id: string,
): Promise<Array<{ kind: string; status: string; declineReason: string | null }>> {
  return world.sql(
    'SELECT kind, status, "declineReason" FROM "ChargeAttempt" WHERE "subscriptionId" = $1 ORDER BY "attemptNumber"',
    [id],
  );
}

async function charges(id: string): Promise<number> {
  return (await world.sql('SELECT 1 FROM "Charge" WHERE "subscriptionId" = $1', [id])).length;
}

async function script(
  outcome: Record<string, unknown>,
  match: Record<string, unknown>,
  times: unknown = 'once',
) {
  const res = await world.sandbox.sim('POST', '/scenarios', { match, outcome, times });
  expect(res.status, res.text).toBe(201);
}

describe('mixed results (CONTRACT.md §7.1)', () => {
  it('payment APPROVED, token STEP_UP_REQUIRED: the payment is kept and the journey creates the token', async () => {
    await script(
      { result: 'MIXED', payment: 'APPROVED', token: 'STEP_UP_REQUIRED' },
      { scenario: 'tokenize_and_pay' },
    );
    const sub = await shop.subscribe(planId);
    expect(sub.status).toBe('PENDING_TOKENIZATION');
    expect(await charges(sub.id)).toBe(1);
    await shop.customer('complete', sub);
    const done = await shop.settledAs(sub.id, 'ACTIVE');
    expect(done.token_id).not.toBeNull();
    expect(done.requires_new_token).toBe(false);
    expect(await charges(sub.id)).toBe(1);
  });

  it('payment STEP_UP_REQUIRED, token APPROVED: the token is kept and the journey finishes the purchase', async () => {
    await script(
      { result: 'MIXED', payment: 'STEP_UP_REQUIRED', token: 'APPROVED' },
      { scenario: 'tokenize_and_pay' },
    );
    const sub = await shop.subscribe(planId);
    expect(sub.token_id).not.toBeNull();
    expect(sub.status).toBe('PENDING_TOKENIZATION');
    await shop.customer('complete', sub);
    await shop.settledAs(sub.id, 'ACTIVE');
    expect(await charges(sub.id)).toBe(1);
  });

  it('payment APPROVED, token DECLINED: ACTIVE for the paid period, requires a new token', async () => {
    await script(
      { result: 'MIXED', payment: 'APPROVED', token: 'DECLINED' },
      { scenario: 'tokenize_and_pay' },
    );
    const sub = await shop.subscribe(planId);
    expect(sub).toMatchObject({ status: 'ACTIVE', requires_new_token: true, token_id: null });
    expect(sub.current_period?.index).toBe(0);
    expect(sub.next_action?.kind).toBe('RENEWAL');
    expect(await charges(sub.id)).toBe(1);
  });

  it('payment DECLINED, token APPROVED: the token is kept, the first payment failed, the signup ends', async () => {
    await script(
      { result: 'MIXED', payment: 'DECLINED', token: 'APPROVED' },
      { scenario: 'tokenize_and_pay' },
    );
    const sub = await shop.subscribe(planId);
    expect(sub).toMatchObject({ status: 'INCOMPLETE_EXPIRED', ended_reason: 'FIRST_PAYMENT_DECLINED' });
    expect(sub.token_id).not.toBeNull();
    expect(await charges(sub.id)).toBe(0);
    const [invoice] = await world.sql<{ status: string }>(
      'SELECT status FROM "Invoice" WHERE "subscriptionId" = $1',
      [sub.id],
    );
    expect(invoice?.status).toBe('VOID');
  });
});

describe('finalize window', () => {
  it('missed (the COMPLETED webhook arrives after 61 minutes): the new token is charged once, customer not present', async () => {
    await world.sandbox.sim('PUT', '/webhook-faults', { delay_ms: 61 * 60_000 });
    const sub = await shop.subscribe(planId);
    await world.sandbox.sim('DELETE', '/webhook-faults');
    await shop.customer('complete', sub);
    await world.advanceClock('PT62M');
    await shop.settledAs(sub.id, 'ACTIVE');
    expect(await attempts(sub.id)).toEqual([
      { kind: 'SIGNUP', status: 'STEP_UP_REQUIRED', declineReason: null },
      { kind: 'FINALIZE', status: 'DECLINED', declineReason: 'FINALIZE_WINDOW_MISSED' },
      { kind: 'CUSTOMER_NOT_PRESENT', status: 'APPROVED', declineReason: null },
    ]);
    expect(await charges(sub.id)).toBe(1);
  });

  it('missed, and the fallback charge is declined: INCOMPLETE_EXPIRED', async () => {
    await world.sandbox.sim('PUT', '/webhook-faults', { delay_ms: 61 * 60_000 });
    const sub = await shop.subscribe(planId);
    await world.sandbox.sim('DELETE', '/webhook-faults');
    await script({ result: 'DECLINED', reason: 'CUSTOMER_ACTION_REQUIRED' }, { scenario: 'cnp_charge' });
    await shop.customer('complete', sub);
    await world.advanceClock('PT62M');
    const done = await shop.settledAs(sub.id, 'INCOMPLETE_EXPIRED');
    expect(done.ended_reason).toBe('FIRST_PAYMENT_DECLINED');
    expect((await attempts(sub.id)).map((a) => `${a.kind}:${a.status}`)).toEqual([
      'SIGNUP:STEP_UP_REQUIRED',
      'FINALIZE:DECLINED',
      'CUSTOMER_NOT_PRESENT:DECLINED',
    ]);
  });

  it('a transient error on the finalize is retried with the same key and succeeds within the window', async () => {
    const sub = await shop.subscribe(planId);
    await script({ result: 'HTTP_ERROR', status: 503 }, { scenario: 'finalize' }, 2);
    await shop.customer('complete', sub);
    await world.advanceClock('PT1M');
    await shop.settledAs(sub.id, 'ACTIVE');
    const rows = await world.sql<{ kind: string; sendCount: number; status: string }>(
      'SELECT kind, "sendCount", status FROM "ChargeAttempt" WHERE "subscriptionId" = $1 AND kind = $2',
      [sub.id, 'FINALIZE'],
    );
    expect(rows).toEqual([{ kind: 'FINALIZE', sendCount: 3, status: 'APPROVED' }]);
    expect(await charges(sub.id)).toBe(1);
  });
});

describe('the janitor', () => {
  it('ends an abandoned signup whose expiry webhook never arrived, by asking Klarna', async () => {
    // Every delivery is signed with a wrong key: Rebill rejects them all, as if none arrived.
    await world.sandbox.sim('PUT', '/webhook-faults', { bad_signature: { ratio: 1 } });
    const sub = await shop.subscribe(planId);
    await shop.customer('enter', sub);
    // Klarna expires the journey within the janitor's grace; past the grace the janitor asks.
    await world.advanceClock('PT1H5M');
    await world.advanceClock('PT10M');
    const done = await shop.settledAs(sub.id, 'INCOMPLETE_EXPIRED');
    expect(done.ended_reason).toBe('SIGNUP_EXPIRED');
    const [row] = await world.sql<{ state: string }>(
      'SELECT state FROM "PaymentRequest" WHERE "subscriptionId" = $1',
      [sub.id],
    );
    expect(row?.state).toBe('EXPIRED');
  });

  it('applies a completed journey it finds when the webhook was lost', async () => {
    await world.sandbox.sim('PUT', '/webhook-faults', { bad_signature: { ratio: 1 } });
    const sub = await shop.subscribe(planId);
    await shop.customer('complete', sub);
    // Rebill hears nothing; at the journey's expiry the janitor reads the request: COMPLETED,
    // with the token, but the session token's hour is long over: the fallback charge runs.
    await world.advanceClock('PT1H5M');
    await shop.settledAs(sub.id, 'ACTIVE');
    expect((await attempts(sub.id)).map((a) => a.kind)).toContain('CUSTOMER_NOT_PRESENT');
  });
});

describe('Klarna unreachable at signup', () => {
  it('answers 503, a retry with the same Idempotency-Key resumes the same subscription', async () => {
    await script({ result: 'TIMEOUT' }, { scenario: 'tokenize_and_pay' }, 3);
    const customerId = await shop.createCustomer();
    const key = `signup-${Math.random().toString(36).slice(2)}`;
    const first = await shop.trySubscribe(planId, { headers: { 'idempotency-key': key }, customerId });
    expect(first.status, first.text).toBe(503);
    const subscriptionId = first.body.subscription_id;
    expect(subscriptionId).toMatch(/^[0-9a-f-]{36}$/);

    const retry = await shop.trySubscribe(planId, { headers: { 'idempotency-key': key }, customerId });
    expect(retry.status, retry.text).toBe(201);
    expect(retry.body.id).toBe(subscriptionId);
    expect(retry.body.payment_request_url).toMatch(/\/journey\//);
    // The authorize was sent with one key throughout: Klarna created one journey.
    const [pr] = await world.sql<{ n: number }>(
      'SELECT count(*)::int AS n FROM "PaymentRequest" WHERE "subscriptionId" = $1',
      [subscriptionId],
    );
    expect(pr?.n).toBe(1);
    const replay = await shop.trySubscribe(planId, { headers: { 'idempotency-key': key }, customerId });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  });

  it('without a retry, the janitor replays the same call and the customer can still finish', async () => {
    await script({ result: 'HTTP_ERROR', status: 503 }, { scenario: 'tokenize_and_pay' }, 3);
    const first = await shop.trySubscribe(planId);
    expect(first.status, first.text).toBe(503);
    const id = first.body.subscription_id ?? '';
    expect((await shop.subscription(id)).status).toBe('PENDING_TOKENIZATION');

    await world.advanceClock('PT1H1M');
    const sub = await eventually(async () => {
      const s = await shop.subscription(id);
      expect(s.payment_request?.state).toBe('SUBMITTED');
      return s;
    });
    await shop.customer('complete', sub);
    await shop.settledAs(id, 'ACTIVE');
  });
});

describe('API idempotency', () => {
  it('replays the same request and refuses another body under the same key', async () => {
    const customerId = await shop.createCustomer();
    const key = `k-${Math.random().toString(36).slice(2)}`;
    const first = await shop.trySubscribe(planId, { headers: { 'idempotency-key': key }, customerId });
    const again = await shop.trySubscribe(planId, { headers: { 'idempotency-key': key }, customerId });
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await shop.trySubscribe(planId, { headers: { 'idempotency-key': key } });
    expect(other.status).toBe(422);
    const [count] = await world.sql<{ n: number }>(
      'SELECT count(*)::int AS n FROM "Subscription" WHERE "customerId" = $1',
      [customerId],
    );
    expect(count?.n).toBe(1);
  });
});
