import { describe, expect, it } from 'vitest';
import {
  compareTotals,
  compareTransaction,
  formatReconciliation,
  Reconciler,
  totalsOf,
  type Difference,
  type KlarnaTransaction,
  type RebillTransaction,
} from './reconcile.js';

const rebill = (overrides: Partial<RebillTransaction> = {}): RebillTransaction => ({
  merchantId: 'm1',
  paymentTransactionId: 'tx1',
  currency: 'EUR',
  state: 'COMPLETED',
  capturedMinor: 1000,
  refundedMinor: 300,
  releasedMinor: 0,
  ...overrides,
});

const klarna = (
  overrides: Partial<Extract<KlarnaTransaction, { kind: 'read' }>> = {},
): KlarnaTransaction => ({
  kind: 'read',
  state: 'COMPLETED',
  currency: 'EUR',
  capturedMinor: 1000,
  refundedMinor: 300,
  releasedMinor: 0,
  ...overrides,
});

const diff = (field: Difference['field'], r: Difference['rebill'], k: Difference['klarna']): Difference => ({
  merchantId: 'm1',
  paymentTransactionId: 'tx1',
  currency: 'EUR',
  field,
  rebill: r,
  klarna: k,
});

describe('compareTransaction', () => {
  it.each<[string, RebillTransaction, KlarnaTransaction, Difference[]]>([
    ['all agree', rebill(), klarna(), []],
    ['Klarna leaves the currency out', rebill(), klarna({ currency: null }), []],
    ['currency in another case', rebill(), klarna({ currency: 'eur' }), []],
    ['state differs', rebill({ state: 'AUTHORIZED' }), klarna(), [diff('state', 'AUTHORIZED', 'COMPLETED')]],
    ['captured differs', rebill({ capturedMinor: 400 }), klarna(), [diff('captured', 400, 1000)]],
    ['refunded differs', rebill(), klarna({ refundedMinor: 500 }), [diff('refunded', 300, 500)]],
    ['released differs', rebill({ releasedMinor: 200 }), klarna(), [diff('released', 200, 0)]],
    ['currency differs', rebill(), klarna({ currency: 'SEK' }), [diff('currency', 'EUR', 'SEK')]],
    [
      'several at once, in a fixed order',
      rebill({ state: 'AUTHORIZED', capturedMinor: 0, refundedMinor: 0 }),
      klarna(),
      [diff('state', 'AUTHORIZED', 'COMPLETED'), diff('captured', 0, 1000), diff('refunded', 0, 300)],
    ],
    ['unknown to Klarna', rebill(), { kind: 'not_found' }, [diff('not_found', 'COMPLETED', null)]],
    [
      'Klarna could not be read',
      rebill(),
      { kind: 'unreadable', reason: 'transient:SERVER_ERROR' },
      [diff('unreadable', 'COMPLETED', 'transient:SERVER_ERROR')],
    ],
  ])('%s', (_name, r, k, expected) => {
    expect(compareTransaction(r, k)).toEqual(expected);
  });
});

describe('totals per merchant and currency', () => {
  const pairs = [
    { rebill: rebill(), klarna: klarna() },
    {
      rebill: rebill({ paymentTransactionId: 'tx2', refundedMinor: 0 }),
      klarna: klarna({ refundedMinor: 0 }),
    },
    { rebill: rebill({ paymentTransactionId: 'tx3', currency: 'SEK' }), klarna: klarna({ currency: 'SEK' }) },
    {
      rebill: rebill({ merchantId: 'm0', paymentTransactionId: 'tx4' }),
      klarna: { kind: 'not_found' } as const,
    },
  ];

  it('sums each side, sorted by merchant then currency; Klarna adds nothing for a transaction it does not know', () => {
    expect(totalsOf(pairs)).toEqual([
      {
        merchantId: 'm0',
        currency: 'EUR',
        rebill: { capturedMinor: 1000, refundedMinor: 300, releasedMinor: 0 },
        klarna: { capturedMinor: 0, refundedMinor: 0, releasedMinor: 0 },
      },
      {
        merchantId: 'm1',
        currency: 'EUR',
        rebill: { capturedMinor: 2000, refundedMinor: 300, releasedMinor: 0 },
        klarna: { capturedMinor: 2000, refundedMinor: 300, releasedMinor: 0 },
      },
      {
        merchantId: 'm1',
        currency: 'SEK',
        rebill: { capturedMinor: 1000, refundedMinor: 300, releasedMinor: 0 },
        klarna: { capturedMinor: 1000, refundedMinor: 300, releasedMinor: 0 },
      },
    ]);
  });

  it('reports only the totals that differ', () => {
    expect(compareTotals(totalsOf(pairs))).toEqual([
      {
        merchantId: 'm0',
        paymentTransactionId: null,
        currency: 'EUR',
        field: 'total_captured',
        rebill: 1000,
        klarna: 0,
      },
      {
        merchantId: 'm0',
        paymentTransactionId: null,
        currency: 'EUR',
        field: 'total_refunded',
        rebill: 300,
        klarna: 0,
      },
    ]);
  });
});

describe('Reconciler and the report', () => {
  it('agreeing transactions: no differences, the summary line alone', () => {
    const r = new Reconciler();
    r.add(rebill(), klarna());
    r.add(rebill({ paymentTransactionId: 'tx2' }), klarna());
    const result = r.result();
    expect(result.differences).toEqual([]);
    expect(formatReconciliation(result)).toBe('reconciled 2 transactions: 0 differences');
  });

  it('a broken row: the transaction and its total differ, one line each under a header', () => {
    const r = new Reconciler();
    r.add(rebill(), klarna());
    r.add(rebill({ paymentTransactionId: 'tx2', capturedMinor: 999 }), klarna());
    const result = r.result();
    expect(result.transactions).toBe(2);
    expect(result.differences).toEqual([
      { ...diff('captured', 999, 1000), paymentTransactionId: 'tx2' },
      { ...diff('total_captured', 1999, 2000), paymentTransactionId: null },
    ]);
    expect(formatReconciliation(result).split('\n')).toEqual([
      'merchant\tcurrency\ttransaction\tfield\trebill\tklarna',
      'm1\tEUR\ttx2\tcaptured\trebill=999\tklarna=1000',
      'm1\tEUR\t(total)\ttotal_captured\trebill=1999\tklarna=2000',
      'reconciled 2 transactions: 2 differences',
    ]);
  });

  it('nothing to reconcile', () => {
    expect(formatReconciliation(new Reconciler().result())).toBe('reconciled 0 transactions: 0 differences');
  });
});
