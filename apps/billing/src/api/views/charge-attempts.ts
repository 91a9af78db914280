import type { ChargeAttemptListRow } from '../../store/charge-attempts.js';
import type { ChargeAttemptJson } from '../schemas/charges.js';
import { iso, isoOrNull } from './time.js';

export function chargeAttemptView(attempt: ChargeAttemptListRow): ChargeAttemptJson {
  return {
    id: attempt.id,
    object: 'charge_attempt',
    subscription_id: attempt.subscriptionId,
    invoice_id: attempt.invoiceId,
    attempt_number: attempt.attemptNumber,
    kind: attempt.kind,
    payment_transaction_reference: attempt.reference,
    amount: attempt.amountMinor,
    currency: attempt.currency,
    capture_mode: attempt.captureMode,
    status: attempt.status,
    decline_reason: attempt.declineReason,
    decline_category: attempt.declineCategory,
    error_code: attempt.errorCode,
    klarna_correlation_id: attempt.klarnaCorrelationId,
    send_count: attempt.sendCount,
    charge_id: attempt.charge?.id ?? null,
    first_sent_at: isoOrNull(attempt.firstSentAt),
    completed_at: isoOrNull(attempt.completedAt),
    created_at: iso(attempt.createdAt),
  };
}
