// A renewal's or dunning retry's attempt row: written before the call, its own reference and
// Klarna idempotency key (UUIDv5 of its id), the token it charges, capture at once.
import { randomUUID } from 'node:crypto';
import { klarnaIdempotencyKey } from '../ids/idempotency-keys.js';
import type { NewChargeAttempt } from '../store/signup-writes.js';

export function newRenewalAttempt(
  subscription: { readonly id: string; readonly merchantId: string; readonly tokenId: string | null },
  invoice: { readonly id: string; readonly amountMinor: number; readonly currency: string },
  attemptNumber: number,
  at: Date,
): NewChargeAttempt {
  const id = randomUUID();
  return {
    id,
    merchantId: subscription.merchantId,
    subscriptionId: subscription.id,
    invoiceId: invoice.id,
    attemptNumber,
    kind: 'CUSTOMER_NOT_PRESENT',
    tokenId: subscription.tokenId,
    idempotencyKey: klarnaIdempotencyKey('charge-attempt', id),
    amountMinor: invoice.amountMinor,
    currency: invoice.currency,
    at,
  };
}
