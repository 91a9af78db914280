// authorizePayment request body (CONTRACT.md §5), built once at import. Unknown fields are ignored;
// echoes (supplementary_purchase_data, customer_interaction_config) use the body as sent.
import { z } from 'zod';
import { SCOPES } from '../tokens/customer-tokens.js';

/** ISO 4217 codes of the v1 reference's supported list (CONTRACT.md §5). */
export const SUPPORTED_CURRENCIES = new Set([
  'AUD', 'CAD', 'CHF', 'CZK', 'DKK', 'EUR', 'GBP', 'HUF', 'MXN', 'NOK', 'NZD', 'PLN', 'RON', 'SEK', 'USD',
]); // prettier-ignore

const MAX_AMOUNT = 2_147_483_647;
const reference = z.string().min(1).max(255);
const minorUnits = z.number().int();
const interval = z.enum(['DAY', 'WEEK', 'MONTH', 'YEAR']);
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const currency = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'must be a 3-letter ISO 4217 code')
  .transform((c) => c.toUpperCase())
  .refine((c) => SUPPORTED_CURRENCIES.has(c), 'is not a supported currency');

/** §18.1: NOW captures at authorization (transaction COMPLETED); LATER, the default, leaves it AUTHORIZED. */
export const CAPTURE_MODES = ['NOW', 'LATER'] as const;
export type CaptureMode = (typeof CAPTURE_MODES)[number];

const requestPaymentTransaction = z.object({
  amount: z.number().int().min(1).max(MAX_AMOUNT),
  payment_transaction_reference: reference,
  payment_option_id: z.string().min(1).optional(),
  capture: z.enum(CAPTURE_MODES, { error: 'must be NOW or LATER' }).optional(),
});

const requestCustomerToken = z.object({
  scopes: z
    .array(z.enum(SCOPES))
    .min(1)
    .refine((s) => new Set(s).size === s.length, 'must not repeat a scope'),
  customer_token_reference: reference.optional(),
});

const customerInteractionConfig = z
  .object({
    method: z.enum(['HANDOVER', 'SDK']),
    return_url: httpUrl.optional(),
    app_return_url: z.string().min(1).max(2048).optional(),
    interaction_expiry: z
      .object({ duration: z.string().optional(), timestamp: z.string().optional() })
      .optional(),
  })
  .refine((c) => c.method !== 'HANDOVER' || c.return_url !== undefined, {
    path: ['return_url'],
    message: 'is required for method HANDOVER',
  });

const stepUpConfig = z.object({
  payment_request_reference: reference.optional(),
  customer_interaction_config: customerInteractionConfig,
  mode: z.enum(['REQUIRED']).optional(),
});

/** CONFLICT §5: integer minor units, as a number or a numeric string; INFERRED: at least 1. */
const billingAmount = z
  .union(
    [
      z.number(),
      z
        .string()
        .regex(/^-?\d+$/)
        .transform(Number),
    ],
    {
      error: 'must be integer minor units, as a number or a numeric string',
    },
  )
  .pipe(z.number().int('must be integer minor units').min(1, 'must be ≥ 1'));

/** INFERRED §5: `from` is the ISO date YYYY-MM-DD of the plan's first charge, a day that exists. */
const calendarDate = z.string().refine(isCalendarDate, 'must be a real calendar date YYYY-MM-DD');

function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // not Date.UTC: it maps years 0..99 to 1900..1999
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const billingPlan = z.object({
  billing_amount: billingAmount,
  currency: currency.optional(),
  from: calendarDate,
  interval,
  interval_frequency: z.number().int().min(1),
});

const subscription = z.object({
  subscription_reference: reference,
  name: z.string().min(1),
  free_trial: z.enum(['ACTIVE', 'INACTIVE']).optional(),
  billing_plans: z.array(billingPlan).min(1),
});

const supplementaryPurchaseData = z.object({
  purchase_reference: z.string().min(1).max(255).optional(),
  line_items: z
    .array(
      z.object({
        name: z.string().min(1),
        quantity: z.number().int().min(1),
        unit_price: minorUnits,
        total_amount: minorUnits,
        line_item_reference: z.string().optional(),
        subscription_reference: z.string().optional(),
      }),
    )
    .optional(),
  subscriptions: z.array(subscription).min(1).optional(),
  ondemand_service: z
    .object({
      average_amount: minorUnits,
      minimum_amount: minorUnits,
      maximum_amount: minorUnits,
      purchase_interval: interval,
      purchase_interval_frequency: z.number().int().min(1),
      currency: currency.optional(),
    })
    .optional(),
  customer: z.record(z.string(), z.unknown()).optional(),
  shipping: z.array(z.record(z.string(), z.unknown())).optional(),
});

export const authorizeBodySchema = z.object({
  currency,
  request_payment_transaction: requestPaymentTransaction.optional(),
  request_customer_token: requestCustomerToken.optional(),
  step_up_config: stepUpConfig.optional(),
  supplementary_purchase_data: supplementaryPurchaseData.optional(),
});

export type AuthorizeBody = z.output<typeof authorizeBodySchema>;
export type StepUpConfig = z.output<typeof stepUpConfig>;
