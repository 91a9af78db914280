// How a signup resolves. A signup asks Klarna for a customer token and, for a paid plan, the first
// period's payment, in one authorize call (CONTRACT.md §6 (b)). Each part is answered on its own:
// at once, after the customer's journey (a webhook), or by the finalize call (§6 (e)); the two
// can differ (§7.1). The signup is a pair of part states; every new fact updates one part and the
// pair is resolved again, so facts may arrive in any order and resolve the same way.
//
//   payment \ token   PENDING       APPROVED                 DECLINED
//   NOT_REQUESTED     wait          start (TRIALING/ACTIVE)  end SIGNUP_DECLINED
//   PENDING           wait          wait                     wait (the journey decides the payment)
//   APPROVED          wait          start ACTIVE, paid       start ACTIVE, paid, requires a new token
//   DECLINED          end FIRST_PAYMENT_DECLINED (cancel the journey if the token still waits)
//
// §7.1's actions: APPROVED payment + STEP_UP token keeps the payment and waits for the journey to
// create the token; STEP_UP payment + APPROVED token stores the token and waits for the journey
// to finish the purchase; APPROVED + DECLINED keeps the paid period and tells the merchant the
// subscription cannot renew (requires_new_token); DECLINED + APPROVED stores the token and tells
// the merchant the first payment failed. A token declined while the payment still waits for the
// journey waits too, so the result is the same in whichever order the parts settle: the journey
// then either pays the first period (ACTIVE, requires_new_token) or not (ended).
import { InvalidInputError } from './errors.js';
import { instantMs } from './instant.js';

export const SIGNUP_PART_STATES = ['NOT_REQUESTED', 'PENDING', 'APPROVED', 'DECLINED'] as const;
export type SignupPartState = (typeof SIGNUP_PART_STATES)[number];

export interface SignupParts {
  readonly payment: SignupPartState;
  readonly token: SignupPartState;
  /** The plan starts with a trial (tokenize only; no payment part). */
  readonly trial: boolean;
}

export type SignupEndReason = 'SIGNUP_DECLINED' | 'FIRST_PAYMENT_DECLINED';

export type SignupResolution =
  | { readonly kind: 'WAIT' }
  | {
      readonly kind: 'START';
      readonly status: 'TRIALING' | 'ACTIVE';
      readonly firstPeriodPaid: boolean;
      readonly requiresNewToken: boolean;
    }
  | { readonly kind: 'END'; readonly reason: SignupEndReason; readonly cancelJourney: boolean };

export function resolveSignup(parts: SignupParts): SignupResolution {
  const { payment, token } = parts;
  if (token === 'NOT_REQUESTED') throw new InvalidInputError('token', 'a signup always requests a token');
  if (payment === 'DECLINED') {
    return { kind: 'END', reason: 'FIRST_PAYMENT_DECLINED', cancelJourney: token === 'PENDING' };
  }
  if (token === 'DECLINED') {
    if (payment === 'APPROVED') {
      return { kind: 'START', status: 'ACTIVE', firstPeriodPaid: true, requiresNewToken: true };
    }
    if (payment === 'PENDING') return { kind: 'WAIT' };
    return { kind: 'END', reason: 'SIGNUP_DECLINED', cancelJourney: false };
  }
  if (payment === 'PENDING' || token === 'PENDING') return { kind: 'WAIT' };
  // token APPROVED; payment APPROVED or NOT_REQUESTED
  if (payment === 'APPROVED') {
    return { kind: 'START', status: 'ACTIVE', firstPeriodPaid: true, requiresNewToken: false };
  }
  return {
    kind: 'START',
    status: parts.trial ? 'TRIALING' : 'ACTIVE',
    firstPeriodPaid: false,
    requiresNewToken: false,
  };
}

/**
 * A journey that ended without completing (declined in the journey, expired, canceled): every
 * part still waiting for it is declined.
 */
