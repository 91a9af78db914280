// An authorize call's recorded outcome: the attempt row's status, and for an approval the Charge
// (Klarna's payment transaction) with the Capture that `capture: NOW` performed in the same call.
import { randomUUID } from 'node:crypto';
import {
  Prisma,
  type ChargeAttempt,
  type ChargeAttemptStatus,
  type DeclineCategory,
  type Subscription,
} from './generated/prisma/client.js';
import { captureDueAt, type RenewalPatch } from '../domain/index.js';
import { auditInsert, auditSteps, type Actor, type AuditEntry } from './audit.js';
import { queryLast, type RawTx } from './raw-tx.js';
import { renewalPatchUpdate } from './renewals.js';

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

export interface ApprovalMeta {
  readonly correlationId: string | null;
  readonly now: Date;
  readonly actor: Actor;
  /** The plan's capture delay: a LATER authorization is captured this long after it (clamped before expiry). */
  readonly captureDelaySeconds: number;
}

export interface RecordedCharge {
  readonly chargeId: string;
  /** Whether the money was captured in the authorize call (money counts only once captured). */
  readonly captured: boolean;
}

/**
 * Marks the attempt APPROVED and records its Charge (and Capture) once, in one statement: a
 * replayed answer for the same attempt finds the Charge already there (unique per attempt and per
 * Klarna transaction) and changes nothing.
 */
export async function recordApprovedCharge(
  tx: RawTx,
  attempt: ChargeAttempt,
  transaction: ApprovedTransactionFacts,
  meta: ApprovalMeta,
): Promise<RecordedCharge> {
  const { recorded } = await approvedChargeStatement(tx, attempt, transaction, meta, null);
  if (recorded === null) throw new Error(`attempt ${attempt.id}: no charge recorded`);
  return recorded;
}

/**
 * A renewal's approval settled in one statement: recordApprovedCharge's rows, the invoice PAID
 * (if still open, as changeOpenInvoice), the subscription's decision (checked against the version
 * read under the lock, as writeRenewalPatch) and its audit row. Every row hangs off the
 * subscription's update, so a changed version writes nothing and throws; that makes it safe as
 * its transaction's last statement, committed in the same write (queryLast).
 */
export async function recordApprovedRenewal(
  tx: RawTx,
  attempt: ChargeAttempt,
  transaction: ApprovedTransactionFacts,
  meta: ApprovalMeta,
  settled: ApprovedRenewal,
): Promise<RecordedCharge> {
  const { recorded, patched } = await approvedRenewalStatement(tx, attempt, transaction, meta, settled, null);
  if (patched !== 1) {
    throw new Error(
      `subscription ${settled.subscription.id} changed under its row lock (version ${settled.subscription.version})`,
    );
  }
  if (recorded === null) throw new Error(`attempt ${attempt.id}: no charge recorded`);
  return recorded;
}

/**
 * recordApprovedRenewal for a runner that did not lock and re-read the subscription after the call
 * (the renewal's common case: nothing changed while Klarna answered). The statement writes only if
 * the subscription still has the version the decision was made on, the attempt is still PENDING
 * and the invoice still OPEN; else it writes nothing and answers null, and the caller locks, reads
 * and decides again. Every other writer of those rows either bumps the version or holds the
 * subscription's lock while it changes the attempt or invoice, and the UPDATE waits for that lock.
 */
export async function recordApprovedRenewalIfUnchanged(
  tx: RawTx,
  attempt: ChargeAttempt,
  transaction: ApprovedTransactionFacts,
  meta: ApprovalMeta,
  settled: ApprovedRenewal,
): Promise<RecordedCharge | null> {
  const unchanged = Prisma.sql`
      AND EXISTS (SELECT 1 FROM "ChargeAttempt" WHERE id = ${attempt.id}::uuid AND status = 'PENDING')
      AND EXISTS (SELECT 1 FROM "Invoice" WHERE id = ${settled.invoiceId}::uuid AND status = 'OPEN')`;
  const { recorded, patched } = await approvedRenewalStatement(
    tx,
    attempt,
    transaction,
    meta,
    settled,
    unchanged,
  );
  return patched === 1 ? recorded : null;
}

/** A renewal's approval to settle: the invoice it pays, the subscription's decision and its audit row. */
export interface ApprovedRenewal {
  readonly invoiceId: string;
  readonly subscription: Pick<Subscription, 'id' | 'version'>;
  readonly patch: RenewalPatch;
  readonly audit: AuditEntry;
}

