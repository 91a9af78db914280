// A second subscription on a token the customer already gave, end to end: the four roles as real
// processes, the klarna-sandbox over HTTP. The customer signs up once (a journey); the merchant then
// starts another subscription on that token with no journey, and the renewal engine charges its
// first period without the customer, on the same Klarna token. A revoked token is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually.js';
import { Shop, type SubscriptionView } from './support/shop.js';
import { World } from './support/world.js';

let world: World;
let shop: Shop;
let planId: string;
let addOnId: string;

beforeAll(async () => {
  world = await World.start();
  shop = await Shop.open(world, 'Existing Token Shop');
  planId = await shop.createPlan({ code: 'basic', name: 'Basic', currency: 'EUR', amount: 1_500 });
  addOnId = await shop.createPlan({ code: 'extra', name: 'Extra', currency: 'EUR', amount: 700 });
}, 180_000);

afterAll(async () => {
  await world?.stop();
}, 120_000);

async function customerOf(sub: { id: string }): Promise<string> {
  const [row] = await world.sql<{ customerId: string }>(
    'SELECT "customerId" FROM "Subscription" WHERE id = $1',
    [sub.id],
  );
  if (row === undefined) throw new Error(`no subscription ${sub.id}`);
  return row.customerId;
}

async function subscribeOnToken(customerId: string, tokenId: string | null, key: string) {
  return world.api<SubscriptionView & { errors?: { field: string }[] }>(
    shop.merchant,
    'POST',
    `/v1/customers/${customerId}/subscriptions`,
    {
      body: { plan_id: addOnId, customer_token_id: tokenId, return_url: 'https://shop.example/return' },
      headers: { 'Idempotency-Key': key },
    },
  );
}

describe('a subscription on an existing token', () => {
  it('is charged without a journey on the same Klarna token; a revoked token is refused', async () => {
    const first = await shop.subscribe(planId);
    await shop.customer('complete', first);
    const signedUp = await shop.settledAs(first.id, 'ACTIVE');
    const customerId = await customerOf(first);

    const started = await subscribeOnToken(customerId, signedUp.token_id, `on-token-${first.id}`);
    expect(started.status, started.text).toBe(201);
    expect(started.body).toMatchObject({
      status: 'ACTIVE',
      token_id: signedUp.token_id,
      payment_request: null,
    });
    expect(started.body.next_action?.kind).toBe('RENEWAL');
    const again = await subscribeOnToken(customerId, signedUp.token_id, `on-token-${first.id}`);
    expect(again.body.id).toBe(started.body.id);

    // The scheduler and the worker charge period 0 as a renewal: customer not present.
    const second = await eventually(async () => {
      const now = await shop.subscription(started.body.id);
      expect(now.current_period?.index).toBe(0);
      expect(now).toMatchObject({ status: 'ACTIVE', requires_new_token: false });
      return now;
    });
    expect(second.next_action?.kind).toBe('RENEWAL');
    const [invoice] = await world.sql<{ status: string; amountMinor: number }>(
      'SELECT status, "amountMinor" FROM "Invoice" WHERE "subscriptionId" = $1 AND "periodIndex" = 0',
      [second.id],
    );
    expect(invoice).toMatchObject({ status: 'PAID', amountMinor: 700 });

    // Klarna issued one token (the signup's); the second subscription's charge used it.
    const tokens = await shop.klarnaTokens();
    expect(tokens).toHaveLength(1);
    const charged = await shop.ledger(`${second.id}-p0-`);
    expect(charged).toHaveLength(1);
    expect(charged[0]?.customer_token).toBe(tokens[0]);

    const audits = await world.sql<{ action: string; actorKind: string }>(
      `SELECT action, "actorKind" FROM "AuditEvent" WHERE "subscriptionId" = $1 AND "entityType" = 'subscription'
       ORDER BY "createdAt", action`,
      [second.id],
    );
    expect(audits.slice(0, 2)).toEqual([
      { action: 'subscription.activated', actorKind: 'API_KEY' },
      { action: 'subscription.created', actorKind: 'API_KEY' },
    ]);
    const events = await world.sql<{ type: string }>(
      'SELECT type FROM "OutboxEvent" WHERE "subscriptionId" = $1 ORDER BY type',
      [second.id],
    );
    expect(events.map((e) => e.type)).toEqual([
      'charge.captured',
      'subscription.activated',
      'subscription.renewed',
    ]);

    // Revoked through the first subscription: no new subscription may use it.
    const revoked = await world.api(shop.merchant, 'POST', `/v1/subscriptions/${first.id}/token/revoke`, {
      headers: { 'Idempotency-Key': `revoke-${first.id}` },
    });
    expect(revoked.status, revoked.text).toBe(200);
    const refused = await subscribeOnToken(customerId, signedUp.token_id, `on-revoked-${first.id}`);
    expect(refused.status, refused.text).toBe(422);
    expect(refused.body.errors?.[0]?.field).toBe('customer_token_id');
  });
});