export function failPendingParts(parts: SignupParts): SignupParts {
  return {
    ...parts,
    payment: parts.payment === 'PENDING' ? 'DECLINED' : parts.payment,
    token: parts.token === 'PENDING' ? 'DECLINED' : parts.token,
  };
}

// ---- finalize (§6 (e)): the first payment after the journey, with the network session token ----

/** Klarna honours the session token for 60 minutes after the request COMPLETED (§6 (e), §8.2). */
export const FINALIZE_WINDOW_MS = 60 * 60_000;

/** Re-sends of a finalize that met a transient error, after 2 s, 10 s, 30 s, then every minute. */
const FINALIZE_RETRY_DELAYS_MS = [2_000, 10_000, 30_000, 60_000];

export interface FinalizeFacts {
  readonly now: Date;
  /** End of Klarna's window for the session token. */
  readonly deadlineAt: Date;
  /** How often the finalize was sent (same idempotency key each time). */
  readonly sendCount: number;
  /** When it was last sent, if it was. */
  readonly lastSentAt: Date | null;
}

export type FinalizeStep =
  /** Send (or re-send, same key) the finalize authorize. */
  | { readonly kind: 'SEND' }
  /**
   * The window has passed and no finalize got an answer in it: charge the new token once as a
   * customer-not-present charge (a new attempt).
   */
  | { readonly kind: 'FALLBACK_CUSTOMER_NOT_PRESENT' };

/**
 * Before the deadline: send. After it, a finalize last sent before the deadline, whose answer was
 * lost, is sent once more with the same key (Klarna replays what it did for 24 h, and declines it
 * as too late if it never ran); after that, fall back to a customer-not-present charge.
 */
export function nextFinalizeStep(facts: FinalizeFacts): FinalizeStep {
  const now = instantMs(facts.now, 'now');
  const deadline = instantMs(facts.deadlineAt, 'deadlineAt');
  if (now < deadline) return { kind: 'SEND' };
  const lastSent = facts.lastSentAt === null ? null : instantMs(facts.lastSentAt, 'lastSentAt');
  return lastSent !== null && lastSent < deadline
    ? { kind: 'SEND' }
    : { kind: 'FALLBACK_CUSTOMER_NOT_PRESENT' };
}

/** When to re-send a finalize after a transient error: never past the deadline, never in the past. */
export function finalizeRetryAt(facts: FinalizeFacts): Date {
  const now = instantMs(facts.now, 'now');
  const deadline = instantMs(facts.deadlineAt, 'deadlineAt');
  if (!Number.isSafeInteger(facts.sendCount) || facts.sendCount < 0) {
    throw new InvalidInputError('sendCount', 'must be a non-negative integer');
  }
  const delay =
    FINALIZE_RETRY_DELAYS_MS[Math.max(0, facts.sendCount - 1)] ?? FINALIZE_RETRY_DELAYS_MS.at(-1) ?? 60_000;
  // At or past the deadline the next step is decided at once (one replay, then the fallback).
  return new Date(now >= deadline ? now : Math.min(now + delay, deadline));
}

/**
 * A finalize DECLINED this close to the deadline (or after it) may be Klarna refusing a lapsed
 * session token rather than the customer's payment: treated as the window missed, so the
 * customer-not-present fallback gets its one chance.
 */
export const FINALIZE_DEADLINE_MARGIN_MS = 60_000;

/** What a finalize's DECLINED means: the customer's first payment declined, or the window missed. */
export function finalizeDeclineMeans(
  sentAt: Date,
  deadlineAt: Date,
): 'FIRST_PAYMENT_DECLINED' | 'WINDOW_MISSED' {
  const late =
    instantMs(sentAt, 'sentAt') >= instantMs(deadlineAt, 'deadlineAt') - FINALIZE_DEADLINE_MARGIN_MS;
  return late ? 'WINDOW_MISSED' : 'FIRST_PAYMENT_DECLINED';
}
