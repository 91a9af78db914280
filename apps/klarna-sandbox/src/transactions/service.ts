// Payment transactions (CONTRACT.md §18): opened by an approved authorize, then captured,
// refunded, voided and read; AUTHORIZED → EXPIRED at expires_at and → CLOSED/COMPLETED 7 days
// later on the sandbox clock. Every change is recorded in the ledger and emitted for webhooks.
// Another account's transaction is unknown (404), so ids do not leak.
import type { FastifyBaseLogger } from 'fastify';
import type { SimClock, SimTimer } from '../clock.js';
import type { SandboxEvents } from '../events.js';
import { newPaymentTransactionId, paymentCaptureId, paymentRefundId } from '../ids.js';
import type { Ledger, LedgerEntry } from '../ledger/ledger.js';
import { refusalError, transactionNotFound } from './errors.js';
import {
  STATE_CHANGE_EVENT,
  transactionPayload,
  type TransactionEventPayload,
  type TransactionEventType,
} from './events.js';
import {
  DEFAULT_LIMITS,
  GRACE_AFTER_EXPIRY_MS,
  type Allocation,
  type CaptureRecord,
  type RefundRecord,
  type TransactionLimits,
  type TransactionRecord,
  type TransactionState,
} from './model.js';
import {
  decideCapture,
  decideCaptureRefund,
  decideExpiry,
  decideGraceEnd,
  decideTransactionRefund,
  decideVoid,
  type Refusal,
} from './rules.js';
import {
  captureResponse,
  captureView,
  refundResponse,
  refundView,
  transactionView,
  type CaptureResponse,
  type RefundResponse,
  type TransactionView,
} from './views.js';

/** Authorization lifetime (capture deadline); INFERRED, Klarna's usual 28 days (§18.2). */
export const AUTHORIZATION_LIFETIME_MS = 28 * 86_400_000;

export interface PaymentTransactionsDeps {
  clock: SimClock;
  events: SandboxEvents;
  ledger: Ledger;
  log: FastifyBaseLogger;
  limits?: TransactionLimits | undefined;
}

export interface OpenTransaction {
  accountId: string;
  reference: string;
  amount: number;
  currency: string;
  customerToken: string | undefined;
  idempotencyKey: string | undefined;
  scenario: LedgerEntry['scenario'];
  /** `capture: "NOW"` (§18.1): the full amount is captured at once. */
  captureNow: boolean;
  lineItems: unknown[];
}

export interface MoneyInput {
  amount: number;
  reference: string | undefined;
}

interface Entry {
  record: TransactionRecord;
  /** The pending expiry or end-of-grace timer. */
  timer: SimTimer | undefined;
}

function decided<T extends object>(decision: Refusal | T): T {
  if ('kind' in decision) throw refusalError(decision);
  return decision;
}

export class PaymentTransactions {
  private readonly entries = new Map<string, Entry>();
  private readonly limits: TransactionLimits;

  constructor(private readonly deps: PaymentTransactionsDeps) {
    this.limits = deps.limits ?? DEFAULT_LIMITS;
  }

  /** An approved authorization: AUTHORIZED, or COMPLETED with its one capture under NOW. */
  open(input: OpenTransaction): TransactionRecord {
    const now = this.deps.clock.now();
    const id = newPaymentTransactionId();
    // INFERRED §18.1: NOW captures the full amount, never part of it.
    const captures: CaptureRecord[] = input.captureNow
      ? [{ id: paymentCaptureId(id, 1), reference: null, amount: input.amount, refunded: 0, capturedAt: now }]
      : [];
    const record: TransactionRecord = {
      id,
      accountId: input.accountId,
      reference: input.reference,
      amount: input.amount,
      currency: input.currency,
      state: input.captureNow ? 'COMPLETED' : 'AUTHORIZED',
      authorizedAt: now,
      expiresAt: now + AUTHORIZATION_LIFETIME_MS,
      lineItems: input.lineItems,
      captures,
      refunds: [],
      released: 0,
      voids: 0,
    };
    const entry: Entry = { record, timer: undefined };
    this.entries.set(id, entry);
    if (record.state === 'AUTHORIZED')
      entry.timer = this.deps.clock.at(record.expiresAt, () => this.expire(id));
    this.deps.ledger.append({
      payment_transaction_id: id,
      account_id: input.accountId,
      payment_transaction_reference: input.reference,
      amount: input.amount,
      currency: input.currency,
      customer_token: input.customerToken ?? null,
      idempotency_key: input.idempotencyKey ?? null,
      scenario: input.scenario,
      state: record.state,
      captured_amount: input.captureNow ? input.amount : 0,
      refunded_amount: 0,
      released_amount: 0,
      payment_capture_id: captures[0]?.id ?? null,
      captures: captures.map(captureView),
      refunds: [],
      authorized_at: new Date(now).toISOString(),
    });
    const nowCapture = captures[0];
    // §18.1: "captured" fires for every capture, autocapture included; creation is no state change.
    if (nowCapture) this.emit(record, 'payment.transaction.captured', null, this.captureFields(nowCapture));
    return record;
  }

  read(accountId: string, id: string): TransactionView {
    return transactionView(this.require(accountId, id));
  }

  /** The transaction if this account has it; for scenario matching before anything executes. */
  find(accountId: string, id: string): TransactionRecord | undefined {
    const record = this.entries.get(id)?.record;
    return record?.accountId === accountId ? record : undefined;
  }

