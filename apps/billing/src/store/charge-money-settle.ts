// What a capture, refund, void or transaction read taught Rebill, written under the charge's row
// lock with its audit row: the operation settled (or left open to be re-sent with its key), and
// the charge's totals and state moved by exactly what Klarna confirmed.
import { uncapturedMinor, type ChargeMoneyState, type TransactionFacts } from '../domain/index.js';
import { audit, type Actor } from './audit.js';
import { isOpen, type ChargeMoneyRows, type MoneyTable } from './charge-money.js';
import type { Tx } from './db.js';
import type { Capture, Charge, Refund, Void } from './generated/prisma/client.js';

export type OperationResult =
  | { readonly kind: 'SUCCEEDED'; readonly klarnaId: string | null; readonly at: Date | null }
  | { readonly kind: 'FAILED'; readonly code: string }
  /** No answer: left open for a re-send with the same key; `read` asks for a read first. */
  | { readonly kind: 'UNKNOWN'; readonly read: boolean };

interface Meta {
  readonly actor: Actor;
  readonly now: Date;
}

/** Settled already (by a twin run of the job, or the API's inline run): nothing to write again. */
const settled = (op: { readonly status: string }): boolean =>
  op.status !== 'PENDING' && op.status !== 'UNKNOWN';

function stateAfter(
  charge: Pick<Charge, 'amountMinor'>,
  captured: number,
  released: number,
): ChargeMoneyState {
  if (captured + released < charge.amountMinor) return 'AUTHORIZED';
  return captured > 0 ? 'COMPLETED' : 'CLOSED';
}

async function auditOperation(
  tx: Tx,
  charge: Charge,
  table: MoneyTable,
  id: string,
  action: string,
  after: Record<string, string | number | null>,
  meta: Meta,
): Promise<void> {
  await audit(tx, {
    actor: meta.actor,
    merchantId: charge.merchantId,
    subscriptionId: charge.subscriptionId,
    entityType: table,
    entityId: id,
    action: `${table}.${action}`,
    after: { charge_id: charge.id, ...after },
    at: meta.now,
  });
}

export async function settleCapture(
  tx: Tx,
  charge: Charge,
  capture: Capture,
  result: OperationResult,
  meta: Meta,
): Promise<void> {
  if (settled(capture)) return;
  const { now } = meta;
  if (result.kind === 'UNKNOWN') {
    if (result.read) await tx.charge.update({ where: { id: charge.id }, data: { readRequestedAt: now } });
    return;
  }
  if (result.kind === 'FAILED') {
    await tx.capture.update({
      where: { id: capture.id },
      data: { status: 'FAILED', failureCode: result.code, updatedAt: now },
    });
    // Klarna refused: no automatic capture again (it would be refused again, in a loop); learn the
    // transaction's state from a read. Operators see the failure in the audit trail.
    await tx.charge.update({
      where: { id: charge.id },
      data: { captureDueAt: null, readRequestedAt: now, updatedAt: now },
    });
    await auditOperation(tx, charge, 'capture', capture.id, 'failed', { code: result.code }, meta);
    return;
  }
  await tx.capture.update({
    where: { id: capture.id },
    data: {
      status: 'SUCCEEDED',
      klarnaCaptureId: result.klarnaId,
      capturedAt: result.at ?? now,
      updatedAt: now,
    },
  });
  const captured = charge.capturedMinor + capture.amountMinor;
  await tx.charge.update({
    where: { id: charge.id },
    data: {
      capturedMinor: captured,
      state: stateAfter(charge, captured, charge.releasedMinor),
      captureDueAt: null,
      updatedAt: now,
    },
  });
  await auditOperation(tx, charge, 'capture', capture.id, 'succeeded', { amount: capture.amountMinor }, meta);
}

