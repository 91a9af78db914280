// Rows of a renewal: the subscription (locked), its phases with their plan versions, the
// merchant's Klarna account, its token row, and its newest invoice with that invoice's
// attempts. A subscription has at most one open invoice (see domain/renewal.ts), so the newest
// invoice is the one a renewal or a dunning retry charges.
import { randomUUID } from 'node:crypto';
import type { NextActionKind, RenewalPatch } from '../domain/index.js';
import {
  Prisma,
  type ChargeAttempt,
  type CustomerToken,
  type Invoice,
  type InvoiceLine,
  type Plan,
  type PlanVersion,
  type Subscription,
  type SubscriptionPhase,
} from './generated/prisma/client.js';
import { auditInsert, type Actor, type AuditEntry } from './audit.js';
import { queryInOrder, queryLast, type RawTx } from './raw-tx.js';
import {
  readChargeAttempt,
  readCustomerToken,
  readInvoice,
  readInvoiceLine,
  readPhase,
  readPlan,
  readPlanVersion,
  readSubscription,
} from './row-readers.js';
import type { NewChargeAttempt } from './signup-writes.js';
import { takeInvoiceNumberSql } from './invoice-numbers.js';
import { lockSubscriptionSql } from './subscription-lock.js';

export type RenewalPhase = SubscriptionPhase & { planVersion: PlanVersion & { plan: Plan } };

export interface RenewalContextRows {
  readonly subscription: Subscription;
  /** The merchant's Klarna partner account: charges go to it, 429s throttle it. */
  readonly accountId: string;
  /**
   * Every phase with its plan version, oldest first (a handful: signup, resumes, plan changes).
   * The runner bills a period in the phase that contains it (domain phaseForPeriod): a phase that
   * starts with a later period (a plan change from the next period) waits for it.
   */
  readonly phases: readonly RenewalPhase[];
  /** The subscription's token row (sealed), read with the rest: a charge opens it without another read. */
  readonly token: CustomerToken | null;
  readonly invoice: (Invoice & { lines: InvoiceLine[] }) | null;
  /** The newest invoice's attempts, oldest first. */
  readonly attempts: readonly ChargeAttempt[];
}

/**
 * Locks the subscription row, then reads the rest (READ COMMITTED: a read after the lock sees
 * what the previous holder committed). Two statements, sent together where the transaction
 * pipelines: the read still starts only once the lock is held.
 */
export async function lockRenewalContext(
  tx: RawTx,
  subscriptionId: string,
): Promise<RenewalContextRows | null> {
  const [locked = [], rows = []] = await queryInOrder(tx, [
    lockSubscriptionSql(subscriptionId),
    Prisma.sql([RENEWAL_CONTEXT_SQL, '::uuid'], subscriptionId),
  ]);
  const row = rows[0] as RenewalContextJson | undefined;
  if (locked.length === 0 || row === undefined || row.phases.length === 0) return null;
  const invoice = row.invoice === null ? null : readInvoice(row.invoice.invoice);
  const token = row.token === null ? null : readCustomerToken(row.token);
  return {
    subscription: readSubscription(row.s),
    accountId: row.account_id,
    phases: row.phases.map((p) => ({
      ...readPhase(p.phase),
      planVersion: { ...readPlanVersion(p.planVersion), plan: readPlan(p.plan) },
    })),
    token,
    invoice: invoice === null ? null : { ...invoice, lines: (row.invoice?.lines ?? []).map(readInvoiceLine) },
    attempts: (row.invoice?.attempts ?? []).map(readChargeAttempt),
  };
}

interface RenewalContextJson {
  readonly s: unknown;
  readonly account_id: string;
  readonly token: unknown;
  readonly phases: readonly {
    readonly phase: unknown;
    readonly planVersion: unknown;
    readonly plan: unknown;
  }[];
  readonly invoice: {
    readonly invoice: unknown;
    readonly lines: unknown[];
    readonly attempts: unknown[];
  } | null;
}

