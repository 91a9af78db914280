// A scripted stand-in for Klarna's Payment Transaction API (PaymentTransactionsGateway) behind the
// money job the API runs inline: by default every refund and void succeeds; `next` queues the
// outcome of the following call of a kind. Every call is recorded.
import { randomUUID } from 'node:crypto';
import type {
  CaptureInput,
  CaptureOutcome,
  PaymentTransactionsGateway,
  ReadTransactionOutcome,
  RefundCaptureInput,
  RefundOutcome,
  TransactionCall,
  VoidOutcome,
} from '../../klarna/money-port.js';

type Call =
  | { readonly kind: 'capture'; readonly input: CaptureInput; readonly key: string }
  | { readonly kind: 'refund'; readonly input: RefundCaptureInput; readonly key: string }
  | { readonly kind: 'void'; readonly input: TransactionCall; readonly key: string }
  | { readonly kind: 'read'; readonly input: TransactionCall };

export class FakePayments implements PaymentTransactionsGateway {
  readonly calls: Call[] = [];
  private refunds: RefundOutcome[] = [];
  private voids: VoidOutcome[] = [];
  private throwing: Error | null = null;

  reset(): void {
    this.calls.length = 0;
    this.refunds = [];
    this.voids = [];
    this.throwing = null;
  }

  /** The next call rejects with `error` (a bug or a crash in the job, not a Klarna answer). */
  throwNext(error: Error): void {
    this.throwing = error;
  }

  private failure(): Promise<never> | null {
    const error = this.throwing;
    this.throwing = null;
    return error === null ? null : Promise.reject(error);
  }

  nextRefund(outcome: RefundOutcome): void {
    this.refunds.push(outcome);
  }

  nextVoid(outcome: VoidOutcome): void {
    this.voids.push(outcome);
  }

  capture(input: CaptureInput, key: string): Promise<CaptureOutcome> {
    this.calls.push({ kind: 'capture', input, key });
    return Promise.resolve({
      kind: 'captured',
      correlationId: null,
      capture: {
        paymentCaptureId: `${input.paymentTransactionId}:capture:${randomUUID()}`,
        reference: input.reference,
        amountMinor: input.amountMinor,
        capturedAt: null,
        refundedMinor: 0,
      },
    });
  }

  refundCapture(input: RefundCaptureInput, key: string): Promise<RefundOutcome> {
    this.calls.push({ kind: 'refund', input, key });
    const failed = this.failure();
    if (failed !== null) return failed;
    return Promise.resolve(
      this.refunds.shift() ?? {
        kind: 'refunded',
        correlationId: null,
        refund: {
          paymentRefundId: `${input.paymentCaptureId}:refund:${randomUUID()}`,
          reference: input.reference,
          paymentCaptureId: input.paymentCaptureId,
          amountMinor: input.amountMinor,
          refundedAt: null,
        },
      },
    );
  }

  voidTransaction(input: TransactionCall, key: string): Promise<VoidOutcome> {
    this.calls.push({ kind: 'void', input, key });
    const failed = this.failure();
    if (failed !== null) return failed;
    return Promise.resolve(
      this.voids.shift() ?? {
        kind: 'voided',
        correlationId: null,
        transaction: {
          paymentTransactionId: input.paymentTransactionId,
          reference: null,
          state: 'CLOSED',
          amountMinor: 0,
          currency: null,
          expiresAt: null,
          capturedMinor: 0,
          refundedMinor: 0,
          releasedMinor: 0,
          captures: [],
          refunds: [],
        },
      },
    );
  }

  readTransaction(input: TransactionCall): Promise<ReadTransactionOutcome> {
    this.calls.push({ kind: 'read', input });
    return Promise.resolve({ kind: 'not_found', correlationId: null });
  }
}