export async function settleRefund(
  tx: Tx,
  charge: Charge,
  refund: Refund,
  result: OperationResult,
  meta: Meta,
): Promise<void> {
  if (settled(refund)) return;
  const { now } = meta;
  if (result.kind === 'UNKNOWN') {
    if (result.read) await tx.charge.update({ where: { id: charge.id }, data: { readRequestedAt: now } });
    return;
  }
  if (result.kind === 'FAILED') {
    await tx.refund.update({
      where: { id: refund.id },
      data: { status: 'FAILED', failureCode: result.code, updatedAt: now },
    });
    await auditOperation(tx, charge, 'refund', refund.id, 'failed', { code: result.code }, meta);
    return;
  }
  await tx.refund.update({
    where: { id: refund.id },
    data: {
      status: 'SUCCEEDED',
      klarnaRefundId: result.klarnaId,
      refundedAt: result.at ?? now,
      updatedAt: now,
    },
  });
  await tx.charge.update({
    where: { id: charge.id },
    data: { refundedMinor: { increment: refund.amountMinor }, updatedAt: now },
  });
  await auditOperation(tx, charge, 'refund', refund.id, 'succeeded', { amount: refund.amountMinor }, meta);
}

export async function settleVoid(
  tx: Tx,
  charge: Charge,
  voided: Void,
  result: OperationResult,
  meta: Meta,
): Promise<void> {
  if (settled(voided)) return;
  const { now } = meta;
  if (result.kind === 'UNKNOWN') {
    if (result.read) await tx.charge.update({ where: { id: charge.id }, data: { readRequestedAt: now } });
    return;
  }
  if (result.kind === 'FAILED') {
    await tx.void.update({
      where: { id: voided.id },
      data: { status: 'FAILED', failureCode: result.code, updatedAt: now },
    });
    // The request is answered (refused): not asked again, the state learnt from a read.
    await tx.charge.update({
      where: { id: charge.id },
      data: { voidRequestedAt: null, readRequestedAt: now, updatedAt: now },
    });
    await auditOperation(tx, charge, 'void', voided.id, 'failed', { code: result.code }, meta);
    return;
  }
  const released = uncapturedMinor(charge);
  await tx.void.update({
    where: { id: voided.id },
    data: { status: 'SUCCEEDED', releasedMinor: released, voidedAt: result.at ?? now, updatedAt: now },
  });
  await tx.charge.update({
    where: { id: charge.id },
    data: {
      releasedMinor: charge.releasedMinor + released,
      state: stateAfter(charge, charge.capturedMinor, charge.releasedMinor + released),
      captureDueAt: null,
      updatedAt: now,
    },
  });
  if (charge.capturedMinor === 0) {
    // Nothing was collected for the invoice: it is void, not paid.
    await tx.invoice.updateMany({
      where: { id: charge.invoiceId, status: 'PAID' },
      data: { status: 'VOID', voidedAt: now, updatedAt: now },
    });
  }
  await auditOperation(tx, charge, 'void', voided.id, 'succeeded', { released }, meta);
}

/**
 * Applies a read of the transaction (CONTRACT.md §18.5): an open operation Klarna shows (found
 * by Rebill's reference) succeeded; one the transaction's state rules out failed; anything else
 * stays open for a re-send with its key. The state is Klarna's. Amounts move only through
 * operations matched here: a difference left over is recorded for reconciliation, never copied.
 */
