// Table tests of the pure §18 decisions: states, amounts, limits, allocation.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS,
  type CaptureRecord,
  type TransactionRecord,
  type TransactionState,
} from './model.js';
import {
  allocateRefund,
  decideCapture,
  decideCaptureRefund,
  decideExpiry,
  decideGraceEnd,
  decideTransactionRefund,
  decideVoid,
} from './rules.js';

const capture = (id: string, amount: number, refunded = 0): CaptureRecord => ({
  id,
  reference: null,
  amount,
  refunded,
  capturedAt: 0,
});

function tx(state: TransactionState, captures: CaptureRecord[] = [], more: Partial<TransactionRecord> = {}) {
  const record: TransactionRecord = {
    id: 'tx',
    accountId: 'a',
    reference: 'r',
    amount: 1000,
    currency: 'EUR',
    state,
    authorizedAt: 0,
    expiresAt: 1,
    lineItems: [],
    captures,
    refunds: [],
    released: 0,
    voids: 0,
    ...more,
  };
  return record;
}

const limits = DEFAULT_LIMITS;
const refundsOf = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `r${i}`,
    reference: null,
    captureId: null,
    amount: 0,
    allocations: [],
    refundedAt: 0,
  }));

describe('decideCapture', () => {
  it.each([
    ['AUTHORIZED', [], 400, { next: 'AUTHORIZED' }],
    ['AUTHORIZED', [], 1000, { next: 'COMPLETED' }],
    ['AUTHORIZED', [capture('c1', 600)], 400, { next: 'COMPLETED' }],
    ['AUTHORIZED', [capture('c1', 600)], 401, { kind: 'invalid', parameter: 'amount' }],
    ['AUTHORIZED', [], 1001, { kind: 'invalid', parameter: 'amount' }],
    ['EXPIRED', [], 1, { kind: 'forbidden' }],
    ['COMPLETED', [capture('c1', 1000)], 1, { kind: 'forbidden' }],
    ['CLOSED', [], 1, { kind: 'forbidden' }],
  ] as const)('%s with %j, capture %d -> %j', (state, captures, amount, expected) => {
    expect(decideCapture(tx(state, [...captures]), amount, limits)).toMatchObject(expected);
  });

  it('refuses the 201st capture and the 501st action with 403', () => {
    const many = Array.from({ length: 200 }, (_, i) => capture(`c${i}`, 1));
    expect(decideCapture(tx('AUTHORIZED', many), 1, limits)).toMatchObject({ kind: 'forbidden' });
    const busy = tx('AUTHORIZED', [capture('c', 1)], { refunds: refundsOf(200), voids: 299 });
    expect(decideCapture(busy, 1, limits)).toMatchObject({ kind: 'forbidden' });
  });
});

describe('decideCaptureRefund', () => {
  it.each([
    ['AUTHORIZED', 300, 'ok'],
    ['COMPLETED', 500, 'ok'],
    ['COMPLETED', 501, 'forbidden'],
    ['EXPIRED', 1, 'forbidden'],
    ['CLOSED', 1, 'forbidden'],
  ] as const)('%s refund %d of a 500 capture -> %s', (state, amount, expected) => {
    const decision = decideCaptureRefund(tx(state, [capture('c1', 500)]), 'c1', amount, limits);
    expect('kind' in decision ? decision.kind : 'ok').toBe(expected);
  });

  it('counts what was refunded already, and an unknown capture is not found', () => {
    const t = tx('COMPLETED', [capture('c1', 500, 450)]);
    expect(decideCaptureRefund(t, 'c1', 51, limits)).toMatchObject({ kind: 'forbidden' });
    expect(decideCaptureRefund(t, 'c1', 50, limits)).toMatchObject({ capture: { id: 'c1' } });
    expect(decideCaptureRefund(t, 'nope', 1, limits)).toMatchObject({ kind: 'not_found' });
  });

  it('refuses the 201st refund', () => {
    const t = tx('COMPLETED', [capture('c1', 1000)], { refunds: refundsOf(200) });
    expect(decideCaptureRefund(t, 'c1', 1, limits)).toMatchObject({ kind: 'forbidden' });
  });
});

describe('allocateRefund', () => {
  const captures = [capture('c1', 300, 100), capture('c2', 300), capture('c3', 400)];
  it.each([
    [150, [{ captureId: 'c1', amount: 150 }]],
    [200, [{ captureId: 'c1', amount: 200 }]],
    [
      250,
      [
        { captureId: 'c1', amount: 200 },
        { captureId: 'c2', amount: 50 },
      ],
    ],
    [
      900,
      [
        { captureId: 'c1', amount: 200 },
        { captureId: 'c2', amount: 300 },
        { captureId: 'c3', amount: 400 },
      ],
    ],
    [901, undefined],
  ])('%d -> %j (oldest capture first)', (amount, expected) => {
    expect(allocateRefund(captures, amount)).toEqual(expected);
  });

  it('refund by transaction is forbidden beyond what is refundable', () => {
    expect(decideTransactionRefund(tx('COMPLETED', captures), 901, limits)).toMatchObject({
      kind: 'forbidden',
    });
    expect(decideTransactionRefund(tx('AUTHORIZED', []), 1, limits)).toMatchObject({ kind: 'forbidden' });
  });
});

describe('decideVoid', () => {
  it.each([
    ['AUTHORIZED', [], { next: 'CLOSED', released: 1000 }],
    ['AUTHORIZED', [capture('c1', 400)], { next: 'COMPLETED', released: 600 }],
    ['EXPIRED', [], { next: 'CLOSED', released: 1000 }],
    ['EXPIRED', [capture('c1', 400)], { next: 'COMPLETED', released: 600 }],
    ['COMPLETED', [capture('c1', 1000)], { kind: 'forbidden' }],
    ['CLOSED', [], { kind: 'forbidden' }],
  ] as const)('%s with %j -> %j', (state, captures, expected) => {
    expect(decideVoid(tx(state, [...captures]), limits)).toEqual(
      'kind' in expected ? expect.objectContaining(expected) : expected,
    );
  });
});

describe('expiry and grace', () => {
  it.each([
    ['AUTHORIZED', 'EXPIRED'],
    ['COMPLETED', undefined],
    ['CLOSED', undefined],
    ['EXPIRED', undefined],
  ] as const)('at expires_at %s -> %s', (state, expected) => {
    expect(decideExpiry(tx(state))).toBe(expected);
  });

  it.each([
    ['EXPIRED', [], { next: 'CLOSED', released: 1000 }],
    ['EXPIRED', [capture('c1', 250)], { next: 'COMPLETED', released: 750 }],
    ['CLOSED', [], undefined],
    ['COMPLETED', [capture('c1', 1000)], undefined],
  ] as const)('7 days later %s with %j -> %j', (state, captures, expected) => {
    expect(decideGraceEnd(tx(state, [...captures]))).toEqual(expected);
  });
});
