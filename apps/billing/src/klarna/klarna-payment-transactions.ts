// PaymentTransactionsGateway over Klarna's Payment Transaction API (CONTRACT.md §18): the money
// operations on an authorization, beside KlarnaNetworkGateway's authorize calls. It shares the
// caller's KlarnaHttp, so one keep-alive agent serves both ports.
import type { KlarnaHttp } from './http.js';
import type {
  CaptureInput,
  CaptureOutcome,
  PaymentTransactionsGateway,
  ReadTransactionOutcome,
  RefundCaptureInput,
  RefundOutcome,
  TransactionCall,
  VoidInput,
  VoidOutcome,
} from './money-port.js';
import {
  capturePaymentTransaction,
  readPaymentTransaction,
  refundPaymentCapture,
  voidPaymentTransaction,
} from './payment-transactions.js';

export class KlarnaPaymentTransactions implements PaymentTransactionsGateway {
  constructor(private readonly http: KlarnaHttp) {}

  capture(input: CaptureInput, idempotencyKey: string): Promise<CaptureOutcome> {
    return capturePaymentTransaction(this.http, input, idempotencyKey);
  }

  refundCapture(input: RefundCaptureInput, idempotencyKey: string): Promise<RefundOutcome> {
    return refundPaymentCapture(this.http, input, idempotencyKey);
  }

  voidTransaction(input: VoidInput, idempotencyKey: string): Promise<VoidOutcome> {
    return voidPaymentTransaction(this.http, input, idempotencyKey);
  }

  readTransaction(input: TransactionCall): Promise<ReadTransactionOutcome> {
    return readPaymentTransaction(this.http, input);
  }
}
