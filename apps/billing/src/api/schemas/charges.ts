import { z } from 'zod';
import { KLARNA_MAX_AMOUNT } from '../../domain/index.js';
import { listQueryShape, text, timestamp } from './common.js';

export const listChargesQuery = z.strictObject({
  ...listQueryShape,
  subscription_id: z.uuid({ error: 'must be a subscription id' }).optional(),
});

const moneyOperationStatus = z.enum(['PENDING', 'SUCCEEDED', 'FAILED', 'UNKNOWN']);

export const captureSchema = z.object({
  id: z.uuid(),
  object: z.literal('capture'),
  charge_id: z.uuid(),
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
  charge_id: z.uuid(),
  capture_id: z.uuid(),
  amount: z.int(),
  currency: z.string(),
  reason: z.string().nullable(),
  status: moneyOperationStatus.describe(
    'PENDING or UNKNOWN: sent to Klarna with no final answer yet (Rebill settles it); FAILED: Klarna refused it.',
  ),
  failure_code: z.string().nullable().describe("Klarna's error code when FAILED."),
  klarna_refund_id: z.string().nullable(),
  refunded_at: timestamp.nullable(),
  created_at: timestamp,
});

export const voidSchema = z.object({
  id: z.uuid(),
  object: z.literal('void'),
  status: moneyOperationStatus,
  reason: z.string().nullable(),
  released_amount: z.int().nullable(),
  failure_code: z.string().nullable(),
  voided_at: timestamp.nullable(),
  created_at: timestamp,
});

export const createRefundBody = z
  .strictObject({
    amount: z
      .int({ error: 'must be an integer number of minor units' })
      .min(1, { error: 'must be at least 1' })
      .max(KLARNA_MAX_AMOUNT, { error: `must be at most ${KLARNA_MAX_AMOUNT}` })
      .optional()
      .describe('Minor units; omitted: everything still refundable.'),
    reason: text(500).optional(),
  })
  .nullish();

export const listChargeOperationsQuery = z.strictObject({
  ...listQueryShape,
  charge_id: z.uuid({ error: 'must be a charge id' }).optional(),
  subscription_id: z.uuid({ error: 'must be a subscription id' }).optional(),
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
  released_amount: z.int().describe('Released by a void or an expiry: never to be captured.'),
  capture_due_at: timestamp.nullable().describe('capture_mode LATER: when Rebill captures.'),
  authorized_at: timestamp,
  expires_at: timestamp.nullable().describe("Klarna's capture deadline for the authorization."),
  created_at: timestamp,
  updated_at: timestamp,
});

export const chargeDetailSchema = chargeSchema.extend({
  captures: z.array(captureSchema),
  refunds: z.array(refundSchema),
  voids: z.array(voidSchema),
});

export type ChargeJson = z.output<typeof chargeSchema>;
export type ChargeDetailJson = z.output<typeof chargeDetailSchema>;
export type RefundJson = z.output<typeof refundSchema>;
export type CaptureJson = z.output<typeof captureSchema>;

export const listChargeAttemptsQuery = z.strictObject({
  ...listQueryShape,
  subscription_id: z.uuid({ error: 'must be a subscription id' }).optional(),
});

export const chargeAttemptSchema = z.object({
  id: z.uuid(),
  object: z.literal('charge_attempt'),
  subscription_id: z.uuid(),
  invoice_id: z.uuid(),
  attempt_number: z
    .int()
    .describe("The attempt's number on its invoice; 1 is the renewal, later ones dunning retries."),
  kind: z
    .enum(['SIGNUP', 'FINALIZE', 'CUSTOMER_NOT_PRESENT'])
    .describe(
      'SIGNUP and FINALIZE: the first payment in the purchase journey; CUSTOMER_NOT_PRESENT: a renewal or retry.',
    ),
  payment_transaction_reference: z.string().describe('The reference sent to Klarna.'),
  amount: z.int(),
  currency: z.string(),
  capture_mode: z.enum(['NOW', 'LATER']),
  status: z.enum(['PENDING', 'APPROVED', 'DECLINED', 'FAILED', 'UNKNOWN', 'STEP_UP_REQUIRED']),
  decline_reason: z.string().nullable(),
  decline_category: z.enum(['HARD', 'SOFT', 'TRANSIENT']).nullable(),
  error_code: z
    .string()
    .nullable()
    .describe('Why the last send failed without an answer (a timeout, a 5xx...).'),
  klarna_correlation_id: z.string().nullable().describe("Klarna's correlation id of the last answer."),
  send_count: z.int().describe('HTTP sends of this attempt (re-sends carry the same idempotency key).'),
  charge_id: z.uuid().nullable().describe('The charge an approved attempt made.'),
  first_sent_at: timestamp.nullable(),
  completed_at: timestamp.nullable(),
  created_at: timestamp,
});

export type ChargeAttemptJson = z.output<typeof chargeAttemptSchema>;
