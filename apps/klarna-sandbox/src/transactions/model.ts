// A payment transaction as the sandbox keeps it (CONTRACT.md §18): the authorization, its
// captures and refunds, and the remainder released by a void or after expiry. Amounts are
// integer minor units; times are epoch ms of the sandbox clock.

export const TRANSACTION_STATES = ['AUTHORIZED', 'EXPIRED', 'COMPLETED', 'CLOSED'] as const;
export type TransactionState = (typeof TRANSACTION_STATES)[number];

/** Per-transaction limits (§18.7); excess is a 403. Overridable for tests only. */
export interface TransactionLimits {
  captures: number;
  refunds: number;
  voids: number;
  /** Every write counts: captures (NOW included), refunds and voids (INFERRED). */
  actions: number;
}

export const DEFAULT_LIMITS: TransactionLimits = { captures: 200, refunds: 200, voids: 200, actions: 500 };

/** §18.2: EXPIRED becomes CLOSED (or COMPLETED when partly captured) 7 days after expiry. */
export const GRACE_AFTER_EXPIRY_MS = 7 * 86_400_000;

export interface CaptureRecord {
  id: string;
  reference: string | null;
  amount: number;
  refunded: number;
  capturedAt: number;
}

export interface Allocation {
  captureId: string;
  amount: number;
}

export interface RefundRecord {
  id: string;
  reference: string | null;
  /** The refunded capture; null for a refund by transaction (see allocations). */
  captureId: string | null;
  amount: number;
  allocations: Allocation[];
  refundedAt: number;
}

export interface TransactionRecord {
  id: string;
  accountId: string;
  reference: string;
  amount: number;
  currency: string;
  state: TransactionState;
  authorizedAt: number;
  expiresAt: number;
  lineItems: unknown[];
  captures: CaptureRecord[];
  refunds: RefundRecord[];
  /** The authorization given up by a void or by the end of the grace period after expiry. */
  released: number;
  voids: number;
}

const sum = (values: readonly { amount: number }[]): number => values.reduce((t, v) => t + v.amount, 0);

export const capturedOf = (tx: TransactionRecord): number => sum(tx.captures);
export const refundedOf = (tx: TransactionRecord): number => sum(tx.refunds);
/** Authorized amount still capturable. */
export const remainingOf = (tx: TransactionRecord): number => tx.amount - capturedOf(tx) - tx.released;
export const actionsOf = (tx: TransactionRecord): number => tx.captures.length + tx.refunds.length + tx.voids;
