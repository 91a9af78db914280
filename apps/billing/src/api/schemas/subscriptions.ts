import { z } from 'zod';
import {
  CANCEL_MODES,
  NEXT_ACTION_KINDS,
  PAYMENT_REQUEST_STATES,
  SUBSCRIPTION_STATUSES,
  timeZoneSchema,
} from '../../domain/index.js';
import { listQueryShape, text, timestamp } from './common.js';

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

export const createTokenSubscriptionBody = createSubscriptionBody.omit({ customer_id: true }).extend({
  customer_token_id: z
    .uuid({ error: 'must be a customer token id' })
    .describe("Rebill's id of one of the customer's ACTIVE tokens (a subscription's `token_id`)."),
  return_url: httpUrl.describe(
    "Where a later token replacement's Klarna journey sends the customer's browser.",
  ),
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
  cancel_at_period_end: z
    .boolean()
    .describe('A cancel is scheduled for the end of the paid period (or trial).'),
  canceled_at: timestamp
    .nullable()
    .describe('When it was canceled (at once, or when a scheduled cancel took effect).'),
  pause_at_period_end: z
    .boolean()
    .describe('A pause is scheduled for the end of the paid period (or trial); a scheduled cancel wins.'),
  paused_at: timestamp.nullable().describe('When the subscription became PAUSED; null unless PAUSED.'),
  dunning: z
    .object({
      past_due_since: timestamp,
      next_retry_at: timestamp.nullable().describe('Null once every retry has run.'),
      grace_ends_at: timestamp.nullable(),
    })
    .nullable()
    .describe('While an unpaid period is being collected (PAST_DUE); null otherwise.'),
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

export const cancelSubscriptionBody = z.strictObject({
  mode: z
    .enum(CANCEL_MODES, { error: 'must be IMMEDIATELY or AT_PERIOD_END' })
    .describe('IMMEDIATELY ends it now; AT_PERIOD_END lets the paid period (or trial) run out first.'),
});

export const revokeTokenBody = z
  .strictObject({
    reason: text(200)
      .optional()
      .describe('Why, for the audit trail and the token row (default MERCHANT_REQUEST).'),
  })
  .nullish();

export const changePlanBody = z.strictObject({
  plan_id: z
    .uuid({ error: 'must be a plan id' })
    .describe('The plan to bill from the next period; same currency.'),
  plan_version: z
    .int({ error: 'must be an integer' })
    .min(1, { error: 'must be at least 1' })
    .max(2_147_483_647, { error: 'must be at most 2147483647' })
    .optional()
    .describe("The plan's version number; defaults to its latest."),
});

export const skippedPeriodSchema = z.object({
  id: z.uuid(),
  object: z.literal('skipped_period_range'),
  subscription_id: z.uuid(),
  from_index: z.int().describe('First skipped period index (inclusive).'),
  to_index: z.int().describe('Last skipped period index (inclusive).'),
  period_start: timestamp.describe('Start of the first skipped period.'),
  period_end: timestamp.describe('End of the last skipped period.'),
  reason: z.string().describe("CATCH_UP_POLICY: periods the plan's catch-up policy does not charge."),
  created_at: timestamp,
});

export type SkippedPeriodJson = z.output<typeof skippedPeriodSchema>;
export type SubscriptionJson = z.output<typeof subscriptionSchema>;
