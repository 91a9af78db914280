// Failed merchant webhook deliveries across merchants, newest first, in pages; delivered and
// pending ones are left out.
import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { databaseTest as test } from '../../testing/database-test.js';
import type { Db } from '../db.js';
import { seedMerchant } from '../testing/seed.js';
import { failedWebhookDeliveries } from './failed-webhook-deliveries.js';

/** One event to the merchant's one endpoint (the outbox trigger writes the delivery), then `status`. */
async function delivery(
  db: Db,
  merchantId: string,
  createdAt: Date,
  status: 'FAILED' | 'DELIVERED' | 'PENDING',
) {
  const endpoint = await db.webhookEndpoint.create({
    data: {
      merchantId,
      url: `https://merchant.example/${randomUUID()}`,
      eventTypes: ['*'],
      createdAt,
      updatedAt: createdAt,
    },
  });
  const event = await db.outboxEvent.create({
    data: { merchantId, type: 'subscription.renewed', payload: {}, createdAt },
  });
  await db.webhookDelivery.updateMany({
    where: { eventId: event.id },
    data: {
      status,
      createdAt,
      attemptCount: status === 'FAILED' ? 8 : 1,
      lastStatus: 500,
      deliveredAt: status === 'DELIVERED' ? createdAt : null,
    },
  });
  await db.webhookEndpoint.update({ where: { id: endpoint.id }, data: { status: 'DELETED' } });
  return db.webhookDelivery.findFirstOrThrow({ where: { eventId: event.id } });
}

describe('failedWebhookDeliveries', () => {
  test('lists every merchant’s failed deliveries, newest first, in pages', async ({ prisma }) => {
    const a = await seedMerchant(prisma);
    const b = await seedMerchant(prisma);
    // Far in the future, so no other file's rows come first.
    const newest = await delivery(prisma, a.id, new Date('2098-01-03T00:00:00Z'), 'FAILED');
    await delivery(prisma, a.id, new Date('2098-01-02T12:00:00Z'), 'DELIVERED');
    const older = await delivery(prisma, b.id, new Date('2098-01-02T00:00:00Z'), 'FAILED');
    await delivery(prisma, b.id, new Date('2098-01-01T12:00:00Z'), 'PENDING');

    const first = await failedWebhookDeliveries(prisma, {}, { limit: 1, after: null });
    expect(first.items).toEqual([
      expect.objectContaining({
        id: newest.id,
        merchantId: a.id,
        eventType: 'subscription.renewed',
        attemptCount: 8,
      }),
    ]);
    const second = await failedWebhookDeliveries(prisma, {}, { limit: 1, after: first.next });
    expect(second.items.map((d) => [d.id, d.merchantId])).toEqual([[older.id, b.id]]);

    const ofB = await failedWebhookDeliveries(prisma, { merchantId: b.id }, { limit: 10, after: null });
    expect(ofB).toEqual({ items: [expect.objectContaining({ id: older.id, status: 'FAILED' })], next: null });
  });
});
