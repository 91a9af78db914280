import { describe, expect, it } from 'vitest';
import { parseCapture, parseRefund, parseTransaction } from './transaction-view.js';

const TX = 'krn:payment:eu1:transaction:1';
const CAP1 = `${TX}:capture:1`;
const CAP2 = `${TX}:capture:2`;

const full = {
  payment_transaction_id: TX,
  payment_transaction_reference: 'sub_42-2026-02',
  amount: 1000,
  currency: 'EUR',
  state: 'AUTHORIZED',
  authorized_at: '2026-02-01T10:00:00.000Z',
  expires_at: '2026-03-01T10:00:00.000Z',
  captured_amount: 700,
  refunded_amount: 250,
  released_amount: 0,
  line_items: [],
  payment_captures: [
    {
      payment_capture_id: CAP1,
      payment_capture_reference: 'cap_1',
      amount: 400,
      refunded_amount: 250,
      captured_at: '2026-02-01T10:01:00.000Z',
    },
    { payment_capture_id: CAP2, payment_capture_reference: 'cap_2', amount: 300, refunded_amount: 0 },
  ],
  payment_refunds: [
    {
      payment_refund_id: `${CAP1}:refund:1`,
      payment_refund_reference: 'ref_1',
      payment_capture_id: CAP1,
      amount: 250,
      refunded_at: '2026-02-02T09:00:00.000Z',
    },
  ],
};

describe('parseTransaction', () => {
  it('reads the full answer', () => {
    expect(parseTransaction(full)).toEqual({
      ok: true,
      value: {
        paymentTransactionId: TX,
        reference: 'sub_42-2026-02',
        state: 'AUTHORIZED',
        amountMinor: 1000,
        currency: 'EUR',
        expiresAt: new Date('2026-03-01T10:00:00.000Z'),
        capturedMinor: 700,
        refundedMinor: 250,
        releasedMinor: 0,
        captures: [
          {
            paymentCaptureId: CAP1,
            reference: 'cap_1',
            amountMinor: 400,
            capturedAt: new Date('2026-02-01T10:01:00.000Z'),
            refundedMinor: 250,
          },
          {
            paymentCaptureId: CAP2,
            reference: 'cap_2',
            amountMinor: 300,
            capturedAt: null,
            refundedMinor: 0,
          },
        ],
        refunds: [
          {
            paymentRefundId: `${CAP1}:refund:1`,
            reference: 'ref_1',
            paymentCaptureId: CAP1,
            amountMinor: 250,
            refundedAt: new Date('2026-02-02T09:00:00.000Z'),
          },
        ],
      },
    });
  });

  it('needs only the id, a known state and the amount', () => {
    expect(parseTransaction({ payment_transaction_id: TX, state: 'CLOSED', amount: 1000 })).toEqual({
      ok: true,
      value: {
        paymentTransactionId: TX,
        reference: null,
        state: 'CLOSED',
        amountMinor: 1000,
        currency: null,
        expiresAt: null,
        capturedMinor: 0,
        refundedMinor: 0,
        releasedMinor: 0,
        captures: [],
        refunds: [],
      },
    });
  });

  it('derives the totals from the arrays when they are absent (or null)', () => {
    const { captured_amount: _c, refunded_amount: _r, ...withoutTotals } = full;
    const captures = full.payment_captures.map(({ refunded_amount: _x, ...capture }) => capture);
    const parsed = parseTransaction({ ...withoutTotals, released_amount: null, payment_captures: captures });
    expect(parsed).toMatchObject({
      ok: true,
      value: {
        capturedMinor: 700,
        refundedMinor: 250,
        releasedMinor: 0,
        captures: [
          { paymentCaptureId: CAP1, refundedMinor: 250 },
          { paymentCaptureId: CAP2, refundedMinor: 0 },
        ],
      },
    });
  });

  it('keeps the totals Klarna reports over the sums of the arrays', () => {
    const parsed = parseTransaction({ ...full, payment_captures: [], captured_amount: 700 });
    expect(parsed).toMatchObject({ ok: true, value: { capturedMinor: 700, captures: [] } });
  });

  it('ignores unknown fields, reads numeric strings and any case of the state', () => {
    const parsed = parseTransaction({
      ...full,
      state: ' completed ',
      amount: '1000',
      payment_funding: { kind: 'whatever' },
      payment_pricing: [1, 2],
      payment_captures: [{ ...full.payment_captures[0], surprise: true }],
    });
    expect(parsed).toMatchObject({
      ok: true,
      value: { state: 'COMPLETED', amountMinor: 1000, captures: [{ paymentCaptureId: CAP1 }] },
    });
  });

  it('reads odd descriptive fields as null', () => {
    const parsed = parseTransaction({
      ...full,
      payment_transaction_reference: 42,
      currency: '',
      expires_at: 'not a date',
      payment_captures: [
        { payment_capture_id: CAP1, amount: 400, captured_at: 17, payment_capture_reference: null },
      ],
    });
    expect(parsed).toMatchObject({
      ok: true,
      value: {
        reference: null,
        currency: null,
        expiresAt: null,
        captures: [{ paymentCaptureId: CAP1, reference: null, capturedAt: null }],
      },
    });
  });

  it.each<[string, unknown, string]>([
    ['not an object', [], ''],
    ['null', null, ''],
    ['no id', { ...full, payment_transaction_id: undefined }, 'payment_transaction_id'],
    ['an empty id', { ...full, payment_transaction_id: '' }, 'payment_transaction_id'],
    ['no state', { ...full, state: undefined }, 'state'],
    ['an unknown state', { ...full, state: 'PENDING' }, 'state'],
    ['a numeric state', { ...full, state: 3 }, 'state'],
    ['no amount', { ...full, amount: undefined }, 'amount'],
    ['a fractional amount', { ...full, amount: 9.99 }, 'amount'],
    ['a negative amount', { ...full, amount: -1 }, 'amount'],
    ['a non-numeric amount', { ...full, amount: '10 EUR' }, 'amount'],
    ['a garbled total', { ...full, captured_amount: 'lots' }, 'captured_amount'],
    ['a garbled refunded total', { ...full, refunded_amount: true }, 'refunded_amount'],
    ['captures not a list', { ...full, payment_captures: {} }, 'payment_captures'],
    [
      'a capture without id',
      { ...full, payment_captures: [{ amount: 1 }] },
      'payment_captures.0.payment_capture_id',
    ],
    [
      'a capture without amount',
      { ...full, payment_captures: [full.payment_captures[0], { payment_capture_id: CAP2 }] },
      'payment_captures.1.amount',
    ],
    [
      'a refund without id',
      { ...full, payment_refunds: [{ amount: 1 }] },
      'payment_refunds.0.payment_refund_id',
    ],
    [
      'a refund with a string amount',
      { ...full, payment_refunds: [{ payment_refund_id: 'r', amount: 'x' }] },
      'payment_refunds.0.amount',
    ],
  ])('%s is unreadable, naming %s', (_name, raw, field) => {
    expect(parseTransaction(raw)).toEqual({ ok: false, field });
  });
});

