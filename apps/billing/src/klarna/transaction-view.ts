// The Payment Transaction API's answers (CONTRACT.md §18) read into the money port's views: a
// transaction (GET, void), a capture (POST …/captures) and a refund (POST …/refunds). Field names
// beyond the documented concepts are INFERRED (§18.5), so the reading is tolerant: unknown fields
// are ignored, descriptive fields (references, instants, currency) that are missing or odd read as
// null, and totals that are absent are summed from the arrays. What Rebill acts on is strict: the
// ids, a known state, and every amount that is present; failing one names its path.
import { z } from 'zod';
import type { CapturedMoney, RefundedMoney, TransactionState, TransactionView } from './money-port.js';
import {
  absentOrMinorUnits,
  minorUnits,
  optionalInstant,
  optionalRecord,
  optionalText,
} from './wire-fields.js';

export const TRANSACTION_STATES: readonly TransactionState[] = [
  'AUTHORIZED',
  'EXPIRED',
  'COMPLETED',
  'CLOSED',
];

/** `field` is the path that could not be read ('' for the answer itself). */
export type WireParse<T> = { ok: true; value: T } | { ok: false; field: string };

const id = z.string().min(1);

const captureSchema = z.object({
  payment_capture_id: id,
  payment_capture_reference: optionalText,
  amount: minorUnits,
  refunded_amount: absentOrMinorUnits,
  captured_at: optionalInstant,
});

const refundSchema = z.object({
  payment_refund_id: id,
  payment_refund_reference: optionalText,
  payment_capture_id: optionalText,
  amount: minorUnits,
  refunded_at: optionalInstant,
});

const transactionSchema = z.object({
  payment_transaction_id: id,
  payment_transaction_reference: optionalText,
  state: z.string().min(1),
  amount: minorUnits,
  currency: optionalText,
  expires_at: optionalInstant,
  captured_amount: absentOrMinorUnits,
  refunded_amount: absentOrMinorUnits,
  released_amount: absentOrMinorUnits,
  payment_captures: z.array(captureSchema).nullish(),
  payment_refunds: z.array(refundSchema).nullish(),
});

function parseWith<S extends z.ZodType>(schema: S, raw: unknown): WireParse<z.output<S>> {
  if (optionalRecord.parse(raw) === undefined) return { ok: false, field: '' };
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, field: issue === undefined ? '' : issue.path.map(String).join('.') };
}

function knownTransactionState(value: string): TransactionState | null {
  const upper = value.trim().toUpperCase();
  return TRANSACTION_STATES.find((state) => state === upper) ?? null;
}

const sum = (amounts: readonly number[]): number => amounts.reduce((total, amount) => total + amount, 0);

function refundOf(refund: z.output<typeof refundSchema>): RefundedMoney {
  return {
    paymentRefundId: refund.payment_refund_id,
    reference: refund.payment_refund_reference ?? null,
    paymentCaptureId: refund.payment_capture_id ?? null,
    amountMinor: refund.amount,
    refundedAt: refund.refunded_at ?? null,
  };
}

/** A capture; its refunded amount, when Klarna leaves it out, is summed from the refunds given. */
function captureOf(
  capture: z.output<typeof captureSchema>,
  refunds: readonly RefundedMoney[],
): CapturedMoney {
  const own = refunds.filter((refund) => refund.paymentCaptureId === capture.payment_capture_id);
  return {
    paymentCaptureId: capture.payment_capture_id,
    reference: capture.payment_capture_reference ?? null,
    amountMinor: capture.amount,
    capturedAt: capture.captured_at ?? null,
    refundedMinor: capture.refunded_amount ?? sum(own.map((refund) => refund.amountMinor)),
  };
}

/** GET …/transactions/{id} and the void answer. */
export function parseTransaction(raw: unknown): WireParse<TransactionView> {
  const parsed = parseWith(transactionSchema, raw);
  if (!parsed.ok) return parsed;
  const tx = parsed.value;
  const state = knownTransactionState(tx.state);
  // A state this version does not know could allow or forbid anything: the outcome is unknown.
  if (state === null) return { ok: false, field: 'state' };
  const refunds = (tx.payment_refunds ?? []).map(refundOf);
  const captures = (tx.payment_captures ?? []).map((capture) => captureOf(capture, refunds));
  return {
    ok: true,
    value: {
      paymentTransactionId: tx.payment_transaction_id,
      reference: tx.payment_transaction_reference ?? null,
      state,
      amountMinor: tx.amount,
      currency: tx.currency ?? null,
      expiresAt: tx.expires_at ?? null,
      capturedMinor: tx.captured_amount ?? sum(captures.map((capture) => capture.amountMinor)),
      refundedMinor: tx.refunded_amount ?? sum(refunds.map((refund) => refund.amountMinor)),
      releasedMinor: tx.released_amount ?? 0,
      captures,
      refunds,
    },
  };
}

/** The 201 of POST …/captures: the capture just made (nothing refunded of it yet, unless told). */
export function parseCapture(raw: unknown): WireParse<CapturedMoney> {
  const parsed = parseWith(captureSchema, raw);
  return parsed.ok ? { ok: true, value: captureOf(parsed.value, []) } : parsed;
}

/** The 201 of POST …/captures/{id}/refunds. */
export function parseRefund(raw: unknown): WireParse<RefundedMoney> {
  const parsed = parseWith(refundSchema, raw);
  return parsed.ok ? { ok: true, value: refundOf(parsed.value) } : parsed;
}
