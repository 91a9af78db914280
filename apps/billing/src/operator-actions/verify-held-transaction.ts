// Whether the transaction an operator names is the held attempt's: the same
// payment_transaction_reference, currency and amount as the attempt (the invoice's amount), and
// money that is still there (an authorization that expired uncaptured took nothing). Pure.
import type { TransactionView } from '../klarna/money-port.js';
import type { ApprovedTransactionFacts } from '../store/charge-outcomes.js';

export type TransactionMismatch = {
  readonly kind: 'MISMATCH';
  readonly field: 'payment_transaction_reference' | 'currency' | 'amount' | 'state';
  readonly expected: string;
  readonly actual: string | null;
};

export function verifyHeldTransaction(
  view: TransactionView,
  attempt: { readonly reference: string; readonly currency: string; readonly amountMinor: number },
): TransactionMismatch | { readonly kind: 'VERIFIED'; readonly facts: ApprovedTransactionFacts } {
  const mismatch = (field: TransactionMismatch['field'], expected: string, actual: string | null) =>
    ({ kind: 'MISMATCH', field, expected, actual }) as const;
  if (view.reference !== attempt.reference) {
    return mismatch('payment_transaction_reference', attempt.reference, view.reference);
  }
  if (view.currency !== attempt.currency) return mismatch('currency', attempt.currency, view.currency);
  if (view.amountMinor !== attempt.amountMinor) {
    return mismatch('amount', String(attempt.amountMinor), String(view.amountMinor));
  }
  if (view.state === 'EXPIRED' && view.capturedMinor === 0) {
    return mismatch('state', 'AUTHORIZED, COMPLETED or CLOSED', view.state);
  }
  const capture = view.captures[0];
  return {
    kind: 'VERIFIED',
    facts: {
      paymentTransactionId: view.paymentTransactionId,
      state: view.state,
      authorizedAt: null,
      expiresAt: view.expiresAt,
      capture:
        capture === undefined
          ? null
          : {
              paymentCaptureId: capture.paymentCaptureId,
              amount: capture.amountMinor,
              capturedAt: capture.capturedAt,
            },
    },
  };
}
