// "Resolve held attempt" for an operator. An invoice is held when its last attempt failed (Klarna
// rejected the request) or its outcome stayed unknown past Klarna's replay window: nothing charges
// it until an operator says what happened at Klarna.
// - APPROVED with a payment_transaction_id: read from Klarna in the merchant's account and checked
//   against the attempt (reference, currency, amount), then booked by the renewal engine's own
//   settle (settleHeldAttempt): the charge, its capture per the capture mode, the invoice paid,
//   the period advanced.
// - NOT_CHARGED: the attempt settles as a soft decline (reason NOT_CHARGED), so the plan's dunning
//   policy decides as for any decline: the next retry (the subscription PAST_DUE; "retry now"
//   may run it at once), or, with the retries spent, the final action at the grace end.
// Either way the hold is released and the operator's resolution audited, in one transaction under
// the subscription's lock; a hold resolved meanwhile answers NOT_HELD.
import type { Logger } from 'pino';
import type { Clock } from '../domain/index.js';
import type { PaymentTransactionsGateway } from '../klarna/money-port.js';
import { settleHeldAttempt, type HeldAttemptResolution } from '../renewal/run-renewal.js';
import type { Actor } from '../store/audit.js';
import { chargeIdForTransaction } from '../store/charge-lookups.js';
import { inTransaction, type Db } from '../store/db.js';
import { findHeldAttempt, releaseHeldInvoice } from '../store/held-invoices.js';
import { verifyHeldTransaction, type TransactionMismatch } from './verify-held-transaction.js';

export interface ResolveHeldDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly payments: Pick<PaymentTransactionsGateway, 'readTransaction'>;
  readonly log: Logger;
}

export interface ResolveHeldInput {
  readonly invoiceId: string;
  /** Scope: another merchant's invoice is NOT_FOUND. Omitted: any merchant (operators). */
  readonly merchantId?: string | undefined;
  readonly operatorId: string;
  readonly resolution:
    { readonly kind: 'APPROVED'; readonly paymentTransactionId: string } | { readonly kind: 'NOT_CHARGED' };
}

export type ResolveHeldResult =
  | {
      readonly kind: 'RESOLVED';
      readonly resolution: 'APPROVED' | 'NOT_CHARGED';
      /** The subscription's status after it. */
      readonly subscriptionStatus: string;
    }
  | { readonly kind: 'NOT_FOUND' }
  | { readonly kind: 'NOT_HELD' }
  /** Klarna has no such transaction in the merchant's account. */
  | { readonly kind: 'UNKNOWN_TRANSACTION' }
  | TransactionMismatch
  /** That transaction is already booked as a charge. */
  | { readonly kind: 'ALREADY_RECORDED'; readonly chargeId: string }
  /** Klarna could not be read (throttled, down, or it refused the read): nothing changed. */
  | { readonly kind: 'KLARNA_UNAVAILABLE'; readonly reason: string };

export async function resolveHeldAttempt(
  deps: ResolveHeldDeps,
  input: ResolveHeldInput,
): Promise<ResolveHeldResult> {
  const found = await findHeldAttempt(deps.db, input.invoiceId, input.merchantId);
  if (found === null) return { kind: 'NOT_FOUND' };
  const { invoice, attempt } = found;
  if (invoice.heldAt === null || invoice.status !== 'OPEN' || attempt === null) return { kind: 'NOT_HELD' };

  let resolution: HeldAttemptResolution = { kind: 'NOT_CHARGED' };
  if (input.resolution.kind === 'APPROVED') {
    const { paymentTransactionId } = input.resolution;
    const booked = await chargeIdForTransaction(deps.db, paymentTransactionId, invoice.merchantId);
    if (booked !== null) return { kind: 'ALREADY_RECORDED', chargeId: booked };
    const read = await deps.payments.readTransaction({ accountId: found.accountId, paymentTransactionId });
    if (read.kind === 'not_found') return { kind: 'UNKNOWN_TRANSACTION' };
    if (read.kind !== 'read') return { kind: 'KLARNA_UNAVAILABLE', reason: read.kind };
    const verified = verifyHeldTransaction(read.transaction, attempt);
    if (verified.kind === 'MISMATCH') return verified;
    resolution = {
      kind: 'APPROVED',
      transaction: verified.facts,
      correlationId: attempt.klarnaCorrelationId ?? read.correlationId,
    };
  }

  const actor: Actor = { kind: 'OPERATOR', id: input.operatorId };
  return inTransaction(deps.db, async (tx): Promise<ResolveHeldResult> => {
    const now = deps.clock.now();
    const settled = await settleHeldAttempt(tx, deps, {
      subscriptionId: invoice.subscriptionId,
      attemptId: attempt.id,
      resolution,
      actor,
      now,
    });
    if (settled.kind === 'NOT_HELD') return settled;
    await releaseHeldInvoice(tx, {
      invoice,
      attemptId: attempt.id,
      resolution: resolution.kind,
      paymentTransactionId:
        resolution.kind === 'APPROVED' ? resolution.transaction.paymentTransactionId : null,
      actor,
      now,
    });
    return { kind: 'RESOLVED', resolution: resolution.kind, subscriptionStatus: settled.status };
  });
}
