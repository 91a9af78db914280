// Klarna's payment request states (CONTRACT.md §8.1) as Rebill records them from webhooks and
// reads, which arrive at least once and in any order (§10.6). The recorded state converges on
// Klarna's whatever the order:
// - a final state (COMPLETED, EXPIRED, CANCELED, DECLINED) is never left: once the journey ended,
//   late news of an earlier step is stale, and a second, different final state is ignored too (a
//   late `declined` after COMPLETED is accepted without error, §8.1 CONFLICT; the finalize answer,
//   not a webhook, decides the first payment);
// - between open states (SUBMITTED, IN_PROGRESS, and back to SUBMITTED when the customer left
//   the journey) the newest occurred_at wins; an equal or older one is a duplicate or stale;
// - CREATING is Rebill's own state before Klarna answered: any Klarna state replaces it.
import { instantMs } from './instant.js';

/** Matches the Prisma enum PaymentRequestState. */
export const PAYMENT_REQUEST_STATES = [
  'CREATING',
  'SUBMITTED',
  'IN_PROGRESS',
  'COMPLETED',
  'EXPIRED',
  'CANCELED',
  'DECLINED',
] as const;
export type PaymentRequestState = (typeof PAYMENT_REQUEST_STATES)[number];
export type KlarnaPaymentRequestState = Exclude<PaymentRequestState, 'CREATING'>;

export const FINAL_PAYMENT_REQUEST_STATES = ['COMPLETED', 'EXPIRED', 'CANCELED', 'DECLINED'] as const;

export function isFinalPaymentRequestState(state: PaymentRequestState): boolean {
  return (FINAL_PAYMENT_REQUEST_STATES as readonly string[]).includes(state);
}

export function isKlarnaPaymentRequestState(value: string): value is KlarnaPaymentRequestState {
  return value !== 'CREATING' && (PAYMENT_REQUEST_STATES as readonly string[]).includes(value);
}

export interface RecordedPaymentRequest {
  readonly state: PaymentRequestState;
  /** occurred_at of the fact that set `state`; null before Klarna's first fact. */
  readonly stateChangedAt: Date | null;
}

export interface PaymentRequestFact {
  readonly state: KlarnaPaymentRequestState;
  readonly occurredAt: Date;
}

export type PaymentRequestFactEffect =
  /** Record the fact; `entersFinal` when it ends the journey (apply its consequences once). */
  | { readonly kind: 'APPLY'; readonly entersFinal: boolean }
  /** A duplicate or stale fact: nothing changes. */
  | { readonly kind: 'IGNORE'; readonly why: 'DUPLICATE' | 'STALE' | 'ALREADY_FINAL' };

export function paymentRequestFactEffect(
  recorded: RecordedPaymentRequest,
  fact: PaymentRequestFact,
): PaymentRequestFactEffect {
  const occurred = instantMs(fact.occurredAt, 'occurredAt');
  const entersFinal = isFinalPaymentRequestState(fact.state);
  if (recorded.state === 'CREATING' || recorded.stateChangedAt === null) {
    return { kind: 'APPLY', entersFinal };
  }
  const changed = instantMs(recorded.stateChangedAt, 'stateChangedAt');
  if (isFinalPaymentRequestState(recorded.state)) {
    return { kind: 'IGNORE', why: fact.state === recorded.state ? 'DUPLICATE' : 'ALREADY_FINAL' };
  }
  if (entersFinal) return { kind: 'APPLY', entersFinal: true };
  if (occurred > changed) return { kind: 'APPLY', entersFinal: false };
  return {
    kind: 'IGNORE',
    why: fact.state === recorded.state && occurred === changed ? 'DUPLICATE' : 'STALE',
  };
}
