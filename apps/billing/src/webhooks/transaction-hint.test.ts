import { describe, expect, it } from 'vitest';
import {
  decideTransactionHint,
  parseTransactionHint,
  transactionHintKind,
  type HintCharge,
  type HintDecision,
  type HintOperation,
  type TransactionHint,
} from './transaction-hint.js';

const op = (overrides: Partial<HintOperation> = {}): HintOperation => ({
  reference: 'cap-1',
  klarnaId: 'krn:capture:1',
  status: 'SUCCEEDED',
  amountMinor: 1000,
  ...overrides,
});

const charge = (overrides: Partial<HintCharge> = {}): HintCharge => ({
  state: 'COMPLETED',
  currency: 'EUR',
  captures: [op()],
  refunds: [op({ reference: 'ref-1', klarnaId: 'krn:refund:1', amountMinor: 300 })],
  ...overrides,
});

const hint = (overrides: Partial<TransactionHint> = {}): TransactionHint => ({
  kind: 'captured',
  paymentTransactionId: 'krn:tx:1',
  state: 'COMPLETED',
  amountMinor: 1000,
  currency: 'EUR',
  captureId: 'krn:capture:1',
  captureReference: 'cap-1',
  refundId: null,
  refundReference: null,
  ...overrides,
});

const refunded = (overrides: Partial<TransactionHint> = {}): TransactionHint =>
  hint({
    kind: 'refunded',
    amountMinor: 300,
    captureId: 'krn:capture:1',
    captureReference: null,
    refundId: 'krn:refund:1',
    refundReference: 'ref-1',
    ...overrides,
  });

const stateChange = (state: string): TransactionHint =>
  hint({ kind: 'state-change', state, amountMinor: 1000, captureId: null, captureReference: null });

const AGREES: HintDecision = { kind: 'AGREES' };
const READ = (why: string): HintDecision => ({ kind: 'READ', why });

describe('decideTransactionHint', () => {
  it.each<[string, TransactionHint, HintCharge | null, HintDecision]>([
    ['no charge with that transaction', hint(), null, { kind: 'UNKNOWN_TRANSACTION' }],
    ['captured: a SUCCEEDED capture by id and reference', hint(), charge(), AGREES],
    ['captured: found by reference alone', hint({ captureId: null }), charge(), AGREES],
    [
      'captured: found by id alone (Rebill has not stored the reference form)',
      hint({ captureReference: 'other' }),
      charge(),
      AGREES,
    ],
    [
      'captured: a capture Rebill has PENDING',
      hint(),
      charge({ captures: [op({ status: 'PENDING', klarnaId: null })] }),
      READ('capture is PENDING in Rebill'),
    ],
    [
      'captured: a capture Rebill has UNKNOWN',
      hint(),
      charge({ captures: [op({ status: 'UNKNOWN', klarnaId: null })] }),
      READ('capture is UNKNOWN in Rebill'),
    ],
    [
      'captured: a capture Rebill has FAILED',
      hint(),
      charge({ captures: [op({ status: 'FAILED', klarnaId: null })] }),
      READ('capture is FAILED in Rebill'),
    ],
    [
      'captured: a capture Rebill never made',
      hint({ captureId: 'krn:capture:9', captureReference: 'cap-9' }),
      charge(),
      READ('capture unknown to Rebill'),
    ],
    [
      'captured: the reference matches but Klarna names another capture id',
      hint({ captureId: 'krn:capture:9' }),
      charge(),
      READ('capture id differs'),
    ],
    ['captured: another amount', hint({ amountMinor: 999 }), charge(), READ('capture amount differs')],
    ['captured: no amount in the payload', hint({ amountMinor: null }), charge(), AGREES],
    [
      'captured: the capture agrees, the state does not',
      hint({ state: 'AUTHORIZED' }),
      charge(),
      READ('state AUTHORIZED, Rebill has COMPLETED'),
    ],
    ['captured: another currency', hint({ currency: 'SEK' }), charge(), READ('currency differs')],
    ['refunded: a SUCCEEDED refund', refunded(), charge(), AGREES],
    ['refunded: found by reference alone', refunded({ refundId: null }), charge(), AGREES],
    [
      'refunded: a refund Rebill has PENDING',
      refunded(),
      charge({ refunds: [op({ reference: 'ref-1', klarnaId: null, status: 'PENDING', amountMinor: 300 })] }),
      READ('refund is PENDING in Rebill'),
    ],
    [
      'refunded: a refund Rebill never made',
      refunded({ refundId: 'krn:refund:9', refundReference: null }),
      charge(),
      READ('refund unknown to Rebill'),
    ],
    ['refunded: another amount', refunded({ amountMinor: 301 }), charge(), READ('refund amount differs')],
    ['state change to the state Rebill has', stateChange('COMPLETED'), charge(), AGREES],
    [
      'state change to another state',
      stateChange('CLOSED'),
      charge(),
      READ('state CLOSED, Rebill has COMPLETED'),
    ],
    [
      'state change to EXPIRED while Rebill has it AUTHORIZED',
      stateChange('EXPIRED'),
      charge({ state: 'AUTHORIZED', captures: [] }),
      READ('state EXPIRED, Rebill has AUTHORIZED'),
    ],
    [
      'state change to a state Rebill does not know',
      stateChange('REAUTHORIZED'),
      charge(),
      READ('state REAUTHORIZED, Rebill has COMPLETED'),
    ],
  ])('%s', (_name, event, rows, expected) => {
    expect(decideTransactionHint(event, rows)).toEqual(expected);
  });
});

describe('transactionHintKind', () => {
  it.each<[string, ReturnType<typeof transactionHintKind>]>([
    ['payment.transaction.captured', 'captured'],
    ['payment.transaction.refunded', 'refunded'],
    ['payment.transaction.state-change.expired', 'state-change'],
    ['payment.transaction.state-change.completed', 'state-change'],
    ['payment.transaction.state-change.closed', 'state-change'],
    ['payment.transaction.state-change.', null],
    ['payment.transaction.updated', null],
    ['payment.request.state-change.completed', null],
  ])('%s → %s', (type, kind) => {
    expect(transactionHintKind(type)).toBe(kind);
  });
});

describe('parseTransactionHint', () => {
  it('reads the sandbox payload of a capture', () => {
    expect(
      parseTransactionHint('captured', {
        payment_transaction_id: 'krn:tx:1',
        payment_transaction_reference: 'sub_1',
        state: 'completed',
        previous_state: 'AUTHORIZED',
        amount: 1000,
        currency: 'EUR',
        payment_capture_id: 'krn:capture:1',
        payment_capture_reference: 'cap-1',
      }),
    ).toEqual({ ok: true, hint: hint() });
  });

  it('tolerates missing optional fields and an odd amount', () => {
    expect(
      parseTransactionHint('state-change', {
        payment_transaction_id: 'krn:tx:1',
        state: 'CLOSED',
        amount: -1,
      }),
    ).toEqual({
      ok: true,
      hint: {
        kind: 'state-change',
        paymentTransactionId: 'krn:tx:1',
        state: 'CLOSED',
        amountMinor: null,
        currency: null,
        captureId: null,
        captureReference: null,
        refundId: null,
        refundReference: null,
      },
    });
  });

  it.each([
    [{ state: 'CLOSED' }, 'payment_transaction_id'],
    [{ payment_transaction_id: 'krn:tx:1' }, 'state'],
    [null, ''],
  ])('names the field it cannot read', (payload, field) => {
    expect(parseTransactionHint('captured', payload)).toEqual({ ok: false, field });
  });
});
