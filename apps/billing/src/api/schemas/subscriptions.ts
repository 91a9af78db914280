import { z } from 'zod';
import {
  NEXT_ACTION_KINDS,
  PAYMENT_REQUEST_STATES,
  SUBSCRIPTION_STATUSES,
  timeZoneSchema,
} from '../../domain/index.js';
import { listQueryShape, timestamp } from './common.js';

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an absolute http or https URL' })
  .max(2048, { error: 'must be at most 2048 characters' });

export const createSubscriptionBody = z.strictObject({
  customer_id: z.uuid({ error: 'must be a customer id' }),
  plan_id: z.uuid({ error: 'must be a plan id' }),
  return_url: httpUrl.describe("Where Klarna sends the customer's browser after the purchase journey."),
  time_zone: timeZoneSchema
    .optional()
    .describe("IANA time zone the subscription bills in; defaults to the merchant's."),
});

export const subscriptionStatusSchema = z.enum(SUBSCRIPTION_STATUSES);

export const listSubscriptionsQuery = z.strictObject({
  ...listQueryShape,
  status: subscriptionStatusSchema.optional(),
  customer_id: z.uuid({ error: 'must be a customer id' }).optional(),
});

export const subscriptionSchema = z.object({
  id: z.uuid(),
  object: z.literal('subscription'),
  status: subscriptionStatusSchema,
  customer_id: z.uuid(),
  plan: z.object({ id: z.uuid(), version: z.int() }).describe('The plan version of the current phase.'),
  currency: z.string(),
  time_zone: z.string(),
  current_period: z.object({ index: z.int(), start: timestamp, end: timestamp }).nullable(),
  trial_ends_at: timestamp.nullable(),
  next_action: z.object({ kind: z.enum(NEXT_ACTION_KINDS), at: timestamp }).nullable(),
  requires_new_token: z.boolean(),
  token_id: z.uuid().nullable().describe("Rebill's id of the customer token (never Klarna's token)."),
  payment_request: z
    .object({
      id: z.uuid(),
      state: z.enum(PAYMENT_REQUEST_STATES),
      url: z.string().nullable(),
      expires_at: timestamp.nullable(),
    })
    .nullable()
    .describe('The latest Klarna purchase journey started for the subscription.'),
  cancel_at_period_end: z.boolean(),
  canceled_at: timestamp.nullable(),
  ended_at: timestamp.nullable(),
  ended_reason: z.string().nullable(),
  created_at: timestamp,
  phases: z.array(
    z.object({
      plan_version_id: z.uuid(),
      plan_version: z.int(),
      anchor_at: timestamp,
      first_period_index: z.int(),
    }),
  ),
});

export const createdSubscriptionSchema = subscriptionSchema.extend({
  payment_request_url: z.string().nullable().describe('The purchase journey to send the customer to.'),
});

export type SubscriptionJson = z.output<typeof subscriptionSchema>;
