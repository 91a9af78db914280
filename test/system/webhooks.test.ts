// The webhook ingester as a real process: signatures, storage once per event id, and convergence
// whatever order and however often Klarna's notifications arrive. Notifications are captured
// from the real sandbox (signed with Rebill's own signing key) by a receiver in this test, then
// delivered to Rebill in orders fast-check chooses.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually.js';
import { World, type Merchant } from './support/world.js';

interface Captured {
  readonly body: Buffer;
  readonly headers: Record<string, string>;
  readonly paymentRequestId: string;
  readonly eventType: string;
}

let world: World;
let merchant: Merchant;
let planId: string;
let receiver: Server;
const captured: Captured[] = [];

beforeAll(async () => {
  world = await World.start();
  merchant = await world.createMerchant('Webhook Shop');
  const plan = await world.api<{ id: string }>(merchant, 'POST', '/v1/plans', {
    body: { code: 'pro', name: 'Pro', currency: 'EUR', amount: 999, interval: 'MONTH', interval_count: 1 },
  });
  expect(plan.status, plan.text).toBe(201);
  planId = plan.body.id;

  // Capture what Klarna sends instead of letting it reach Rebill: Rebill's registration is
  // replaced by one for this receiver, signed with Rebill's own signing key.
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const envelope = JSON.parse(body.toString('utf8')) as {
        metadata: { event_type: string };
        payload: { payment_request_id: string };
      };
      captured.push({
        body,
        headers: {
          'klarna-signing-key-id': String(req.headers['klarna-signing-key-id']),
          'klarna-signature': String(req.headers['klarna-signature']),
        },
        paymentRequestId: envelope.payload.payment_request_id,
        eventType: envelope.metadata.event_type,
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const hooks = await world.sandbox.request<{ webhooks: { webhook_id: string; signing_key_id: string }[] }>(
    'GET',
    '/v2/notification/webhooks',
  );
  const rebills = hooks.body.webhooks[0];
  if (rebills === undefined) throw new Error('Rebill registered no webhook');
  await world.sandbox.request('DELETE', `/v2/notification/webhooks/${rebills.webhook_id}`, {
    headers: { 'Klarna-Idempotency-Key': 'test-delete' },
  });
  const made = await world.sandbox.request('POST', '/v2/notification/webhooks', {
    body: {
      url: `http://127.0.0.1:${port}/capture`,
      event_types: ['payment.request.*'],
      event_version: 'v2',
      signing_key_id: rebills.signing_key_id,
    },
    headers: { 'Klarna-Idempotency-Key': 'test-create' },
  });
  expect(made.status, made.text).toBe(201);
}, 180_000);

afterAll(async () => {
  receiver?.close();
  await world?.stop();
}, 120_000);

async function deliver(event: Pick<Captured, 'body' | 'headers'>): Promise<number> {
  const res = await world.http.request(`${world.webhooksUrl}/klarna/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...event.headers },
    body: event.body,
  });
  return res.status;
}

async function storedEvents(): Promise<number> {
  const [row] = await world.sql<{ n: number }>('SELECT count(*)::int AS n FROM "WebhookEvent"');
  return row?.n ?? 0;
}

async function subscribe(): Promise<{ id: string; klarnaRequestId: string }> {
  const customer = await world.api<{ id: string }>(merchant, 'POST', '/v1/customers', {
    body: { external_ref: `c-${Math.random().toString(36).slice(2)}` },
  });
  const sub = await world.api<{ id: string; payment_request_url: string }>(
    merchant,
    'POST',
    '/v1/subscriptions',
    {
      body: { customer_id: customer.body.id, plan_id: planId, return_url: 'https://shop.example/r' },
    },
  );
  expect(sub.status, sub.text).toBe(201);
  return {
    id: sub.body.id,
    klarnaRequestId: decodeURIComponent(sub.body.payment_request_url.split('/journey/')[1] ?? ''),
  };
}

async function journey(klarnaRequestId: string, steps: readonly string[]): Promise<Captured[]> {
  for (const step of steps) {
    const res = await world.sandbox.sim(
      'POST',
      `/payment-requests/${encodeURIComponent(klarnaRequestId)}/${step}`,
    );
    expect(res.status, res.text).toBe(200);
  }
  // created + one event per step (complete/decline from SUBMITTED also enter first)
  return eventually(() => {
    const events = captured.filter((c) => c.paymentRequestId === klarnaRequestId);
    expect(events.length).toBeGreaterThanOrEqual(steps.length + 1);
    return Promise.resolve(events);
  });
}

describe('signatures', () => {
  it('rejects missing, wrong, unknown-key and tampered signatures with a 400 and stores nothing', async () => {
    const { klarnaRequestId } = await subscribe();
    const [event] = await journey(klarnaRequestId, ['enter']);
    if (event === undefined) throw new Error('no event captured');
    const before = await storedEvents();
    const keyId = event.headers['klarna-signing-key-id'] ?? '';
    const cases: Array<Pick<Captured, 'body' | 'headers'>> = [
      { body: event.body, headers: { 'klarna-signing-key-id': keyId } },
      { body: event.body, headers: { 'klarna-signature': event.headers['klarna-signature'] ?? '' } },
      { body: event.body, headers: { 'klarna-signing-key-id': keyId, 'klarna-signature': 'ab'.repeat(32) } },
      { body: event.body, headers: { 'klarna-signing-key-id': keyId, 'klarna-signature': 'not hex' } },
      {
        body: event.body,
        headers: { 'klarna-signing-key-id': 'krn:partner:global:notification:signing-key:forged', 'klarna-signature': event.headers['klarna-signature'] ?? '' },
      },
      { body: Buffer.concat([event.body, Buffer.from(' ')]), headers: event.headers },
      {
        // Signed with a key Rebill does not hold.
        body: event.body,
        headers: { 'klarna-signing-key-id': keyId, 'klarna-signature': createHmac('sha256', 'forger').update(event.body).digest('hex') },
      },
    ]; // prettier-ignore
    for (const forged of cases) expect(await deliver(forged)).toBe(400);
    expect(await storedEvents()).toBe(before);

    expect(await deliver(event)).toBe(200);
    expect(await deliver(event)).toBe(200);
    expect(await storedEvents()).toBe(before + 1);
  });
});

describe('delivery order', () => {
  it('any order, with duplicates, converges: a completed paid journey is charged once and ACTIVE (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.infiniteStream(fc.nat()),
        fc.integer({ min: 0, max: 3 }),
        async (randoms, dupes) => {
          const { id, klarnaRequestId } = await subscribe();
          const events = await journey(klarnaRequestId, ['enter', 'abort', 'complete']);
          const order = shuffle([...events, ...events.slice(0, dupes)], randoms);
          for (const event of order) expect(await deliver(event)).toBe(200);
          await world.advanceClock('PT1S');
          const sub = await eventually(async () => {
            const res = await world.api<{ status: string }>(merchant, 'GET', `/v1/subscriptions/${id}`);
            expect(res.body.status).toBe('ACTIVE');
            return res.body;
          });
          expect(sub.status).toBe('ACTIVE');
          const charges = await world.sql('SELECT 1 FROM "Charge" WHERE "subscriptionId" = $1', [id]);
          expect(charges).toHaveLength(1);
          const [state] = await world.sql<{ state: string }>(
            'SELECT state FROM "PaymentRequest" WHERE "subscriptionId" = $1',
            [id],
          );
          expect(state?.state).toBe('COMPLETED');
        },
      ),
      { numRuns: 6 },
    );
  }, 180_000);

  it('any order, with duplicates, converges: a declined journey ends the signup (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.infiniteStream(fc.nat()), async (randoms) => {
        const { id, klarnaRequestId } = await subscribe();
        const events = await journey(klarnaRequestId, ['enter', 'decline']);
        for (const event of shuffle([...events, ...events], randoms)) expect(await deliver(event)).toBe(200);
        await world.advanceClock('PT1S');
        await eventually(async () => {
          const res = await world.api<{ status: string; ended_reason: string }>(
            merchant,
            'GET',
            `/v1/subscriptions/${id}`,
          );
          expect(res.body).toMatchObject({ status: 'INCOMPLETE_EXPIRED', ended_reason: 'SIGNUP_DECLINED' });
        });
      }),
      { numRuns: 4 },
    );
  }, 120_000);
});

function shuffle<T>(items: T[], randoms: fc.Stream<number>): T[] {
  const out = [...items];
  const it = randoms[Symbol.iterator]();
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = (it.next().value as number) % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