function approvedRenewalStatement(
  tx: RawTx,
  attempt: ChargeAttempt,
  transaction: ApprovedTransactionFacts,
  meta: ApprovalMeta,
  settled: ApprovedRenewal,
  /** More conditions on the subscription's update (every other write waits for it). */
  guard: Prisma.Sql | null,
): Promise<{ recorded: RecordedCharge | null; patched: number }> {
  const { now } = meta;
  const patch = renewalPatchUpdate(settled.subscription, settled.patch, now);
  return approvedChargeStatement(tx, attempt, transaction, meta, {
    patch: guard === null ? patch : Prisma.sql`${patch}${guard}`,
    after: Prisma.sql`,
    paid AS (
      UPDATE "Invoice" SET status = 'PAID', "paidAt" = ${now}::timestamptz, "heldAt" = NULL, "holdReason" = NULL,
        "updatedAt" = ${now}::timestamptz
      WHERE id = ${settled.invoiceId}::uuid AND status = 'OPEN' AND ${PATCHED}),
    ${auditSteps('settled_audit', settled.audit, PATCHED)}`,
  });
}

/** True once a settle's `patched` step updated the subscription: every settling write waits for it. */
const PATCHED = Prisma.sql`EXISTS (SELECT 1 FROM patched)`;

/** A renewal's settling steps: the subscription's UPDATE (RETURNING id), and steps after the charge's. */
interface SettleSteps {
  readonly patch: Prisma.Sql;
  readonly after: Prisma.Sql;
}

async function approvedChargeStatement(
  tx: RawTx,
  attempt: ChargeAttempt,
  transaction: ApprovedTransactionFacts,
  meta: ApprovalMeta,
  settle: SettleSteps | null,
): Promise<{ recorded: RecordedCharge | null; patched: number }> {
  const { now } = meta;
  // With a settle, every write below waits for the subscription's update to have happened.
  const gate = settle === null ? Prisma.sql`TRUE` : PATCHED;
  const captured = transaction.capture !== null;
  const chargeId = randomUUID();
  const audited = auditSteps(
    'audited',
    {
      actor: meta.actor,
      merchantId: attempt.merchantId,
      subscriptionId: attempt.subscriptionId,
      entityType: 'charge',
      entityId: chargeId,
      action: 'charge.approved',
      after: {
        attempt_id: attempt.id,
        invoice_id: attempt.invoiceId,
        klarna_payment_transaction_id: transaction.paymentTransactionId,
        amount: attempt.amountMinor,
        currency: attempt.currency,
        captured,
        klarna_correlation_id: meta.correlationId,
      },
      at: now,
    },
    Prisma.sql`EXISTS (SELECT 1 FROM charge)`,
  );
  const captureId = randomUUID();
  // A LATER authorization gets its capture time, counted on Rebill's clock (the one its sweep
  // runs on) and kept a day inside Klarna's expires_at; the money sweep brings it back then.
  const authorizedAt = transaction.authorizedAt ?? now;
  const dueAt =
    !captured && attempt.captureMode === 'LATER'
      ? captureDueAt(now, transaction.expiresAt, meta.captureDelaySeconds)
      : null;
  const captureStep =
    transaction.capture === null
      ? Prisma.empty
      : Prisma.sql`,
    capture AS (
      INSERT INTO "Capture" (id, "merchantId", "chargeId", "amountMinor", currency, reference, "klarnaCaptureId",
        status, "capturedAt", "createdAt", "updatedAt")
      SELECT ${captureId}::uuid, ${attempt.merchantId}::uuid, charge.id,
        ${transaction.capture.amount ?? attempt.amountMinor}::int, ${attempt.currency}::text,
        ${captureId}::text, ${transaction.capture.paymentCaptureId}::text, 'SUCCEEDED'::"MoneyOperationStatus",
        ${transaction.capture.capturedAt ?? now}::timestamptz, ${now}::timestamptz, ${now}::timestamptz
      FROM charge)`;
  const statement = Prisma.sql`
    WITH ${settle === null ? Prisma.empty : Prisma.sql`patched AS (${settle.patch} RETURNING id),`}
    existing AS (SELECT id, "capturedMinor" FROM "Charge" WHERE "attemptId" = ${attempt.id}::uuid),
    approved AS (
      UPDATE "ChargeAttempt" SET status = 'APPROVED', "klarnaCorrelationId" = ${meta.correlationId},
        "completedAt" = ${now}, "updatedAt" = ${now}, "sealedSessionToken" = NULL, "sealedKeyId" = NULL
      WHERE id = ${attempt.id}::uuid AND NOT EXISTS (SELECT 1 FROM existing) AND ${gate}),
    charge AS (
      INSERT INTO "Charge" (id, "merchantId", "subscriptionId", "invoiceId", "attemptId", "klarnaTransactionId",
        "amountMinor", currency, state, "captureMode", "capturedMinor", "authorizedAt", "expiresAt",
        "captureDueAt", "moneyActionAt", "createdAt", "updatedAt")
      SELECT ${chargeId}::uuid, ${attempt.merchantId}::uuid, ${attempt.subscriptionId}::uuid,
        ${attempt.invoiceId}::uuid, ${attempt.id}::uuid, ${transaction.paymentTransactionId}::text,
        ${attempt.amountMinor}::int, ${attempt.currency}::text,
        ${chargeState(transaction.state, captured)}::"ChargeState", ${attempt.captureMode}::"CaptureMode",
        ${captured ? (transaction.capture?.amount ?? attempt.amountMinor) : 0}::int,
        ${authorizedAt}::timestamptz, ${transaction.expiresAt}::timestamptz,
        ${dueAt}::timestamptz, ${dueAt}::timestamptz, ${now}::timestamptz, ${now}::timestamptz
      WHERE NOT EXISTS (SELECT 1 FROM existing) AND ${gate}
      RETURNING id)${captureStep},
    ${audited}${settle?.after ?? Prisma.empty}
    SELECT ${settle === null ? Prisma.sql`0` : Prisma.sql`(SELECT count(*) FROM patched)`}::int AS patched,
      r.id, r."capturedMinor", r.existed
    FROM (SELECT 1) AS one LEFT JOIN (
      SELECT id, "capturedMinor", true AS existed FROM existing
      UNION ALL SELECT id, 0, false FROM charge) AS r ON true`;
  type Row = { patched: number; id: string | null; capturedMinor: number | null; existed: boolean | null };
  const [row] = settle === null ? await tx.$queryRaw<Row[]>(statement) : await queryLast<Row>(tx, statement);
  if (row === undefined) throw new Error(`attempt ${attempt.id}: the statement answered no row`);
  const recorded =
    row.id === null
      ? null
      : row.existed === true
        ? { chargeId: row.id, captured: (row.capturedMinor ?? 0) > 0 }
        : { chargeId, captured };
  return { recorded, patched: row.patched };
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
  readonly actor: Actor;
}

