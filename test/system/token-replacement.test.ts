// Token replacement end to end: the four roles as real processes, the klarna-sandbox over HTTP,
// the customer's journeys driven through its /__sim controls. A renewal hard-declined by Klarna
// leaves the subscription PAST_DUE with requires_new_token; a replacement journey completed by the
// customer swaps the token and the open period is charged again at once with the new one. A
// replacement the customer abandons changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually.js';
import { journeyId, Shop, type SubscriptionView } from './support/shop.js';
import { World } from './support/world.js';

let world: World;
let shop: Shop;
let planId: string;

beforeAll(async () => {
  world = await World.start();
  shop = await Shop.open(world, 'Token Shop');
  planId = await shop.createPlan({ code: 'basic', name: 'Basic', currency: 'EUR', amount: 1_500 });
}, 180_000);

afterAll(async () => {
  await world?.stop();
}, 120_000);

async function replaceToken(sub: { id: string }, key: string) {
  return world.api<SubscriptionView>(
    shop.merchant,
    'POST',
    `/v1/subscriptions/${sub.id}/token-replacements`,
    {
      headers: { 'Idempotency-Key': key },
    },
  );
}

async function activeSubscription(): Promise<SubscriptionView> {
  const sub = await shop.subscribe(planId);
  await shop.customer('complete', sub);
  return shop.settledAs(sub.id, 'ACTIVE');
}

describe('token replacement', () => {
  it('hard decline, then a new token from a new journey: the open period is paid with it', async () => {
    const sub = await activeSubscription();
    const oldTokenId = sub.token_id;
    // The next customer-not-present charge of this merchant is declined for good (a hard decline).
    const rule = await world.sandbox.sim('POST', '/scenarios', {
      match: { scenario: 'cnp_charge', account_id: shop.merchant.klarnaAccount },
      outcome: { result: 'DECLINED', reason: 'PERMANENT' },
      times: 'once',
    });
    expect(rule.status, rule.text).toBe(201);

    await world.advanceClock('P32D', 'P7D');
    const declined = await eventually(async () => {
      const now = await shop.subscription(sub.id);
      expect(now).toMatchObject({ status: 'PAST_DUE', requires_new_token: true });
      return now;
    });
    expect(declined.next_action?.kind).toBe('GRACE_END');

    const replaced = await replaceToken(sub, `replace-${sub.id}`);
    expect(replaced.status, replaced.text).toBe(201);
    expect(replaced.body.payment_request_url).toMatch(/\/journey\//);
    expect(replaced.body.payment_request?.state).toBe('SUBMITTED');
    // Asked again while it is open: the same journey, not a second one.
    const again = await replaceToken(sub, `replace-again-${sub.id}`);
    expect(again.status, again.text).toBe(200);
    expect(again.body.payment_request?.id).toBe(replaced.body.payment_request?.id);

    await shop.customer('complete', replaced.body);
    const recovered = await shop.settledAs(sub.id, 'ACTIVE');
    expect(recovered.requires_new_token).toBe(false);
    expect(recovered.token_id).not.toBe(oldTokenId);
    expect(recovered.next_action?.kind).toBe('RENEWAL');
    expect(recovered.current_period?.index).toBe(1);

    // The period-1 invoice was paid by a charge on the new token: the newest one Klarna issued.
    const [invoice] = await world.sql<{ status: string }>(
      'SELECT status FROM "Invoice" WHERE "subscriptionId" = $1 AND "periodIndex" = 1',
      [sub.id],
    );
    expect(invoice?.status).toBe('PAID');
    const attempts = await world.sql<{ status: string; tokenId: string | null }>(
      `SELECT a.status, a."tokenId" FROM "ChargeAttempt" a JOIN "Invoice" i ON i.id = a."invoiceId"
       WHERE i."subscriptionId" = $1 AND i."periodIndex" = 1 ORDER BY a."attemptNumber"`,
      [sub.id],
    );
    expect(attempts.map((a) => a.status)).toEqual(['DECLINED', 'APPROVED']);
    expect(attempts[1]?.tokenId).toBe(recovered.token_id);
    // Klarna issued two tokens (the signup's, the replacement's); period 1 was charged on the second.
    const tokens = await shop.klarnaTokens();
    expect(tokens).toHaveLength(2);
    const period1 = await shop.ledger(`${sub.id}-p1-`);
    expect(period1).toHaveLength(1);
    expect(period1[0]?.customer_token).toBe(tokens[1]);

    const audits = await world.sql<{ action: string }>(
      `SELECT action FROM "AuditEvent" WHERE "subscriptionId" = $1 AND action LIKE 'subscription.token_replace%'
       ORDER BY "createdAt"`,
      [sub.id],
    );
    expect(audits.map((a) => a.action)).toEqual([
      'subscription.token_replacement_requested',
      'subscription.token_replaced',
    ]);
    const events = await world.sql<{ type: string }>(
      `SELECT type FROM "OutboxEvent" WHERE "subscriptionId" = $1 AND type IN ('subscription.token_replaced', 'subscription.recovered')`,
      [sub.id],
    );
    expect(events.map((e) => e.type).sort()).toEqual([
      'subscription.recovered',
      'subscription.token_replaced',
    ]);
  });

  it('an abandoned replacement journey leaves the token and the subscription as they were', async () => {
    const sub = await activeSubscription();
    const replaced = await replaceToken(sub, `abandon-${sub.id}`);
    expect(replaced.status, replaced.text).toBe(201);
    await shop.customer('enter', replaced.body);
    await shop.customer('abort', replaced.body);
    // Past the journey's hour: Klarna expires it and says so in a webhook.
    await world.advanceClock('PT1H5M');

    await eventually(async () => {
      const [request] = await world.sql<{ state: string; tokenPart: string }>(
        'SELECT state, "tokenPart" FROM "PaymentRequest" WHERE "klarnaPaymentRequestId" = $1',
        [journeyId(replaced.body)],
      );
      expect(request).toEqual({ state: 'EXPIRED', tokenPart: 'DECLINED' });
    });
    const after = await shop.subscription(sub.id);
    expect(after).toMatchObject({
      status: 'ACTIVE',
      token_id: sub.token_id,
      requires_new_token: false,
      next_action: sub.next_action,
    });

    // An ended subscription takes no new token.
    const canceled = await world.api(shop.merchant, 'POST', `/v1/subscriptions/${sub.id}/cancel`, {
      body: { mode: 'IMMEDIATELY' },
    });
    expect(canceled.status, canceled.text).toBe(200);
    const refused = await replaceToken(sub, `after-cancel-${sub.id}`);
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body).toMatchObject({ subscription_status: 'CANCELED' });
  });
});
