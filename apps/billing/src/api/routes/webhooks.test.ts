import { describe, expect } from 'vitest';
import { deliverWebhook } from '../../merchant-webhooks/deliver.js';
import { audit, systemActor } from '../../store/audit.js';
import { inTransaction } from '../../store/db.js';
import { apiTest, testVault } from '../testing/api-test.js';
import { expectProblem, expectStatus } from '../testing/expectations.js';
import { pino } from 'pino';

interface EndpointBody {
  id: string;
  object: string;
  url: string;
  enabled_events: string[];
  status: string;
  secret?: string | null;
}

interface DeliveryBody {
  id: string;
  status: string;
  attempt_count: number;
  event_id: string;
  event_type: string;
  last_error: string | null;
}

describe('webhook endpoints', () => {
  apiTest(
    'create shows the whsec_ secret once (sealed at rest, null in a replay), list and get never show it',
    async ({ app, merchant, prisma }) => {
      const create = () =>
        app.inject({
          method: 'POST',
          url: '/v1/webhook-endpoints',
          headers: { ...merchant.headers, 'idempotency-key': 'create-endpoint-1' },
          payload: {
            url: 'https://merchant.example/hooks',
            enabled_events: ['subscription.renewed', 'charge.refunded'],
          },
        });
      const response = await create();
      expectStatus(response, 201);
      const body = response.json<EndpointBody>();
      expect(body).toMatchObject({
        object: 'webhook_endpoint',
        url: 'https://merchant.example/hooks',
        enabled_events: ['subscription.renewed', 'charge.refunded'],
        status: 'ENABLED',
      });
      const secret = body.secret ?? '';
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      const raw = secret.slice('whsec_'.length);

      const replay = await create();
      expectStatus(replay, 201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.json<EndpointBody>()).toMatchObject({ id: body.id, secret: null });

      for (const url of ['/v1/webhook-endpoints', `/v1/webhook-endpoints/${body.id}`]) {
        const read = await app.inject({ method: 'GET', url, headers: merchant.headers });
        expectStatus(read, 200);
        expect(read.body).toContain(body.id);
        expect(read.body).not.toContain(raw);
        expect(read.body).not.toContain('whsec_');
      }
      // Nowhere in the database in clear: the secret row is sealed, the stored answer holds null.
      const dump = JSON.stringify(
        [
          await prisma.webhookEndpointSecret.findMany({ where: { endpointId: body.id } }),
          await prisma.apiIdempotencyRecord.findMany({ where: { merchantId: merchant.merchantId } }),
          await prisma.auditEvent.findMany({ where: { merchantId: merchant.merchantId } }),
        ],
        (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
      );
      expect(dump).not.toContain(raw);
      expect(dump).not.toContain(Buffer.from(raw, 'base64').toString('hex'));
    },
  );

  apiTest(
    'rotate-secret answers a new secret and keeps the old one valid for a while; a failed delivery is listed and retried; delete stops them',
    async ({ app, merchant, prisma }) => {
      const created = await app.inject({
        method: 'POST',
        url: '/v1/webhook-endpoints',
        headers: merchant.headers,
        payload: { url: 'http://127.0.0.1:9/unreachable' },
      });
      const endpoint = created.json<EndpointBody>();
      expect(endpoint.enabled_events).toEqual(['*']);
      const rotated = await app.inject({
        method: 'POST',
        url: `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`,
        headers: merchant.headers,
        payload: { old_secret_valid_seconds: 3600 },
      });
      expectStatus(rotated, 200);
      const newSecret = rotated.json<EndpointBody>().secret ?? '';
      expect(newSecret).toMatch(/^whsec_/);
      expect(newSecret).not.toBe(endpoint.secret);
      const secrets = await prisma.webhookEndpointSecret.findMany({
        where: { endpointId: endpoint.id },
        orderBy: { createdAt: 'asc' },
      });
      expect(secrets).toHaveLength(2);
      expect(secrets[0]?.expiresAt?.getTime()).toBeGreaterThan(Date.now() + 3500_000);
      expect(secrets[1]?.expiresAt).toBeNull();

      // An event; its delivery to the unreachable port fails (no answer) and is retried later.
      await inTransaction(prisma, (tx) =>
        audit(tx, {
          actor: systemActor('test'),
          merchantId: merchant.merchantId,
          subscriptionId: null,
          entityType: 'capture',
          entityId: crypto.randomUUID(),
          action: 'capture.succeeded',
          after: { charge_id: crypto.randomUUID(), amount: 1200 },
          at: new Date(),
        }),
      );
      const pending = await app.inject({
        method: 'GET',
        url: '/v1/webhook-deliveries?status=PENDING',
        headers: merchant.headers,
      });
      expectStatus(pending, 200);
      const [delivery] = pending.json<{ data: DeliveryBody[] }>().data;
      expect(delivery).toMatchObject({ event_type: 'charge.captured', attempt_count: 0 });
      expect(delivery?.event_id).toMatch(/^msg_[0-9a-f]{32}$/);
      const verdict = await deliverWebhook(
        {
          db: prisma,
          vault: testVault,
          log: pino({ level: 'silent' }),
          nowMs: () => Date.now(),
          policy: { timeoutMs: 1000, maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
        },
        delivery?.id ?? '',
      );
      expect(verdict).toBe('FAILED');
      const failed = await app.inject({
        method: 'GET',
        url: '/v1/webhook-deliveries?status=FAILED',
        headers: merchant.headers,
      });
      expect(failed.json<{ data: DeliveryBody[] }>().data).toEqual([
        expect.objectContaining({ id: delivery?.id, status: 'FAILED', attempt_count: 1 }),
      ]);
      const retried = await app.inject({
        method: 'POST',
        url: `/v1/webhook-deliveries/${delivery?.id}/retry`,
        headers: merchant.headers,
      });
      expectStatus(retried, 200);
      expect(retried.json<DeliveryBody>()).toMatchObject({ status: 'PENDING', attempt_count: 0 });

      const deleted = await app.inject({
        method: 'DELETE',
        url: `/v1/webhook-endpoints/${endpoint.id}`,
        headers: merchant.headers,
      });
      expectStatus(deleted, 200);
      expect(deleted.json<EndpointBody>().status).toBe('DELETED');
      const again = await app.inject({
        method: 'POST',
        url: `/v1/webhook-deliveries/${delivery?.id}/retry`,
        headers: merchant.headers,
      });
      expectProblem(again, 409, 'endpoint-deleted');
      const gone = await app.inject({
        method: 'GET',
        url: `/v1/webhook-endpoints/${endpoint.id}`,
        headers: merchant.headers,
      });
      expectProblem(gone, 404, 'not-found');
    },
  );
});
