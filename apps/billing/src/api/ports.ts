// What the API needs from services it does not own. The signup (subscription rows, the payment
// request, the Klarna call) belongs to the signup service; the API only maps its outcome to HTTP.
import type { ReplacementResult, StartReplacementInput } from '../signup/token-replacement.js';
import type { Actor } from '../store/audit.js';

export type { ReplacementResult, StartReplacementInput };

export interface StartSignupInput {
  merchantId: string;
  customerId: string;
  planId: string;
  returnUrl: string;
  timeZone: string | null;
  actor: Actor;
  idempotencyRecordId: string | null;
}

export type StartSignupResult =
  | { kind: 'started'; subscriptionId: string }
  | { kind: 'not_found'; field: 'customer_id' | 'plan_id' }
  | { kind: 'plan_archived' }
  | { kind: 'klarna_unavailable'; subscriptionId: string; retryAfterSeconds: number }
  | { kind: 'klarna_rejected'; subscriptionId: string; errorCode: string | null; parameters: string[] };

export interface SubscriptionSignups {
  start(input: StartSignupInput): Promise<StartSignupResult>;
  /** Resume a signup whose first POST failed with klarna_unavailable (same Idempotency-Key retried). */
  resume(merchantId: string, subscriptionId: string, actor: Actor): Promise<StartSignupResult>;
}

/** Token replacement of a running subscription (signup/token-replacement.ts implements it). */
export interface TokenReplacements {
  start(input: StartReplacementInput): Promise<ReplacementResult>;
  /** Resume a replacement whose first POST failed with klarna_unavailable (same Idempotency-Key retried). */
  resume(merchantId: string, paymentRequestId: string, actor: Actor): Promise<ReplacementResult>;
}