// The phase, invoice and line rows are found by their parent's id alone: the composite foreign keys
// ((subscriptionId, merchantId), (invoiceId, merchantId)) already make them the same merchant's,
// and a merchant condition here let the planner combine the (merchantId, number) index with the
// (subscriptionId, periodIndex) one: a read of every invoice of the merchant, at every renewal.
const RENEWAL_CONTEXT_SQL = `
  SELECT row_to_json(s) AS s,
    (SELECT m."klarnaPartnerAccountId" FROM "Merchant" m WHERE m.id = s."merchantId") AS account_id,
    (SELECT row_to_json(t) FROM "CustomerToken" t WHERE t.id = s."tokenId" AND t."merchantId" = s."merchantId") AS token,
    (SELECT coalesce(json_agg(json_build_object('phase', row_to_json(ph), 'planVersion', row_to_json(pv),
         'plan', row_to_json(p)) ORDER BY ph."firstPeriodIndex"), '[]')
       FROM "SubscriptionPhase" ph
       JOIN "PlanVersion" pv ON pv.id = ph."planVersionId" AND pv."merchantId" = ph."merchantId"
       JOIN "Plan" p ON p.id = pv."planId" AND p."merchantId" = pv."merchantId"
       WHERE ph."subscriptionId" = s.id) AS phases,
    (SELECT json_build_object(
         'invoice', row_to_json(i),
         'lines', (SELECT coalesce(json_agg(l ORDER BY l.position), '[]') FROM "InvoiceLine" l
                   WHERE l."invoiceId" = i.id),
         'attempts', (SELECT coalesce(json_agg(a ORDER BY a."attemptNumber"), '[]') FROM "ChargeAttempt" a
                      WHERE a."invoiceId" = i.id))
       FROM "Invoice" i
       WHERE i."subscriptionId" = s.id
       ORDER BY i."periodIndex" DESC LIMIT 1) AS invoice
  FROM "Subscription" s
  WHERE s.id = `;

export interface NewRenewalCharge {
  readonly subscription: Subscription;
  readonly planVersion: PlanVersion;
  readonly period: { readonly index: number; readonly start: Date; readonly end: Date };
  readonly lineDescription: string;
  readonly now: Date;
  /** The invoice's id (the attempt row below names it). */
  readonly invoiceId: string;
  readonly attempt: NewChargeAttempt;
  /**
   * When the attempt goes out now: its first send is counted in the same statement, with the
   * token's decrypt (its audit row and lastUsedAt), as revealCustomerToken and markAttemptSent would.
   * The charge is then called right after the commit, so the statement is the transaction's last:
   * committed in the same write where it can be (queryLast).
   */
  readonly sent: { readonly tokenId: string; readonly decryptAudit: AuditEntry } | null;
}

/**
 * A period's invoice (numbered from the merchant's gapless counter) with its one line and its
 * first attempt, in one statement (with the token's decrypt and the first send when `sent`). The
 * merchant's counter row stays locked until the transaction ends, so the caller commits right after
 * (with the statement itself when `sent`).
 */
export async function insertRenewalCharge(
  tx: RawTx,
  input: NewRenewalCharge,
): Promise<{ invoice: Invoice & { lines: InvoiceLine[] }; attempt: ChargeAttempt }> {
  const { subscription: sub, planVersion: version, period, now, attempt: a, sent } = input;
  const lineId = randomUUID();
  const sentStep =
    sent === null
      ? Prisma.empty
      : Prisma.sql`,
    decrypted AS (${auditInsert(sent.decryptAudit, Prisma.sql`EXISTS (SELECT 1 FROM attempt)`)} RETURNING id),
    touched AS (UPDATE "CustomerToken" SET "lastUsedAt" = ${now}::timestamptz
      WHERE id = ${sent.tokenId}::uuid AND EXISTS (SELECT 1 FROM attempt))`;
  const statement = Prisma.sql`
    WITH numbered AS (${takeInvoiceNumberSql(sub.merchantId)}),
    invoice AS (
      INSERT INTO "Invoice" (id, "merchantId", "customerId", "subscriptionId", "periodIndex", "planVersionId",
        number, "periodStart", "periodEnd", "amountMinor", currency, "issuedAt", "createdAt", "updatedAt")
      SELECT ${input.invoiceId}::uuid, ${sub.merchantId}::uuid, ${sub.customerId}::uuid, ${sub.id}::uuid,
        ${period.index}::int, ${version.id}::uuid, numbered.number, ${period.start}::timestamptz,
        ${period.end}::timestamptz, ${version.amountMinor}::int, ${sub.currency}::text, ${now}::timestamptz,
        ${now}::timestamptz, ${now}::timestamptz
      FROM numbered
      RETURNING *),
    line AS (
      INSERT INTO "InvoiceLine" (id, "merchantId", "invoiceId", position, description, quantity,
        "unitAmountMinor", "amountMinor", "planVersionId", "periodStart", "periodEnd")
      SELECT ${lineId}::uuid, ${sub.merchantId}::uuid, invoice.id, 1, ${input.lineDescription}::text, 1,
        ${version.amountMinor}::int, ${version.amountMinor}::int, ${version.id}::uuid,
        ${period.start}::timestamptz, ${period.end}::timestamptz
      FROM invoice
      RETURNING *),
    attempt AS (
      INSERT INTO "ChargeAttempt" (id, "merchantId", "subscriptionId", "invoiceId", "attemptNumber", kind,
        "tokenId", "idempotencyKey", reference, "amountMinor", currency, "captureMode", "sendCount",
        "firstSentAt", "lastSentAt", "createdAt", "updatedAt")
      SELECT ${a.id}::uuid, ${a.merchantId}::uuid, ${a.subscriptionId}::uuid, invoice.id, ${a.attemptNumber}::int,
        ${a.kind}::"ChargeAttemptKind", ${a.tokenId}::uuid, ${a.idempotencyKey}::text, ${a.reference ?? a.id}::text,
        ${a.amountMinor}::int, ${a.currency}::text, ${a.captureMode ?? 'NOW'}::"CaptureMode",
        ${sent === null ? 0 : 1}::int,
        ${sent === null ? null : now}::timestamptz, ${sent === null ? null : now}::timestamptz,
        ${a.at}::timestamptz, ${a.at}::timestamptz
      FROM invoice
      RETURNING *)${sentStep}
    SELECT row_to_json(invoice) AS invoice, row_to_json(line) AS line, row_to_json(attempt) AS attempt
    FROM invoice, line, attempt`;
  type Row = { invoice: unknown; line: unknown; attempt: unknown };
  // Nothing is written without the merchant's row (every step hangs off its number).
  const [row] = sent !== null ? await queryLast<Row>(tx, statement) : await tx.$queryRaw<Row[]>(statement);
  if (row === undefined) throw new Error(`merchant ${sub.merchantId} not found`);
  return {
    invoice: { ...readInvoice(row.invoice), lines: [readInvoiceLine(row.line)] },
    attempt: readChargeAttempt(row.attempt),
  };
}