export async function applyTransactionRead(
  tx: Tx,
  rows: ChargeMoneyRows,
  facts: TransactionFacts,
  meta: Meta,
): Promise<void> {
  const { now } = meta;
  let charge = rows.charge;
  for (const capture of rows.captures.filter((c) => isOpen(c.status))) {
    const seen = facts.captures.find((c) => c.reference === capture.reference);
    if (seen !== undefined) {
      await settleCapture(tx, charge, capture, { kind: 'SUCCEEDED', klarnaId: seen.id, at: seen.at }, meta);
      charge = await tx.charge.findUniqueOrThrow({ where: { id: charge.id } });
    } else if (facts.state !== 'AUTHORIZED') {
      await settleCapture(tx, charge, capture, { kind: 'FAILED', code: `TRANSACTION_${facts.state}` }, meta);
    }
  }
  for (const refund of rows.refunds.filter((r) => isOpen(r.status))) {
    const seen = facts.refunds.find((r) => r.reference === refund.reference);
    if (seen !== undefined) {
      await settleRefund(tx, charge, refund, { kind: 'SUCCEEDED', klarnaId: seen.id, at: seen.at }, meta);
      charge = await tx.charge.findUniqueOrThrow({ where: { id: charge.id } });
    } else if (facts.state === 'CLOSED') {
      await settleRefund(tx, charge, refund, { kind: 'FAILED', code: 'TRANSACTION_CLOSED' }, meta);
    }
  }
  for (const voided of rows.voids.filter((v) => isOpen(v.status))) {
    if (facts.state === 'CLOSED' || facts.state === 'COMPLETED') {
      await settleVoid(tx, charge, voided, { kind: 'SUCCEEDED', klarnaId: null, at: null }, meta);
      charge = await tx.charge.findUniqueOrThrow({ where: { id: charge.id } });
    }
  }
  // Klarna's expiry released what was not captured (§18.6): book it once the state says so.
  const remainder = uncapturedMinor(charge);
  const released = facts.state === 'CLOSED' || facts.state === 'COMPLETED' ? remainder : 0;
  await tx.charge.update({
    where: { id: charge.id },
    data: {
      state: facts.state,
      releasedMinor: charge.releasedMinor + Math.max(0, released),
      readRequestedAt: null,
      ...(facts.state === 'AUTHORIZED' ? {} : { captureDueAt: null }),
      updatedAt: now,
    },
  });
  if ((facts.state === 'EXPIRED' || facts.state === 'CLOSED') && charge.capturedMinor === 0) {
    await markInvoiceUncollected(tx, charge, facts.state, meta);
  }
  const differs =
    facts.capturedMinor !== charge.capturedMinor || facts.refundedMinor !== charge.refundedMinor;
  await audit(tx, {
    actor: meta.actor,
    merchantId: charge.merchantId,
    subscriptionId: charge.subscriptionId,
    entityType: 'charge',
    entityId: charge.id,
    action: differs ? 'charge.read_differs' : 'charge.read',
    after: {
      state: facts.state,
      klarna_captured: facts.capturedMinor,
      klarna_refunded: facts.refundedMinor,
      captured: charge.capturedMinor,
      refunded: charge.refundedMinor,
    },
    at: now,
  });
}

/**
 * The authorization ended (expired, or closed at Klarna) with nothing captured: the approval booked
 * its invoice PAID, but no money came. The invoice becomes UNCOLLECTIBLE, audited and reported to
 * the merchant, who collects it some other way. A void Rebill sent made the invoice VOID before
 * (settleVoid), which this leaves alone.
 */
async function markInvoiceUncollected(
  tx: Tx,
  charge: Charge,
  state: 'EXPIRED' | 'CLOSED',
  meta: Meta,
): Promise<void> {
  const { count } = await tx.invoice.updateMany({
    where: { id: charge.invoiceId, status: 'PAID' },
    data: { status: 'UNCOLLECTIBLE', paidAt: null, updatedAt: meta.now },
  });
  if (count === 0) return;
  await audit(tx, {
    actor: meta.actor,
    merchantId: charge.merchantId,
    subscriptionId: charge.subscriptionId,
    entityType: 'invoice',
    entityId: charge.invoiceId,
    action: 'invoice.uncollectible',
    before: { status: 'PAID' },
    after: {
      status: 'UNCOLLECTIBLE',
      reason: `AUTHORIZATION_${state}`,
      invoice_id: charge.invoiceId,
      charge_id: charge.id,
      amount: charge.amountMinor,
      currency: charge.currency,
    },
    at: meta.now,
  });
}