  capture(accountId: string, id: string, input: MoneyInput): CaptureResponse {
    const tx = this.require(accountId, id);
    const { next } = decided(decideCapture(tx, input.amount, this.limits));
    const capture: CaptureRecord = {
      id: paymentCaptureId(tx.id, tx.captures.length + 1),
      reference: input.reference ?? null,
      amount: input.amount,
      refunded: 0,
      capturedAt: this.deps.clock.now(),
    };
    const previous = tx.state;
    tx.captures.push(capture);
    tx.state = next;
    this.deps.ledger.record({
      op: 'capture',
      payment_transaction_id: tx.id,
      capture: captureView(capture),
      state: next,
    });
    this.emit(tx, 'payment.transaction.captured', previous, this.captureFields(capture));
    if (next !== previous) this.stateChanged(tx, previous);
    return captureResponse(tx, capture);
  }

  refundCapture(accountId: string, id: string, captureId: string, input: MoneyInput): RefundResponse {
    const tx = this.require(accountId, id);
    const { capture } = decided(decideCaptureRefund(tx, captureId, input.amount, this.limits));
    return this.refund(tx, capture.id, [{ captureId: capture.id, amount: input.amount }], input);
  }

  refundTransaction(accountId: string, id: string, input: MoneyInput): RefundResponse {
    const tx = this.require(accountId, id);
    const { allocations } = decided(decideTransactionRefund(tx, input.amount, this.limits));
    return this.refund(tx, null, allocations, input);
  }

  void(accountId: string, id: string): TransactionView {
    const tx = this.require(accountId, id);
    const { next, released } = decided(decideVoid(tx, this.limits));
    tx.voids += 1;
    this.end(tx, next, released);
    return transactionView(tx);
  }

  /** POST /__sim/reset: forget every transaction (the ledger keeps its record). */
  clear(): void {
    for (const entry of this.entries.values()) entry.timer?.cancel();
    this.entries.clear();
  }

  private refund(
    tx: TransactionRecord,
    captureId: string | null,
    allocations: Allocation[],
    input: MoneyInput,
  ): RefundResponse {
    const refund: RefundRecord = {
      id: paymentRefundId(tx.id, tx.refunds.length + 1),
      reference: input.reference ?? null,
      captureId,
      amount: input.amount,
      allocations,
      refundedAt: this.deps.clock.now(),
    };
    for (const a of allocations) {
      const capture = tx.captures.find((c) => c.id === a.captureId);
      if (capture) capture.refunded += a.amount;
    }
    tx.refunds.push(refund);
    const view = refundView(refund);
    this.deps.ledger.record({ op: 'refund', payment_transaction_id: tx.id, refund: view });
    // INFERRED §18.6: refunds do not change the state.
    this.emit(tx, 'payment.transaction.refunded', tx.state, {
      amount: refund.amount,
      payment_capture_id: captureId,
      payment_refund_id: refund.id,
      payment_refund_reference: refund.reference,
      allocations: view.allocations,
    });
    return refundResponse(tx, refund);
  }

  private require(accountId: string, id: string): TransactionRecord {
    const record = this.find(accountId, id);
    if (!record) throw transactionNotFound(id);
    return record;
  }

  private expire(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    const tx = entry.record;
    const next = decideExpiry(tx);
    if (next === undefined) return;
    this.end(tx, next, 0);
    entry.timer = this.deps.clock.at(tx.expiresAt + GRACE_AFTER_EXPIRY_MS, () => this.endGrace(id));
  }

  private endGrace(id: string): void {
    const tx = this.entries.get(id)?.record;
    const end = tx && decideGraceEnd(tx);
    if (tx && end) this.end(tx, end.next, end.released);
  }

  /** A state change with what it releases (void, end of grace; expiry releases nothing yet). */
  private end(tx: TransactionRecord, next: TransactionState, released: number): void {
    const previous = tx.state;
    tx.released += released;
    tx.state = next;
    this.deps.ledger.record({
      op: 'state',
      payment_transaction_id: tx.id,
      state: next,
      released_amount: tx.released,
    });
    this.stateChanged(tx, previous);
  }

  private stateChanged(tx: TransactionRecord, previous: TransactionState): void {
    const entry = this.entries.get(tx.id);
    if (entry && tx.state !== 'AUTHORIZED' && tx.state !== 'EXPIRED') {
      entry.timer?.cancel();
      entry.timer = undefined;
    }
    const type = STATE_CHANGE_EVENT[tx.state];
    if (type) this.emit(tx, type, previous);
  }

  private captureFields(capture: CaptureRecord): Partial<TransactionEventPayload> {
    return {
      amount: capture.amount,
      payment_capture_id: capture.id,
      payment_capture_reference: capture.reference,
    };
  }

  private emit(
    tx: TransactionRecord,
    eventType: TransactionEventType,
    previous: TransactionState | null,
    extra: Partial<TransactionEventPayload> = {},
  ): void {
    try {
      this.deps.events.emit('payment_transaction.changed', {
        accountId: tx.accountId,
        eventType,
        occurredAt: this.deps.clock.now(),
        payload: transactionPayload(tx, previous, extra),
      });
    } catch (err) {
      // A subscriber's failure must not undo or fail the operation that already happened.
      this.deps.log.error({ err, paymentTransactionId: tx.id }, 'transaction event subscriber failed');
    }
  }
}
