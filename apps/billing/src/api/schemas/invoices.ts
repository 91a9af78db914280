import { z } from 'zod';
import { listQueryShape, timestamp } from './common.js';

export const invoiceStatusSchema = z.enum(['OPEN', 'PAID', 'VOID', 'UNCOLLECTIBLE']);

export const listInvoicesQuery = z.strictObject({
  ...listQueryShape,
  subscription_id: z.uuid({ error: 'must be a subscription id' }).optional(),
  status: invoiceStatusSchema.optional(),
  held: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .optional()
    .describe('true: only invoices held for an operator; false: only those not held.'),
});

export const invoiceLineSchema = z.object({
  id: z.uuid(),
  object: z.literal('invoice_line'),
  position: z.int(),
  description: z.string(),
  quantity: z.int(),
  unit_amount: z.int(),
  amount: z.int().describe('Gross, quantity included.'),
  tax: z.int().nullable(),
  tax_rate_bps: z.int().nullable(),
  plan_version_id: z.uuid().nullable(),
  period_start: timestamp.nullable(),
  period_end: timestamp.nullable(),
});

export const invoiceSchema = z.object({
  id: z.uuid(),
  object: z.literal('invoice'),
  number: z.string(),
  status: invoiceStatusSchema,
  customer_id: z.uuid(),
  subscription_id: z.uuid(),
  plan_version_id: z.uuid(),
  period_index: z.int(),
  period_start: timestamp,
  period_end: timestamp,
  amount: z.int().describe('Gross (tax included), minor units.'),
  tax: z.int().nullable(),
  currency: z.string(),
  issued_at: timestamp,
  paid_at: timestamp.nullable(),
  voided_at: timestamp.nullable(),
  hold: z
    .object({ reason: z.string(), held_at: timestamp })
    .nullable()
    .describe('Held for an operator: nothing charges it until released; the reason says why.'),
  created_at: timestamp,
  updated_at: timestamp,
});

export const invoiceDetailSchema = invoiceSchema.extend({ lines: z.array(invoiceLineSchema) });

export type InvoiceJson = z.output<typeof invoiceSchema>;
export type InvoiceDetailJson = z.output<typeof invoiceDetailSchema>;