describe('parseCapture', () => {
  const answer = {
    payment_capture_id: CAP1,
    payment_capture_reference: 'cap_1',
    payment_transaction_id: TX,
    amount: 400,
    captured_at: '2026-02-01T10:01:00.000Z',
    state: 'AUTHORIZED',
  };

  it('reads the 201 answer; nothing is refunded of a new capture', () => {
    expect(parseCapture(answer)).toEqual({
      ok: true,
      value: {
        paymentCaptureId: CAP1,
        reference: 'cap_1',
        amountMinor: 400,
        capturedAt: new Date('2026-02-01T10:01:00.000Z'),
        refundedMinor: 0,
      },
    });
  });

  it('needs only the id and amount', () => {
    expect(parseCapture({ payment_capture_id: CAP1, amount: 1 })).toMatchObject({
      ok: true,
      value: { paymentCaptureId: CAP1, reference: null, capturedAt: null, amountMinor: 1 },
    });
  });

  it.each<[string, unknown, string]>([
    ['a string body', 'created', ''],
    ['no id', { ...answer, payment_capture_id: undefined }, 'payment_capture_id'],
    ['a numeric id', { ...answer, payment_capture_id: 7 }, 'payment_capture_id'],
    ['no amount', { ...answer, amount: undefined }, 'amount'],
    ['a null amount', { ...answer, amount: null }, 'amount'],
  ])('%s is unreadable, naming %s', (_name, raw, field) => {
    expect(parseCapture(raw)).toEqual({ ok: false, field });
  });
});

describe('parseRefund', () => {
  const answer = {
    payment_refund_id: `${CAP1}:refund:1`,
    payment_refund_reference: 'ref_1',
    payment_transaction_id: TX,
    payment_capture_id: CAP1,
    amount: 250,
    refunded_at: '2026-02-02T09:00:00.000Z',
  };

  it('reads the 201 answer', () => {
    expect(parseRefund(answer)).toEqual({
      ok: true,
      value: {
        paymentRefundId: `${CAP1}:refund:1`,
        reference: 'ref_1',
        paymentCaptureId: CAP1,
        amountMinor: 250,
        refundedAt: new Date('2026-02-02T09:00:00.000Z'),
      },
    });
  });

  it('needs only the id and amount', () => {
    expect(parseRefund({ payment_refund_id: 'r1', amount: 5, extra: {} })).toEqual({
      ok: true,
      value: {
        paymentRefundId: 'r1',
        reference: null,
        paymentCaptureId: null,
        amountMinor: 5,
        refundedAt: null,
      },
    });
  });

  it.each<[string, unknown, string]>([
    ['no id', { ...answer, payment_refund_id: undefined }, 'payment_refund_id'],
    ['no amount', { ...answer, amount: undefined }, 'amount'],
    ['a boolean amount', { ...answer, amount: false }, 'amount'],
  ])('%s is unreadable, naming %s', (_name, raw, field) => {
    expect(parseRefund(raw)).toEqual({ ok: false, field });
  });
});
