// What Rebill tells Klarna about a subscription on every call (CONTRACT.md §5, §6): the
// subscription and its billing plan (`supplementary_purchase_data.subscriptions`, required for a
// customer-not-present token and re-sent on every charge), the invoice's lines and its number as
// the customer-facing purchase reference.
import { DateTime } from 'luxon';
import type { LineItem, SubscriptionTerms } from '../klarna/port.js';
import type { SignupContext } from '../store/signups.js';

/** What the terms are built from: a signup's context, or a renewal's (its newest phase and invoice). */
export interface TermsSource {
  readonly subscription: Pick<SignupContext['subscription'], 'id'>;
  readonly phase: Pick<SignupContext['phase'], 'anchorAt' | 'timeZone'> & {
    readonly planVersion: Pick<
      SignupContext['phase']['planVersion'],
      'name' | 'trialDays' | 'amountMinor' | 'currency' | 'interval' | 'intervalCount'
    >;
  };
  readonly invoice: Pick<NonNullable<SignupContext['invoice']>, 'number' | 'lines'> | null;
}

export function subscriptionTerms(ctx: TermsSource): SubscriptionTerms {
  const version = ctx.phase.planVersion;
  return {
    reference: ctx.subscription.id,
    name: version.name,
    freeTrial: version.trialDays > 0,
    billingPlans: [
      {
        amountMinor: version.amountMinor,
        currency: version.currency,
        // The plan's first charge, as a local date in the subscription's zone (§5 INFERRED).
        from: localDate(ctx.phase.anchorAt, ctx.phase.timeZone),
        interval: version.interval,
        intervalCount: version.intervalCount,
      },
    ],
  };
}

export function lineItems(ctx: TermsSource): LineItem[] {
  return (ctx.invoice?.lines ?? []).map((line) => ({
    name: line.description,
    quantity: line.quantity,
    unitPriceMinor: line.unitAmountMinor,
    totalAmountMinor: line.amountMinor,
    reference: line.id,
    subscriptionReference: ctx.subscription.id,
  }));
}

/** The invoice number, or for a trial (nothing invoiced yet) the subscription id. */
export function purchaseReference(ctx: TermsSource): string {
  return ctx.invoice?.number ?? ctx.subscription.id;
}

function localDate(instant: Date, zone: string): string {
  return DateTime.fromJSDate(instant, { zone }).toISODate() ?? instant.toISOString().slice(0, 10);
}
