// What happens to an approved charge's money after the authorization (CONTRACT.md §18): when a
// LATER capture is due, what a refund may take, and which step a charge's money job runs next.
// Pure: the worker reads the rows, asks `nextMoneyStep`, calls Klarna and writes what it learnt.
//
// Rules (the contract's adopted readings, and Rebill's policy):
// - a LATER capture is due `delay` after authorization, never later than a day before Klarna's
//   `expires_at` (§18.2: alert 24 h before expiry; Rebill captures by then instead);
// - a charge whose subscription ended before its capture is voided, not captured (§18.4);
// - a refund takes at most what was captured and is not yet refunded or being refunded (§18.3);
// - an outcome left unknown is re-sent with the same key, and after a few sends the transaction is
//   read to settle it (§18.5); a webhook that disagrees with the rows asks for the same read.

export const DAY_MS = 86_400_000;
/** Capture at least this long before the authorization expires. */
export const CAPTURE_EXPIRY_MARGIN_MS = DAY_MS;
/** Klarna's authorization lifetime is 28 days (INFERRED): a delay may use 27 of them. */
export const MAX_CAPTURE_DELAY_SECONDS = 27 * 86_400;
/** Sends of one operation with no answer before the transaction is read (§18.5 step 2). */
export const READ_AFTER_SENDS = 3;

export type ChargeMoneyState = 'AUTHORIZED' | 'COMPLETED' | 'EXPIRED' | 'CLOSED';

/** When a LATER capture is due: `delay` after authorization, clamped to a day before expiry. */
export function captureDueAt(authorizedAt: Date, expiresAt: Date | null, delaySeconds: number): Date {
  const wanted = authorizedAt.getTime() + delaySeconds * 1000;
  if (expiresAt === null) return new Date(wanted);
  const latest = expiresAt.getTime() - CAPTURE_EXPIRY_MARGIN_MS;
  return new Date(Math.max(authorizedAt.getTime(), Math.min(wanted, latest)));
}

/** A capture, refund or void written and not yet settled (PENDING or UNKNOWN). */
export interface OpenOperation {
  readonly id: string;
  readonly sendCount: number;
  readonly lastSentAt: Date | null;
}

export interface ChargeMoney {
  readonly state: ChargeMoneyState;
  readonly amountMinor: number;
  readonly capturedMinor: number;
  readonly refundedMinor: number;
  readonly releasedMinor: number;
  readonly captureDueAt: Date | null;
  readonly expiresAt: Date | null;
  readonly voidRequested: boolean;
  readonly readRequested: boolean;
  readonly expiryAlerted: boolean;
  readonly openCapture: OpenOperation | null;
  readonly openVoid: OpenOperation | null;
  /** Oldest first. */
  readonly openRefunds: readonly OpenOperation[];
}

export type MoneyStep =
  /** Read the transaction and settle the open operations and the state from it. */
  | { readonly kind: 'READ' }
  | { readonly kind: 'SEND_REFUND'; readonly refundId: string }
  /** `voidId` null: write the Void row first. */
  | { readonly kind: 'SEND_VOID'; readonly voidId: string | null }
  /** `captureId` null: write the Capture row (for the whole remainder) first. */
  | { readonly kind: 'SEND_CAPTURE'; readonly captureId: string | null; readonly amountMinor: number }
  /** Still authorized this close to expiry: operators must see it. */
  | { readonly kind: 'ALERT_EXPIRY' }
  /** Nothing to do now; `nextAt` is when there will be (null: never, unless something changes). */
  | { readonly kind: 'IDLE'; readonly nextAt: Date | null };

/** The authorization's amount still capturable. */
export function uncapturedMinor(
  c: Pick<ChargeMoney, 'amountMinor' | 'capturedMinor' | 'releasedMinor'>,
): number {
  return c.amountMinor - c.capturedMinor - c.releasedMinor;
}