export interface SkippedRangeRow {
  readonly merchantId: string;
  readonly subscriptionId: string;
  readonly fromIndex: number;
  readonly toIndex: number;
  readonly periodStart: Date;
  readonly periodEnd: Date;
  readonly actor: Actor;
  readonly now: Date;
}

/** Records periods that will never be charged, with their audit row; a repeat changes nothing. */
export async function insertSkippedRange(tx: RawTx, row: SkippedRangeRow): Promise<void> {
  const id = randomUUID();
  const audited = auditInsert(
    {
      actor: row.actor,
      merchantId: row.merchantId,
      subscriptionId: row.subscriptionId,
      entityType: 'subscription',
      entityId: row.subscriptionId,
      action: 'subscription.periods_skipped',
      after: {
        from_index: row.fromIndex,
        to_index: row.toIndex,
        period_start: row.periodStart.toISOString(),
        period_end: row.periodEnd.toISOString(),
        reason: 'CATCH_UP_POLICY',
      },
      at: row.now,
    },
    Prisma.sql`EXISTS (SELECT 1 FROM inserted)`,
  );
  await tx.$executeRaw`
    WITH inserted AS (
      INSERT INTO "SkippedPeriodRange" (id, "merchantId", "subscriptionId", "fromIndex", "toIndex",
        "periodStart", "periodEnd", reason, "createdAt")
      VALUES (${id}::uuid, ${row.merchantId}::uuid, ${row.subscriptionId}::uuid, ${row.fromIndex}::int,
        ${row.toIndex}::int, ${row.periodStart}::timestamptz, ${row.periodEnd}::timestamptz,
        'CATCH_UP_POLICY', ${row.now}::timestamptz)
      ON CONFLICT ("subscriptionId", "fromIndex") DO NOTHING
      RETURNING id)
    ${audited}`;
}

/**
 * Writes a renewal decision's subscription columns and next action, checking the version read
 * under the lock (optimistic: a writer that skipped the lock fails here instead of overwriting).
 */
export async function writeRenewalPatch(
  tx: RawTx,
  subscription: Pick<Subscription, 'id' | 'version'>,
  patch: RenewalPatch,
  now: Date,
): Promise<void> {
  const updated = await tx.$executeRaw(renewalPatchUpdate(subscription, patch, now));
  if (updated !== 1) {
    throw new Error(
      `subscription ${subscription.id} changed under its row lock (version ${subscription.version})`,
    );
  }
}

/**
 * writeRenewalPatch's UPDATE, also for a caller that writes it within a larger statement (and
 * checks that it updated one row).
 */
