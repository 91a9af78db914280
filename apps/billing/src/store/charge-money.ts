// The rows of a charge's money after authorization: captures, refunds and voids, each written
// before its Klarna call with a key derived from the row (CONTRACT.md §3), sent, then settled;
// and the charge's next money action, which the scheduler sweeps into a job. Every function takes
// the charge's row lock first or runs under it.
import { randomUUID } from 'node:crypto';
import type { ChargeMoney, OpenOperation } from '../domain/index.js';
import { klarnaIdempotencyKey } from '../ids/idempotency-keys.js';
import { audit, type Actor } from './audit.js';
import type { Db, Tx } from './db.js';
import type { Capture, Charge, Refund, Void } from './generated/prisma/client.js';
import type { RawTx } from './raw-tx.js';

const OPEN = ['PENDING', 'UNKNOWN'] as const;

export interface ChargeMoneyRows {
  readonly charge: Charge;
  /** The merchant's Klarna partner account. */
  readonly accountId: string;
  readonly captures: readonly Capture[];
  readonly refunds: readonly Refund[];
  readonly voids: readonly Void[];
}

/** Locks the charge row (FOR UPDATE), then reads it with its operations; null when unknown. */
export async function lockChargeMoney(
  tx: Tx,
  chargeId: string,
  merchantId?: string,
): Promise<ChargeMoneyRows | null> {
  const locked = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM "Charge" WHERE id = ${chargeId}::uuid FOR UPDATE`;
  if (locked.length === 0) return null;
  const charge = await tx.charge.findFirst({
    where: { id: chargeId, ...(merchantId === undefined ? {} : { merchantId }) },
    include: {
      merchant: { select: { klarnaPartnerAccountId: true } },
      captures: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
      refunds: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
      voids: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
    },
  });
  if (charge === null) return null;
  const { merchant, captures, refunds, voids, ...row } = charge;
  return {
    charge: row,
    accountId: merchant.klarnaPartnerAccountId,
    captures,
    refunds,
    voids,
  };
}

export const isOpen = (status: string): boolean => (OPEN as readonly string[]).includes(status);
const open = (op: { id: string; sendCount: number; lastSentAt: Date | null }): OpenOperation => ({
  id: op.id,
  sendCount: op.sendCount,
  lastSentAt: op.lastSentAt,
});

/** The domain's view of the rows. */
export function chargeMoneyOf(rows: ChargeMoneyRows): ChargeMoney {
  const { charge } = rows;
  const openCapture = rows.captures.find((c) => isOpen(c.status));
  const openVoid = rows.voids.find((v) => isOpen(v.status));
  return {
    state: charge.state,
    amountMinor: charge.amountMinor,
    capturedMinor: charge.capturedMinor,
    refundedMinor: charge.refundedMinor,
    releasedMinor: charge.releasedMinor,
    captureDueAt: charge.captureDueAt,
    expiresAt: charge.expiresAt,
    voidRequested: charge.voidRequestedAt !== null,
    readRequested: charge.readRequestedAt !== null,
    expiryAlerted: charge.expiryAlertedAt !== null,
    openCapture: openCapture === undefined ? null : open(openCapture),
    openVoid: openVoid === undefined ? null : open(openVoid),
    openRefunds: rows.refunds.filter((r) => isOpen(r.status)).map(open),
  };
}

/** What refunds hold of the captured money: refunded, or being refunded. */
export function reservedByRefunds(rows: Pick<ChargeMoneyRows, 'refunds'>): number {
  return rows.refunds
    .filter((r) => r.status === 'SUCCEEDED' || isOpen(r.status))
    .reduce((sum, r) => sum + r.amountMinor, 0);
}

/** The capture a refund goes against (Rebill captures once per charge; the newest that succeeded). */
export function refundableCapture(rows: Pick<ChargeMoneyRows, 'captures'>): Capture | null {
  const done = rows.captures.filter((c) => c.status === 'SUCCEEDED' && c.klarnaCaptureId !== null);
  return done.at(-1) ?? null;
}

export async function insertCapture(
  tx: Tx,
  charge: Charge,
  amountMinor: number,
  now: Date,
): Promise<Capture> {
  const id = randomUUID();
  return tx.capture.create({
    data: {
      id,
      merchantId: charge.merchantId,
      chargeId: charge.id,
      amountMinor,
      currency: charge.currency,
      reference: id,
      idempotencyKey: klarnaIdempotencyKey('capture', id),
      createdAt: now,
      updatedAt: now,
    },
  });
}

export async function insertVoid(tx: Tx, charge: Charge, reason: string, now: Date): Promise<Void> {
  const id = randomUUID();
  return tx.void.create({
    data: {
      id,
      merchantId: charge.merchantId,
      chargeId: charge.id,
      reason,
      idempotencyKey: klarnaIdempotencyKey('void', id),
      createdAt: now,
      updatedAt: now,
    },
  });
}

export async function insertRefund(
  tx: Tx,
  charge: Charge,
  capture: Capture,
  input: {
    readonly amountMinor: number;
    readonly reason: string | null;
    readonly actor: Actor;
    readonly now: Date;
  },
): Promise<Refund> {
  const id = randomUUID();
  const refund = await tx.refund.create({
    data: {
      id,
      merchantId: charge.merchantId,
      chargeId: charge.id,
      captureId: capture.id,
      amountMinor: input.amountMinor,
      currency: charge.currency,
      reason: input.reason,
      reference: id,
      idempotencyKey: klarnaIdempotencyKey('refund', id),
      createdAt: input.now,
      updatedAt: input.now,
    },
  });
  await audit(tx, {
    actor: input.actor,
    merchantId: charge.merchantId,
    subscriptionId: charge.subscriptionId,
    entityType: 'refund',
    entityId: id,
    action: 'refund.requested',
    after: {
      charge_id: charge.id,
      amount: input.amountMinor,
      currency: charge.currency,
      reason: input.reason,
    },
    at: input.now,
  });
  return refund;
}

export type MoneyTable = 'capture' | 'refund' | 'void';

/** Counts a send of the operation (same key each time). */
export async function markOperationSent(tx: Tx, table: MoneyTable, id: string, now: Date): Promise<void> {
  const data = { sendCount: { increment: 1 }, lastSentAt: now, updatedAt: now };
  if (table === 'capture') await tx.capture.update({ where: { id }, data });
  else if (table === 'refund') await tx.refund.update({ where: { id }, data });
  else await tx.void.update({ where: { id }, data });
}

/** The charge's next money action (null: none) and its lease released. */
export async function scheduleChargeMoney(
  tx: Tx,
  chargeId: string,
  at: Date | null,
  now: Date,
): Promise<void> {
  await tx.charge.update({
    where: { id: chargeId },
    data: { moneyActionAt: at, moneyLeaseUntil: null, updatedAt: now },
  });
}

export interface LeasedCharge {
  readonly chargeId: string;
  readonly dueAt: Date;
}

/**
 * Leases up to `limit` charges whose money action is due (and not held by a job), oldest first,
 * skipping rows another scheduler has locked.
 */
export async function leaseDueChargeMoney(
  db: Db,
  input: { readonly now: Date; readonly leaseUntil: Date; readonly limit: number },
): Promise<LeasedCharge[]> {
  const rows = await db.$queryRaw<{ id: string; due: Date }[]>`
    WITH due AS (
      SELECT id FROM "Charge"
      WHERE "moneyActionAt" IS NOT NULL
        AND GREATEST("moneyActionAt", "moneyLeaseUntil") <= ${input.now}::timestamptz
      ORDER BY GREATEST("moneyActionAt", "moneyLeaseUntil"), id
      LIMIT ${input.limit}
      FOR UPDATE SKIP LOCKED)
    UPDATE "Charge" c SET "moneyLeaseUntil" = ${input.leaseUntil}::timestamptz
    FROM due WHERE c.id = due.id
    RETURNING c.id, c."moneyActionAt" AS due`;
  return rows.map((r) => ({ chargeId: r.id, dueAt: r.due }));
}

/**
 * The subscription ended at once (a merchant's cancel, or a renewal approved after one): its
 * authorizations not yet captured are voided by the money job, which runs now. Raw SQL so that the
 * renewal runner's pipelined transaction can send it too.
 */
export async function requestVoidOfUncapturedCharges(
  tx: RawTx,
  input: { readonly subscriptionId: string; readonly at: Date },
): Promise<number> {
  return tx.$executeRaw`
    UPDATE "Charge" SET "voidRequestedAt" = ${input.at}::timestamptz, "moneyActionAt" = ${input.at}::timestamptz,
      "updatedAt" = ${input.at}::timestamptz
    WHERE "subscriptionId" = ${input.subscriptionId}::uuid AND state = 'AUTHORIZED' AND "capturedMinor" = 0`;
}

/** A merchant's void of one charge: asked for now, sent by the money job. */
export async function requestVoid(tx: Tx, chargeId: string, at: Date): Promise<void> {
  await tx.charge.update({
    where: { id: chargeId },
    data: { voidRequestedAt: at, moneyActionAt: at, updatedAt: at },
  });
}

/** Brings the charge's money job forward to `at` (a refund written, a webhook that disagreed). */
export async function chargeMoneyDueNow(tx: Tx, chargeId: string, at: Date, read = false): Promise<void> {
  await tx.charge.update({
    where: { id: chargeId },
    data: { moneyActionAt: at, ...(read ? { readRequestedAt: at } : {}), updatedAt: at },
  });
}

/** Operators are told once that the authorization nears expiry uncaptured. */
export async function markExpiryAlerted(tx: Tx, chargeId: string, now: Date): Promise<void> {
  await tx.charge.update({ where: { id: chargeId }, data: { expiryAlertedAt: now, updatedAt: now } });
}

/** Asks the next run to read the transaction first. */
export async function requestRead(tx: Tx, chargeId: string, now: Date): Promise<void> {
  await tx.charge.update({ where: { id: chargeId }, data: { readRequestedAt: now } });
}

/** The most sends any open operation of the charge has had (1 when none is open). */
export async function openOperationSends(db: Db, chargeId: string): Promise<number> {
  const open = { chargeId, status: { in: [...OPEN] } };
  const [c, r, v] = await Promise.all([
    db.capture.aggregate({ where: open, _max: { sendCount: true } }),
    db.refund.aggregate({ where: open, _max: { sendCount: true } }),
    db.void.aggregate({ where: open, _max: { sendCount: true } }),
  ]);
  return Math.max(c._max.sendCount ?? 1, r._max.sendCount ?? 1, v._max.sendCount ?? 1);
}

/** A read that can never succeed (404, a permanent error): stop asking, and say so in the audit trail. */
export async function abandonRead(
  tx: Tx,
  charge: Pick<Charge, 'id' | 'merchantId' | 'subscriptionId'>,
  reason: string,
  meta: { readonly actor: Actor; readonly now: Date },
): Promise<void> {
  await tx.charge.update({ where: { id: charge.id }, data: { readRequestedAt: null, updatedAt: meta.now } });
  await audit(tx, {
    actor: meta.actor,
    merchantId: charge.merchantId,
    subscriptionId: charge.subscriptionId,
    entityType: 'charge',
    entityId: charge.id,
    action: 'charge.read_failed',
    after: { reason },
    at: meta.now,
  });
}

/** Charges whose money work is due, leased or not: zero means the money sweep has nothing left. */
export async function countDueChargeMoney(db: Db, now: Date): Promise<number> {
  const [row] = await db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM "Charge"
    WHERE "moneyActionAt" IS NOT NULL AND "moneyActionAt" <= ${now}`;
  return row?.n ?? 0;
}
