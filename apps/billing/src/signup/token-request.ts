// What a journey that issues a customer token asks Klarna (CONTRACT.md §6 (a)), and how the API
// sends it: shared by the signup (which adds its first payment, §6 (b)) and the token replacement
// of a running subscription (tokenize only).
import type { AuthorizeOutcome, RateLimitedOutcome, TransientOutcome } from '../klarna/outcome.js';
import type { StartSignupInput as GatewaySignupInput } from '../klarna/port.js';
import type { SignupDeps } from './deps.js';
import { lineItems, purchaseReference, subscriptionTerms, type TermsSource } from './terms.js';

export interface TokenRequestSource extends TermsSource {
  readonly merchant: { readonly klarnaPartnerAccountId: string };
  readonly subscription: { readonly id: string; readonly currency: string; readonly returnUrl: string };
  readonly paymentRequest: { readonly tokenReference: string; readonly reference: string };
}

/** The tokenize-only call: the subscription's terms, no money. */
export function tokenRequest(source: TokenRequestSource, interactionExpiry: string): GatewaySignupInput {
  return {
    accountId: source.merchant.klarnaPartnerAccountId,
    currency: source.subscription.currency,
    purchaseReference: purchaseReference(source),
    subscription: subscriptionTerms(source),
    lineItems: lineItems(source),
    tokenReference: source.paymentRequest.tokenReference,
    paymentRequestReference: source.paymentRequest.reference,
    returnUrl: source.subscription.returnUrl,
    interactionExpiry,
  };
}

/** In-request re-sends of the call (same key) before answering 503. */
const IN_REQUEST_RETRY_DELAYS_MS = [200, 1_000];
const MAX_RETRY_AFTER_WAIT_MS = 2_000;

/** Sends, and re-sends a call Klarna did not answer while the caller still waits for it. */
export async function sendWithInRequestRetries(
  deps: Pick<SignupDeps, 'sleep'>,
  send: () => Promise<AuthorizeOutcome>,
): Promise<AuthorizeOutcome> {
  for (let attempt = 0; ; attempt += 1) {
    const outcome = await send();
    if (outcome.kind === 'answered' || outcome.kind === 'permanent') return outcome;
    const delay = IN_REQUEST_RETRY_DELAYS_MS[attempt];
    if (delay === undefined) return outcome;
    const wait =
      outcome.kind === 'rate_limited' && outcome.retryAfterMs !== null ? outcome.retryAfterMs : delay;
    if (wait > MAX_RETRY_AFTER_WAIT_MS) return outcome;
    await deps.sleep(wait);
  }
}

/** The Retry-After of a 503 for a call Klarna did not answer. */
export function retryAfterSecondsOf(outcome: RateLimitedOutcome | TransientOutcome): number {
  const retryAfterMs = outcome.kind === 'rate_limited' ? (outcome.retryAfterMs ?? 5_000) : 5_000;
  return Math.max(1, Math.ceil(retryAfterMs / 1000));
}
