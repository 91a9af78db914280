// A merchant's refund and void of a charge (the API's commands): one transaction locks the charge
// (scoped by merchant), asks the domain whether the operation may be written, writes it and brings
// the charge's money job forward; then the job runs inline, best effort (whatever it leaves open,
// the worker's money sweep finishes). Tagged results, never HTTP errors.
import type { RefundProblem } from '../domain/index.js';
import { decideRefund, decideVoid } from '../domain/index.js';
import type { Actor } from '../store/audit.js';
import {
  chargeMoneyDueNow,
  chargeMoneyOf,
  insertRefund,
  insertVoid,
  lockChargeMoney,
  refundableCapture,
  requestVoid,
  reservedByRefunds,
} from '../store/charge-money.js';
import { inTransaction } from '../store/db.js';
import { getRefundById, type RefundRow as Refund } from '../store/refunds.js';
import type { Clock } from '../domain/index.js';
import type { Db } from '../store/db.js';
import { audit } from '../store/audit.js';
import type { MoneyDeps } from './deps.js';
import { runChargeMoney } from './run-charge-money.js';

export interface MerchantMoneyDeps {
  readonly db: Db;
  readonly clock: Clock;
  /** The money job run inline after the write; absent: the worker's money sweep runs it. */
  readonly money: MoneyDeps | undefined;
}

export type RefundChargeResult =
  | { readonly kind: 'refund'; readonly refund: Refund }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'rejected'; readonly problem: RefundProblem; readonly refundableMinor: number };

export async function refundCharge(
  deps: MerchantMoneyDeps,
  input: {
    readonly merchantId: string;
    readonly chargeId: string;
    /** Absent: everything refundable. */
    readonly amountMinor: number | undefined;
    readonly reason: string | null;
    readonly actor: Actor;
  },
): Promise<RefundChargeResult> {
  const written = await inTransaction(deps.db, async (tx): Promise<RefundChargeResult> => {
    const rows = await lockChargeMoney(tx, input.chargeId, input.merchantId);
    if (rows === null) return { kind: 'not_found' };
    const decision = decideRefund(chargeMoneyOf(rows), reservedByRefunds(rows), input.amountMinor);
    if (decision.kind === 'REJECTED') {
      return { kind: 'rejected', problem: decision.problem, refundableMinor: decision.refundableMinor };
    }
    const capture = refundableCapture(rows);
    // Money counted as captured without a settled Klarna capture to refund against: not yet.
    if (capture === null) return { kind: 'rejected', problem: 'CHARGE_NOT_CAPTURED', refundableMinor: 0 };
    const now = deps.clock.now();
    const refund = await insertRefund(tx, rows.charge, capture, {
      amountMinor: decision.amountMinor,
      reason: input.reason,
      actor: input.actor,
      now,
    });
    await chargeMoneyDueNow(tx, rows.charge.id, now);
    return { kind: 'refund', refund };
  });
  if (written.kind !== 'refund') return written;
  await runInline(deps, input.chargeId, input.actor);
  const refund = await getRefundById(deps.db, written.refund.id);
  return { kind: 'refund', refund };
}

/** `Void.reason` of a void the merchant asked for over the API. */
export const MERCHANT_VOID_REASON = 'MERCHANT_REQUEST';

export type VoidChargeResult =
  { readonly kind: 'void_requested' } | { readonly kind: 'not_found' } | { readonly kind: 'nothing_to_void' };

export async function voidCharge(
  deps: MerchantMoneyDeps,
  input: { readonly merchantId: string; readonly chargeId: string; readonly actor: Actor },
): Promise<VoidChargeResult> {
  const written = await inTransaction(deps.db, async (tx): Promise<VoidChargeResult> => {
    const rows = await lockChargeMoney(tx, input.chargeId, input.merchantId);
    if (rows === null) return { kind: 'not_found' };
    const money = chargeMoneyOf(rows);
    if (decideVoid(money).kind === 'REJECTED') return { kind: 'nothing_to_void' };
    const now = deps.clock.now();
    await requestVoid(tx, rows.charge.id, now);
    // The Void row written here names why (the job would write one saying SUBSCRIPTION_CANCELED);
    // a void already open is the one the job sends.
    if (money.openVoid === null) await insertVoid(tx, rows.charge, MERCHANT_VOID_REASON, now);
    await audit(tx, {
      actor: input.actor,
      merchantId: rows.charge.merchantId,
      subscriptionId: rows.charge.subscriptionId,
      entityType: 'charge',
      entityId: rows.charge.id,
      action: 'charge.void_requested',
      after: { state: rows.charge.state, captured: rows.charge.capturedMinor },
      at: now,
    });
    return { kind: 'void_requested' };
  });
  if (written.kind === 'void_requested') await runInline(deps, input.chargeId, input.actor);
  return written;
}

/** The money job now, in the request; a failure leaves the row for the sweep (already due). */
async function runInline(deps: MerchantMoneyDeps, chargeId: string, actor: Actor): Promise<void> {
  if (deps.money === undefined) return;
  try {
    await runChargeMoney(deps.money, chargeId, actor);
  } catch (error) {
    deps.money.log.warn(
      { err: error, chargeId },
      'inline money job failed; the money sweep takes the charge',
    );
  }
}
