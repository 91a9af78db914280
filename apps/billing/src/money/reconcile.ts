// Reconciliation of Rebill's charges with Klarna's payment transactions, purely: per
// payment_transaction_id the captured, refunded and released amounts and the state; then the
// totals per merchant and currency, Rebill's sums against Klarna's. Nothing is corrected here:
// the differences are reported for an operator (a read by the money job settles open operations).

/** A charge as Rebill's rows have it. */
export interface RebillTransaction {
  readonly merchantId: string;
  readonly paymentTransactionId: string;
  readonly currency: string;
  readonly state: string;
  readonly capturedMinor: number;
  readonly refundedMinor: number;
  readonly releasedMinor: number;
}

/** What Klarna answered for the transaction. */
export type KlarnaTransaction =
  | {
      readonly kind: 'read';
      readonly state: string;
      /** null when Klarna's answer left it out (Rebill's currency is assumed then). */
      readonly currency: string | null;
      readonly capturedMinor: number;
      readonly refundedMinor: number;
      readonly releasedMinor: number;
    }
  | { readonly kind: 'not_found' }
  /** The read failed (after its retries): the transaction could not be compared. */
  | { readonly kind: 'unreadable'; readonly reason: string };

export type DifferenceField =
  | 'state'
  | 'currency'
  | 'captured'
  | 'refunded'
  | 'released'
  | 'not_found'
  | 'unreadable'
  | 'total_captured'
  | 'total_refunded'
  | 'total_released';

export interface Difference {
  readonly merchantId: string;
  /** null for a total. */
  readonly paymentTransactionId: string | null;
  readonly currency: string;
  readonly field: DifferenceField;
  readonly rebill: string | number | null;
  readonly klarna: string | number | null;
}

export interface Sums {
  readonly capturedMinor: number;
  readonly refundedMinor: number;
  readonly releasedMinor: number;
}

export interface Totals {
  readonly merchantId: string;
  readonly currency: string;
  readonly rebill: Sums;
  readonly klarna: Sums;
}

export interface Reconciliation {
  readonly transactions: number;
  readonly differences: readonly Difference[];
  readonly totals: readonly Totals[];
}

const AMOUNTS = [
  ['captured', 'capturedMinor'],
  ['refunded', 'refundedMinor'],
  ['released', 'releasedMinor'],
] as const;

/** The differences of one transaction (none when Rebill and Klarna agree). */
export function compareTransaction(rebill: RebillTransaction, klarna: KlarnaTransaction): Difference[] {
  const at = {
    merchantId: rebill.merchantId,
    paymentTransactionId: rebill.paymentTransactionId,
    currency: rebill.currency,
  };
  if (klarna.kind === 'not_found') return [{ ...at, field: 'not_found', rebill: rebill.state, klarna: null }];
  if (klarna.kind === 'unreadable') {
    return [{ ...at, field: 'unreadable', rebill: rebill.state, klarna: klarna.reason }];
  }
  const differences: Difference[] = [];
  if (klarna.state !== rebill.state) {
    differences.push({ ...at, field: 'state', rebill: rebill.state, klarna: klarna.state });
  }
  if (klarna.currency !== null && klarna.currency.toUpperCase() !== rebill.currency.toUpperCase()) {
    differences.push({ ...at, field: 'currency', rebill: rebill.currency, klarna: klarna.currency });
  }
  for (const [field, key] of AMOUNTS) {
    if (klarna[key] !== rebill[key]) {
      differences.push({ ...at, field, rebill: rebill[key], klarna: klarna[key] });
    }
  }
  return differences;
}

const ZERO: Sums = { capturedMinor: 0, refundedMinor: 0, releasedMinor: 0 };
const add = (a: Sums, b: Sums): Sums => ({
  capturedMinor: a.capturedMinor + b.capturedMinor,
  refundedMinor: a.refundedMinor + b.refundedMinor,
  releasedMinor: a.releasedMinor + b.releasedMinor,
});

type Pair = { readonly rebill: RebillTransaction; readonly klarna: KlarnaTransaction };

function addToTotals(totals: Map<string, Totals>, { rebill, klarna }: Pair): void {
  const key = `${rebill.merchantId}\u0000${rebill.currency}`;
  const current = totals.get(key) ?? {
    merchantId: rebill.merchantId,
    currency: rebill.currency,
    rebill: ZERO,
    klarna: ZERO,
  };
  totals.set(key, {
    ...current,
    rebill: add(current.rebill, rebill),
    klarna: klarna.kind === 'read' ? add(current.klarna, klarna) : current.klarna,
  });
}

const sorted = (totals: Map<string, Totals>): Totals[] =>
  [...totals.values()].sort(
    (a, b) => a.merchantId.localeCompare(b.merchantId) || a.currency.localeCompare(b.currency),
  );

/**
 * Totals per merchant and Rebill's currency for the charge: Rebill's sums over every charge,
 * Klarna's over what it answered (a transaction it does not know adds nothing on its side).
 */
export function totalsOf(pairs: readonly Pair[]): Totals[] {
  const totals = new Map<string, Totals>();
  for (const pair of pairs) addToTotals(totals, pair);
  return sorted(totals);
}

export function compareTotals(totals: readonly Totals[]): Difference[] {
  return totals.flatMap((t) =>
    AMOUNTS.filter(([, key]) => t.rebill[key] !== t.klarna[key]).map(([field, key]) => ({
      merchantId: t.merchantId,
      paymentTransactionId: null,
      currency: t.currency,
      field: `total_${field}` as const,
      rebill: t.rebill[key],
      klarna: t.klarna[key],
    })),
  );
}

/** Incremental reconciliation: add each transaction as it is read, then `result()`. */
export class Reconciler {
  private count = 0;
  private readonly differences: Difference[] = [];
  /** Running sums: memory grows with merchants and currencies, not with transactions. */
  private readonly totals = new Map<string, Totals>();

  add(rebill: RebillTransaction, klarna: KlarnaTransaction): void {
    this.count += 1;
    this.differences.push(...compareTransaction(rebill, klarna));
    addToTotals(this.totals, { rebill, klarna });
  }

  result(): Reconciliation {
    const totals = sorted(this.totals);
    return {
      transactions: this.count,
      differences: [...this.differences, ...compareTotals(totals)],
      totals,
    };
  }
}

/** One line per difference, then the summary line. */
export function formatReconciliation(result: Reconciliation): string {
  const show = (value: string | number | null): string => (value === null ? '-' : String(value));
  const lines = result.differences.map((d) =>
    [
      d.merchantId,
      d.currency,
      d.paymentTransactionId ?? '(total)',
      d.field,
      `rebill=${show(d.rebill)}`,
      `klarna=${show(d.klarna)}`,
    ].join('\t'),
  );
  const header =
    lines.length === 0
      ? []
      : [['merchant', 'currency', 'transaction', 'field', 'rebill', 'klarna'].join('\t')];
  return [
    ...header,
    ...lines,
    `reconciled ${result.transactions} transactions: ${result.differences.length} differences`,
  ].join('\n');
}
