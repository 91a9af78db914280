// Applies a stored `payment.transaction.*` notification as a hint (CONTRACT.md §18.5/§18.6): under
// the charge's row lock the event is compared with the charge's rows; when it disagrees, the
// charge's money job is brought forward with a read requested, and the scheduler's money sweep
// reads the transaction from Klarna. Nothing here changes an amount or a state.
import { audit, KLARNA_ACTOR } from '../store/audit.js';
import { chargeIdForTransaction } from '../store/charge-lookups.js';
import { chargeMoneyDueNow, lockChargeMoney, type ChargeMoneyRows } from '../store/charge-money.js';
import { inTransaction, type Db, type DbOrTx } from '../store/db.js';
import type { AppliableWebhookEvent, ApplyVerdict } from '../store/webhook-events.js';
import {
  decideTransactionHint,
  parseTransactionHint,
  transactionHintKind,
  type HintCharge,
} from './transaction-hint.js';

export type RecordVerdict = (db: DbOrTx, verdict: ApplyVerdict, note: string | null) => Promise<ApplyVerdict>;

export function hintChargeOf(rows: ChargeMoneyRows): HintCharge {
  return {
    state: rows.charge.state,
    currency: rows.charge.currency,
    captures: rows.captures.map((c) => ({
      reference: c.reference,
      klarnaId: c.klarnaCaptureId,
      status: c.status,
      amountMinor: c.amountMinor,
    })),
    refunds: rows.refunds.map((r) => ({
      reference: r.reference,
      klarnaId: r.klarnaRefundId,
      status: r.status,
      amountMinor: r.amountMinor,
    })),
  };
}

export async function applyTransactionHint(
  db: Db,
  row: AppliableWebhookEvent,
  now: Date,
  record: RecordVerdict,
): Promise<ApplyVerdict> {
  const kind = transactionHintKind(row.eventType);
  if (kind === null) return record(db, 'IGNORED', 'event type not handled');
  const parsed = parseTransactionHint(kind, row.payload);
  if (!parsed.ok) return record(db, 'IGNORED', `payload unreadable at payload.${parsed.field || ''}`);
  const { hint } = parsed;
  const merchantId = row.merchantId;
  return inTransaction(db, async (tx) => {
    const chargeId =
      merchantId === null ? null : await chargeIdForTransaction(tx, hint.paymentTransactionId, merchantId);
    const rows = chargeId === null ? null : await lockChargeMoney(tx, chargeId, merchantId ?? undefined);
    const decision = decideTransactionHint(hint, rows === null ? null : hintChargeOf(rows));
    switch (decision.kind) {
      case 'UNKNOWN_TRANSACTION':
        return record(tx, 'IGNORED', 'no Rebill charge with this payment transaction');
      case 'AGREES':
        return record(tx, 'PROCESSED', 'no change: the rows agree');
      case 'READ': {
        if (rows === null) return record(tx, 'IGNORED', 'no Rebill charge with this payment transaction');
        const { charge } = rows;
        await chargeMoneyDueNow(tx, charge.id, now, true);
        await audit(tx, {
          actor: KLARNA_ACTOR,
          merchantId: charge.merchantId,
          subscriptionId: charge.subscriptionId,
          entityType: 'charge',
          entityId: charge.id,
          action: 'charge.read_requested',
          after: { event_type: row.eventType, webhook_event_id: row.id, why: decision.why },
          at: now,
        });
        return record(tx, 'PROCESSED', `read requested: ${decision.why}`);
      }
    }
  });
}
