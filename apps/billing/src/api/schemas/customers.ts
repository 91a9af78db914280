import { z } from 'zod';
import { listQueryShape, text, timestamp } from './common.js';

export const createCustomerBody = z.strictObject({
  external_ref: text(255).describe("The merchant's own id for the customer; unique per merchant."),
  email: z.email({ error: 'must be an email address' }).max(320).optional(),
  name: text(200).optional(),
});

export const listCustomersQuery = z.strictObject({ ...listQueryShape });

export const customerSchema = z.object({
  id: z.uuid(),
  object: z.literal('customer'),
  external_ref: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  created_at: timestamp,
  updated_at: timestamp,
});

export type CustomerJson = z.output<typeof customerSchema>;

/** A customer token as the merchant sees it: Rebill's id and facts, never the Klarna token. */
export const customerTokenSchema = z.object({
  id: z.uuid(),
  object: z.literal('customer_token'),
  status: z.enum(['ACTIVE', 'REVOKED']),
  scopes: z.array(z.string()),
  created_at: timestamp,
  last_used_at: timestamp.nullable(),
  revoked_at: timestamp.nullable(),
});

export type CustomerTokenJson = z.output<typeof customerTokenSchema>;
