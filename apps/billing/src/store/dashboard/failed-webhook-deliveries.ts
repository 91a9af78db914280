// Merchant webhook deliveries whose every attempt failed, for operators: every merchant's at once
// (or one merchant's), newest first, in keyset pages. A merchant sees its own at
// GET /v1/webhook-deliveries (listWebhookDeliveries); the dashboard needs them across merchants.
import { Prisma } from '../generated/prisma/client.js';
import type { Db } from '../db.js';
import { toPage, type Page, type PageQuery } from '../pagination.js';
import type { WebhookDeliveryRow } from '../webhook-endpoints.js';
import { newestFirstOfScope, type DashboardScope } from './merchant-scope.js';

export async function failedWebhookDeliveries(
  db: Db,
  scope: DashboardScope,
  page: PageQuery,
): Promise<Page<WebhookDeliveryRow>> {
  const rows = await db.$queryRaw<WebhookDeliveryRow[]>(failedWebhookDeliveriesQuery(scope, page));
  return toPage(rows, page.limit);
}

export function failedWebhookDeliveriesQuery(scope: DashboardScope, page: PageQuery): Prisma.Sql {
  const take = page.limit + 1;
  // WebhookDelivery_failed_idx (partial: FAILED rows only) per merchant.
  const failed = newestFirstOfScope(scope, 'WebhookDelivery', Prisma.sql`t.status = 'FAILED'`, page);
  return Prisma.sql`
    SELECT d.id, d."merchantId", d."endpointId", d."eventId", d.status, d."attemptCount", d."nextAttemptAt",
      d."lastAttemptAt", d."lastStatus", d."lastError", d."deliveredAt", d."createdAt", e.type AS "eventType"
    FROM ${failed} d JOIN "OutboxEvent" e ON e.id = d."eventId"
    ORDER BY d."createdAt" DESC, d.id DESC LIMIT ${take}`;
}
