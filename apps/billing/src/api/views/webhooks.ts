import { webhookMessageId } from '../../merchant-webhooks/deliver.js';
import type { WebhookDeliveryRow, WebhookEndpointRow } from '../../store/webhook-endpoints.js';
import type { WebhookDeliveryJson, WebhookEndpointJson } from '../schemas/webhooks.js';
import { iso, isoOrNull } from './time.js';

export function webhookEndpointView(row: WebhookEndpointRow): WebhookEndpointJson {
  return {
    id: row.id,
    object: 'webhook_endpoint',
    url: row.url,
    enabled_events: [...row.eventTypes],
    status: row.status,
    description: row.description,
    created_at: iso(row.createdAt),
  };
}

export function webhookDeliveryView(row: WebhookDeliveryRow): WebhookDeliveryJson {
  return {
    id: row.id,
    object: 'webhook_delivery',
    endpoint_id: row.endpointId,
    event_id: webhookMessageId(row.eventId),
    event_type: row.eventType,
    status: row.status,
    attempt_count: row.attemptCount,
    next_attempt_at: row.status === 'PENDING' ? iso(row.nextAttemptAt) : null,
    last_attempt_at: isoOrNull(row.lastAttemptAt),
    last_status: row.lastStatus,
    last_error: row.lastError,
    delivered_at: isoOrNull(row.deliveredAt),
    created_at: iso(row.createdAt),
  };
}
