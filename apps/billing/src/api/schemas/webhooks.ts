import { z } from 'zod';
import { OUTBOX_EVENT_TYPES } from '../../store/outbox.js';
import { listQueryShape, text, timestamp } from './common.js';

export const webhookEventType = z.enum(['*', ...OUTBOX_EVENT_TYPES]);

export const createWebhookEndpointBody = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2048, { error: 'must be at most 2048 characters' }),
  enabled_events: z
    .array(webhookEventType)
    .min(1, { error: 'must name at least one event type, or "*"' })
    .max(OUTBOX_EVENT_TYPES.length + 1)
    .default(['*']),
  description: text(500).optional(),
});

export const webhookEndpointSchema = z.object({
  id: z.uuid(),
  object: z.literal('webhook_endpoint'),
  url: z.string(),
  enabled_events: z.array(z.string()),
  status: z.enum(['ENABLED', 'DELETED']),
  description: z.string().nullable(),
  created_at: timestamp,
});

/** The answer to creating an endpoint or rotating its secret: the only time the secret is shown. */
export const webhookEndpointWithSecretSchema = webhookEndpointSchema.extend({
  secret: z
    .string()
    .nullable()
    .describe(
      'The signing secret (whsec_<base64>, Standard Webhooks); shown in this answer only (null in an Idempotency-Key replay).',
    ),
});

export const rotateSecretBody = z
  .strictObject({
    /** How long the old secrets keep signing; 0 ends them now. Default 24 h. */
    old_secret_valid_seconds: z
      .int()
      .min(0)
      .max(7 * 86_400)
      .default(86_400),
  })
  .nullish();

export const listWebhookEndpointsQuery = z.strictObject({ ...listQueryShape });

export const webhookDeliverySchema = z.object({
  id: z.uuid(),
  object: z.literal('webhook_delivery'),
  endpoint_id: z.uuid(),
  event_id: z.string().describe('The `webhook-id` header sent (msg_...)'),
  event_type: z.string(),
  status: z.enum(['PENDING', 'DELIVERED', 'FAILED']),
  attempt_count: z.int(),
  next_attempt_at: timestamp.nullable(),
  last_attempt_at: timestamp.nullable(),
  last_status: z.int().nullable(),
  last_error: z.string().nullable(),
  delivered_at: timestamp.nullable(),
  created_at: timestamp,
});

export const listWebhookDeliveriesQuery = z.strictObject({
  ...listQueryShape,
  status: z.enum(['PENDING', 'DELIVERED', 'FAILED']).optional(),
  endpoint_id: z.uuid().optional(),
});

export type WebhookEndpointJson = z.output<typeof webhookEndpointSchema>;
export type WebhookDeliveryJson = z.output<typeof webhookDeliverySchema>;
