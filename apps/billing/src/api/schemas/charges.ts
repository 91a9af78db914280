import { z } from 'zod';
import { listQueryShape, timestamp } from './common.js';

export const listChargesQuery = z.strictObject({
  ...listQueryShape,
  subscription_id: z.uuid({ error: 'must be a subscription id' }).optional(),
});

const moneyOperationStatus = z.enum(['PENDING', 'SUCCEEDED', 'FAILED', 'UNKNOWN']);

export const captureSchema = z.object({
  id: z.uuid(),
  object: z.literal('capture'),
  amount: z.int(),
  currency: z.string(),
  status: moneyOperationStatus,
  klarna_capture_id: z.string().nullable(),
  captured_at: timestamp.nullable(),
  created_at: timestamp,
});

export const refundSchema = z.object({
  id: z.uuid(),
  object: z.literal('refund'),
  capture_id: z.uuid(),
  amount: z.int(),
  currency: z.string(),
  reason: z.string().nullable(),
  status: moneyOperationStatus,
  klarna_refund_id: z.string().nullable(),
  refunded_at: timestamp.nullable(),
  created_at: timestamp,
});

export const chargeSchema = z.object({
  id: z.uuid(),
  object: z.literal('charge'),
  klarna_payment_transaction_id: z.string(),
  subscription_id: z.uuid(),
  invoice_id: z.uuid(),
  attempt_id: z.uuid(),
  amount: z.int().describe('Authorized, minor units.'),
  currency: z.string(),
  state: z.enum(['AUTHORIZED', 'COMPLETED', 'EXPIRED', 'CLOSED']),
  capture_mode: z.enum(['NOW', 'LATER']),
  captured_amount: z.int(),
  refunded_amount: z.int(),
  authorized_at: timestamp,
  expires_at: timestamp.nullable().describe("Klarna's capture deadline for the authorization."),
  created_at: timestamp,
  updated_at: timestamp,
});

export const chargeDetailSchema = chargeSchema.extend({
  captures: z.array(captureSchema),
  refunds: z.array(refundSchema),
});

export type ChargeJson = z.output<typeof chargeSchema>;
export type ChargeDetailJson = z.output<typeof chargeDetailSchema>;