export function renewalPatchUpdate(
  subscription: Pick<Subscription, 'id' | 'version'>,
  patch: RenewalPatch,
  now: Date,
): Prisma.Sql {
  const optional = [
    patch.pausedAt === undefined ? null : Prisma.sql`"pausedAt" = ${patch.pausedAt}::timestamptz`,
    patch.canceledAt === undefined ? null : Prisma.sql`"canceledAt" = ${patch.canceledAt}::timestamptz`,
    patch.endedAt === undefined ? null : Prisma.sql`"endedAt" = ${patch.endedAt}::timestamptz`,
    patch.endedReason === undefined ? null : Prisma.sql`"endedReason" = ${patch.endedReason}::text`,
  ].filter((part): part is Prisma.Sql => part !== null);
  return Prisma.sql`
    UPDATE "Subscription" SET status = ${patch.status}::"SubscriptionStatus", "periodIndex" = ${patch.periodIndex}::int,
      "currentPeriodStart" = ${patch.currentPeriodStart}::timestamptz,
      "currentPeriodEnd" = ${patch.currentPeriodEnd}::timestamptz,
      "paidThroughPeriodIndex" = ${patch.paidThroughPeriodIndex}::int,
      "pastDuePeriodIndex" = ${patch.pastDuePeriodIndex}::int, "pastDueSince" = ${patch.pastDueSince}::timestamptz,
      "dunningAttempt" = ${patch.dunningAttempt}::int, "nextRetryAt" = ${patch.nextRetryAt}::timestamptz,
      "graceEndsAt" = ${patch.graceEndsAt}::timestamptz, "requiresNewToken" = ${patch.requiresNewToken}::boolean,
      "pauseAtPeriodEnd" = ${patch.pauseAtPeriodEnd}::boolean,${optional.length === 0 ? Prisma.empty : Prisma.sql` ${Prisma.join(optional, ', ')},`}
      "nextActionKind" = ${patch.next?.kind ?? null}::"NextActionKind", "nextActionAt" = ${patch.next?.at ?? null}::timestamptz,
      version = version + 1, "updatedAt" = ${now}::timestamptz
    WHERE id = ${subscription.id}::uuid AND version = ${subscription.version}::int`;
}

/** Moves the next action (same kind) to `at`, releasing the lease: a resend, a throttle, not due yet. */
export async function deferNextAction(
  tx: RawTx,
  subscriptionId: string,
  next: { readonly kind: NextActionKind; readonly at: Date },
  now: Date,
): Promise<void> {
  // The trigger releases the lease when the time moves; the second statement when it did not (a
  // throttle that defers to the same instant), so the next sweep takes the action again.
  await queryInOrder(tx, [
    Prisma.sql`UPDATE "Subscription" SET "nextActionKind" = ${next.kind}::"NextActionKind",
      "nextActionAt" = ${next.at}::timestamptz, "updatedAt" = ${now}::timestamptz
    WHERE id = ${subscriptionId}::uuid`,
    Prisma.sql`UPDATE "SubscriptionNextAction" SET "leaseUntil" = NULL WHERE "subscriptionId" = ${subscriptionId}::uuid`,
  ]);
}

export type InvoiceChange =
  { readonly kind: 'PAID' | 'UNCOLLECTIBLE' | 'VOID' } | { readonly kind: 'HELD'; readonly reason: string };

/** Applies an invoice outcome to an invoice that is still open. */
export async function changeOpenInvoice(
  tx: RawTx,
  invoiceId: string,
  change: InvoiceChange,
  now: Date,
): Promise<void> {
  await tx.$executeRaw`
    UPDATE "Invoice" SET ${invoiceChangeColumns(change, now)}, "updatedAt" = ${now}::timestamptz
    WHERE id = ${invoiceId}::uuid AND status = 'OPEN'`;
}

function invoiceChangeColumns(change: InvoiceChange, now: Date): Prisma.Sql {
  switch (change.kind) {
    case 'PAID':
      return Prisma.sql`status = 'PAID', "paidAt" = ${now}::timestamptz, "heldAt" = NULL, "holdReason" = NULL`;
    case 'UNCOLLECTIBLE':
      return Prisma.sql`status = 'UNCOLLECTIBLE'`;
    case 'VOID':
      return Prisma.sql`status = 'VOID', "voidedAt" = ${now}::timestamptz`;
    case 'HELD':
      return Prisma.sql`"heldAt" = ${now}::timestamptz, "holdReason" = ${change.reason}::text`;
  }
}
