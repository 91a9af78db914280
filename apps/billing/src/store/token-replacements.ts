// Rows of a token replacement: a payment request (purpose TOKEN_REPLACEMENT, tokenize only) for a
// subscription that already runs, and what its Klarna call is built from. Written before the call
// to Klarna, under the subscription's row lock; decisions are made in src/lifecycle and src/signup.
import { randomUUID } from 'node:crypto';
import type { Db, DbOrTx, Tx } from './db.js';
import type {
  Merchant,
  PaymentRequest,
  Plan,
  PlanVersion,
  Subscription,
  SubscriptionPhase,
} from './generated/prisma/client.js';

/** Journeys that may still issue a token: the one a new request answers instead of opening another. */
const OPEN_STATES: PaymentRequest['state'][] = ['CREATING', 'SUBMITTED', 'IN_PROGRESS'];

export async function findOpenReplacement(
  tx: DbOrTx,
  subscriptionId: string,
  now: Date,
): Promise<PaymentRequest | null> {
  return tx.paymentRequest.findFirst({
    where: {
      subscriptionId,
      purpose: 'TOKEN_REPLACEMENT',
      state: { in: OPEN_STATES },
      OR: [{ expiresAt: null }, { expiresAt: { gt: now } }],
    },
    orderBy: { createdAt: 'desc' },
  });
}

export interface NewReplacementRequest {
  readonly subscription: Pick<Subscription, 'id' | 'merchantId' | 'customerId' | 'currency'>;
  readonly expectedExpiry: Date;
  readonly now: Date;
  readonly keyFor: (call: 'payment-request', rowId: string) => string;
}

export async function insertReplacementRequest(
  tx: Tx,
  input: NewReplacementRequest,
): Promise<PaymentRequest> {
  const id = randomUUID();
  const { subscription, now } = input;
  return tx.paymentRequest.create({
    data: {
      id,
      merchantId: subscription.merchantId,
      customerId: subscription.customerId,
      subscriptionId: subscription.id,
      purpose: 'TOKEN_REPLACEMENT',
      reference: id,
      tokenReference: randomUUID(),
      idempotencyKey: input.keyFor('payment-request', id),
      paymentPart: 'NOT_REQUESTED',
      tokenPart: 'PENDING',
      amountMinor: null,
      currency: subscription.currency,
      expiresAt: input.expectedExpiry,
      createdAt: now,
      updatedAt: now,
    },
  });
}

/** What a replacement's Klarna call tells about the subscription: its terms as billed now. */
export interface ReplacementSource {
  readonly subscription: Subscription;
  readonly merchant: Merchant;
  /** The phase billing the current period (a pending plan change is not billed yet). */
  readonly phase: SubscriptionPhase & { planVersion: PlanVersion & { plan: Plan } };
  readonly paymentRequest: PaymentRequest;
}

export async function readReplacementSource(
  db: DbOrTx,
  merchantId: string,
  paymentRequestId: string,
): Promise<ReplacementSource | null> {
  const paymentRequest = await db.paymentRequest.findFirst({
    where: { id: paymentRequestId, merchantId, purpose: 'TOKEN_REPLACEMENT' },
    include: { subscription: { include: { merchant: true } } },
  });
  if (paymentRequest === null) return null;
  const { subscription, ...request } = paymentRequest;
  const phases = await db.subscriptionPhase.findMany({
    where: { subscriptionId: subscription.id },
    orderBy: { firstPeriodIndex: 'desc' },
    include: { planVersion: { include: { plan: true } } },
  });
  const phase = phases.find((p) => p.firstPeriodIndex <= subscription.periodIndex) ?? phases.at(-1);
  if (phase === undefined) return null;
  const { merchant, ...row } = subscription;
  return { subscription: row, merchant, phase, paymentRequest: request };
}

/** The replacement a retried request (same Idempotency-Key) created, if it is this merchant's. */
export async function findReplacement(
  db: Db,
  merchantId: string,
  paymentRequestId: string,
): Promise<PaymentRequest | null> {
  return db.paymentRequest.findFirst({
    where: { id: paymentRequestId, merchantId, purpose: 'TOKEN_REPLACEMENT' },
  });
}

/** A replacement's payment request row, as the signup code reads it (store types stay in the store). */
export type ReplacementRequestRow = PaymentRequest;

/** The request as it stands now; the caller holds the subscription's row lock. */
export function readReplacementRequest(tx: Tx, paymentRequestId: string): Promise<PaymentRequest> {
  return tx.paymentRequest.findUniqueOrThrow({ where: { id: paymentRequestId } });
}

/** The subscription as it stands now; the caller holds its row lock. */
export function readLockedSubscription(tx: Tx, subscriptionId: string): Promise<Subscription> {
  return tx.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });
}
