import type { ChargeDetail, ChargeRow } from '../../store/charges.js';
import type { RefundRow as Refund } from '../../store/refunds.js';
import type { CaptureRow } from '../../store/captures.js';
import type { CaptureJson, ChargeDetailJson, ChargeJson, RefundJson } from '../schemas/charges.js';
import { iso, isoOrNull } from './time.js';

export function chargeView(charge: ChargeRow): ChargeJson {
  return {
    id: charge.id,
    object: 'charge',
    klarna_payment_transaction_id: charge.klarnaTransactionId,
    subscription_id: charge.subscriptionId,
    invoice_id: charge.invoiceId,
    attempt_id: charge.attemptId,
    amount: charge.amountMinor,
    currency: charge.currency,
    state: charge.state,
    capture_mode: charge.captureMode,
    captured_amount: charge.capturedMinor,
    refunded_amount: charge.refundedMinor,
    released_amount: charge.releasedMinor,
    capture_due_at: isoOrNull(charge.captureDueAt),
    authorized_at: iso(charge.authorizedAt),
    expires_at: isoOrNull(charge.expiresAt),
    created_at: iso(charge.createdAt),
    updated_at: iso(charge.updatedAt),
  };
}

export function chargeDetailView(charge: ChargeDetail): ChargeDetailJson {
  return {
    ...chargeView(charge),
    captures: charge.captures.map(captureView),
    refunds: charge.refunds.map(refundView),
    voids: charge.voids.map((v) => ({
      id: v.id,
      object: 'void',
      status: v.status,
      reason: v.reason,
      released_amount: v.releasedMinor,
      failure_code: v.failureCode,
      voided_at: isoOrNull(v.voidedAt),
      created_at: iso(v.createdAt),
    })),
  };
}

export function captureView(capture: CaptureRow): CaptureJson {
  return {
    id: capture.id,
    object: 'capture',
    charge_id: capture.chargeId,
    amount: capture.amountMinor,
    currency: capture.currency,
    status: capture.status,
    klarna_capture_id: capture.klarnaCaptureId,
    captured_at: isoOrNull(capture.capturedAt),
    created_at: iso(capture.createdAt),
  };
}

export function refundView(refund: Refund): RefundJson {
  return {
    id: refund.id,
    object: 'refund',
    charge_id: refund.chargeId,
    capture_id: refund.captureId,
    amount: refund.amountMinor,
    currency: refund.currency,
    reason: refund.reason,
    status: refund.status,
    failure_code: refund.failureCode,
    klarna_refund_id: refund.klarnaRefundId,
    refunded_at: isoOrNull(refund.refundedAt),
    created_at: iso(refund.createdAt),
  };
}
