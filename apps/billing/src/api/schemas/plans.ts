import { z } from 'zod';
import {
  billingIntervalSchema,
  KLARNA_MAX_AMOUNT,
  MAX_CAPTURE_DELAY_SECONDS,
  KLARNA_MIN_AMOUNT,
  klarnaCurrencySchema,
  MAX_TRIAL_DAYS,
  type BillingInterval,
} from '../../domain/index.js';
import { listQueryShape, text, timestamp } from './common.js';
import {
  catchUpPolicyInput,
  catchUpPolicyOutput,
  dunningPolicyInput,
  dunningPolicyOutput,
} from './policies.js';

/**
 * Longest period a plan may have: ten years, whatever the unit. Longer ones are mistakes, and they
 * would run the billing calendar past the years the domain computes.
 */
export const MAX_INTERVAL_COUNT: Readonly<Record<BillingInterval, number>> = {
  DAY: 3650,
  WEEK: 520,
  MONTH: 120,
  YEAR: 10,
};

export const captureModeSchema = z.enum(['NOW', 'LATER'], { error: 'must be NOW or LATER' });

const versionTerms = {
  amount: z
    .int({ error: 'must be an integer number of minor units' })
    .min(KLARNA_MIN_AMOUNT, { error: `must be at least ${KLARNA_MIN_AMOUNT}` })
    .max(KLARNA_MAX_AMOUNT, { error: `must be at most ${KLARNA_MAX_AMOUNT}` })
    .describe('Price per period in minor units of the plan currency.'),
  interval: billingIntervalSchema,
  interval_count: z
    .int({ error: 'must be an integer' })
    .min(1, { error: 'must be at least 1' })
    .default(1)
    .describe('Intervals per period (MONTH x 3 = quarterly); default 1.'),
  trial_days: z
    .int({ error: 'must be an integer' })
    .min(0, { error: 'must not be negative' })
    .max(MAX_TRIAL_DAYS, { error: `must be at most ${MAX_TRIAL_DAYS}` })
    .default(0)
    .describe('Free days before the first charge; 0 (the default) charges at signup.'),
  capture_mode: captureModeSchema
    .default('NOW')
    .describe(
      'NOW (the default) captures when the charge is authorized; LATER captures after `capture_delay_seconds`.',
    ),
  capture_delay_seconds: z
    .int({ error: 'must be an integer number of seconds' })
    .min(0, { error: 'must not be negative' })
    .max(MAX_CAPTURE_DELAY_SECONDS, { error: `must be at most ${MAX_CAPTURE_DELAY_SECONDS} (27 days)` })
    .default(0)
    .describe(
      'LATER only: seconds from authorization to capture, 0 to 27 days (always before the authorization expires); 0 (the default) for NOW.',
    ),
  dunning_policy: dunningPolicyInput.optional(),
  catch_up_policy: catchUpPolicyInput.optional(),
};

/** NOW captures at once: a delay means the caller wanted LATER. */
function delayOnlyWhenLater(
  terms: { capture_mode: 'NOW' | 'LATER'; capture_delay_seconds: number },
  ctx: z.RefinementCtx,
): void {
  if (terms.capture_mode === 'NOW' && terms.capture_delay_seconds !== 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['capture_delay_seconds'],
      message: 'must be 0 when capture_mode is NOW',
    });
  }
}

function periodAtMostTenYears(
  terms: { interval: BillingInterval; interval_count: number },
  ctx: z.RefinementCtx,
): void {
  const max = MAX_INTERVAL_COUNT[terms.interval];
  if (terms.interval_count > max) {
    ctx.addIssue({
      code: 'custom',
      path: ['interval_count'],
      message: `must be at most ${max} for ${terms.interval} (periods are at most ten years)`,
    });
  }
}

export const createPlanBody = z
  .strictObject({
    code: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, {
        error: 'must be 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit',
      })
      .describe("The merchant's code for the plan; unique per merchant."),
    name: text(200),
    currency: klarnaCurrencySchema,
    ...versionTerms,
  })
  .superRefine(periodAtMostTenYears)
  .superRefine(delayOnlyWhenLater);

export const createPlanVersionBody = z
  .strictObject({
    name: text(200).optional().describe("Defaults to the latest version's name."),
    ...versionTerms,
    dunning_policy: versionTerms.dunning_policy.describe("Defaults to the latest version's policy."),
    catch_up_policy: versionTerms.catch_up_policy.describe("Defaults to the latest version's policy."),
  })
  .superRefine(periodAtMostTenYears)
  .superRefine(delayOnlyWhenLater);

export const planStatusSchema = z.enum(['ACTIVE', 'ARCHIVED']);

export const listPlansQuery = z.strictObject({ ...listQueryShape, status: planStatusSchema.optional() });

export const planVersionSchema = z.object({
  id: z.uuid(),
  object: z.literal('plan_version'),
  plan_id: z.uuid(),
  version: z.int(),
  name: z.string(),
  amount: z.int(),
  currency: z.string(),
  interval: billingIntervalSchema,
  interval_count: z.int(),
  trial_days: z.int(),
  capture_mode: captureModeSchema,
  capture_delay_seconds: z.int(),
  dunning_policy: dunningPolicyOutput,
  catch_up_policy: catchUpPolicyOutput,
  created_at: timestamp,
});

export const planSchema = z.object({
  id: z.uuid(),
  object: z.literal('plan'),
  code: z.string(),
  name: z.string(),
  currency: z.string(),
  status: planStatusSchema,
  latest_version: planVersionSchema,
  created_at: timestamp,
  updated_at: timestamp,
  archived_at: timestamp.nullable(),
});

/** A plan with all its versions, newest first. */
export const planDetailSchema = planSchema.extend({ versions: z.array(planVersionSchema) });

export type PlanVersionJson = z.output<typeof planVersionSchema>;
export type PlanJson = z.output<typeof planSchema>;
export type PlanDetailJson = z.output<typeof planDetailSchema>;
