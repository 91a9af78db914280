// `payment.transaction.*` notifications (CONTRACT.md §18.6) are hints about money, never facts to
// copy: the capture/refund response and a READ of the transaction are authoritative (§18.5). This
// file reads such an event's payload and decides, purely, what it means for Rebill's rows:
//   AGREES               the rows already say what the event says: nothing to do
//   READ                 the event disagrees with the rows or names something they do not hold as
//                        settled: the money job reads the transaction (amounts never move here)
//   UNKNOWN_TRANSACTION  no charge of this merchant has that payment_transaction_id
import { z } from 'zod';
import { absentOrMinorUnits, optionalText } from '../klarna/wire-fields.js';

export const PAYMENT_TRANSACTION_EVENT_PREFIX = 'payment.transaction.';
const STATE_CHANGE_PREFIX = `${PAYMENT_TRANSACTION_EVENT_PREFIX}state-change.`;

export type TransactionHintKind = 'captured' | 'refunded' | 'state-change';

export interface TransactionHint {
  readonly kind: TransactionHintKind;
  readonly paymentTransactionId: string;
  /** Klarna's state after the event, upper case as read (may be one Rebill does not know). */
  readonly state: string;
  /** The operation's amount for captured/refunded, the transaction's for a state change. */
  readonly amountMinor: number | null;
  readonly currency: string | null;
  readonly captureId: string | null;
  readonly captureReference: string | null;
  readonly refundId: string | null;
  readonly refundReference: string | null;
}

/** The kind of a `payment.transaction.*` event type, or null for one Rebill does not handle. */
export function transactionHintKind(eventType: string): TransactionHintKind | null {
  if (eventType === `${PAYMENT_TRANSACTION_EVENT_PREFIX}captured`) return 'captured';
  if (eventType === `${PAYMENT_TRANSACTION_EVENT_PREFIX}refunded`) return 'refunded';
  if (eventType.startsWith(STATE_CHANGE_PREFIX) && eventType.length > STATE_CHANGE_PREFIX.length) {
    return 'state-change';
  }
  return null;
}

const payloadSchema = z.object({
  payment_transaction_id: z.string().min(1),
  state: z.string().min(1),
  amount: absentOrMinorUnits.catch(undefined),
  currency: optionalText,
  payment_capture_id: optionalText,
  payment_capture_reference: optionalText,
  payment_refund_id: optionalText,
  payment_refund_reference: optionalText,
});

export type HintParse =
  { readonly ok: true; readonly hint: TransactionHint } | { readonly ok: false; readonly field: string };

/** Reads the payload tolerantly: only the transaction id and the state are required. */
export function parseTransactionHint(kind: TransactionHintKind, payload: unknown): HintParse {
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success) {
    return { ok: false, field: parsed.error.issues[0]?.path.map(String).join('.') ?? '' };
  }
  const p = parsed.data;
  return {
    ok: true,
    hint: {
      kind,
      paymentTransactionId: p.payment_transaction_id,
      state: p.state.trim().toUpperCase(),
      amountMinor: p.amount ?? null,
      currency: p.currency ?? null,
      captureId: p.payment_capture_id ?? null,
      captureReference: p.payment_capture_reference ?? null,
      refundId: p.payment_refund_id ?? null,
      refundReference: p.payment_refund_reference ?? null,
    },
  };
}

/** A capture or refund row as the decision sees it. */
export interface HintOperation {
  readonly reference: string;
  readonly klarnaId: string | null;
  readonly status: 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'UNKNOWN';
  readonly amountMinor: number;
}

/** The charge's rows as the decision sees them. */
export interface HintCharge {
  readonly state: string;
  readonly currency: string;
  readonly captures: readonly HintOperation[];
  readonly refunds: readonly HintOperation[];
}

export type HintDecision =
  | { readonly kind: 'AGREES' }
  | { readonly kind: 'READ'; readonly why: string }
  | { readonly kind: 'UNKNOWN_TRANSACTION' };

const read = (why: string): HintDecision => ({ kind: 'READ', why });

/** The operation the event names: by Klarna's id first, then by Rebill's reference. */
function named(
  operations: readonly HintOperation[],
  klarnaId: string | null,
  reference: string | null,
): HintOperation | undefined {
  return (
    (klarnaId === null ? undefined : operations.find((op) => op.klarnaId === klarnaId)) ??
    (reference === null ? undefined : operations.find((op) => op.reference === reference))
  );
}

function operationDisagrees(
  what: 'capture' | 'refund',
  operation: HintOperation | undefined,
  hint: TransactionHint,
  klarnaId: string | null,
): string | null {
  if (operation === undefined) return `${what} unknown to Rebill`;
  if (operation.status !== 'SUCCEEDED') return `${what} is ${operation.status} in Rebill`;
  if (klarnaId !== null && operation.klarnaId !== null && operation.klarnaId !== klarnaId) {
    return `${what} id differs`;
  }
  if (hint.amountMinor !== null && hint.amountMinor !== operation.amountMinor) {
    return `${what} amount differs`;
  }
  return null;
}

export function decideTransactionHint(hint: TransactionHint, charge: HintCharge | null): HintDecision {
  if (charge === null) return { kind: 'UNKNOWN_TRANSACTION' };
  if (hint.kind === 'captured') {
    const capture = named(charge.captures, hint.captureId, hint.captureReference);
    const why = operationDisagrees('capture', capture, hint, hint.captureId);
    if (why !== null) return read(why);
  }
  if (hint.kind === 'refunded') {
    const refund = named(charge.refunds, hint.refundId, hint.refundReference);
    const why = operationDisagrees('refund', refund, hint, hint.refundId);
    if (why !== null) return read(why);
  }
  if (hint.currency !== null && hint.currency.toUpperCase() !== charge.currency.toUpperCase()) {
    return read('currency differs');
  }
  if (hint.state !== charge.state) return read(`state ${hint.state}, Rebill has ${charge.state}`);
  return { kind: 'AGREES' };
}
