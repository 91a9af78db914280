// An authorize call's recorded outcome: the attempt row's status, and for an approval the Charge
// (Klarna's payment transaction) with the Capture that `capture: NOW` performed in the same call.
import { randomUUID } from 'node:crypto';
import type { ChargeAttempt, ChargeAttemptStatus, DeclineCategory } from './generated/prisma/client.js';
import type { Tx } from './db.js';

export interface ApprovedTransactionFacts {
  readonly paymentTransactionId: string;
  readonly state: string | null;
  readonly authorizedAt: Date | null;
  readonly expiresAt: Date | null;
  readonly capture: {
    readonly paymentCaptureId: string;
    readonly amount: number | null;
    readonly capturedAt: Date | null;
  } | null;
}

export interface RecordedCharge {
  readonly chargeId: string;
  /** Whether the money was captured in the authorize call (money counts only once captured). */
  readonly captured: boolean;
}

/**
 * Marks the attempt APPROVED and records its Charge (and Capture) once: a replayed answer for the
 * same attempt finds the Charge already there (unique per attempt and per Klarna transaction).
 */
export async function recordApprovedCharge(
  tx: Tx,
  attempt: ChargeAttempt,
  transaction: ApprovedTransactionFacts,
  meta: { readonly correlationId: string | null; readonly now: Date },
): Promise<RecordedCharge> {
  const { now } = meta;
  const existing = await tx.charge.findFirst({
    where: { attemptId: attempt.id },
    select: { id: true, capturedMinor: true },
  });
  if (existing !== null) return { chargeId: existing.id, captured: existing.capturedMinor > 0 };
  await tx.chargeAttempt.update({
    where: { id: attempt.id },
    data: {
      status: 'APPROVED',
      klarnaCorrelationId: meta.correlationId,
      completedAt: now,
      updatedAt: now,
      sealedSessionToken: null,
      sealedKeyId: null,
    },
  });
  const captured = transaction.capture !== null;
  const chargeId = randomUUID();
  await tx.charge.create({
    data: {
      id: chargeId,
      merchantId: attempt.merchantId,
      subscriptionId: attempt.subscriptionId,
      invoiceId: attempt.invoiceId,
      attemptId: attempt.id,
      klarnaTransactionId: transaction.paymentTransactionId,
      amountMinor: attempt.amountMinor,
      currency: attempt.currency,
      state: chargeState(transaction.state, captured),
      captureMode: attempt.captureMode,
      capturedMinor: captured ? (transaction.capture?.amount ?? attempt.amountMinor) : 0,
      authorizedAt: transaction.authorizedAt ?? now,
      expiresAt: transaction.expiresAt,
      createdAt: now,
      updatedAt: now,
    },
  });
  if (transaction.capture !== null) {
    const captureId = randomUUID();
    await tx.capture.create({
      data: {
        id: captureId,
        merchantId: attempt.merchantId,
        chargeId,
        amountMinor: transaction.capture.amount ?? attempt.amountMinor,
        currency: attempt.currency,
        reference: captureId,
        klarnaCaptureId: transaction.capture.paymentCaptureId,
        status: 'SUCCEEDED',
        capturedAt: transaction.capture.capturedAt ?? now,
        createdAt: now,
        updatedAt: now,
      },
    });
  }
  return { chargeId, captured };
}

function chargeState(state: string | null, captured: boolean): 'AUTHORIZED' | 'COMPLETED' {
  if (state === 'COMPLETED' || captured) return 'COMPLETED';
  return 'AUTHORIZED';
}

export interface AttemptOutcomeUpdate {
  readonly status: Exclude<ChargeAttemptStatus, 'APPROVED'>;
  readonly declineReason?: string | null;
  readonly declineCategory?: DeclineCategory | null;
  readonly errorCode?: string | null;
  readonly correlationId: string | null;
  readonly now: Date;
}

/** Records a non-approval outcome on an attempt (declined, failed, unknown, stepped up). */
export async function recordAttemptOutcome(
  tx: Tx,
  attemptId: string,
  update: AttemptOutcomeUpdate,
): Promise<void> {
  const terminal = update.status !== 'PENDING' && update.status !== 'UNKNOWN';
  await tx.chargeAttempt.update({
    where: { id: attemptId },
    data: {
      status: update.status,
      declineReason: update.declineReason ?? null,
      declineCategory: update.declineCategory ?? null,
      errorCode: update.errorCode ?? null,
      klarnaCorrelationId: update.correlationId,
      ...(terminal ? { completedAt: update.now, sealedSessionToken: null, sealedKeyId: null } : {}),
      updatedAt: update.now,
    },
  });
}

/** Counts a send of the attempt (same key every time) before the HTTP call goes out. */
export async function markAttemptSent(tx: Tx, attempt: ChargeAttempt, now: Date): Promise<void> {
  await tx.chargeAttempt.update({
    where: { id: attempt.id },
    data: {
      sendCount: { increment: 1 },
      firstSentAt: attempt.firstSentAt ?? now,
      lastSentAt: now,
      updatedAt: now,
    },
  });
}
