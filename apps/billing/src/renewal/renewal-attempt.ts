// A renewal's or dunning retry's attempt row: written before the call, its Klarna idempotency key
// (UUIDv5 of its id), the token it charges, the plan's capture mode. Its payment_transaction_reference
// names what it charges, `<subscription id>-p<period index>-a<attempt number>`: unique like the
// row, and readable in Klarna's portal and ledger without Rebill's tables (reconciliation).
import { randomUUID } from 'node:crypto';
import { klarnaIdempotencyKey } from '../ids/idempotency-keys.js';
import type { NewChargeAttempt } from '../store/signup-writes.js';

export function newRenewalAttempt(
  subscription: { readonly id: string; readonly merchantId: string; readonly tokenId: string | null },
  invoice: {
    readonly id: string;
    readonly periodIndex: number;
    readonly amountMinor: number;
    readonly currency: string;
  },
  captureMode: 'NOW' | 'LATER',
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
    reference: `${subscription.id}-p${invoice.periodIndex}-a${attemptNumber}`,
    amountMinor: invoice.amountMinor,
    currency: invoice.currency,
    captureMode,
    at,
  };
}