/**
 * Records a non-approval outcome on an attempt (declined, failed, unknown, stepped up) with its
 * audit row, in one statement.
 */
export async function recordAttemptOutcome(
  tx: RawTx,
  attempt: Pick<ChargeAttempt, 'id' | 'merchantId' | 'subscriptionId' | 'status'>,
  update: AttemptOutcomeUpdate,
): Promise<void> {
  const terminal = update.status !== 'PENDING' && update.status !== 'UNKNOWN';
  const audited = auditInsert({
    actor: update.actor,
    merchantId: attempt.merchantId,
    subscriptionId: attempt.subscriptionId,
    entityType: 'charge_attempt',
    entityId: attempt.id,
    action: `charge_attempt.${update.status.toLowerCase()}`,
    before: { status: attempt.status },
    after: {
      status: update.status,
      decline_reason: update.declineReason ?? null,
      error_code: update.errorCode ?? null,
      klarna_correlation_id: update.correlationId,
    },
    at: update.now,
  });
  await tx.$executeRaw`
    WITH updated AS (
      UPDATE "ChargeAttempt" SET status = ${update.status}::"ChargeAttemptStatus",
        "declineReason" = ${update.declineReason ?? null}, "declineCategory" = ${update.declineCategory ?? null}::"DeclineCategory",
        "errorCode" = ${update.errorCode ?? null}, "klarnaCorrelationId" = ${update.correlationId},
        "completedAt" = CASE WHEN ${terminal} THEN ${update.now}::timestamptz ELSE "completedAt" END,
        "sealedSessionToken" = CASE WHEN ${terminal} THEN NULL ELSE "sealedSessionToken" END,
        "sealedKeyId" = CASE WHEN ${terminal} THEN NULL ELSE "sealedKeyId" END,
        "updatedAt" = ${update.now}
      WHERE id = ${attempt.id}::uuid
      RETURNING id)
    ${audited}`;
}

/** Counts a send of the attempt (same key every time) before the HTTP call goes out. */
export async function markAttemptSent(tx: RawTx, attempt: ChargeAttempt, now: Date): Promise<void> {
  await tx.$executeRaw`
    UPDATE "ChargeAttempt" SET "sendCount" = "sendCount" + 1,
      "firstSentAt" = ${attempt.firstSentAt ?? now}::timestamptz, "lastSentAt" = ${now}::timestamptz,
      "updatedAt" = ${now}::timestamptz
    WHERE id = ${attempt.id}::uuid`;
}
