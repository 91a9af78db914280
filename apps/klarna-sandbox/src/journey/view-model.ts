// What the journey page shows, read tolerantly from the payment request's view (CONTRACT.md §8):
// anything malformed in the partner's echoed purchase data is simply not shown.
import { z } from 'zod';
import type { PaymentRequestState } from '../events.js';

const num = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number),
]);
const opt = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

/** The well-formed items of an array; a missing or non-array value reads as []. */
function arrayOf<T extends z.ZodType>(item: T) {
  return z
    .array(z.unknown())
    .catch([])
    .transform((xs) =>
      xs.flatMap((x) => {
        const parsed = item.safeParse(x);
        return parsed.success ? [parsed.data] : [];
      }),
    );
}

const lineItem = z.object({
  name: z.string(),
  quantity: opt(num),
  unit_price: opt(num),
  total_amount: opt(num),
});

const billingPlan = z.object({
  billing_amount: opt(num),
  currency: opt(z.string()),
  from: opt(z.string()),
  interval: opt(z.string()),
  interval_frequency: opt(num),
});

const subscription = z.object({
  name: opt(z.string()),
  subscription_reference: opt(z.string()),
  free_trial: opt(z.string()),
  billing_plans: arrayOf(billingPlan),
});

const journeyView = z.object({
  payment_request_id: z.string(),
  payment_request_reference: opt(z.string()),
  state: z.enum(['SUBMITTED', 'IN_PROGRESS', 'COMPLETED', 'EXPIRED', 'CANCELED', 'DECLINED']),
  amount: opt(z.number()),
  currency: opt(z.string()),
  supplementary_purchase_data: z
    .object({
      purchase_reference: opt(z.string()),
      line_items: arrayOf(lineItem),
      subscriptions: arrayOf(subscription),
      ondemand_service: opt(z.object({ average_amount: opt(num), purchase_interval: opt(z.string()) })),
    })
    .optional()
    .catch(undefined),
});

export type JourneyView = z.output<typeof journeyView>;
export type Subscription = z.output<typeof subscription>;
export type LineItem = z.output<typeof lineItem>;

export function readJourneyView(view: unknown): JourneyView | undefined {
  const parsed = journeyView.safeParse(view);
  return parsed.success ? parsed.data : undefined;
}

export const isOpen = (state: PaymentRequestState): state is 'SUBMITTED' | 'IN_PROGRESS' =>
  state === 'SUBMITTED' || state === 'IN_PROGRESS';

/** Minor units to a display amount: 2500 EUR -> "€25.00"; an unknown currency falls back to "2500 XYZ". */
export function formatMoney(minor: number, currency: string | undefined): string {
  if (currency === undefined) return String(minor);
  try {
    const format = new Intl.NumberFormat('en-GB', { style: 'currency', currency });
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    return format.format(minor / 10 ** digits);
  } catch {
    return `${minor} ${currency}`;
  }
}