/** The one step a charge's money job takes next; the job loops until IDLE. */
export function nextMoneyStep(c: ChargeMoney, now: Date): MoneyStep {
  const nowMs = now.getTime();
  const remaining = uncapturedMinor(c);
  const open = c.state === 'AUTHORIZED' || c.state === 'EXPIRED';
  if (c.readRequested) return { kind: 'READ' };
  const refund = c.openRefunds[0];
  if (refund !== undefined) return { kind: 'SEND_REFUND', refundId: refund.id };
  if (c.openVoid !== null) return { kind: 'SEND_VOID', voidId: c.openVoid.id };
  if (c.openCapture !== null) {
    return { kind: 'SEND_CAPTURE', captureId: c.openCapture.id, amountMinor: remaining };
  }
  if (c.voidRequested && open && remaining > 0) return { kind: 'SEND_VOID', voidId: null };
  if (c.state !== 'AUTHORIZED' || remaining <= 0 || c.voidRequested) return { kind: 'IDLE', nextAt: null };
  const expiring = c.expiresAt !== null && c.expiresAt.getTime() - nowMs <= CAPTURE_EXPIRY_MARGIN_MS;
  if (expiring && !c.expiryAlerted) return { kind: 'ALERT_EXPIRY' };
  if (c.captureDueAt !== null && c.captureDueAt.getTime() <= nowMs) {
    return { kind: 'SEND_CAPTURE', captureId: null, amountMinor: remaining };
  }
  return { kind: 'IDLE', nextAt: c.captureDueAt };
}

/** How long an operation with no answer waits before its next send (or read): 1 min, then longer. */
export function unknownOutcomeDelayMs(sendCount: number): number {
  const steps = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000];
  return steps[Math.min(Math.max(sendCount - 1, 0), steps.length - 1)] ?? 60 * 60_000;
}

/** Whether an operation left unknown should be settled by a read before its next send. */
export function shouldReadAfter(sendCount: number): boolean {
  return sendCount > 0 && sendCount % READ_AFTER_SENDS === 0;
}

export type RefundProblem =
  /** No money was taken yet: there is nothing to refund (an authorization is voided instead). */
  | 'CHARGE_NOT_CAPTURED'
  /** Klarna allows no operation on a CLOSED transaction (§18.6). */
  | 'CHARGE_CLOSED'
  /** More than was captured and is not yet refunded or being refunded. */
  | 'AMOUNT_EXCEEDS_REFUNDABLE';

export type RefundDecision =
  | { readonly kind: 'REFUND'; readonly amountMinor: number }
  | { readonly kind: 'REJECTED'; readonly problem: RefundProblem; readonly refundableMinor: number };

/**
 * Whether a refund of `requested` (absent: everything refundable) may be written. `reservedMinor`
 * is what refunds already took or are taking (SUCCEEDED, PENDING and UNKNOWN).
 */
export function decideRefund(
  c: Pick<ChargeMoney, 'state' | 'capturedMinor'>,
  reservedMinor: number,
  requested: number | undefined,
): RefundDecision {
  const refundableMinor = Math.max(0, c.capturedMinor - reservedMinor);
  if (c.state === 'CLOSED') return { kind: 'REJECTED', problem: 'CHARGE_CLOSED', refundableMinor };
  if (c.capturedMinor === 0) return { kind: 'REJECTED', problem: 'CHARGE_NOT_CAPTURED', refundableMinor };
  const amountMinor = requested ?? refundableMinor;
  if (amountMinor <= 0 || amountMinor > refundableMinor) {
    return { kind: 'REJECTED', problem: 'AMOUNT_EXCEEDS_REFUNDABLE', refundableMinor };
  }
  return { kind: 'REFUND', amountMinor };
}

export type VoidProblem = 'NOTHING_TO_VOID';

/** A merchant's void: only an authorization with an uncaptured remainder can be released. */
export function decideVoid(
  c: Pick<ChargeMoney, 'state' | 'amountMinor' | 'capturedMinor' | 'releasedMinor'>,
): { readonly kind: 'VOID' } | { readonly kind: 'REJECTED'; readonly problem: VoidProblem } {
  const open = c.state === 'AUTHORIZED' || c.state === 'EXPIRED';
  return open && uncapturedMinor(c) > 0 ? { kind: 'VOID' } : { kind: 'REJECTED', problem: 'NOTHING_TO_VOID' };
}

/** What a read of the payment transaction says, in Rebill's terms (the adapter maps Klarna's). */
export interface TransactionFacts {
  readonly state: ChargeMoneyState;
  readonly capturedMinor: number;
  readonly refundedMinor: number;
  readonly releasedMinor: number;
  readonly captures: readonly {
    readonly id: string;
    readonly reference: string | null;
    readonly at: Date | null;
  }[];
  readonly refunds: readonly {
    readonly id: string;
    readonly reference: string | null;
    readonly at: Date | null;
  }[];
}
