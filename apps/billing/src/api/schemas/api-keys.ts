import { z } from 'zod';
import { listQueryShape, text, timestamp } from './common.js';

export const createApiKeyBody = z.strictObject({ name: text(200) });

export const apiKeySchema = z.object({
  id: z.uuid(),
  object: z.literal('api_key'),
  name: z.string(),
  prefix: z.string(),
  created_at: timestamp,
  last_used_at: timestamp.nullable(),
  revoked_at: timestamp.nullable(),
});

/** The answer to creating a key: the only time its secret is shown. */
export const createdApiKeySchema = apiKeySchema.extend({
  secret: z.string().describe('The whole key (rbk_<prefix>_<secret>); shown once, never again.'),
});

export type ApiKeyJson = z.output<typeof apiKeySchema>;

export const listApiKeysQuery = z.strictObject({ ...listQueryShape });
