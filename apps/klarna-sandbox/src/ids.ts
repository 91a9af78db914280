// Identifier formats the sandbox emits (CONTRACT.md §15) and the partner account KRN it accepts.
import { randomUUID } from 'node:crypto';

export const PARTNER_ACCOUNT_PATTERN = /^krn:partner:global:account:(test|live):[A-Za-z0-9]+$/;

export const newPaymentRequestId = (): string => `krn:payment:eu1:request:${randomUUID()}`;
export const newPaymentTransactionId = (): string => `krn:payment:eu1:transaction:${randomUUID()}`;
/** §18.1: opaque; the example derives it from the transaction id and the capture's number. */
export const paymentCaptureId = (paymentTransactionId: string, n: number): string =>
  `${paymentTransactionId}:capture:${n}`;
/** Numbered like the captures (INFERRED: Klarna's refund id format is unknown). */
export const paymentRefundId = (paymentTransactionId: string, n: number): string =>
  `${paymentTransactionId}:refund:${n}`;
export const newCustomerToken = (): string => `krn:customer-token:eu1:${randomUUID()}`;
export const newNetworkSessionToken = (): string =>
  `krn:payment:eu1:klarna-network-session-token:${randomUUID()}`;
