// Request bodies of the Notifications API (CONTRACT.md §4). Unknown fields are ignored, as the
// contract says for Klarna's API in general; the rules zod cannot express live in the registry.
import { z } from 'zod';

export const createWebhookBody = z.object({
  url: z.string().min(1).max(2048),
  event_types: z.array(z.string().min(1)).min(1).max(50),
  event_version: z.literal('v2', { error: 'must be "v2"' }),
  signing_key_id: z.string().min(1),
  status: z.enum(['ENABLED', 'DISABLED']).default('ENABLED'),
});
export type CreateWebhookBody = z.output<typeof createWebhookBody>;

export const simulateBody = z.object({
  event_type: z.string().min(1),
  event_version: z.literal('v2', { error: 'must be "v2"' }),
});

export const idParams = z.object({ id: z.string().min(1) });
